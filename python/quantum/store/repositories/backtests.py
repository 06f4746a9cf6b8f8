"""Backtest runs: configuration, metrics and their trades."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from quantum.errors import DataError
from quantum.store.models import BacktestRun
from quantum.store.records import TradeRecord
from quantum.store.repositories.trades import record_trades

__all__ = ["get_backtest_run", "list_backtest_runs", "save_backtest_run"]


def _json_safe(value: Mapping[str, Any], what: str) -> dict[str, Any]:
    # Decimals become exact strings; anything else that JSON cannot hold is refused.
    def default(obj: object) -> object:
        if isinstance(obj, Decimal):
            return str(obj)
        raise TypeError(type(obj).__name__)

    try:
        result = json.loads(json.dumps(value, default=default, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise DataError(f"backtest {what} is not JSON-serialisable: {exc}") from None
    assert isinstance(result, dict)
    return result


def save_backtest_run(
    session: Session,
    *,
    run_uid: str,
    user_id: int,
    account_id: int,
    name: str,
    config: Mapping[str, Any],
    metrics: Mapping[str, Any],
    trades: Sequence[TradeRecord] = (),
) -> BacktestRun:
    """Save a run with its trades (linked by ``backtest_run_id``); idempotent by ``run_uid``."""
    run = session.scalars(select(BacktestRun).where(BacktestRun.run_uid == run_uid)).first()
    if run is None:
        run = BacktestRun(
            run_uid=run_uid,
            user_id=user_id,
            account_id=account_id,
            name=name,
            config=_json_safe(config, "config"),
            metrics=_json_safe(metrics, "metrics"),
        )
        session.add(run)
        session.flush()
    for t in trades:
        if t.user_id != user_id or t.account_id != account_id:
            raise DataError(f"trade {t.trade_uid} belongs to another user or account")
    record_trades(session, [replace(t, backtest_run_id=run.id) for t in trades])
    return run


def list_backtest_runs(
    session: Session, user_id: int, *, limit: int = 100
) -> Sequence[BacktestRun]:
    """A user's runs, newest first."""
    return session.scalars(
        select(BacktestRun)
        .where(BacktestRun.user_id == user_id)
        .order_by(BacktestRun.created_at.desc(), BacktestRun.id.desc())
        .limit(limit)
    ).all()


def get_backtest_run(session: Session, user_id: int, run_id: int) -> BacktestRun | None:
    """One of the user's runs."""
    return session.scalars(
        select(BacktestRun).where(BacktestRun.user_id == user_id, BacktestRun.id == run_id)
    ).first()
