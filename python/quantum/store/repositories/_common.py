"""Helpers shared by the repositories."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

from sqlalchemy import Connection, Table
from sqlalchemy.orm import Session

from quantum.store.models import Base

__all__ = ["NANOS_PER_DAY", "as_connection", "chunked", "table", "utc_day"]

T = TypeVar("T")

#: Nanoseconds in a UTC day; event days are ``ts // NANOS_PER_DAY`` (as in the Rust core).
NANOS_PER_DAY = 86_400_000_000_000


def as_connection(target: Session | Connection) -> Connection:
    """The connection of ``target`` (a session joins its current transaction)."""
    return target.connection() if isinstance(target, Session) else target


def utc_day(ts_ns: int) -> int:
    """Days since the Unix epoch (UTC) of a nanosecond timestamp."""
    return ts_ns // NANOS_PER_DAY


def chunked(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """``items`` in slices of at most ``size`` (keeps IN lists below every driver's limit)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def table(model: type[Base]) -> Table:
    """The ``Table`` of a mapped class (typed, for Core statements)."""
    result = model.__table__
    assert isinstance(result, Table)
    return result
