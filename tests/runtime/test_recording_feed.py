"""RecordingFeed: a feed recorded while it plays reads back identical and is a backtest source."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest

from quantum.backtest.sources import detect_kind, load_ticks, open_source
from quantum.data import TickColumns, generate, read_recording
from quantum.data.columns import arrays_equal
from quantum.errors import ColumnError, ConfigError
from quantum.runtime import ColumnsFeed, ManualFeed
from quantum.runtime.exchange_feeds import RecordingFeed
from quantum.runtime.feeds import Chunk


async def _collect(feed: RecordingFeed) -> list[Chunk]:
    return [chunk async for chunk in feed.chunks()]


def test_recorded_synthetic_feed_reads_back_identical(tmp_path: Path) -> None:
    ticks = generate(5000, seed=3, symbols=("BTCUSDT", "ETHUSDT"))
    inner = ColumnsFeed(
        lambda _i: ticks,
        exchange="replay",
        symbols=ticks.symbol_names,
        name="synthetic",
        speed=0,
        loop=False,
        max_chunk=700,
    )
    out = tmp_path / "session"
    feed = RecordingFeed(inner, out, flush_rows=1000)
    assert feed.symbols == ("BTCUSDT", "ETHUSDT") and feed.exchange == "replay"

    chunks = asyncio.run(_collect(feed))
    assert len(chunks) == 8  # 5000 ticks in chunks of at most 700
    yielded = TickColumns.concat(
        [TickColumns(columns=c, symbol_names=feed.symbols) for c in chunks]
    )
    rec = read_recording(out)
    assert rec.ticks.symbol_names == ("BTCUSDT", "ETHUSDT")
    assert rec.tick_seq.tolist() == list(range(5000))
    assert sorted(rec.ticks.names) == sorted(yielded.names)
    for name in yielded.names:
        assert arrays_equal(rec.ticks[name], yielded[name]), name

    # The directory is a backtest data source (what `quantum backtest --data DIR` opens).
    assert detect_kind(out) == "recording"
    loaded = load_ticks(open_source(out))
    assert len(loaded) == 5000
    assert np.array_equal(loaded["ts_recv"], yielded["ts_recv"])


def test_recording_is_closed_when_the_feed_fails(tmp_path: Path) -> None:
    inner = ManualFeed(("BTCUSDT",))
    ok = generate(10, seed=1)
    inner.push(ok)
    # A chunk the recorder refuses: ts_recv of the wrong dtype.
    inner._put({**dict(ok.columns), "ts_recv": ok["ts_recv"].astype(np.float64)})
    feed = RecordingFeed(inner, tmp_path / "r")
    with pytest.raises(ColumnError):
        asyncio.run(_collect(feed))
    rec = read_recording(tmp_path / "r")  # complete: meta.json written, first chunk kept
    assert len(rec.ticks) == 10


def test_recording_refuses_a_used_directory(tmp_path: Path) -> None:
    (tmp_path / "x").write_text("")
    with pytest.raises(ConfigError):
        RecordingFeed(ManualFeed(("BTCUSDT",)), tmp_path)
