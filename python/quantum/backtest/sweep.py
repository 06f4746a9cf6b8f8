"""Parameter sweeps: one data set, a grid of engine parameters, a ranked table of metrics.

A grid maps dotted config paths to the values to try, e.g.
``{"order_flow.imbalance_threshold": [0.1, 0.15, 0.2], "volatility_fader.multiple": [1.5, 2, 3]}``;
every combination is one backtest of the built-in strategies (the Cartesian product, in a fixed
order). Results are ranked by one metric (best first; NaN last) into a DataFrame.

Where the runs happen is an :class:`Executor`:

- :class:`LocalExecutor` (default) runs them on this machine's cores in a thread pool. The core
  releases the GIL for the whole run, so threads run truly in parallel and share the tick columns
  without copying them.
- :class:`RayExecutor` hands them to a Ray cluster (``ray.init(address=...)``) when one machine is
  not enough: the ticks are put in Ray's object store once and each task runs :func:`evaluate` on
  a worker. Ray is an optional dependency (``pip install ray``).

Every run is a pure function of (ticks, config), so the same grid gives the same table whatever
the executor and the number of workers.
"""

from __future__ import annotations

import itertools
import json
import math
import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any, Final, Protocol

import pandas as pd
from pydantic import ValidationError

from quantum.backtest.runner import backtest
from quantum.engine import EngineConfig
from quantum.errors import ConfigError
from quantum.ticks import TickBatch, to_batch

__all__ = [
    "RANKABLE",
    "Executor",
    "LocalExecutor",
    "RayExecutor",
    "apply_overrides",
    "evaluate",
    "expand_grid",
    "parse_assignment",
    "run_sweep",
    "write_table",
]

RANKABLE: Final[dict[str, bool]] = {
    # metric → True when higher is better
    "net_pnl": True,
    "total_pnl": True,
    "return_pct": True,
    "sharpe": True,
    "sortino": True,
    "profit_factor": True,
    "win_rate": True,
    "num_trades": True,
    "final_equity": True,
    "avg_trade_pnl": True,
    "max_drawdown": False,
    "fees": False,
}
"""Metrics a sweep can be ranked by, and their direction."""

METRIC_COLUMNS: Final[tuple[str, ...]] = (
    "num_trades", "win_rate", "net_pnl", "total_pnl", "fees", "funding", "return_pct",
    "profit_factor", "sharpe", "sortino", "max_drawdown", "max_drawdown_duration_s", "exposure",
    "final_equity",
)  # fmt: skip


def parse_assignment(text: str) -> tuple[str, Any]:
    """``"order_flow.rsi_low=35"`` → ``("order_flow.rsi_low", 35)``; values are JSON when they
    parse as JSON (numbers, true/false), else strings."""
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ConfigError(f"expected KEY=VALUE, got {text!r}")
    return key, _value(raw.strip())


def _value(raw: str) -> Any:
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        return raw


def parse_grid_axis(text: str) -> tuple[str, list[Any]]:
    """``"risk.max_drawdown=0.1,0.15"`` → ``("risk.max_drawdown", [0.1, 0.15])``."""
    key, raw = parse_assignment(text)
    values = [_value(v.strip()) for v in str(raw).split(",")] if isinstance(raw, str) else [raw]
    if any(v == "" for v in values):
        raise ConfigError(f"empty value in grid axis {text!r}")
    return key, values


def apply_overrides(base: EngineConfig, overrides: Mapping[str, Any]) -> EngineConfig:
    """A copy of ``base`` with dotted-path values replaced and validated.

    Raises ConfigError naming the path when it does not exist or the value is out of range.
    """
    tree = base.model_dump()
    for path, value in overrides.items():
        node: Any = tree
        parts = path.split(".")
        for part in parts[:-1]:
            if not isinstance(node, dict) or part not in node or not isinstance(node[part], dict):
                raise ConfigError(f"unknown config section {part!r} in {path!r}")
            node = node[part]
        if parts[-1] not in node:
            known = ", ".join(sorted(node))
            raise ConfigError(f"unknown config field {path!r} (known here: {known})")
        node[parts[-1]] = value
    try:
        return EngineConfig.model_validate(tree)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"invalid config value for {where}: {first['msg']}") from None


def expand_grid(grid: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Every combination of the grid's values, the last axis varying fastest."""
    if not grid:
        return [{}]
    keys = list(grid)
    for key in keys:
        if not grid[key]:
            raise ConfigError(f"grid axis {key!r} has no values")
    return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*grid.values())]


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    return value


def evaluate(ticks: TickBatch, config_json: str) -> dict[str, Any]:
    """One backtest of the built-in strategies; the metrics plus run counters as plain values.

    Takes the config as JSON so it travels to remote workers (Ray) as a plain string.
    """
    config = EngineConfig.model_validate_json(config_json)
    result = backtest(ticks, config)
    row = {name: _plain(result.metrics[name]) for name in METRIC_COLUMNS}
    row["ticks"] = result.ticks_processed
    row["rejections"] = int(sum(result.rejections.values()))
    row["elapsed_s"] = result.elapsed_s
    return row


