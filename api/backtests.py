"""Backtests run in the background (a worker thread) with progress; results go to the store."""

from __future__ import annotations

import math
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

from quantum.data import TickColumns, generate, read_recording
from quantum.engine import Engine, EngineConfig
from quantum.errors import DataError
from quantum.runtime.accounts import d8
from quantum.store import Store
from quantum.store.repositories.backtests import list_backtest_runs, save_backtest_run

__all__ = ["BacktestJob", "BacktestJobs", "load_data_set"]

_PARTS = 20
_EQUITY_POINTS = 500


def _json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


#: The engine's metric names (as stored with each run) → the API's, which name their unit.
METRIC_NAMES = {
    "num_trades": "num_trades",
    "wins": "wins",
    "losses": "losses",
    "win_rate": "win_rate",
    "total_pnl": "gross_pnl",
    "net_pnl": "net_pnl",
    "fees": "fees",
    "funding": "funding",
    "unrealized_pnl": "unrealized_pnl",
    "initial_capital": "initial_capital",
    "final_equity": "final_equity",
    "return_pct": "return_fraction",
    "profit_factor": "profit_factor",
    "sharpe": "sharpe",
    "sortino": "sortino",
    "max_drawdown": "max_drawdown_fraction",
    "max_drawdown_duration_s": "max_drawdown_duration_s",
    "exposure": "exposure_fraction",
    "avg_trade_pnl": "avg_trade_pnl",
    "shadow_trades": "shadow_trades",
    "shadow_wins": "shadow_wins",
    "shadow_win_rate": "shadow_win_rate",
    "shadow_pnl": "shadow_pnl",
}
_MONEY_METRICS = frozenset(
    {"gross_pnl", "net_pnl", "fees", "funding", "unrealized_pnl", "initial_capital"}
    | {"final_equity", "avg_trade_pnl", "shadow_pnl"}
)


_SHADOW_DEFAULTS: dict[str, Any] = {"shadow_trades": 0, "shadow_wins": 0, "shadow_pnl": "0"}


def shadow_metrics(engine: Engine) -> dict[str, Any]:
    """The shadow trades of a run, summed over its strategies."""
    stats = engine.strategy_stats()
    n = sum(int(s["shadow_trades"]) for s in stats)
    wins = sum(int(s["shadow_wins"]) for s in stats)
    pnl = sum((Decimal(str(s["shadow_pnl"])) for s in stats), Decimal(0))
    return {
        "shadow_trades": n,
        "shadow_wins": wins,
        "shadow_win_rate": wins / n if n else None,
        "shadow_pnl": str(pnl),
    }


def public_metrics(summary: dict[str, Any]) -> dict[str, Any]:
    """A run's stored metrics as the API's ``BacktestMetrics``: renamed so each name says its
    unit (the engine's ``return_pct`` and ``max_drawdown`` are fractions), money as exact
    decimal strings, undefined ratios (NaN, stored as null) as null."""
    out: dict[str, Any] = {}
    for name, api_name in METRIC_NAMES.items():
        value = summary.get(name)
        if value is None and name in _SHADOW_DEFAULTS:
            # A run stored before shadow trades were reported.
            value = _SHADOW_DEFAULTS[name]
        if api_name in _MONEY_METRICS and value is not None:
            value = d8(value)
        out[api_name] = value
    return out


def load_data_set(name: str, ticks: int, seed: int, data_dir: Path) -> TickColumns:
    """``synthetic`` (``ticks`` ticks, ``seed``) or a recording ``<data_dir>/recordings/<name>``."""
    if name == "synthetic":
        return generate(ticks, seed=seed)
    folder = (data_dir / "recordings").resolve()
    path = (folder / name).resolve()
    if path.parent != folder or not path.is_file():
        raise DataError(f"unknown data set {name!r}: use 'synthetic' or a file in {folder}")
    return read_recording(path).ticks


