"""A piece of a raw market feed: ticks and depth messages with their common arrival order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from quantum.data.columns import TickColumns, arrays_equal
from quantum.data.depth import DepthColumns
from quantum.errors import ColumnError

__all__ = ["FeedChunk"]


@dataclass(frozen=True, eq=False)
class FeedChunk:
    """Ticks and depth messages, each in receive order, plus where each arrived in the feed.

    ``tick_seq`` and ``depth_seq`` are increasing arrival numbers taken from one counter shared by
    both kinds (for a capture file, the line number), so :meth:`arrival_order` interleaves the two
    exactly as they arrived even when two messages share a receive timestamp.
    """

    ticks: TickColumns
    depth: DepthColumns
    tick_seq: NDArray[np.int64]
    depth_seq: NDArray[np.int64]

    def __post_init__(self) -> None:
        for name, seq, n in (
            ("tick_seq", self.tick_seq, len(self.ticks)),
            ("depth_seq", self.depth_seq, len(self.depth)),
        ):
            if not isinstance(seq, np.ndarray) or seq.dtype != np.int64 or seq.shape != (n,):
                raise ColumnError(f"{name} must be int64 with one entry per row", column=name)

    @staticmethod
    def empty(symbol_names: Sequence[str] = ()) -> FeedChunk:
        """A chunk with no ticks and no depth."""
        none = np.empty(0, dtype=np.int64)
        return FeedChunk(
            TickColumns.empty((), symbol_names), DepthColumns.empty(symbol_names), none, none
        )

    def __len__(self) -> int:
        return len(self.ticks) + len(self.depth)

    def arrival_order(self) -> tuple[NDArray[np.int8], NDArray[np.int64]]:
        """``(kind, index)`` of every record in arrival order: kind 0 = tick, 1 = depth message."""
        seq = np.concatenate([self.tick_seq, self.depth_seq])
        kind = np.concatenate(
            [np.zeros(len(self.tick_seq), np.int8), np.ones(len(self.depth_seq), np.int8)]
        )
        index = np.concatenate(
            [np.arange(len(self.tick_seq), dtype=np.int64),
             np.arange(len(self.depth_seq), dtype=np.int64)]
        )  # fmt: skip
        order = np.argsort(seq, kind="stable")
        return kind[order], index[order]

    def receive_clock_shift(self) -> int:
        """How far (ns) the receive clock ran behind the exchange's: the largest ``ts_event −
        ts_recv`` of any tick or depth message, 0 when every message was received after it
        happened. A capture machine's clock that runs behind makes messages arrive before they
        happened, and orders reach the venue before the events they react to."""
        worst = 0
        for ts_event, ts_recv in (
            (self.ticks.columns["ts_event"], self.ticks.columns.get("ts_recv")),
            (self.depth.ts_event, self.depth.ts_recv),
        ):
            if ts_recv is not None and len(ts_event):
                worst = max(worst, int(np.max(ts_event - ts_recv)))
        return worst

    def with_receive_clock_aligned(self) -> tuple[FeedChunk, int]:
        """The feed with every receive time moved later by :meth:`receive_clock_shift`, so no
        message is received before it happened (as hftbacktest's converter does), and the shift.
        The order of arrival is unchanged."""
        shift = self.receive_clock_shift()
        if shift == 0:
            return self, 0
        cols = dict(self.ticks.columns)
        if "ts_recv" in cols:
            cols["ts_recv"] = cols["ts_recv"] + shift
        ticks = replace(self.ticks, columns=cols)
        depth = replace(self.depth, ts_recv=self.depth.ts_recv + shift)
        return FeedChunk(ticks, depth, self.tick_seq, self.depth_seq), shift

    def equals(self, other: FeedChunk) -> bool:
        """Exact equality of ticks, depth and arrival numbers."""
        return (
            self.ticks.equals(other.ticks)
            and self.depth.equals(other.depth)
            and arrays_equal(self.tick_seq, other.tick_seq)
            and arrays_equal(self.depth_seq, other.depth_seq)
        )

    @staticmethod
    def concat(parts: Sequence[FeedChunk], tick_names: Sequence[str] = ()) -> FeedChunk:
        """Concatenate chunks of one feed (arrival numbers are kept as they are)."""
        if not parts:
            empty = FeedChunk.empty()
            return FeedChunk(
                TickColumns.empty(tick_names), empty.depth, empty.tick_seq, empty.depth_seq
            )
        ticks = TickColumns.concat([p.ticks for p in parts], tick_names)
        depth = DepthColumns.concat([p.depth for p in parts])
        # Give both halves one name table so an id means the same symbol in each.
        if depth.symbol_names != ticks.symbol_names:
            extra = [n for n in depth.symbol_names if n not in ticks.symbol_names]
            names = (*ticks.symbol_names, *extra)
            ticks = ticks.with_symbol_names(names)
            depth = depth.with_symbol_names(names)
        return FeedChunk(
            ticks,
            depth,
            np.concatenate([p.tick_seq for p in parts]),
            np.concatenate([p.depth_seq for p in parts]),
        )
