"""A raw Binance USD-M collector capture through hftbacktest's own converter, and the counts of
the converted events (used by benches/peers/hftbacktest_mm.py and tests/peers)."""

from __future__ import annotations

import contextlib
import gzip
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from hftbacktest import (
    BUY_EVENT,
    DEPTH_CLEAR_EVENT,
    DEPTH_EVENT,
    DEPTH_SNAPSHOT_EVENT,
    EXCH_EVENT,
    LOCAL_EVENT,
    TRADE_EVENT,
)
from hftbacktest.data.utils import binancefutures

_TRANSACT_TIME = re.compile(rb'"T":(\d+)')


@contextlib.contextmanager
def stdout_to_stderr() -> Iterator[None]:
    """Sends file descriptor 1 to stderr, so the converter's prints (some from compiled code,
    which bypass ``sys.stdout``) stay out of the JSON on stdout."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def convert_capture(raw: Path, out_npz: Path) -> dict[str, Any]:
    """Converts a raw collector capture with hftbacktest's Binance futures converter.

    Returns what the raw file held per message kind (the converter keeps depth updates, trades
    and the REST snapshot; it drops bookTicker and markPriceUpdate unless asked for custom events).
    """
    lines: dict[str, int] = {}
    levels = 0
    min_latency = sys.maxsize
    with gzip.open(raw, "rb") as f:
        for line in f:
            kind = "snapshot"
            for name in ("depthUpdate", "bookTicker", "trade", "markPriceUpdate"):
                if f'"e":"{name}"'.encode() in line:
                    kind = name
                    break
            found = _TRANSACT_TIME.search(line)
            if kind in ("depthUpdate", "trade", "snapshot") and found is not None:
                latency = int(line[:19]) - int(found.group(1)) * 1_000_000
                min_latency = min(min_latency, latency)
            lines[kind] = lines.get(kind, 0) + 1
            levels += line.count(b'["')
    with stdout_to_stderr():
        binancefutures.convert(
            str(raw),
            output_filename=str(out_npz),
            opt="",
            base_latency=0,
            combined_stream=True,
            buffer_size=levels + sum(lines.values()) + 16,
        )
    return {
        "raw_lines_by_kind": lines,
        # correct_local_timestamp adds this to every local timestamp, so that the smallest
        # feed latency (local receipt minus the exchange's transaction time T) becomes zero.
        "local_ts_shift_ns": max(0, -min_latency),
    }


def event_counts(data: np.ndarray) -> dict[str, Any]:
    """Counts of the converted rows. Each market event is one row the local processor sees (a
    depth level change, a trade, a snapshot level or a clear); the exchange processor sees the
    same events, some of them on rows of their own when the two clocks order them differently."""
    ev = data["ev"]
    local = (ev & LOCAL_EVENT) != 0
    kind = ev & 0xFF
    snapshot_local = local & (kind == DEPTH_SNAPSHOT_EVENT)
    return {
        "converted_rows": len(data),
        "market_events": int(local.sum()),
        "exchange_events": int(((ev & EXCH_EVENT) != 0).sum()),
        "feed_messages": len(np.unique(data["local_ts"][local])),
        "depth_events": int((local & (kind == DEPTH_EVENT)).sum()),
        "trade_events": int((local & (kind == TRADE_EVENT)).sum()),
        "snapshot_events": int(snapshot_local.sum()),
        "clear_events": int((local & (kind == DEPTH_CLEAR_EVENT)).sum()),
        "buy_side_events": int((local & ((ev & BUY_EVENT) != 0)).sum()),
        "last_local_ts": int(data["local_ts"][local].max()),
        "snapshot_local_ts": int(data["local_ts"][snapshot_local].min())
        if snapshot_local.any()
        else 0,
    }
