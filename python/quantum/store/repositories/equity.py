"""Equity snapshots: the equity curve of an account."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TypeVarTuple

from sqlalchemy import BigInteger, Connection, Select, func, literal, select, union
from sqlalchemy.orm import Session

from quantum.store.dialect import insert_ignore
from quantum.store.models import EquitySnapshot
from quantum.store.records import EquityRecord
from quantum.store.repositories._common import as_connection, table

__all__ = ["equity_points", "record_equity"]


def record_equity(target: Session | Connection, records: Sequence[EquityRecord]) -> None:
    """Write equity points; a point already stored for ``(account_id, ts_event)`` is kept."""
    insert_ignore(
        as_connection(target),
        table(EquitySnapshot),
        [r.to_row() for r in records],
        ["account_id", "ts_event"],
    )


_Cols = TypeVarTuple("_Cols")


def _in_range(stmt: Select[*_Cols], since_ts: int | None, until_ts: int | None) -> Select[*_Cols]:
    """``stmt`` restricted to the points in ``[since_ts, until_ts)``."""
    if since_ts is not None:
        stmt = stmt.where(EquitySnapshot.ts_event >= since_ts)
    if until_ts is not None:
        stmt = stmt.where(EquitySnapshot.ts_event < until_ts)
    return stmt


def equity_points(
    session: Session,
    user_id: int,
    account_id: int,
    *,
    points: int,
    since_ts: int | None = None,
    until_ts: int | None = None,
) -> tuple[list[tuple[int, Decimal]], int]:
    """At most ``points`` of the account's ``(ts_event, equity)`` points in
    ``[since_ts, until_ts)``, in time order, evenly thinned over time, and how many are stored
    in that range. Nothing when the account is not the user's.

    When more are stored, the range ``[first, newest]`` is cut into at most ``points - 1`` equal
    time buckets and the database keeps the newest point of each, plus the first point (the
    same rule as :func:`quantum.runtime.equity_curve.thin_indices`). The bucket of a point is
    ``offset - offset % width``: the remainder of two integers is exact and the same on SQLite
    and MySQL/MariaDB, whose ``/`` of integers is a rounded decimal. The scans read the
    ``(account_id, ts_event)`` index only; the user is checked on the rows returned.
    """
    if points < 2:
        raise ValueError(f"points must be at least 2, got {points}")
    E = EquitySnapshot
    stats = _in_range(
        select(func.count(), func.min(E.ts_event), func.max(E.ts_event)).where(
            E.account_id == account_id
        ),
        since_ts,
        until_ts,
    )
    stored, first, newest = session.execute(stats).one()
    stored = int(stored)
    rows = select(E.ts_event, E.equity).where(E.account_id == account_id, E.user_id == user_id)
    if stored > points:
        width = (int(newest) - int(first)) // (points - 1) + 1
        offset = E.ts_event - literal(int(first), BigInteger)
        bucket = offset - offset % literal(width, BigInteger)
        newest_of_bucket = _in_range(
            select(func.max(E.ts_event).label("ts")).where(E.account_id == account_id),
            since_ts,
            until_ts,
        ).group_by(bucket)
        kept = union(newest_of_bucket, select(literal(int(first), BigInteger).label("ts")))
        sub = kept.subquery()
        rows = rows.join(sub, E.ts_event == sub.c.ts)
    else:
        rows = _in_range(rows, since_ts, until_ts)
    out = [(int(ts), eq) for ts, eq in session.execute(rows.order_by(E.ts_event))]
    # No row of the user's: the account is someone else's, whose points are not counted.
    return out, stored if out else 0
