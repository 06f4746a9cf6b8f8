"""``quantum serve`` as a real process on a loopback port: login, WebSocket, ticks and status."""

from __future__ import annotations

import json
import signal
import time

import httpx
import pytest
from websockets.sync.client import connect

from tests.e2e.conftest import ADMIN, Served

pytestmark = pytest.mark.e2e


def test_serve_process_streams_ticks_and_status(served: Served) -> None:
    token = served.login()
    seen: dict[str, dict[str, object]] = {}
    with connect(f"ws://127.0.0.1:{served.port}/ws?token={token}", open_timeout=10) as ws:
        # The client offered permessage-deflate (the default); the service declines it so a push
        # is not compressed once per connection.
        assert ws.protocol.extensions == []
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
    status = httpx.get(f"{served.base}/api/status", headers={"Authorization": f"Bearer {token}"})
    assert status.json()["ticks_processed"] > 0
    assert httpx.get(f"{served.base}/api/status").status_code == 401


def test_serve_prints_address_and_shuts_down_cleanly(served: Served) -> None:
    served.login()
    served.proc.terminate()
    served.proc.wait(timeout=30)
    out = served.log_path.read_text()
    # uvicorn shuts down gracefully, then re-raises the signal it caught.
    assert served.proc.returncode in (0, -signal.SIGTERM), out
    assert f"http://127.0.0.1:{served.port}/" in out
    assert "Application shutdown complete" in out
    assert ADMIN[1] not in out


def test_serve_defaults_to_the_shipped_real_recording(served: Served) -> None:
    """With no feed option the dashboard gets real BTCUSDT/ETHUSDT ticks, and signals."""
    token = served.login()
    ticks: dict[str, dict[str, object]] = {}
    signals: list[dict[str, object]] = []
    with connect(f"ws://127.0.0.1:{served.port}/ws?token={token}", open_timeout=10) as ws:
        ws.send(json.dumps({"op": "subscribe", "topics": ["tick", "signal"]}))
        deadline = time.monotonic() + 30
        while not (len(ticks) == 2 and signals):
            assert time.monotonic() < deadline, f"ticks of {sorted(ticks)}, {len(signals)} signals"
            msg = json.loads(ws.recv(timeout=10))
            if msg["type"] == "tick":
                ticks[msg["data"]["symbol"]] = msg["data"]
            elif msg["type"] == "signal":
                signals.append(msg["data"])
    assert set(ticks) == {"BTCUSDT", "ETHUSDT"}
    # Prices of the recorded night (2024-08-08), not of the synthetic market.
    assert 61_500 < float(str(ticks["BTCUSDT"]["bid"])) < 61_800
    assert 2_670 < float(str(ticks["ETHUSDT"]["price"])) < 2_690
    assert signals[0]["symbol"] in ticks
    headers = {"Authorization": f"Bearer {token}"}
    status = httpx.get(f"{served.base}/api/status", headers=headers).json()
    assert status["feed"].startswith("recorded Binance USD-M")
