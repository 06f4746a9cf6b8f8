"""Tick-to-decision latency of the live runtime path, measured locally and offline.

Run: ``python benches/bench_tick_to_decision.py [N]`` (needs ``QUANTUM_SHARED_DATA`` or
``<repo>/../shared/data``). Not part of the normal test run.

Path measured, per message: a recorded native Binance USD-M trade message is handed to the real
ccxt.pro ``binanceusdm`` object (its WebSocket handler, as its receive loop would) → ccxt parses
it and resolves ``watch_trades`` → :class:`MarketDataClient` normalizes it → :class:`ExchangeFeed`
builds the tick-column chunk → ``Engine.on_tick`` returns its decision (the events tuple, empty
when nothing is decided). The clock starts when the message is handed over (local receive) and
stops when ``on_tick`` returns. One message is in flight at a time, so each sample is one
event's own latency, not queueing. The socket read itself is not included (no network exists
here).
"""

from __future__ import annotations

import asyncio
import gzip
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import orjson

import quantum
from quantum.exchanges.binanceusdm import BinanceUsdmConfig
from quantum.exchanges.binanceusdm.factory import CCXT_OPTIONS, create_data_client
from quantum.exchanges.common.offline import CannedHttp, OfflineWs
from quantum.runtime.exchange_feeds import ExchangeFeed

REPO = Path(__file__).resolve().parents[1]
ARGS = ("ts_event", "ts_recv", "symbol", "price", "bid", "ask", "bid_qty", "ask_qty", "volume")


def _data_dir() -> Path:
    env = os.environ.get("QUANTUM_SHARED_DATA")
    return Path(env) if env else REPO / ".." / "shared" / "data"


def _trades(n: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    path = _data_dir() / "l2_book" / "binance_usdm_btcusdt_20240808.jsonl.gz"
    with gzip.open(path, "rb") as fh:
        for line in fh:
            msg = orjson.loads(line.partition(b" ")[2])
            data = msg.get("data", {})
            if data.get("e") == "trade":
                out.append(data)
                if len(out) == n:
                    break
    return out


Latencies = np.ndarray[Any, np.dtype[np.int64]]


async def measure(n: int) -> tuple[Latencies, Latencies, dict[str, int]]:
    """End-to-end and ``on_tick``-only latencies (ns) of ``n`` trade messages, and the count of
    engine events by kind."""
    import ccxt.pro

    markets = (REPO / "tests" / "exchanges" / "fixtures" / "markets_binanceusdm.json").read_text()
    ex = ccxt.pro.binanceusdm({"enableRateLimit": False, "options": dict(CCXT_OPTIONS)})
    CannedHttp(orjson.loads(markets)).install(ex)
    ws = OfflineWs(ex).install()
    feed = ExchangeFeed(
        create_data_client(BinanceUsdmConfig(), exchange=ex),
        {"BTCUSDT": "BTC/USDT:USDT"},
        ["trades"],
    )
    engine = quantum.Engine()
    trades = _trades(n)
    lat = np.zeros(len(trades), dtype=np.int64)
    eng = np.zeros(len(trades), dtype=np.int64)
    kinds: dict[str, int] = {}
    done = asyncio.Event()
    start = [0]

    async def consume() -> None:
        i = 0
        async for chunk in feed.chunks():
            rows = zip(*(chunk[a].tolist() for a in ARGS), strict=True)
            for row in rows:
                t0 = time.perf_counter_ns()
                events = engine.on_tick(*row)
                t1 = time.perf_counter_ns()
                lat[i] = t1 - start[0]
                eng[i] = t1 - t0
                for ev in events:
                    kinds[type(ev).__name__] = kinds.get(type(ev).__name__, 0) + 1
                i += 1
            done.set()
            if i == len(trades):
                return

    task = asyncio.ensure_future(consume())
    try:
        sent = await ws.wait_sent(1)
        ws.feed({"result": None, "id": sent[-1]["id"]})
        for t in trades:
            # Re-stamped to the present, as the live venue would send it, so the engine's
            # sanitizer sees a fresh event rather than a 2024 one.
            now_ms = time.time_ns() // 1_000_000
            t = {**t, "E": now_ms, "T": now_ms}
            done.clear()
            start[0] = time.perf_counter_ns()
            ws.feed(t)
            await asyncio.wait_for(done.wait(), timeout=10)
        await asyncio.wait_for(task, timeout=10)
    finally:
        task.cancel()
        await ex.close()
    return lat, eng, kinds


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    lat, eng, kinds = asyncio.run(measure(n))
    skip = min(100, len(lat) // 10)  # the first events include ccxt's lazy set-up
    for label, values in (("receive -> decision", lat[skip:]), ("Engine.on_tick only", eng[skip:])):
        p50, p99, pmax = np.percentile(values, [50, 99, 100]) / 1000
        print(
            f"{label}: {len(values)} events, p50 {p50:.1f} us, p99 {p99:.1f} us, max {pmax:.1f} us"
        )
    print(f"engine events by kind: {kinds}")


if __name__ == "__main__":
    main()
