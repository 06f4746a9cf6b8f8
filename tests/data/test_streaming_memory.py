"""Streaming loaders run in memory bounded by the chunk, not by the file."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from quantum.data import iter_binance_klines, iter_binance_l2, iter_binance_trades


def peak_while_draining(chunks: Iterator[object]) -> tuple[int, int]:
    """(rows seen, peak traced bytes) while consuming ``chunks`` one at a time."""
    rows = 0
    tracemalloc.start()
    try:
        for chunk in chunks:
            rows += len(chunk)  # type: ignore[arg-type]
            del chunk
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return rows, peak


def test_klines_stream_in_bounded_memory(tmp_path: Path) -> None:
    n = 250_000
    open_time = 1_600_000_000_000 + np.arange(n, dtype=np.int64) * 60_000
    price = 20_000 + np.round(np.cumsum(np.random.default_rng(0).normal(0, 5, n)), 1)
    path = tmp_path / "big_BTCUSDT_1m.csv"
    with path.open("w") as out:
        out.write("open_time,open,high,low,close,volume\n")
        for start in range(0, n, 50_000):
            block = slice(start, start + 50_000)
            out.writelines(
                f"{t},{p},{p + 1.5},{p - 1.5},{p + 0.5},12.345\n"
                for t, p in zip(open_time[block].tolist(), price[block].tolist(), strict=True)
            )
    size = path.stat().st_size
    assert size > 12_000_000
    rows, peak = peak_while_draining(iter_binance_klines(path, chunk_rows=1_000))
    assert rows == n
    assert peak < size / 8, f"peak {peak} bytes for a {size}-byte file"


def test_trades_stream_in_bounded_memory(tmp_path: Path) -> None:
    n = 80_000
    path = tmp_path / "ETHUSDT-trades.csv"
    with path.open("w") as out:
        out.write("id,price,qty,quote_qty,time,is_buyer_maker\n")
        out.writelines(
            f"{i},{2000 + i % 100}.5,0.{i % 997 + 1},1.0,{1_700_000_000_000 + i},{i % 2 == 0}\n"
            for i in range(n)
        )
    size = path.stat().st_size
    rows, peak = peak_while_draining(iter_binance_trades(path, chunk_rows=1_000))
    assert rows == n
    assert peak < size / 3, f"peak {peak} bytes for a {size}-byte file"


def test_l2_capture_streams_in_bounded_memory(
    tmp_path: Path, write_file: Callable[..., Path]
) -> None:
    depth = (
        '{"stream":"btcusdt@depth@0ms","data":{"e":"depthUpdate","E":%d,"T":%d,"s":"BTCUSDT",'
        '"U":%d,"u":%d,"pu":%d,"b":[%s],"a":[%s]}}'
    )
    ticker = (
        '{"stream":"btcusdt@bookTicker","data":{"e":"bookTicker","u":%d,"s":"BTCUSDT",'
        '"b":"61800.20","B":"2.507","a":"61800.30","A":"2.510","T":%d,"E":%d}}'
    )
    levels = ",".join(f'["{61_000 + i}.10","{i % 7}.125"]' for i in range(20))
    lines = []
    for i in range(30_000):
        recv = 1_723_161_255_030_314_667 + i * 1_000_000
        ms = recv // 1_000_000
        if i % 3 == 0:
            lines.append(f"{recv} " + depth % (ms, ms, 3 * i + 1, 3 * i + 3, 3 * i, levels, levels))
        else:
            lines.append(f"{recv} " + ticker % (3 * i, ms, ms))
    path = write_file("big.jsonl", "\n".join(lines) + "\n")
    size = path.stat().st_size
    assert size > 12_000_000
    rows, peak = peak_while_draining(iter_binance_l2(path, chunk_rows=200))
    assert rows == 30_000
    assert peak < size / 5, f"peak {peak} bytes for a {size}-byte file"
