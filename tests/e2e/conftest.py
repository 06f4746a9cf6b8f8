"""Starts ``python -m quantum.runtime serve`` (what ``quantum serve`` runs) on a loopback port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
ADMIN = ("ops", "ops-password-1")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Served:
    port: int
    proc: subprocess.Popen[str]
    log_path: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def login(self) -> str:
        r = httpx.post(
            f"{self.base}/api/auth/login", json={"username": ADMIN[0], "password": ADMIN[1]}
        )
        assert r.status_code == 200, r.text
        return str(r.json()["token"])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    port = _free_port()
    env = {
        **os.environ,
        "QUANTUM_ADMIN_USER": ADMIN[0],
        "QUANTUM_ADMIN_PASSWORD": ADMIN[1],
        "PYTHONPATH": os.pathsep.join([str(REPO / "python"), str(REPO)]),
    }
    env.pop("QUANTUM_DATABASE_URL", None)
    cmd = [sys.executable, "-m", "quantum.runtime", "serve", "--host", "127.0.0.1"]
    cmd += ["--port", str(port), "--data-dir", str(tmp_path)]
    # A file, not a pipe: nobody reads a pipe while the test runs, and a full one blocks the server.
    log_path = tmp_path / "serve.log"
    log = log_path.open("w")
    proc = subprocess.Popen(
        cmd, env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT, text=True
    )
    served = Served(port, proc, log_path)
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(f"service exited: {log_path.read_text()}")
            try:
                if httpx.get(f"{served.base}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("service did not come up within 60 s")
            time.sleep(0.05)
        yield served
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.close()
