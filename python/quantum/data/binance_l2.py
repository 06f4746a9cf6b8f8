"""Binance websocket captures (hftbacktest collector format) → ticks and depth messages.

Each line is ``<local receive timestamp> <json>``; the timestamp is ns in newer captures and µs in
older ones (told apart by magnitude). The JSON is a combined-stream message
``{"stream": …, "data": {…}}``, a bare stream message, or a REST depth snapshot
``{"lastUpdateId": …, "bids": […], "asks": […]}`` (USDⓈ-M snapshots also carry ``E``/``T``).

Mapping (``ts_event`` is the venue's transaction time ``T`` when present, else its event time
``E`` — for ``markPriceUpdate`` always ``E``: its ``T`` is the next funding time. A spot
``bookTicker`` carries neither: it takes the latest exchange time the capture has shown (the quote
is as of then at the earliest; the collector's clock may run a second off the venue's), and the
receive time before any; spot snapshots take the receive time):

- ``depthUpdate`` → a depth message: ``first_id``/``last_id``/``prev_id`` = ``U``/``u``/``pu``
  (``prev_id`` 0 on spot, which has no ``pu``), bids side +1, asks side −1, size 0 deletes;
- snapshot → a depth message with ``is_snapshot``, ``first_id = last_id = lastUpdateId``;
- ``bookTicker`` → a tick with ``bid``/``ask``/``bid_qty``/``ask_qty``;
- ``trade`` / ``aggTrade`` → a tick with ``price``, ``volume`` and ``buy_volume`` or
  ``sell_volume`` (``m`` true = buyer was maker = the aggressor sold);
- ``markPriceUpdate`` → a tick with ``funding_rate`` = ``r``;
- ``forceOrder`` (liquidation) → a tick with ``price`` = average fill price, ``liq_volume`` = filled
  quantity and ``liq_side`` +1 for a forced SELL (a long was liquidated), −1 for a forced BUY.
  ``volume`` stays "not provided" on it, because the liquidation's fills also print as trades.

Every tick has the same columns; a field the event does not carry is NaN (``liq_side`` 0). Ticks
and depth messages are each kept in receive order, and :class:`~quantum.data.feed.FeedChunk` keeps
each one's line number so the two can be interleaved exactly. Other event types are counted as
``ignored``; undecodable lines as ``malformed``. Nothing is re-ordered or repaired here: a missing
depth update shows up as a break in the ``pu``/``u`` chain for the book to detect.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from itertools import chain
from pathlib import Path
from typing import Any, Final

import numpy as np
import orjson
from numpy.typing import NDArray

from quantum.data._source import DEFAULT_CHUNK_ROWS, infer_symbol, line_batches, to_ns
from quantum.data.columns import SymbolTable, TickColumns
from quantum.data.depth import DepthColumns
from quantum.data.feed import FeedChunk
from quantum.data.report import LoadReport

__all__ = ["L2_TICK_COLUMNS", "iter_binance_l2", "load_binance_l2"]

L2_TICK_COLUMNS: Final[tuple[str, ...]] = (
    "price", "bid", "ask", "bid_qty", "ask_qty", "volume", "buy_volume", "sell_volume",
    "funding_rate", "liq_volume", "liq_side",
)  # fmt: skip
"""The optional tick columns every chunk from this loader has."""

_FLOAT_NAMES: Final[tuple[str, ...]] = L2_TICK_COLUMNS[:-1]
_MS: Final[int] = 1_000_000
_NS_FROM: Final[int] = 100_000_000_000_000_000  # epoch ns are at least this (after 1973)


class _Malformed(ValueError):
    """A line that cannot be decoded; the message says why."""


_BOOK, _TRADE, _MARK, _FORCE = 0, 1, 2, 3
# Per tick kind: the venue fields it carries, in order, and the tick columns they fill.
_KIND_COLUMNS: Final[tuple[tuple[str, ...], ...]] = (
    ("bid", "ask", "bid_qty", "ask_qty"),
    ("price", "volume"),
    ("funding_rate",),
    ("price", "liq_volume"),
)


class _Chunk:
    """Row accumulators for one chunk; turned into arrays once at the end.

    Venue numbers stay strings until the chunk ends and are then parsed in bulk (see
    :func:`_bulk_floats`), which is several times quicker than ``float()`` per field.
    """

    def __init__(self) -> None:
        # Per tick, in arrival order: (ts_event, ts_recv, symbol, line_no, kind).
        self.ticks: list[tuple[int, int, int, int, int]] = []
        # Per kind: the raw numeric fields and one small integer flag (trade: buyer is maker;
        # liquidation: liq_side) of each of its ticks.
        self.values: tuple[list[Any], ...] = ([], [], [], [])
        self.flags: tuple[list[int], ...] = ([], [], [], [])
        # (ts_event, ts_recv, symbol, first_id, last_id, prev_id, is_snapshot, n_bids, n_asks,
        # line_no); the levels stay venue strings until the chunk ends, see _parse_levels.
        self.msgs: list[tuple[int, int, int, int, int, int, bool, int, int, int]] = []
        self.levels: list[Any] = []

    def add_tick(
        self, kind: int, meta: tuple[int, int, int, int, int], values: Any, flag: int = 0
    ) -> None:
        self.ticks.append(meta)
        self.values[kind].append(values)
        self.flags[kind].append(flag)

    def build(self, names: tuple[str, ...], report: LoadReport) -> FeedChunk:
        ticks, tick_seq = self._build_ticks(names, report)
        msgs, values = _parse_levels(self.msgs, self.levels, report)
        ids = np.array([m[:6] for m in msgs], dtype=np.uint64).reshape(len(msgs), 6)
        n_bids = np.array([m[7] for m in msgs], dtype=np.int64)
        n_asks = np.array([m[8] for m in msgs], dtype=np.int64)
        offsets = np.zeros(len(msgs) + 1, dtype=np.int64)
        np.cumsum(n_bids + n_asks, out=offsets[1:])
        per_side = np.empty(2 * len(msgs), dtype=np.int64)
        per_side[0::2], per_side[1::2] = n_bids, n_asks
        sides = np.tile(np.array([1, -1], dtype=np.int8), len(msgs))
        depth = DepthColumns(
            ts_event=ids[:, 0].astype(np.int64),
            ts_recv=ids[:, 1].astype(np.int64),
            symbol=ids[:, 2].astype(np.uint32),
            first_id=np.ascontiguousarray(ids[:, 3]),
            last_id=np.ascontiguousarray(ids[:, 4]),
            prev_id=np.ascontiguousarray(ids[:, 5]),
            is_snapshot=np.array([m[6] for m in msgs], dtype=np.bool_),
            level_offsets=offsets,
            side=np.repeat(sides, per_side),
            price=np.ascontiguousarray(values[:, 0]),
            qty=np.ascontiguousarray(values[:, 1]),
            symbol_names=names,
        )
        return FeedChunk(ticks, depth, tick_seq, np.array([m[9] for m in msgs], dtype=np.int64))

    def _build_ticks(
        self, names: tuple[str, ...], report: LoadReport
    ) -> tuple[TickColumns, NDArray[np.int64]]:
        n = len(self.ticks)
        meta = np.array(self.ticks, dtype=np.int64).reshape(n, 5)
        kinds = meta[:, 4]
        keep = np.ones(n, dtype=np.bool_)
        cols: dict[str, NDArray[Any]] = {name: np.full(n, math.nan) for name in _FLOAT_NAMES}
        cols["liq_side"] = np.zeros(n, dtype=np.int8)
        for kind, columns in enumerate(_KIND_COLUMNS):
            rows = np.flatnonzero(kinds == kind)
            if not len(rows):
                continue
            values, bad = _bulk_floats(self.values[kind], len(columns), meta[rows, 3], report)
            keep[rows[bad]] = False
            for j, name in enumerate(columns):
                cols[name][rows] = values[:, j]
            flags = np.array(self.flags[kind], dtype=np.int8)
            if kind == _TRADE:
                qty = values[:, 1]
                cols["buy_volume"][rows] = np.where(flags == 1, 0.0, qty)
                cols["sell_volume"][rows] = np.where(flags == 1, qty, 0.0)
            elif kind == _FORCE:
                cols["liq_side"][rows] = flags
        cols["ts_event"] = np.ascontiguousarray(meta[:, 0])
        cols["ts_recv"] = np.ascontiguousarray(meta[:, 1])
        cols["symbol"] = meta[:, 2].astype(np.uint32)
        seq = np.ascontiguousarray(meta[:, 3])
        if not bool(keep.all()):
            cols = {name: np.ascontiguousarray(col[keep]) for name, col in cols.items()}
            seq = np.ascontiguousarray(seq[keep])
        return TickColumns(cols, names), seq


def _bulk_floats(
    rows: list[Any], width: int, line_nos: NDArray[np.int64], report: LoadReport
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """Parse ``rows`` (tuples of ``width`` venue number strings) into a ``(len, width)`` array.

    Fast path: every string joined into one JSON array for orjson; it only succeeds when each
    string is exactly one finite JSON number. Otherwise each row is parsed on its own; a bad row
    is reported at its line, gets NaN, and is flagged in the returned mask.
    """
    bad = np.zeros(len(rows), dtype=np.bool_)
    try:
        flat = orjson.loads("[" + ",".join(chain.from_iterable(rows)) + "]")
        values = np.array(flat, dtype=np.float64)
        if values.shape == (len(rows) * width,) and bool(np.all(np.isfinite(values))):
            return values.reshape(len(rows), width), bad
    except (orjson.JSONDecodeError, TypeError, ValueError):
        pass
    out = np.full((len(rows), width), math.nan)
    for i, row in enumerate(rows):
        try:
            out[i] = [_f(x) for x in row]
        except (_Malformed, ValueError, TypeError) as exc:
            bad[i] = True
            report.add_error(int(line_nos[i]), f"bad number: {exc}")
    return out, bad


def iter_binance_l2(
    path: str | Path,
    *,
    symbol: str | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    report: LoadReport | None = None,
) -> Iterator[FeedChunk]:
    """Stream a capture as :class:`FeedChunk` s, each from at most ``chunk_rows`` input lines.

    ``symbol``, when given, names every message (handy to qualify a market, e.g.
    ``"spot:BTCUSDT"``); by default each message is named by its own ``s`` field and a snapshot,
    which has none, by the last symbol seen before it (or the symbol in the file name).
    """
    path = Path(path)
    report = report if report is not None else LoadReport()
    report.source = str(path)
    ctx = _Context(path, symbol)
    for first_line_no, lines in line_batches(path, chunk_rows, report):
        chunk = _Chunk()
        _parse_lines(lines, first_line_no, chunk, ctx, report)
        feed = chunk.build(ctx.table.names(), report)
        # Bad depth levels are found when the chunk is built, after later lines' errors.
        report.first_errors.sort()
        if len(feed):
            report.rows += len(feed)
            yield feed


def load_binance_l2(
    path: str | Path,
    *,
    symbol: str | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    align_receive_clock: bool = True,
) -> tuple[FeedChunk, LoadReport]:
    """Load a whole capture: the concatenated chunks of :func:`iter_binance_l2`, with the
    receive clock aligned so no message is received before it happened (the shift is in the
    report). ``align_receive_clock=False`` keeps the receive times as the capture machine
    stamped them."""
    report = LoadReport()
    chunks = list(iter_binance_l2(path, symbol=symbol, chunk_rows=chunk_rows, report=report))
    feed = FeedChunk.concat(chunks, L2_TICK_COLUMNS)
    if align_receive_clock:
        feed, report.receive_clock_shift_ns = feed.with_receive_clock_aligned()
    return feed, report


class _Context:
    """What the parser remembers across lines and chunks."""

    def __init__(self, path: Path, symbol: str | None) -> None:
        self.table = SymbolTable()
        self.fixed = self.table.intern(symbol) if symbol else None
        self.last = self.fixed
        self.file_symbol = infer_symbol(path)
        self.ids: dict[str, int] = {}
        #: The latest exchange time a message of the capture carried (0: none yet), for the
        #: messages that carry none.
        self.exchange_ns = 0


def _parse_lines(
    lines: list[bytes], first_line_no: int, chunk: _Chunk, ctx: _Context, report: LoadReport
) -> None:
    """Decode a chunk's lines into ``chunk``.

    This is the loader's hot loop, so the per-line work is written out here with local names
    rather than split into helpers: a Python call per line would cost more than the parsing.
    """
    loads = orjson.loads
    add_tick = chunk.add_tick
    ids = ctx.ids
    for offset, raw in enumerate(lines):
        if not raw or raw.isspace():
            continue
        line_no = first_line_no + offset
        try:
            space = raw.find(b" ")
            if space <= 0:
                raise _Malformed("no receive timestamp before the JSON")
            try:
                ts_recv = int(raw[:space])
                obj = loads(raw[space + 1 :])
            except (ValueError, orjson.JSONDecodeError) as exc:
                raise _Malformed(f"undecodable line: {exc}") from None
            if ts_recv < _NS_FROM:  # older captures stamp µs; rarely anything coarser
                if ts_recv <= 0:
                    raise _Malformed(f"receive timestamp {ts_recv} is not positive")
                ts_recv = to_ns(ts_recv)
            if type(obj) is not dict:
                raise _Malformed("JSON is not an object")
            if "lastUpdateId" in obj:
                sid = ctx.last
                if sid is None:
                    if ctx.file_symbol is None:
                        raise _Malformed("snapshot before any symbol is known")
                    sid = ctx.table.intern(ctx.file_symbol)
                _add_depth(
                    chunk, obj, obj["bids"], obj["asks"], ts_recv, sid, line_no, snapshot=True
                )
                continue
            data = obj.get("data", obj)
            if type(data) is not dict:
                raise _Malformed("message data is not an object")
            kind = data.get("e")
            if kind is None and "B" in data and "A" in data:
                kind = "bookTicker"  # spot bookTicker carries no event type
            if kind == "forceOrder":
                data = data["o"]
            name = data.get("s")
            if kind is None or type(name) is not str:
                report.ignored += 1
                continue
            if ctx.fixed is not None:
                sid = ctx.fixed
            else:
                found = ids.get(name)
                sid = found if found is not None else ids.setdefault(name, ctx.table.intern(name))
            ctx.last = sid
            if kind == "depthUpdate":
                _add_depth(chunk, data, data["b"], data["a"], ts_recv, sid, line_no, snapshot=False)
                stamp = data.get("E")
                if type(stamp) is int and stamp > 0:
                    ctx.exchange_ns = stamp * _MS
                continue
            # markPriceUpdate's T is the next funding time, not this event's.
            stamp = data.get("E") if kind == "markPriceUpdate" else data.get("T") or data.get("E")
            if type(stamp) is int and stamp > 0:
                ts_event = stamp * _MS
                ctx.exchange_ns = ts_event
            elif stamp is None:
                # Spot bookTicker: no exchange time at all.
                ts_event = ctx.exchange_ns or ts_recv
            else:
                raise _Malformed(f"bad event time {stamp!r}")
            values: tuple[Any, ...]
            if kind == "bookTicker":
                values = (data["b"], data["a"], data["B"], data["A"])
                add_tick(_BOOK, (ts_event, ts_recv, sid, line_no, _BOOK), values)
            elif kind == "trade" or kind == "aggTrade":
                buyer_maker = data["m"]
                if buyer_maker is not True and buyer_maker is not False:
                    raise _Malformed("trade flag m is not a boolean")
                values = (data["p"], data["q"])
                add_tick(_TRADE, (ts_event, ts_recv, sid, line_no, _TRADE), values, buyer_maker)
            elif kind == "markPriceUpdate":
                rate = data.get("r")
                if rate is None or rate == "":
                    report.ignored += 1  # delivery contracts have no funding rate
                    continue
                add_tick(_MARK, (ts_event, ts_recv, sid, line_no, _MARK), (rate,))
            elif kind == "forceOrder":
                side = data["S"]
                if side != "BUY" and side != "SELL":
                    raise _Malformed(f"liquidation side is {side!r}")
                values = (data["ap"], data["z"])
                liq_side = 1 if side == "SELL" else -1
                add_tick(_FORCE, (ts_event, ts_recv, sid, line_no, _FORCE), values, liq_side)
            else:
                report.ignored += 1
        except _Malformed as exc:
            report.add_error(line_no, str(exc))
        except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
            report.add_error(line_no, f"{type(exc).__name__}: {exc}")


def _f(value: Any) -> float:
    """A finite float from a venue's decimal string (or number)."""
    out = float(value)  # TypeError for None or a container, ValueError for text
    # x - x is NaN exactly when x is NaN or infinite; booleans are not numbers here.
    if out - out != 0.0 or value is True or value is False:
        raise _Malformed(f"not a finite number: {value!r}")
    return out


