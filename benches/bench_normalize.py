"""Native exchange messages -> normalized ticks / book messages, from raw JSON text.

The input is the real Binance USD-M capture (hftbacktest format, 93,954 lines: depthUpdate,
bookTicker, trade and one REST snapshot). Two paths are timed in the same run, on the same lines:

- Python: what a live feed does per message, ``orjson.loads`` on the raw text then the venue's
  pure parser (one ``Tick`` / ``BookMessage`` object per event);
- Rust: :func:`~quantum.exchanges.binanceusdm.native.parse_native_batch` on all the lines at once
  (JSON parsed in the core, straight to fixed point, out as NumPy tick and depth columns).

Prints native messages/s for each (median of the rounds, wall and CPU), the Rust/Python ratio and
the machine's load average (the machine may be shared). Run with
``pytest benches/bench_normalize.py -s``.
"""

from __future__ import annotations

import gzip
import os
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt
import orjson
from pytest_benchmark.fixture import BenchmarkFixture

from quantum.exchanges.binanceusdm.native import parse_native_batch
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


def _timed(fn: Callable[[], tuple[int, int]], rounds: int) -> tuple[float, float, tuple[int, int]]:
    """Median wall and CPU seconds of ``rounds`` calls, and the last call's result."""
    wall: list[float] = []
    cpu: list[float] = []
    result = (0, 0)
    for _ in range(rounds):
        t0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return float(np.median(wall)), float(np.median(cpu)), result


def _normalize_rust(raws: list[bytes], ts: npt.NDArray[np.int64]) -> tuple[int, int]:
    batch = parse_native_batch(raws, ts, snapshot_symbol="BTCUSDT")
    assert not batch.rejects
    return len(batch.feed.depth), len(batch.feed.ticks)


def test_normalize_binance_usdm_capture(benchmark: BenchmarkFixture) -> None:
    lines = _lines()
    n = len(lines)
    assert n == 93_954
    raws = [raw for _, raw in lines]
    ts = np.array([t for t, _ in lines], dtype=np.int64)
    expected = (6_551 + 1, 66_089 + 21_313)
    figures: dict[str, tuple[float, float]] = {}

    def once() -> None:
        # Interleaved rounds, so both paths see the same machine load.
        for name, fn in (
            ("python", lambda: _normalize(lines)),
            ("rust", lambda: _normalize_rust(raws, ts)),
        ):
            wall, cpu, result = _timed(fn, 5)
            assert result == expected, (name, result)
            figures[name] = (wall, cpu)

    load = os.getloadavg()
    benchmark.pedantic(once, rounds=1, iterations=1)
    load_after = os.getloadavg()
    books, ticks = expected
    print(
        f"\nnormalize binance usdm capture: {n:,} native messages ({books:,} book messages, {ticks:,} ticks)"
    )
    for name, (wall, cpu) in figures.items():
        # CPU time is printed too: on a shared machine the wall clock also counts time spent
        # descheduled, which is not the parser's cost.
        print(
            f"  {name:6}: median {wall * 1e3:7.1f} ms = {n / wall:11,.0f} messages/s wall;"
            f" median CPU {cpu * 1e3:7.1f} ms = {n / cpu:11,.0f} messages/s"
        )
    (py_wall, py_cpu), (rs_wall, rs_cpu) = figures["python"], figures["rust"]
    print(f"  rust / python: {py_wall / rs_wall:.1f}x wall, {py_cpu / rs_cpu:.1f}x CPU")
    print(
        f"  load average (1, 5, 15 min): before {load[0]:.2f} {load[1]:.2f} {load[2]:.2f},"
        f" after {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f} on {os.cpu_count()} CPUs"
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
