"""Parameter sweeps: grid expansion, config overrides, ranking, parallel = serial."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

import quantum
from quantum.backtest.sweep import (
    LocalExecutor,
    apply_overrides,
    expand_grid,
    parse_grid_axis,
    run_sweep,
    write_table,
)
from quantum.data import TickColumns
from quantum.engine import EngineConfig
from quantum.errors import ConfigError

GRID = {
    "volatility_fader.multiple": [1.5, 2.0, 3.0],
    "order_flow.imbalance_threshold": [0.1, 0.3],
}


@pytest.fixture(scope="module")
def ticks(market: TickColumns) -> TickColumns:
    return market.slice(0, 40_000)


def test_expand_grid_is_the_cartesian_product_in_order() -> None:
    points = expand_grid({"a": [1, 2], "b": ["x", "y", "z"]})
    assert points == [
        {"a": 1, "b": "x"}, {"a": 1, "b": "y"}, {"a": 1, "b": "z"},
        {"a": 2, "b": "x"}, {"a": 2, "b": "y"}, {"a": 2, "b": "z"},
    ]  # fmt: skip
    assert expand_grid({}) == [{}]
    with pytest.raises(ConfigError, match="no values"):
        expand_grid({"a": []})


def test_parse_grid_axis() -> None:
    assert parse_grid_axis("risk.max_drawdown=0.1,0.2") == ("risk.max_drawdown", [0.1, 0.2])
    assert parse_grid_axis("order_flow.enabled=true,false") == ("order_flow.enabled", [True, False])
    assert parse_grid_axis("features.rsi_period=14") == ("features.rsi_period", [14])
    with pytest.raises(ConfigError, match="KEY=VALUE"):
        parse_grid_axis("nonsense")


def test_overrides_are_validated_and_named() -> None:
    cfg = apply_overrides(EngineConfig(), {"risk.max_drawdown": 0.2, "initial_capital": 5})
    assert cfg.risk.max_drawdown == 0.2 and cfg.initial_capital == 5
    assert cfg.execution == EngineConfig().execution
    with pytest.raises(ConfigError, match=r"unknown config field 'risk\.max_drawdwn'"):
        apply_overrides(EngineConfig(), {"risk.max_drawdwn": 0.2})
    with pytest.raises(ConfigError, match="unknown config section 'riskk'"):
        apply_overrides(EngineConfig(), {"riskk.max_drawdown": 0.2})
    with pytest.raises(ConfigError, match=r"risk\.max_drawdown"):
        apply_overrides(EngineConfig(), {"risk.max_drawdown": 7})


def test_sweep_rows_match_single_backtests_and_are_ranked(
    ticks: TickColumns, busy_config: EngineConfig
) -> None:
    table = run_sweep(ticks, GRID, busy_config, rank_by="net_pnl", executor=LocalExecutor(1))
    assert len(table) == 6
    assert table["rank"].tolist() == [1, 2, 3, 4, 5, 6]
    assert table["net_pnl"].is_monotonic_decreasing
    assert len(set(table["num_trades"])) > 1  # the parameters really changed the runs
    for row in table.to_dict("records"):
        cfg = apply_overrides(busy_config, {k: row[k] for k in GRID})
        single = quantum.backtest(ticks, cfg)
        assert row["num_trades"] == single.metrics["num_trades"]
        assert row["net_pnl"] == float(single.metrics["net_pnl"])


def test_parallel_sweep_equals_serial(ticks: TickColumns, busy_config: EngineConfig) -> None:
    serial = run_sweep(ticks, GRID, busy_config, executor=LocalExecutor(1))
    parallel = run_sweep(ticks, GRID, busy_config, executor=LocalExecutor(4))
    timing = ["elapsed_s"]
    pd.testing.assert_frame_equal(serial.drop(columns=timing), parallel.drop(columns=timing))


def test_lower_is_better_metrics_rank_ascending_and_nan_ranks_last(ticks: TickColumns) -> None:
    grid = {"order_flow.enabled": [True, False], "volatility_fader.enabled": [True, False],
            "liquidation_hunter.enabled": [False]}  # fmt: skip
    by_dd = run_sweep(ticks, grid, rank_by="max_drawdown", executor=LocalExecutor(2))
    assert by_dd["max_drawdown"].is_monotonic_increasing
    by_sharpe = run_sweep(ticks, grid, rank_by="sharpe", executor=LocalExecutor(2))
    idle = by_sharpe[~by_sharpe["order_flow.enabled"] & ~by_sharpe["volatility_fader.enabled"]]
    assert idle["num_trades"].iloc[0] == 0
    assert math.isnan(by_sharpe["sharpe"].iloc[-1]) and idle.index[0] == len(by_sharpe) - 1


def test_unknown_rank_metric_is_refused(ticks: TickColumns) -> None:
    with pytest.raises(ConfigError, match="cannot rank by 'alpha'"):
        run_sweep(ticks, GRID, rank_by="alpha")


@pytest.mark.parametrize("suffix", [".csv", ".json"])
def test_write_table(tmp_path: Path, ticks: TickColumns, suffix: str) -> None:
    table = run_sweep(ticks, {"volatility_fader.multiple": [2.0, 3.0]}, executor=LocalExecutor(2))
    path = write_table(table, tmp_path / f"t{suffix}")
    if suffix == ".csv":
        back = pd.read_csv(path)
        assert back["rank"].tolist() == [1, 2]
        assert (
            back["volatility_fader.multiple"].tolist()
            == table["volatility_fader.multiple"].tolist()
        )
    else:
        records = json.loads(path.read_text())
        assert [r["rank"] for r in records] == [1, 2]
        assert records[0]["num_trades"] == table["num_trades"].iloc[0]
