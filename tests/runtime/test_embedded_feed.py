"""The shipped real recording: what it holds, that it is rebuilt exactly from the shared data,
and that the default feed replays it in real time, in a loop that keeps moving forward in time."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import numpy as np
import pytest

from quantum.data import Recorder, TickColumns, read_recording
from quantum.data.columns import arrays_equal
from quantum.data.embedded import (
    EMBEDDED_END_NS,
    EMBEDDED_RECORDING,
    EMBEDDED_START_NS,
    EMBEDDED_SYMBOLS,
    embedded_ticks,
)
from quantum.runtime import ColumnsFeed, embedded_feed, replay_feed
from quantum.runtime.feeds import Chunk

MS = 1_000_000


@pytest.fixture(scope="module")
def shipped() -> TickColumns:
    return read_recording(EMBEDDED_RECORDING).ticks


def test_the_shipped_recording_is_small_real_binance_data(shipped: TickColumns) -> None:
    size = sum(p.stat().st_size for p in EMBEDDED_RECORDING.iterdir())
    assert size < 2_000_000
    assert (EMBEDDED_RECORDING.parent / "SOURCES.md").is_file()
    assert shipped.symbol_names == EMBEDDED_SYMBOLS
    assert len(shipped) == 58_516
    recv = shipped["ts_recv"]
    assert np.all(np.diff(recv) >= 0)
    assert recv[0] >= EMBEDDED_START_NS and recv[-1] < EMBEDDED_END_NS
    btc, eth = (shipped["symbol"] == i for i in range(2))
    # BTCUSDT quotes and trades, ETHUSDT trades, at the prices of that night.
    assert 61_500 < np.nanmin(shipped["bid"][btc]) <= np.nanmax(shipped["ask"][btc]) < 61_800
    assert np.all(np.isnan(shipped["bid"][eth]))
    assert 2_670 < np.nanmin(shipped["price"][eth]) <= np.nanmax(shipped["price"][eth]) < 2_690
    trades = ~np.isnan(shipped["price"])
    assert np.allclose(
        shipped["volume"][trades],
        np.nan_to_num(shipped["buy_volume"][trades])
        + np.nan_to_num(shipped["sell_volume"][trades]),
    )


def test_the_shipped_recording_is_rebuilt_exactly_from_the_shared_data(
    shared_data: Path, shipped: TickColumns
) -> None:
    rebuilt = embedded_ticks(shared_data)
    assert rebuilt.symbol_names == shipped.symbol_names
    for name in rebuilt.names:
        assert arrays_equal(rebuilt[name], shipped[name]), name


async def _take(feed: ColumnsFeed, n: int) -> list[Chunk]:
    got: list[Chunk] = []
    count = 0
    async for chunk in feed.chunks():
        got.append(chunk)
        count += len(chunk["ts_recv"])
        if count >= n:
            break
    return got


def _concat(chunks: list[Chunk]) -> dict[str, np.ndarray]:
    return {k: np.concatenate([c[k] for c in chunks]) for k in chunks[0]}


def test_the_default_feed_replays_the_recording_in_real_time(shipped: TickColumns) -> None:
    feed = embedded_feed()
    assert feed.symbols == EMBEDDED_SYMBOLS and feed.exchange == "replay"
    n = int(np.searchsorted(shipped["ts_recv"], shipped["ts_recv"][0] + 400 * MS))
    t0 = time.time_ns()
    got = _concat(asyncio.run(_take(feed, n)))
    elapsed = time.time_ns() - t0
    k = len(got["ts_recv"])
    # The recorded values, in the recorded order.
    for name in ("symbol", "price", "bid", "ask", "bid_qty", "ask_qty", "volume", "sell_volume"):
        assert arrays_equal(got[name], shipped[name][:k]), name
    # Released at the recorded pace: 400 ms of recording take at least about 400 ms.
    assert elapsed >= 380 * MS
    # ts_recv is the local receive time; ts_event is the recorded one moved by one constant.
    assert np.all(np.diff(got["ts_recv"]) >= 0)
    assert t0 <= got["ts_recv"][0] and got["ts_recv"][-1] <= time.time_ns()
    shift = got["ts_event"] - shipped["ts_event"][:k]
    assert np.all(shift == shift[0])
    # So the recorded receive latency is kept, plus the replay's scheduling delay.
    delay = (got["ts_recv"] - got["ts_event"]) - (shipped["ts_recv"] - shipped["ts_event"])[:k]
    assert np.all(delay >= 0) and np.median(delay) < 20 * MS


def _tiny_recording(path: Path) -> TickColumns:
    """Two ticks; the first has a much larger latency than the last, so a loop that restarted
    right away would start before the previous one ended in event time."""
    ticks = TickColumns.from_arrays(
        ("BTCUSDT",),
        ts_recv=[1_000 * MS, 1_010 * MS, 1_020 * MS],
        ts_event=[950 * MS, 1_009 * MS, 1_019 * MS],
        symbol=[0, 0, 0],
        price=[100.0, 100.5, 101.0],
    )
    with Recorder(path) as recorder:
        recorder.append(ticks)
    return ticks


def test_each_loop_continues_forward_in_time(tmp_path: Path) -> None:
    recorded = _tiny_recording(tmp_path / "rec")
    feed = replay_feed(tmp_path / "rec")
    got = _concat(asyncio.run(_take(feed, 4 * len(recorded))))
    assert feed.loops >= 3
    n = len(recorded)
    assert got["price"].tolist() == recorded["price"].tolist() * 4
    assert np.all(np.diff(got["ts_recv"]) >= 0)
    assert np.all(np.diff(got["ts_event"]) > 0)  # across loops too
    for loop in range(4):
        part = slice(loop * n, (loop + 1) * n)
        # Within a loop the recorded event spacing is kept exactly.
        assert np.array_equal(np.diff(got["ts_event"][part]), np.diff(recorded["ts_event"]))
        assert np.all(got["ts_recv"][part] - got["ts_event"][part] >= 1 * MS)
