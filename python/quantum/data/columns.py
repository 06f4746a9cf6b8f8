"""Tick columns: the struct-of-arrays batch of market events that the Rust core consumes.

A batch is a set of equally long, one-dimensional, C-contiguous NumPy arrays named after
:data:`TICK_DTYPES`, plus a name table that turns the ``symbol`` ids (``uint32``) into names.
Only ``ts_event``, ``ts_recv`` and ``symbol`` are required; a missing column means the source does
not provide that field, and ``NaN`` inside a float column means "not provided for this tick".

Units: ``ts_event`` is the exchange's event time and ``ts_recv`` the local receive time, both int64
nanoseconds since the Unix epoch. Prices are in quote currency, sizes and volumes in base currency,
``funding_rate`` is a plain fraction per funding interval (0.0001 = 0.01 %), ``liq_side`` is +1 when
longs were liquidated (forced sells), -1 when shorts were, 0 when none.

Floats are used here because this is the transport format; the core converts prices and sizes to
its 10⁻⁸ fixed-point types on entry.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from quantum.errors import ColumnError

__all__ = [
    "OPTIONAL_TICK_COLUMNS",
    "REQUIRED_TICK_COLUMNS",
    "TICK_DTYPES",
    "SymbolTable",
    "TickColumns",
    "arrays_equal",
    "fill_value",
    "remap_ids",
]

TICK_DTYPES: Final[Mapping[str, np.dtype[Any]]] = {
    "ts_event": np.dtype(np.int64),
    "ts_recv": np.dtype(np.int64),
    "symbol": np.dtype(np.uint32),
    "price": np.dtype(np.float64),
    "bid": np.dtype(np.float64),
    "ask": np.dtype(np.float64),
    "bid_qty": np.dtype(np.float64),
    "ask_qty": np.dtype(np.float64),
    "volume": np.dtype(np.float64),
    "buy_volume": np.dtype(np.float64),
    "sell_volume": np.dtype(np.float64),
    "open": np.dtype(np.float64),
    "high": np.dtype(np.float64),
    "low": np.dtype(np.float64),
    "close": np.dtype(np.float64),
    "liq_volume": np.dtype(np.float64),
    "funding_rate": np.dtype(np.float64),
    "open_interest": np.dtype(np.float64),
    "liq_side": np.dtype(np.int8),
}
"""Every tick column the core knows, with its exact dtype, in canonical order."""

REQUIRED_TICK_COLUMNS: Final[tuple[str, ...]] = ("ts_event", "ts_recv", "symbol")
OPTIONAL_TICK_COLUMNS: Final[tuple[str, ...]] = tuple(
    name for name in TICK_DTYPES if name not in REQUIRED_TICK_COLUMNS
)


def fill_value(name: str) -> float | int:
    """The "not provided" value of an optional column: NaN for floats, 0 for ``liq_side``."""
    return 0 if TICK_DTYPES[name].kind in "iu" else float("nan")


def arrays_equal(a: NDArray[Any], b: NDArray[Any]) -> bool:
    """Exact equality of two arrays, dtype included; NaN equals NaN in float arrays."""
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if a.dtype.kind == "f":
        return bool(np.array_equal(a, b, equal_nan=True))
    return bool(np.array_equal(a, b))


class SymbolTable:
    """An append-only table of symbol names; an id never changes once given.

    Streaming loaders share one table across chunks so that a symbol keeps its id in every chunk.
    """

    def __init__(self, names: Iterable[str] = ()) -> None:
        self._names: list[str] = []
        self._ids: dict[str, int] = {}
        for name in names:
            self.intern(name)

    def intern(self, name: str) -> int:
        """Return the id of ``name``, adding it to the table on first sight."""
        sid = self._ids.get(name)
        if sid is None:
            sid = len(self._names)
            self._names.append(name)
            self._ids[name] = sid
        return sid

    def names(self) -> tuple[str, ...]:
        """The names known so far; index = id."""
        return tuple(self._names)

    def __len__(self) -> int:
        return len(self._names)


@dataclass(frozen=True, eq=False)
class TickColumns:
    """A validated batch of ticks as NumPy columns (see the module docstring for units).

    Construction checks every name, dtype, shape and length and raises
    :class:`quantum.errors.ColumnError` (naming the column) when one is wrong; a built instance is
    always safe to hand to the core. Use :meth:`to_dict` for the plain ``dict`` the core takes.
    """

    columns: Mapping[str, NDArray[Any]]
    symbol_names: tuple[str, ...]

    def __post_init__(self) -> None:
        # Canonical column order makes equal batches print and serialise identically.
        ordered = {name: self.columns[name] for name in TICK_DTYPES if name in self.columns}
        unknown = sorted(set(self.columns) - set(ordered))
        if unknown:
            raise ColumnError(f"unknown tick column(s): {', '.join(unknown)}", column=unknown[0])
        object.__setattr__(self, "columns", ordered)
        object.__setattr__(self, "symbol_names", tuple(self.symbol_names))
        _validate(ordered, self.symbol_names)

    @classmethod
    def from_arrays(
        cls, symbol_names: Sequence[str], **arrays: NDArray[Any] | Sequence[Any]
    ) -> TickColumns:
        """Build a batch from array-likes, converting each to its column dtype.

        The conversion must be value-preserving: a float that is not a whole number cannot become
        a timestamp, and a negative number cannot become a symbol id.
        """
        cols: dict[str, NDArray[Any]] = {}
        for name, values in arrays.items():
            dtype = TICK_DTYPES.get(name)
            if dtype is None:
                raise ColumnError(f"unknown tick column: {name}", column=name)
            src = np.asarray(values)
            dst = np.ascontiguousarray(src, dtype=dtype)
            if src.dtype != dtype and src.size and not _same_values(src, dst):
                raise ColumnError(
                    f"column {name}: values do not fit {dtype} without loss", column=name
                )
            cols[name] = dst
        return cls(cols, tuple(symbol_names))

    @classmethod
    def empty(cls, names: Iterable[str] = (), symbol_names: Sequence[str] = ()) -> TickColumns:
        """An empty batch with the required columns plus ``names``."""
        wanted = set(REQUIRED_TICK_COLUMNS) | set(names)
        cols = {n: np.empty(0, dtype=d) for n, d in TICK_DTYPES.items() if n in wanted}
        return cls(cols, tuple(symbol_names))

    def __len__(self) -> int:
        return len(self.columns["ts_event"])

    def __getitem__(self, name: str) -> NDArray[Any]:
        return self.columns[name]

    def __contains__(self, name: object) -> bool:
        return name in self.columns

    @property
    def names(self) -> tuple[str, ...]:
        """The column names present, in canonical order."""
        return tuple(self.columns)

    def to_dict(self) -> dict[str, NDArray[Any]]:
        """The columns as a plain ``dict`` (no copies): the form the core consumes."""
        return dict(self.columns)

    def slice(self, start: int, stop: int) -> TickColumns:
        """Rows ``start:stop`` as views (no copy)."""
        return TickColumns({n: a[start:stop] for n, a in self.columns.items()}, self.symbol_names)

    def take(self, indices: NDArray[np.integer[Any]] | NDArray[np.bool_]) -> TickColumns:
        """The rows selected by an index array or boolean mask (copies)."""
        return TickColumns(
            {n: np.ascontiguousarray(a[indices]) for n, a in self.columns.items()},
            self.symbol_names,
        )

    def sorted(self, by: str = "ts_recv") -> TickColumns:
        """The ticks ordered by a time column; ties keep their order (a stable sort), so merging
        two feeds with :meth:`concat` then sorting is deterministic."""
        if by not in ("ts_event", "ts_recv"):
            raise ColumnError(f"can only sort by ts_event or ts_recv, not {by}", column=by)
        order = np.argsort(self.columns[by], kind="stable")
        return self.take(order)

    def with_columns(self, names: Iterable[str]) -> TickColumns:
        """This batch with the given optional columns added (filled with "not provided")."""
        cols = dict(self.columns)
        for name in names:
            if name not in cols:
                cols[name] = np.full(len(self), fill_value(name), dtype=TICK_DTYPES[name])
        return TickColumns(cols, self.symbol_names)

    def with_symbol_names(self, symbol_names: Sequence[str]) -> TickColumns:
        """The same ticks expressed against a larger name table that contains all our names."""
        target = tuple(symbol_names)
        if target[: len(self.symbol_names)] == self.symbol_names:
            return TickColumns(self.columns, target)
        cols = dict(self.columns)
        cols["symbol"] = remap_ids(self.columns["symbol"], self.symbol_names, target)
        return TickColumns(cols, target)

    def symbol_of(self, index: int) -> str:
        """The symbol name of row ``index``."""
        return self.symbol_names[int(self.columns["symbol"][index])]

    def equals(self, other: TickColumns) -> bool:
        """Exact equality: same names, symbol names, dtypes and values (NaN equals NaN)."""
        return (
            self.names == other.names
            and self.symbol_names == other.symbol_names
            and all(arrays_equal(a, other.columns[n]) for n, a in self.columns.items())
        )

    @staticmethod
    def concat(
        parts: Sequence[TickColumns],
        names: Iterable[str] = (),
        symbol_names: Sequence[str] = (),
    ) -> TickColumns:
        """Concatenate batches row-wise.

        The result has the union of the parts' columns (a column missing from a part is filled with
        "not provided"). Symbol tables are merged in order of first appearance and ids remapped, so
        batches from different files combine correctly. ``names`` and ``symbol_names`` give the
        schema of the result when ``parts`` is empty.
        """
        if not parts:
            return TickColumns.empty(names, symbol_names)
        table = SymbolTable(parts[0].symbol_names)
        for part in parts[1:]:
            for name in part.symbol_names:
                table.intern(name)
        merged_names = table.names()
        wanted = {n for part in parts for n in part.columns}
        out: dict[str, NDArray[Any]] = {}
        for name, dtype in TICK_DTYPES.items():
            if name not in wanted:
                continue
            pieces: list[NDArray[Any]] = []
            for part in parts:
                if name == "symbol" and part.symbol_names != merged_names[: len(part.symbol_names)]:
                    remap = np.array(
                        [table.intern(s) for s in part.symbol_names] or [0], dtype=np.uint32
                    )
                    pieces.append(remap[part.columns["symbol"]])
                elif name in part.columns:
                    pieces.append(part.columns[name])
                else:
                    pieces.append(np.full(len(part), fill_value(name), dtype=dtype))
            out[name] = np.concatenate(pieces) if len(pieces) > 1 else pieces[0]
        return TickColumns(out, merged_names)


def remap_ids(
    ids: NDArray[np.uint32], names: Sequence[str], target: Sequence[str]
) -> NDArray[np.uint32]:
    """Symbol ids against ``names`` → ids of the same names in ``target``."""
    where = {name: i for i, name in enumerate(target)}
    missing = [n for n in names if n not in where]
    if missing:
        raise ColumnError(f"symbol {missing[0]!r} is not in the target name table", "symbol")
    table = np.array([where[n] for n in names] or [0], dtype=np.uint32)
    return table[ids]


def _same_values(src: NDArray[Any], dst: NDArray[Any]) -> bool:
    """True when converting ``src`` to ``dst``'s dtype lost nothing (NaN counts as kept)."""
    if dst.dtype.kind == "f":
        with np.errstate(invalid="ignore"):
            back = dst.astype(src.dtype, copy=False)
        return bool(np.array_equal(back, src, equal_nan=src.dtype.kind in "fc"))
    with np.errstate(invalid="ignore", over="ignore"):
        back = dst.astype(src.dtype, copy=False)
    return bool(np.array_equal(back, src))


