"""Native exchange messages -> normalized ticks / BookMessages, from raw JSON text.

The input is the real Binance USD-M capture (hftbacktest format, 93,954 lines: depthUpdate,
bookTicker, trade and one REST snapshot). The timed loop is what a live feed does per message:
``orjson.loads`` on the raw text, then the venue's pure parser. Prints native messages/s
(median of the rounds). Run with ``pytest benches/bench_normalize.py -s``.
"""

from __future__ import annotations

import gzip
import os
import time
from pathlib import Path

import numpy as np
import orjson
from pytest_benchmark.fixture import BenchmarkFixture

from quantum.exchanges.binanceusdm.parse import parse_book_snapshot, parse_ws_message
from quantum.exchanges.common.types import BookMessage, Tick, ticks_to_columns

DATA = Path(
    os.environ.get(
        "QUANTUM_SHARED_DATA", Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
    )
)
CAPTURE = DATA / "l2_book" / "binance_usdm_btcusdt_20240808.jsonl.gz"


def _lines() -> list[tuple[int, bytes]]:
    out: list[tuple[int, bytes]] = []
    with gzip.open(CAPTURE, "rb") as fh:
        for line in fh:
            ts, _, raw = line.partition(b" ")
            out.append((int(ts), raw))
    return out


def _normalize(lines: list[tuple[int, bytes]]) -> tuple[int, int]:
    books = ticks = 0
    loads = orjson.loads
    for ts, raw in lines:
        msg = loads(raw)
        if "lastUpdateId" in msg:
            parse_book_snapshot(msg, "BTCUSDT", ts)
            books += 1
            continue
        for ev in parse_ws_message(msg, ts):
            if type(ev) is Tick:
                ticks += 1
            else:
                books += 1
    return books, ticks


def test_normalize_binance_usdm_capture(benchmark: BenchmarkFixture) -> None:
    lines = _lines()
    n = len(lines)
    assert n == 93_954
    runs: list[float] = []
    cpu: list[float] = []
    result: list[tuple[int, int]] = []

    def once() -> None:
        t0, c0 = time.perf_counter(), time.process_time()
        result.append(_normalize(lines))
        runs.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)

    benchmark.pedantic(once, rounds=5, iterations=1)
    books, ticks = result[-1]
    assert (books, ticks) == (6_551 + 1, 66_089 + 21_313)
    med = float(np.median(runs))
    med_cpu = float(np.median(cpu))
    # CPU time is printed too: on a shared machine the wall clock also counts time spent
    # descheduled, which is not the parser's cost.
    print(
        f"\nnormalize binance usdm capture: {n:,} native messages, median {med * 1e3:.1f} ms"
        f" = {n / med:,.0f} messages/s wall; median CPU {med_cpu * 1e3:.1f} ms"
        f" = {n / med_cpu:,.0f} messages/s ({books:,} book messages, {ticks:,} ticks)"
    )


def test_ticks_to_columns(benchmark: BenchmarkFixture) -> None:
    rows = [
        ev
        for ts, raw in _lines()
        if b"lastUpdateId" not in raw
        for ev in parse_ws_message(orjson.loads(raw), ts)
        if not isinstance(ev, BookMessage)
    ]
    runs: list[float] = []

    def once() -> None:
        t0 = time.perf_counter()
        ticks_to_columns(rows)
        runs.append(time.perf_counter() - t0)

    benchmark.pedantic(once, rounds=5, iterations=1)
    med = float(np.median(runs))
    print(
        f"\nticks_to_columns: {len(rows):,} ticks, median {med * 1e3:.1f} ms"
        f" = {len(rows) / med:,.0f} ticks/s"
    )
