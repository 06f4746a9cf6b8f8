"""Depth (L2) messages as columns in CSR form: one row per message, its levels in flat arrays.

Message ``i`` owns the levels ``level_offsets[i]:level_offsets[i + 1]`` of ``side`` / ``price`` /
``qty``. A snapshot (``is_snapshot``) replaces the whole book; an update sets each listed level to
its new size, and size 0 deletes the level. Sequence ids are kept as the venue sends them so the
book can check continuity the venue's way (Binance futures: ``first_id``/``last_id``/``prev_id`` =
``U``/``u``/``pu``; spot has no ``pu``, so ``prev_id`` is 0; a snapshot has
``first_id == last_id == lastUpdateId``). Timestamps are int64 ns like the tick columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from quantum.data.columns import SymbolTable, arrays_equal, remap_ids
from quantum.errors import ColumnError

__all__ = ["DEPTH_LEVEL_DTYPES", "DEPTH_MESSAGE_DTYPES", "DepthColumns"]

DEPTH_MESSAGE_DTYPES: Final[dict[str, np.dtype[Any]]] = {
    "ts_event": np.dtype(np.int64),
    "ts_recv": np.dtype(np.int64),
    "symbol": np.dtype(np.uint32),
    "first_id": np.dtype(np.uint64),
    "last_id": np.dtype(np.uint64),
    "prev_id": np.dtype(np.uint64),
    "is_snapshot": np.dtype(np.bool_),
}
"""Per-message columns (``level_offsets`` has one more row and is checked separately)."""

DEPTH_LEVEL_DTYPES: Final[dict[str, np.dtype[Any]]] = {
    "side": np.dtype(np.int8),
    "price": np.dtype(np.float64),
    "qty": np.dtype(np.float64),
}
"""Per-level columns: side +1 bid / -1 ask, price, new size (0 deletes)."""


@dataclass(frozen=True, eq=False)
class DepthColumns:
    """A validated batch of depth messages in CSR form (see the module docstring).

    Construction raises :class:`quantum.errors.ColumnError` on a wrong dtype, length or offset.
    """

    ts_event: NDArray[np.int64]
    ts_recv: NDArray[np.int64]
    symbol: NDArray[np.uint32]
    first_id: NDArray[np.uint64]
    last_id: NDArray[np.uint64]
    prev_id: NDArray[np.uint64]
    is_snapshot: NDArray[np.bool_]
    level_offsets: NDArray[np.int64]
    side: NDArray[np.int8]
    price: NDArray[np.float64]
    qty: NDArray[np.float64]
    symbol_names: tuple[str, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "symbol_names", tuple(self.symbol_names))
        n = len(self.ts_event)
        for name, dtype in DEPTH_MESSAGE_DTYPES.items():
            _check(name, getattr(self, name), dtype, n)
        _check("level_offsets", self.level_offsets, np.dtype(np.int64), n + 1)
        offsets = self.level_offsets
        n_levels = len(self.side)
        for name, dtype in DEPTH_LEVEL_DTYPES.items():
            _check(name, getattr(self, name), dtype, n_levels)
        if offsets[0] != 0 or offsets[-1] != n_levels:
            raise ColumnError(
                f"level_offsets must run from 0 to {n_levels} levels", column="level_offsets"
            )
        if n and bool(np.any(np.diff(offsets) < 0)):
            raise ColumnError("level_offsets must not decrease", column="level_offsets")
        if n_levels and not bool(np.all((self.side == 1) | (self.side == -1))):
            raise ColumnError("side must be +1 (bid) or -1 (ask)", column="side")
        if n and int(self.symbol.max()) >= len(self.symbol_names):
            raise ColumnError(f"symbol id {int(self.symbol.max())} has no name", column="symbol")

    @classmethod
    def empty(cls, symbol_names: Sequence[str] = ()) -> DepthColumns:
        """A batch with no messages."""
        arrays: dict[str, Any] = {n: np.empty(0, d) for n, d in DEPTH_MESSAGE_DTYPES.items()}
        arrays.update({n: np.empty(0, d) for n, d in DEPTH_LEVEL_DTYPES.items()})
        return cls(level_offsets=np.zeros(1, np.int64), symbol_names=tuple(symbol_names), **arrays)

    def __len__(self) -> int:
        return len(self.ts_event)

    @property
    def n_levels(self) -> int:
        """The total number of levels over all messages."""
        return len(self.side)

    def levels(
        self, index: int
    ) -> tuple[NDArray[np.int8], NDArray[np.float64], NDArray[np.float64]]:
        """The ``(side, price, qty)`` views of message ``index``."""
        lo, hi = int(self.level_offsets[index]), int(self.level_offsets[index + 1])
        return self.side[lo:hi], self.price[lo:hi], self.qty[lo:hi]

    def to_dict(self) -> dict[str, Any]:
        """All columns by name plus ``symbol_names`` (no copies)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def slice(self, start: int, stop: int) -> DepthColumns:
        """Messages ``start:stop`` with their levels; offsets are rebased to 0."""
        start, stop, _ = slice(start, stop).indices(len(self))
        stop = max(start, stop)
        lo, hi = int(self.level_offsets[start]), int(self.level_offsets[stop])
        msg = {n: getattr(self, n)[start:stop] for n in DEPTH_MESSAGE_DTYPES}
        lvl = {n: getattr(self, n)[lo:hi] for n in DEPTH_LEVEL_DTYPES}
        offsets = self.level_offsets[start : stop + 1] - lo
        return DepthColumns(level_offsets=offsets, symbol_names=self.symbol_names, **msg, **lvl)

    def take(self, indices: NDArray[np.integer[Any]]) -> DepthColumns:
        """The messages at ``indices`` (in that order), each with all its levels."""
        idx = np.asarray(indices, dtype=np.int64)
        starts = self.level_offsets[idx]
        counts = self.level_offsets[idx + 1] - starts
        offsets = np.zeros(len(idx) + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        # Level index of every kept level: its message's start plus its rank inside the message.
        level_idx = np.repeat(starts - offsets[:-1], counts) + np.arange(offsets[-1])
        msg = {n: np.ascontiguousarray(getattr(self, n)[idx]) for n in DEPTH_MESSAGE_DTYPES}
        lvl = {n: np.ascontiguousarray(getattr(self, n)[level_idx]) for n in DEPTH_LEVEL_DTYPES}
        return DepthColumns(level_offsets=offsets, symbol_names=self.symbol_names, **msg, **lvl)

    def with_symbol_names(self, symbol_names: Sequence[str]) -> DepthColumns:
        """The same messages expressed against a larger name table that contains all our names."""
        target = tuple(symbol_names)
        fields_now = self.to_dict()
        fields_now["symbol_names"] = target
        if target[: len(self.symbol_names)] != self.symbol_names:
            fields_now["symbol"] = remap_ids(self.symbol, self.symbol_names, target)
        return DepthColumns(**fields_now)

    def equals(self, other: DepthColumns) -> bool:
        """Exact equality of every column and of the symbol names."""
        if self.symbol_names != other.symbol_names:
            return False
        names = [*DEPTH_MESSAGE_DTYPES, "level_offsets", *DEPTH_LEVEL_DTYPES]
        return all(arrays_equal(getattr(self, n), getattr(other, n)) for n in names)

    @staticmethod
    def concat(parts: Sequence[DepthColumns], symbol_names: Sequence[str] = ()) -> DepthColumns:
        """Concatenate batches; symbol tables are merged and ids remapped like tick columns."""
        if not parts:
            return DepthColumns.empty(symbol_names)
        if len(parts) == 1:
            return parts[0]
        table = SymbolTable(parts[0].symbol_names)
        for part in parts[1:]:
            for name in part.symbol_names:
                table.intern(name)
        names = table.names()
        msg: dict[str, NDArray[Any]] = {}
        for n in DEPTH_MESSAGE_DTYPES:
            pieces = []
            for part in parts:
                col = getattr(part, n)
                if n == "symbol" and part.symbol_names != names[: len(part.symbol_names)]:
                    remap = np.array(
                        [table.intern(s) for s in part.symbol_names] or [0], dtype=np.uint32
                    )
                    col = remap[col]
                pieces.append(col)
            msg[n] = np.concatenate(pieces)
        lvl = {n: np.concatenate([getattr(p, n) for p in parts]) for n in DEPTH_LEVEL_DTYPES}
        shifts = np.cumsum([0] + [p.n_levels for p in parts[:-1]])
        offsets = np.concatenate(
            [np.zeros(1, np.int64)]
            + [p.level_offsets[1:] + s for p, s in zip(parts, shifts, strict=True)]
        ).astype(np.int64, copy=False)
        return DepthColumns(level_offsets=offsets, symbol_names=names, **msg, **lvl)


def _check(name: str, arr: Any, dtype: np.dtype[Any], length: int) -> None:
    if not isinstance(arr, np.ndarray):
        raise ColumnError(f"depth column {name} is not a NumPy array", column=name)
    if arr.dtype != dtype:
        raise ColumnError(
            f"depth column {name} has dtype {arr.dtype}, expected {dtype}", column=name
        )
    if arr.ndim != 1 or not arr.flags.c_contiguous:
        raise ColumnError(f"depth column {name} must be 1-D and C-contiguous", column=name)
    if len(arr) != length:
        raise ColumnError(
            f"depth column {name} has {len(arr)} rows, expected {length}", column=name
        )