def _validate(cols: Mapping[str, NDArray[Any]], symbol_names: tuple[str, ...]) -> None:
    for name in REQUIRED_TICK_COLUMNS:
        if name not in cols:
            raise ColumnError(f"missing required tick column: {name}", column=name)
    length = len(cols["ts_event"])
    for name, arr in cols.items():
        if not isinstance(arr, np.ndarray):
            raise ColumnError(f"column {name} is not a NumPy array", column=name)
        if arr.dtype != TICK_DTYPES[name]:
            raise ColumnError(
                f"column {name} has dtype {arr.dtype}, expected {TICK_DTYPES[name]}", column=name
            )
        if arr.ndim != 1:
            raise ColumnError(f"column {name} must be one-dimensional", column=name)
        if not arr.flags.c_contiguous:
            raise ColumnError(f"column {name} must be C-contiguous", column=name)
        if len(arr) != length:
            raise ColumnError(
                f"column {name} has {len(arr)} rows, ts_event has {length}", column=name
            )
    symbols = cols["symbol"]
    if length and int(symbols.max()) >= len(symbol_names):
        raise ColumnError(
            f"symbol id {int(symbols.max())} has no name ({len(symbol_names)} names)",
            column="symbol",
        )
    liq_side = cols.get("liq_side")
    if liq_side is not None and length and (int(liq_side.min()) < -1 or int(liq_side.max()) > 1):
        raise ColumnError("liq_side must be -1, 0 or +1", column="liq_side")
