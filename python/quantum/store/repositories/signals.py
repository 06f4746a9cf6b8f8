"""Signals: what the strategies proposed, and the pending ones a user can execute."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, select, update
from sqlalchemy.orm import Session

from quantum.store.dialect import upsert
from quantum.store.enums import SignalStatus
from quantum.store.models import Signal
from quantum.store.records import SignalRecord
from quantum.store.repositories._common import as_connection, chunked, table

__all__ = ["pending_signals", "record_signals", "resolve_signal"]

_KEY = "signal_uid"
_UPDATE = [c.name for c in Signal.__table__.columns if c.name not in ("id", _KEY)]


def record_signals(target: Session | Connection, records: Sequence[SignalRecord]) -> None:
    """Write signals' current state, keyed by ``signal_uid``.

    A resolved signal (EXECUTED / EXPIRED / REJECTED) is final: a replayed PENDING record for it is
    ignored, so a retry never re-offers an executed signal.
    """
    if not records:
        return
    conn = as_connection(target)
    uids = list({r.signal_uid for r in records})
    resolved: set[str] = set()
    for chunk in chunked(uids, 500):
        resolved.update(
            conn.scalars(
                select(Signal.signal_uid).where(
                    Signal.signal_uid.in_(chunk), Signal.status != SignalStatus.PENDING
                )
            )
        )
    rows = [
        r.to_row()
        for r in records
        if not (r.status is SignalStatus.PENDING and r.signal_uid in resolved)
    ]
    upsert(conn, table(Signal), rows, [_KEY], _UPDATE)


def pending_signals(
    session: Session, user_id: int, *, account_id: int | None = None, limit: int = 100
) -> Sequence[Signal]:
    """A user's pending signals, newest first."""
    stmt = select(Signal).where(Signal.user_id == user_id, Signal.status == SignalStatus.PENDING)
    if account_id is not None:
        stmt = stmt.where(Signal.account_id == account_id)
    return session.scalars(
        stmt.order_by(Signal.ts_event.desc(), Signal.id.desc()).limit(limit)
    ).all()


def resolve_signal(
    session: Session, user_id: int, signal_uid: str, status: SignalStatus, updated_ts: int
) -> bool:
    """Move one of the user's PENDING signals to ``status``; False if not pending (or not theirs).

    The check and the change are one UPDATE, so two clicks on "Execute" resolve it once.
    """
    if status is SignalStatus.PENDING:
        raise ValueError("resolve_signal needs a final status")
    result = session.execute(
        update(Signal)
        .where(
            Signal.user_id == user_id,
            Signal.signal_uid == signal_uid,
            Signal.status == SignalStatus.PENDING,
        )
        .values(status=status, updated_ts=updated_ts)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)
