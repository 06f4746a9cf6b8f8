"""Record-and-replay format: exact round trips, streaming replay, and misuse."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from quantum.data import (
    FeedChunk,
    Recorder,
    generate,
    iter_binance_l2,
    iter_recording,
    load_binance_l2,
    read_recording,
)
from quantum.errors import ConfigError, DataError

CAPTURE = "binance_usdm_btcusdt_20230404.jsonl.gz"


def test_round_trip_of_a_real_capture_is_exact(shared_data: Path, tmp_path: Path) -> None:
    source = shared_data / "l2_book" / CAPTURE
    # A recording keeps the receive times as they came (the chunks are not aligned).
    whole, _ = load_binance_l2(source, align_receive_clock=False)
    with Recorder(tmp_path / "rec", flush_rows=2_500) as recorder:
        for chunk in iter_binance_l2(source, chunk_rows=1_000):
            recorder.append(chunk)
    back = read_recording(tmp_path / "rec")
    assert back.equals(whole)
    assert back.ticks.names == whole.ticks.names


def test_streaming_replay_keeps_arrival_order(shared_data: Path, tmp_path: Path) -> None:
    source = shared_data / "l2_book" / CAPTURE
    whole, _ = load_binance_l2(source)
    with Recorder(tmp_path / "rec") as recorder:
        recorder.append(whole)
    chunks = list(iter_recording(tmp_path / "rec", chunk_rows=700))
    assert max(len(c.ticks) for c in chunks) <= 700
    for chunk in chunks:
        # Each chunk carries exactly the depth that arrived up to its last tick.
        if len(chunk.ticks) and len(chunk.depth):
            assert chunk.depth_seq[-1] < chunk.tick_seq[-1]
    assert FeedChunk.concat(chunks, whole.ticks.names).equals(whole)


def test_bare_ticks_and_depth_are_numbered_in_call_order(tmp_path: Path, shared_data: Path) -> None:
    feed, _ = load_binance_l2(shared_data / "l2_book" / CAPTURE)
    ticks = generate(1_000, seed=9, symbols=("ETHUSDT", "BTCUSDT"))
    with Recorder(tmp_path / "rec", flush_rows=300) as recorder:
        recorder.append(ticks.slice(0, 600))
        recorder.append(feed.depth.slice(0, 10))
        recorder.append(ticks.slice(600, 1_000))
    back = read_recording(tmp_path / "rec")
    assert back.ticks.symbol_names == ("ETHUSDT", "BTCUSDT")
    assert back.ticks.equals(ticks)
    assert back.depth.equals(feed.depth.slice(0, 10).with_symbol_names(("ETHUSDT", "BTCUSDT")))
    assert back.tick_seq.tolist() == [*range(600), *range(610, 1_010)]
    assert back.depth_seq.tolist() == list(range(600, 610))
    kind, _ = back.arrival_order()
    assert kind.tolist() == [0] * 600 + [1] * 10 + [0] * 400


def test_misuse_is_refused(tmp_path: Path) -> None:
    ticks = generate(10, seed=1)
    chunk = FeedChunk(
        ticks, FeedChunk.empty(ticks.symbol_names).depth, np.arange(10), np.empty(0, np.int64)
    )
    with Recorder(tmp_path / "rec") as recorder:
        recorder.append(chunk)
        with pytest.raises(DataError):
            recorder.append(chunk)  # arrival numbers would go backwards
    with pytest.raises(ConfigError):
        Recorder(tmp_path / "rec")  # not empty
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / "ticks.parquet").write_bytes(b"")
    with pytest.raises(DataError):
        read_recording(tmp_path / "half")


def test_empty_recording(tmp_path: Path) -> None:
    Recorder(tmp_path / "rec").close()
    back = read_recording(tmp_path / "rec")
    assert len(back) == 0
