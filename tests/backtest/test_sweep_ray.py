"""The Ray executor (optional dependency): a private local Ray cluster gives the same table as the
local thread pool. Skipped where Ray is not installed (``pip install ray``)."""

from __future__ import annotations

import pandas as pd
import pytest

from quantum.backtest.sweep import LocalExecutor, RayExecutor, run_sweep
from quantum.data import TickColumns
from quantum.engine import EngineConfig

pytest.importorskip("ray")


@pytest.mark.slow
def test_ray_sweep_equals_local_sweep(market: TickColumns, busy_config: EngineConfig) -> None:
    ticks = market.slice(0, 30_000)
    grid = {"volatility_fader.multiple": [1.5, 2.0, 3.0], "order_flow.rsi_low": [30, 40]}
    done: list[int] = []
    on_ray = run_sweep(
        ticks, grid, busy_config, rank_by="net_pnl", executor=RayExecutor("local"),
        on_done=done.append,
    )  # fmt: skip
    local = run_sweep(ticks, grid, busy_config, rank_by="net_pnl", executor=LocalExecutor(2))
    assert sum(done) == 6
    pd.testing.assert_frame_equal(
        on_ray.drop(columns=["elapsed_s"]), local.drop(columns=["elapsed_s"])
    )
