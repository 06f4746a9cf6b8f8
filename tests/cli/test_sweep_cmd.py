"""``quantum sweep``: the ranked table on disk matches the library's sweep."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from click.testing import Result

from quantum.backtest.sweep import LocalExecutor, run_sweep
from quantum.data import generate
from quantum.engine import EngineConfig, RiskConfig

Cli = Callable[..., Result]


def test_sweep_writes_the_ranked_table(quantum_cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "sweep.csv"
    res = quantum_cli(
        "sweep", "--synthetic", "30000", "--seed", "4", "--out", str(out), "--workers", "2",
        "--grid", "volatility_fader.multiple=1.5,2,3", "--grid", "order_flow.rsi_low=30,40",
        "--rank-by", "net_pnl", "--set", "risk.kelly_min_trades=100000",
        "--set", "risk.max_trades_per_day=100000",
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    table = pd.read_csv(out)
    assert len(table) == 6 and table["rank"].tolist() == list(range(1, 7))
    assert table["net_pnl"].is_monotonic_decreasing
    base = EngineConfig(risk=RiskConfig(kelly_min_trades=100_000, max_trades_per_day=100_000))
    lib = run_sweep(
        generate(30_000, seed=4),
        {"volatility_fader.multiple": [1.5, 2, 3], "order_flow.rsi_low": [30, 40]},
        base,
        rank_by="net_pnl",
        executor=LocalExecutor(1),
    )
    assert table["num_trades"].tolist() == lib["num_trades"].tolist()
    assert table["net_pnl"].tolist() == pytest.approx(lib["net_pnl"].tolist(), abs=1e-8)
    assert "6 runs" in res.output


def test_sweep_json_output(quantum_cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "sweep.json"
    res = quantum_cli("sweep", "--synthetic", "10000", "--out", str(out),
                      "--grid", "order_flow.enabled=true,false")  # fmt: skip
    assert res.exit_code == 0, res.output
    records = json.loads(out.read_text())
    assert [r["rank"] for r in records] == [1, 2]
    assert {r["order_flow.enabled"] for r in records} == {True, False}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--grid", "risk.nope=1,2"), "unknown config field 'risk.nope'"),
        (("--grid", "risk.max_drawdown=0.1", "--rank-by", "alpha"), "cannot rank by 'alpha'"),
        (("--grid", "risk.max_drawdown=0.1", "--grid", "risk.max_drawdown=0.2"), "once"),
    ],
)
def test_sweep_bad_input(quantum_cli: Cli, args: tuple[str, ...], message: str) -> None:
    res = quantum_cli("sweep", "--synthetic", "1000", *args)
    assert res.exit_code == 2 and message in res.output