@dataclass
class BacktestJob:
    """A run in progress (or finished) in this process."""

    id: str
    user_id: int
    account_id: int
    data: str
    ticks: int
    seed: int
    config: EngineConfig
    status: str = "queued"
    progress: float = 0.0
    metrics: dict[str, Any] | None = None
    equity: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "progress": self.progress,
            "config": self.describe(),
            "metrics": None if self.metrics is None else public_metrics(self.metrics),
            "error": self.error,
            "created_at": self.created_at,
        }

    def describe(self) -> dict[str, Any]:
        return {
            "data": self.data,
            "ticks": self.ticks,
            "seed": self.seed,
            "engine": self.config.model_dump(),
        }


class BacktestJobs:
    """Background backtests of this process, plus the finished runs in the store."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: dict[str, BacktestJob] = {}

    def submit(
        self,
        store: Store,
        data_dir: Path,
        user_id: int,
        account_id: int,
        data: str,
        ticks: int,
        seed: int,
        config: EngineConfig,
    ) -> BacktestJob:
        job = BacktestJob(uuid.uuid4().hex, user_id, account_id, data, ticks, seed, config)
        with self._lock:
            self._jobs[job.id] = job
        threading.Thread(
            target=self._run, args=(job, store, data_dir), name=f"backtest-{job.id}", daemon=True
        ).start()
        return job

    def _run(self, job: BacktestJob, store: Store, data_dir: Path) -> None:
        try:
            job.status = "running"
            ticks = load_data_set(job.data, job.ticks, job.seed, data_dir)
            engine = Engine(job.config, symbols=ticks.symbol_names)
            cols = dict(ticks.columns)
            n = len(ticks)
            bounds = np.linspace(0, n, _PARTS + 1).astype(int)
            for k in range(_PARTS):
                lo, hi = int(bounds[k]), int(bounds[k + 1])
                if hi > lo:
                    engine.native.run({name: c[lo:hi] for name, c in cols.items()})
                job.progress = round(0.95 * (k + 1) / _PARTS, 4)
            engine.native.finish()
            metrics = {k: _json(v) for k, v in engine.metrics().items()} | shadow_metrics(engine)
            ts, eq = engine.native.equity_curve()
            step = max(1, len(ts) // _EQUITY_POINTS)
            equity = [
                {"ts": int(t), "equity": f"{float(e):.8f}"}
                for t, e in zip(ts[::step].tolist(), eq[::step].tolist(), strict=True)
            ]
            with store.session() as session:
                save_backtest_run(
                    session,
                    run_uid=job.id,
                    user_id=job.user_id,
                    account_id=job.account_id,
                    name=job.data,
                    config=job.describe(),
                    metrics={"summary": metrics, "equity": equity},
                )
            job.metrics, job.equity = metrics, equity
            job.progress, job.status = 1.0, "done"
        except Exception as exc:
            job.status, job.error = "failed", f"{type(exc).__name__}: {exc}"[:500]

    def get(self, store: Store, user_id: int, run_id: str) -> BacktestJob | None:
        with self._lock:
            job = self._jobs.get(run_id)
        if job is not None:
            return job if job.user_id == user_id else None
        with store.session() as session:
            for run in list_backtest_runs(session, user_id, limit=500):
                if run.run_uid == run_id:
                    return _from_row(run)
        return None

    def list(self, store: Store, user_id: int) -> list[BacktestJob]:
        with self._lock:
            mine = {j.id: j for j in self._jobs.values() if j.user_id == user_id}
        with store.session() as session:
            for run in list_backtest_runs(session, user_id, limit=500):
                mine.setdefault(run.run_uid, _from_row(run))
        return sorted(mine.values(), key=lambda j: j.created_at, reverse=True)


def _from_row(run: Any) -> BacktestJob:
    cfg = dict(run.config)
    job = BacktestJob(
        id=run.run_uid,
        user_id=run.user_id,
        account_id=run.account_id,
        data=str(cfg.get("data", run.name)),
        ticks=int(cfg.get("ticks", 0)),
        seed=int(cfg.get("seed", 0)),
        config=EngineConfig.model_validate(cfg.get("engine", {})),
        status="done",
        progress=1.0,
        metrics=dict(run.metrics.get("summary", {})),
        equity=list(run.metrics.get("equity", [])),
        created_at=run.created_at if run.created_at.tzinfo else run.created_at.replace(tzinfo=UTC),
    )
    return job
