"""``quantum serve`` as a real process on a loopback port: login, WebSocket, ticks and status."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_process_streams_ticks_and_status(tmp_path: Path) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "QUANTUM_ADMIN_USER": "ops",
        "QUANTUM_ADMIN_PASSWORD": "ops-password-1",
        "PYTHONPATH": os.pathsep.join([str(REPO / "python"), str(REPO)]),
    }
    env.pop("QUANTUM_DATABASE_URL", None)
    cmd = [sys.executable, "-m", "quantum.runtime", "serve", "--host", "127.0.0.1"]
    cmd += ["--port", str(port), "--data-dir", str(tmp_path)]
    proc = subprocess.Popen(
        cmd, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            try:
                if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "service did not come up"
            time.sleep(0.05)
        r = httpx.post(
            f"{base}/api/auth/login", json={"username": "ops", "password": "ops-password-1"}
        )
        assert r.status_code == 200
        token = r.json()["token"]
        seen: dict[str, dict[str, object]] = {}
        with connect(f"ws://127.0.0.1:{port}/ws?token={token}", open_timeout=10) as ws:
            ws.send(json.dumps({"op": "subscribe", "topics": ["tick", "status"]}))
            last_seq = 0
            deadline = time.monotonic() + 30
            while not ("tick" in seen and "status" in seen):
                assert time.monotonic() < deadline, f"saw only {sorted(seen)}"
                msg = json.loads(ws.recv(timeout=10))
                assert msg["seq"] == last_seq + 1
                last_seq = msg["seq"]
                seen[msg["type"]] = msg["data"]
        assert seen["status"]["feed_connected"] is True
        assert seen["status"]["engine_state"] == "running"
        assert seen["tick"]["exchange"] == "replay"
        status = httpx.get(f"{base}/api/status", headers={"Authorization": f"Bearer {token}"})
        assert status.json()["ticks_processed"] > 0
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            out, _ = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
    assert proc.returncode == 0, out
    assert f"http://127.0.0.1:{port}/" in out and "Application shutdown complete" in out
    assert "ops-password-1" not in out