def _event_ns(data: dict[str, Any], ts_recv: int) -> int:
    stamp = data.get("T") or data.get("E")
    if stamp is None:
        return ts_recv
    if not isinstance(stamp, int) or isinstance(stamp, bool) or stamp <= 0:
        raise _Malformed(f"bad event time {stamp!r}")
    return stamp * _MS


def _seq_id(data: dict[str, Any], key: str) -> int:
    value = data[key]
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 1 << 64:
        raise _Malformed(f"sequence id {key} is {value!r}")
    return value


def _add_depth(
    chunk: _Chunk,
    data: dict[str, Any],
    bids: Any,
    asks: Any,
    ts_recv: int,
    sid: int,
    line_no: int,
    *,
    snapshot: bool,
) -> None:
    if not isinstance(bids, list) or not isinstance(asks, list):
        raise _Malformed("depth sides are not lists")
    if snapshot:
        first = last = _seq_id(data, "lastUpdateId")
        prev = 0
    else:
        first, last = _seq_id(data, "U"), _seq_id(data, "u")
        prev = _seq_id(data, "pu") if "pu" in data else 0
    ts_event = _event_ns(data, ts_recv)
    row = (ts_event, ts_recv, sid, first, last, prev, snapshot, len(bids), len(asks), line_no)
    chunk.msgs.append(row)
    chunk.levels.extend(bids)
    chunk.levels.extend(asks)


