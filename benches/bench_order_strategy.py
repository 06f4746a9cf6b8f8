"""A Python order strategy against the built-in market maker running the same rule; each test
prints ticks/s.

The Python strategy is the example of docs/backtesting.md ("Orders from Python"), read from the
doc so that the figures the doc quotes are those of the code it shows. Run with
`pytest benches/bench_order_strategy.py -s` (or `make bench`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import quantum
from quantum.data import generate, load_binance_l2
from quantum.engine.config import LatencyConfig, MarketMakerConfig

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("QUANTUM_SHARED_DATA", ROOT.parent / "shared" / "data"))
L2_CAPTURE = DATA / "l2_book" / "binance_usdm_btcusdt_20240718.jsonl.gz"

BASE = quantum.EngineConfig(
    liquidation_hunter=quantum.LiquidationHunterConfig(enabled=False),
    order_flow=quantum.OrderFlowConfig(enabled=False),
    volatility_fader=quantum.VolatilityFaderConfig(enabled=False),
    # Both quoters open round trips from flat all day; the cap would stop them at different
    # moments (it refuses a quote sent from flat only when no other quote is working).
    risk=quantum.RiskConfig(max_trades_per_day=10**9),
    execution=quantum.ExecutionConfig(
        order_latency=LatencyConfig(kind="constant", entry_ns=1_000_000, response_ns=1_000_000)
    ),
)
#: The built-in market maker with the example's rule, size and cap.
BUILTIN = BASE.model_copy(
    update={
        "market_maker": MarketMakerConfig(
            enabled=True, rule="touch", post_only=False, order_qty=0.001, max_position=0.005
        )
    }
)


def _doc_strategy() -> Callable[[], quantum.OrderStrategy]:
    """The ``TouchQuoter`` class of the doc's first example block."""
    text = (ROOT / "docs" / "backtesting.md").read_text()
    section = text.split("## Orders from Python", 1)[1].split("\n## ", 1)[0]
    code = re.findall(r"```python\n(.*?)```", section, re.S)[0]
    namespace: dict[str, Any] = {}
    exec(compile(code, "docs/backtesting.md", "exec"), namespace)
    cls: Callable[[], quantum.OrderStrategy] = namespace["TouchQuoter"]
    return cls


def _workloads() -> dict[str, Any]:
    return {
        "synthetic 200k quotes": generate(200_000, seed=7),
        "L2 capture 2024-07-18": load_binance_l2(L2_CAPTURE)[0],
    }


@pytest.fixture(scope="module")
def workloads() -> dict[str, Any]:
    return _workloads()


def _measure(data: Any, python: bool, rounds: int) -> tuple[float, quantum.BacktestResult]:
    runs: list[float] = []
    result: quantum.BacktestResult | None = None
    for _ in range(rounds):
        if python:
            result = quantum.backtest(data, BASE, strategies=[_doc_strategy()()])
        else:
            result = quantum.backtest(data, BUILTIN)
        runs.append(result.elapsed_s)
    assert result is not None
    return float(np.median(runs)), result


@pytest.mark.parametrize("workload", ["synthetic 200k quotes", "L2 capture 2024-07-18"])
def test_python_order_strategy_vs_builtin_market_maker(
    benchmark: pytest.FixtureFunction, workloads: dict[str, Any], workload: str
) -> None:
    data = workloads[workload]
    figures: dict[str, tuple[float, quantum.BacktestResult]] = {}

    def once() -> None:
        figures["python"] = _measure(data, python=True, rounds=3)
        figures["builtin"] = _measure(data, python=False, rounds=15)

    benchmark.pedantic(once, rounds=1, iterations=1)
    print(f"\n{workload}:")
    rates = {}
    for name, (seconds, r) in figures.items():
        ticks = r.ticks_processed
        depth = len(data.depth) if hasattr(data, "depth") else 0
        rates[name] = ticks / seconds
        print(
            f"  {name:8s} {ticks:,} ticks + {depth:,} depth messages in {seconds * 1e3:.1f} ms"
            f" (median) = {ticks / seconds:,.0f} ticks/s, {(ticks + depth) / seconds:,.0f}"
            f" events/s; {len(r.orders):,} orders, {len(r.fills):,} fills"
        )
    print(f"  the built-in is {rates['builtin'] / rates['python']:.0f}x faster")
    # Both quote: the comparison is between strategies doing the same kind of work.
    assert len(figures["python"][1].fills) > 0 and len(figures["builtin"][1].fills) > 0