class Executor(Protocol):
    """Runs :func:`evaluate` over many configs of one data set, results in input order."""

    def map(
        self,
        ticks: TickBatch,
        configs: Sequence[str],
        on_done: Callable[[int], None] | None = None,
    ) -> list[dict[str, Any]]: ...


class LocalExecutor:
    """Threads on this machine (``workers`` defaults to the number of cores)."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or os.cpu_count() or 1
        if self.workers < 1:
            raise ConfigError(f"workers must be >= 1, got {self.workers}")

    def map(
        self,
        ticks: TickBatch,
        configs: Sequence[str],
        on_done: Callable[[int], None] | None = None,
    ) -> list[dict[str, Any]]:
        if self.workers == 1:
            rows = []
            for cfg in configs:
                rows.append(evaluate(ticks, cfg))
                if on_done is not None:
                    on_done(1)
            return rows
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            futures = [pool.submit(evaluate, ticks, cfg) for cfg in configs]
            if on_done is not None:
                for f in futures:
                    f.add_done_callback(lambda _f: on_done(1))
            return [f.result() for f in futures]


class RayExecutor:
    """A Ray cluster: ``address`` as for ``ray.init`` (``"auto"``, ``"ray://host:10001"``, or
    ``"local"`` to start a private single-machine cluster)."""

    def __init__(self, address: str, num_cpus_per_task: float = 1.0) -> None:
        try:
            import ray
        except ImportError:
            raise ConfigError(
                "--ray needs Ray: pip install ray (it is an optional dependency)"
            ) from None
        self._ray = ray
        self.address = address
        self.num_cpus_per_task = num_cpus_per_task

    def map(
        self,
        ticks: TickBatch,
        configs: Sequence[str],
        on_done: Callable[[int], None] | None = None,
    ) -> list[dict[str, Any]]:
        ray = self._ray
        started = not ray.is_initialized()
        if started:
            ray.init(
                address=None if self.address == "local" else self.address,
                include_dashboard=False,
                log_to_driver=False,
            )
        try:
            remote = ray.remote(num_cpus=self.num_cpus_per_task)(evaluate)
            ref = ray.put(ticks)  # once; every task reads it from the object store
            pending = {remote.remote(ref, cfg): i for i, cfg in enumerate(configs)}
            rows: list[dict[str, Any] | None] = [None] * len(configs)
            waiting = list(pending)
            while waiting:
                done, waiting = ray.wait(waiting, num_returns=1)
                for obj in done:
                    rows[pending[obj]] = ray.get(obj)
                    if on_done is not None:
                        on_done(1)
            return [r for r in rows if r is not None]
        finally:
            if started:
                ray.shutdown()


def _rank_key(value: Any, higher_is_better: bool) -> float:
    x = float(value)
    if math.isnan(x):
        return math.inf  # NaN (e.g. Sharpe of a run without trades) ranks last
    return -x if higher_is_better else x


def run_sweep(
    ticks: Any,
    grid: Mapping[str, Sequence[Any]],
    base: EngineConfig | None = None,
    *,
    rank_by: str = "sharpe",
    executor: Executor | None = None,
    on_done: Callable[[int], None] | None = None,
) -> pd.DataFrame:
    """Backtests every grid point; returns one row per point, best ``rank_by`` first.

    Columns: ``rank``, the grid's paths, then the metrics (money as floats here: a table for
    comparing runs, not a ledger). Ties keep grid order.
    """
    if rank_by not in RANKABLE:
        raise ConfigError(f"cannot rank by {rank_by!r}; choose one of {', '.join(RANKABLE)}")
    base = base or EngineConfig()
    points = expand_grid(grid)
    configs = [apply_overrides(base, p).model_dump_json() for p in points]
    batch = to_batch(ticks)
    rows = (executor or LocalExecutor()).map(batch, configs, on_done)
    table = pd.DataFrame([{**p, **r} for p, r in zip(points, rows, strict=True)])
    higher = RANKABLE[rank_by]
    order = sorted(range(len(table)), key=lambda i: _rank_key(table[rank_by].iloc[i], higher))
    table = table.iloc[order].reset_index(drop=True)
    table.insert(0, "rank", range(1, len(table) + 1))
    return table


def write_table(table: pd.DataFrame, path: str | Path) -> Path:
    """Writes the ranked table as CSV, or as JSON records when the name ends in ``.json``."""
    out = Path(path)
    if out.suffix.lower() == ".json":
        records = json.loads(table.to_json(orient="records"))
        out.write_text(json.dumps(records, indent=2), encoding="utf-8")
    else:
        table.to_csv(out, index=False)
    return out