def _parse_levels(
    msgs: list[tuple[int, int, int, int, int, int, bool, int, int, int]],
    levels: list[Any],
    report: LoadReport,
) -> tuple[list[tuple[int, int, int, int, int, int, bool, int, int, int]], Any]:
    """Turn a chunk's ``[price, qty]`` string pairs into a ``(levels, 2)`` float array.

    Fast path: all pairs at once through orjson (the strings joined into one JSON array), which is
    several times quicker than ``float()`` per string. If anything about the chunk is off, each
    message is parsed on its own and a message with a bad level is dropped and reported.
    """
    try:
        # map() keeps these checks in C; a level must be a [price, size] list of strings.
        if set(map(type, levels)) <= {list} and set(map(len, levels)) <= {2}:
            flat = orjson.loads("[" + ",".join(chain.from_iterable(levels)) + "]")
            values = np.array(flat, dtype=np.float64).reshape(len(levels), 2)
            if bool(np.all(np.isfinite(values))) and bool(np.all(values[:, 1] >= 0)):
                return msgs, values
    except (orjson.JSONDecodeError, TypeError, ValueError):
        pass
    kept: list[tuple[int, int, int, int, int, int, bool, int, int, int]] = []
    rows: list[tuple[float, float]] = []
    start = 0
    for msg in msgs:
        count = msg[7] + msg[8]
        try:
            parsed = [_level(level) for level in levels[start : start + count]]
        except (_Malformed, ValueError, TypeError, IndexError) as exc:
            report.add_error(msg[9], f"bad depth level: {exc}")
        else:
            kept.append(msg)
            rows.extend(parsed)
        start += count
    return kept, np.array(rows, dtype=np.float64).reshape(len(rows), 2)


def _level(level: Any) -> tuple[float, float]:
    if type(level) is not list or len(level) != 2:
        raise _Malformed(f"level is not a [price, size] pair: {level!r:.60}")
    price, qty = _f(level[0]), _f(level[1])
    if qty < 0:
        raise _Malformed(f"negative level size {qty}")
    return price, qty
