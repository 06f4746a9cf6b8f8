"""Binance USD-M native messages parsed by the Rust core, many at a time.

:func:`parse_native_batch` is the columnar twin of :mod:`quantum.exchanges.binanceusdm.parse`:
it takes the raw JSON text of many messages (``bookTicker``, ``trade``/``aggTrade``,
``depthUpdate``, ``markPriceUpdate``, ``forceOrder``, REST depth snapshots) with their receive
times and returns exactly the ticks and book messages the Python parser builds one by one, as
NumPy columns, in one call that releases the GIL. Use it wherever the raw text is at hand
(recorded captures, a feed's buffered frames); the Python parser stays for parsed JSON (ccxt).

Prices and sizes go from the venue's decimal strings straight to the core's 10⁻⁸ fixed point and
are handed back as the nearest float64 — bit for bit what ``float(text)`` gives. The Rust parser is
stricter than ``float()`` on malformed input (see ``core-rs/src/parse/binance_usdm``). A malformed
line never stops the batch: it is left out and listed in :attr:`NativeBatch.rejects` with its
reason.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from quantum import _core
from quantum.data.columns import TickColumns
from quantum.data.depth import DepthColumns
from quantum.data.feed import FeedChunk

__all__ = ["NativeBatch", "ParseReject", "parse_native_batch"]


@dataclass(frozen=True, slots=True)
class ParseReject:
    """One input line the parser refused: its index, a machine reason and a readable message.

    ``reason`` is one of ``json``, ``not_an_object``, ``unknown_kind``, ``missing_field``,
    ``wrong_type``, ``bad_number``, ``negative``, ``out_of_range``, ``bad_side``, ``no_symbol``.
    """

    line: int
    reason: str
    message: str


@dataclass(frozen=True, slots=True)
class NativeBatch:
    """What a batch of native messages amounts to.

    ``feed`` holds the ticks (:class:`~quantum.data.columns.TickColumns`: ``ts_event``,
    ``ts_recv``, ``symbol`` and the float fields of
    :data:`~quantum.exchanges.common.types.TICK_FLOAT_FIELDS` with NaN where a tick does not
    carry one, ``liq_side`` 0 when not a liquidation) and the depth messages
    (:class:`~quantum.data.depth.DepthColumns`, a snapshot's ``prev_id`` 0); its ``tick_seq`` /
    ``depth_seq`` are each row's input line index, so the two interleave exactly as received.
    Every input line is a tick, a depth message, ``ignored`` (streams the core does not use,
    e.g. klines) or a reject.
    """

    feed: FeedChunk
    ignored: int
    rejects: tuple[ParseReject, ...]

    def reject_counts(self) -> dict[str, int]:
        """Rejected lines counted by reason."""
        return dict(Counter(r.reason for r in self.rejects))


def parse_native_batch(
    lines: Sequence[bytes], ts_recv: ArrayLike, *, snapshot_symbol: str | None = None
) -> NativeBatch:
    """Parse raw Binance USD-M messages (``lines``, one JSON text each) received at ``ts_recv``.

    ``ts_recv`` holds one int64 nanosecond receive time per line. A REST depth snapshot, whose
    body names no symbol, is named ``snapshot_symbol`` when given, else after the last message
    before it that named one (with neither it is rejected, reason ``no_symbol``).

    Raises :class:`~quantum.errors.DataError` when ``lines`` is not a sequence of ``bytes`` and
    :class:`~quantum.errors.ColumnError` when ``ts_recv`` does not have one entry per line.
    """
    ts = np.ascontiguousarray(ts_recv, dtype=np.int64)
    out = _core.parse_binance_usdm(lines, ts, snapshot_symbol)
    names = tuple(out["symbols"])
    tick_cols = dict(out["ticks"])
    tick_seq = tick_cols.pop("line")
    depth_cols = dict(out["depth"])
    depth_seq = depth_cols.pop("line")
    feed = FeedChunk(
        TickColumns(tick_cols, names),
        DepthColumns(symbol_names=names, **depth_cols),
        tick_seq,
        depth_seq,
    )
    rejects = tuple(ParseReject(line, reason, msg) for line, reason, msg in out["rejects"])
    return NativeBatch(feed, out["ignored"], rejects)
