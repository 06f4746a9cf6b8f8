"""Service benchmarks: WebSocket push latency, REST latency under load, runtime throughput.

Run: ``pytest benches/bench_service.py -s`` (not part of the normal test run). Everything is on
loopback; the service runs as a real process (``python -m quantum.runtime serve``) under the
default feed, except the throughput run, which drives the runtime in-process as fast as it goes.

- push latency: ``data.ts`` of a ``tick`` message is the tick's local receive time (``ts_recv``);
  the client's receive time minus it, over 60 s, with 1 and with 200 connected clients (every
  client subscribed to ticks of both symbols). Two figures with 200 clients: the measuring client
  (a full ``websockets`` client, alone in this process: its user-space receive time, so its own
  wake-up on the shared cores is in it, and it sits wherever the fan-out puts it), and every one
  of the other 199 (light load clients, ``ws_load.py``, in a child process: the kernel's receive
  time of the bytes at each client's socket, ``SO_TIMESTAMPNS``, so all positions in the fan-out
  count, ~199 samples per tick). Right after, the machine's floor in the same window: the 200
  sends alone from one thread (``machine_floor.py``), which the push's p99 cannot go below.
- REST: 50 concurrent clients loop over the dashboard's queries for 15 s; p50 / p99 per request
  (light clients, ``http_load.py``: keep-alive connections that do not decode the JSON).
- throughput: the synthetic market through feed → engine (one account) → store writer (SQLite,
  durable) → bus (one subscriber), unpaced; ticks/s, and the writer backlog at the end (it must
  not grow without bound).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from websockets.asyncio.client import connect

REPO = Path(__file__).resolve().parents[1]
ADMIN = ("bench", "bench-password-1")


def _pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q)) if values else float("nan")


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    tmp = tmp_path_factory.mktemp("svc")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "QUANTUM_ADMIN_USER": ADMIN[0],
        "QUANTUM_ADMIN_PASSWORD": ADMIN[1],
        "PYTHONPATH": os.pathsep.join([str(REPO / "python"), str(REPO)]),
    }
    log = (tmp / "serve.log").open("w")
    cmd = [sys.executable, "-m", "quantum.runtime", "serve", "--port", str(port)]
    cmd += ["--data-dir", str(tmp)]
    proc = subprocess.Popen(cmd, env=env, cwd=tmp, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/api/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.05)
        token = httpx.post(
            f"{base}/api/auth/login", json={"username": ADMIN[0], "password": ADMIN[1]}
        ).json()["token"]
        yield base, token
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
        log.close()


async def _push_latency(
    base: str, token: str, clients: int, seconds: float, others_ms: list[float]
) -> list[float]:
    """The measuring client (a full ``websockets`` client that decodes every message) runs alone
    in this process; the other ``clients - 1`` are light load clients (``ws_load.py``: real
    WebSocket connections that receive every frame without decoding it) in a child process, so
    the measuring client's receive time is neither delayed by this loop reading 199 other sockets
    first nor by 199 Python decoders taking the 2 cores at the same moment (that would measure
    the benchmark's clients, not the service's push). The load clients' own latency samples
    (kernel receive times) are appended to ``others_ms``."""
    url = base.replace("http", "ws") + f"/ws?token={token}"
    samples: list[float] = []
    others = None
    latency_file = Path(tempfile.mkstemp(suffix=".txt")[1])
    if clients > 1:
        argv = [url, str(clients - 1), str(seconds + 8.0), str(latency_file)]
        others = subprocess.Popen([sys.executable, str(REPO / "benches" / "ws_load.py"), *argv])
        await asyncio.sleep(5.0)  # let them connect and subscribe before measuring
    stop = time.monotonic() + seconds
    try:
        async with connect(url, max_queue=None) as ws:
            await ws.send(json.dumps({"op": "subscribe", "topics": ["tick"]}))
            while time.monotonic() < stop:
                try:
                    raw = await asyncio.wait_for(ws.recv(), timeout=1.0)
                except TimeoutError:
                    continue
                now = time.time_ns()
                msg = json.loads(raw)
                if msg["type"] == "tick":
                    samples.append((now - msg["data"]["ts"]) / 1e6)
    finally:
        if others is not None:
            others.wait(timeout=60)
            others_ms.extend(float(x) for x in latency_file.read_text().split())
        latency_file.unlink()
    return samples


@pytest.mark.parametrize("clients", [1, 200])
def test_push_latency(service: tuple[str, str], clients: int) -> None:
    base, token = service
    # ~12 sampled ticks/s: 60 s gives ~700 samples, so p99 is not just the 3rd-worst one.
    others: list[float] = []
    samples = asyncio.run(_push_latency(base, token, clients, 60.0, others))
    assert len(samples) > 50
    print(
        f"\npush latency tick recv -> WS client, {clients} clients: "
        f"p50 {_pct(samples, 50):.2f} ms, p99 {_pct(samples, 99):.2f} ms ({len(samples)} ticks)"
    )
    if clients > 1:
        assert len(others) > 50 * (clients - 1)
        print(
            f"  the {clients - 1} load clients (kernel receive time): p50 {_pct(others, 50):.2f} "
            f"ms, p99 {_pct(others, 99):.2f} ms, max {max(others):.2f} ms ({len(others)} deliveries)"
        )
        # The same window's floor: the fan-out's sends alone, from one thread, no service work.
        import machine_floor

        floor = machine_floor.fanout_ms(clients)
        print(
            f"  machine floor now: {clients} loopback sends alone (machine_floor.py): "
            f"p50 {_pct(floor, 50):.2f} ms, p99 {_pct(floor, 99):.2f} ms, max {max(floor):.2f} ms "
            f"({len(floor)} rounds)"
        )


@pytest.mark.parametrize("refresh_s", [0.0, 2.0])
def test_rest_latency_50_clients(service: tuple[str, str], refresh_s: float) -> None:
    """``refresh_s`` 0: each client fires its next query as soon as the last answers (saturation);
    2: each client reloads the dashboard's 8 queries every 2 s (≈ 200 requests/s in all). The
    clients are light (``http_load.py``: one keep-alive connection each, no JSON decoding), so
    the figure is the service's, not the benchmark client's."""
    import http_load

    base, token = service
    seconds = 15.0
    times = asyncio.run(http_load.run(base, token, 50, seconds, refresh_s))
    every = [t for ts in times.values() for t in ts]
    print(
        f"\nREST, 50 concurrent clients, refresh {refresh_s:g} s: p50 {_pct(every, 50):.1f} ms, "
        f"p99 {_pct(every, 99):.1f} ms, {len(every) / seconds:.0f} req/s"
    )
    for path, ts in times.items():
        print(f"  {path:45s} p50 {_pct(ts, 50):6.1f} ms, p99 {_pct(ts, 99):6.1f} ms")


def test_runtime_throughput(tmp_path: Path) -> None:
    from quantum.engine import EngineConfig
    from quantum.runtime import Runtime, RuntimeOptions, synthetic_feed
    from quantum.store import Role, StoreWriter, open_store
    from quantum.store.repositories.users import create_user

    n = 500_000
    store = open_store(f"sqlite:///{tmp_path / 'q.db'}")
    with store.session() as s:
        create_user(s, "bench", "bench-password-1", Role.ADMIN)
    writer = StoreWriter(store, tmp_path / "spool")
    feed = synthetic_feed(block=n, speed=0)
    feed.loop = False
    rt = Runtime(
        store,
        writer,
        feed,
        RuntimeOptions(engine_config=EngineConfig(auto_execute=True), status_interval_s=0.5),
    )

    async def run() -> tuple[float, Any, float]:
        sub = rt.bus.subscribe(1)
        rt.bus.set_topics(sub, ["tick", "fill", "trade", "signal", "status"], [])

        async def drain() -> None:
            while True:
                await sub.queue.get()

        drainer = asyncio.create_task(drain())
        t0 = time.perf_counter()
        await rt.start()
        await rt._tasks[0]
        elapsed = time.perf_counter() - t0
        backlog = writer.stats()
        t1 = time.perf_counter()
        assert await writer.aflush(60)  # what was left at the end is written: how long it takes
        drained_s = time.perf_counter() - t1
        await rt.stop()
        drainer.cancel()
        return elapsed, backlog, drained_s

    elapsed, backlog, drained_s = asyncio.run(run())
    stats = writer.close()
    assert rt.ticks_processed == n and stats.backlog == 0 and stats.dead_letters == 0
    print(
        f"\nruntime end to end (feed -> engine -> store -> bus): {n / elapsed:,.0f} ticks/s; "
        f"signals {rt.status()['signals']}, trades {rt.status()['trades']}, "
        f"writer backlog at end {backlog.backlog} (written {backlog.written}), "
        f"drained in {drained_s:.2f} s"
    )
