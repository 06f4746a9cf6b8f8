"""quantum.backtest and Engine.on_tick throughput; each test prints its ticks/s.

Run with `make bench` (or `pytest benches -s`). Not part of `make test`: figures need a quiet machine.
"""

from __future__ import annotations

import os
import resource
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import quantum
from quantum.data import generate, load_binance_klines

DATA = Path(
    os.environ.get("QUANTUM_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)
KLINES = DATA / "klines" / "binance_usdm_BTCUSDT_1m_20250504-20250624.csv.gz"


def _quotes(n: int, seed: int = 7) -> dict[str, Any]:
    """Quote ticks: best bid/ask random walk on a 0.1 tick, one-tick spread, random sizes."""
    rng = np.random.default_rng(seed)
    bid = 60_000.0 + 0.1 * np.cumsum(rng.integers(-1, 2, n))
    return {
        "ts_event": np.arange(n, dtype=np.int64) * 100_000_000,
        "bid": bid,
        "ask": bid + 0.1,
        "bid_qty": rng.uniform(1, 16, n),
        "ask_qty": rng.uniform(1, 16, n),
    }


def _report(name: str, n: int, seconds: list[float]) -> None:
    med = float(np.median(seconds))
    print(f"\n{name}: {n:,} ticks, median {med * 1e3:.1f} ms = {n / med / 1e6:.2f} M ticks/s")


#: The two workloads of the pipeline benchmark (as in core-rs/benches/pipeline.rs): the default
#: configuration (Kelly sizing: once a strategy's edge is gone its signals become shadow trades)
#: and a trading one (a fixed size and caps that do not bind: every eligible signal trades).
WORKLOADS = {
    "default": quantum.EngineConfig(),
    "trading": quantum.EngineConfig(
        risk=quantum.RiskConfig(fixed_qty=0.001, max_trades_per_day=10**9, max_drawdown=1.0)
    ),
}


@pytest.mark.parametrize("workload", sorted(WORKLOADS))
def test_backtest_10m_synthetic_quotes(benchmark: pytest.FixtureFunction, workload: str) -> None:
    ticks = quantum.to_batch(_quotes(10_000_000))
    runs: list[float] = []
    last: list[quantum.BacktestResult] = []

    def once() -> None:
        result = quantum.backtest(ticks, WORKLOADS[workload])
        runs.append(result.elapsed_s)
        last[:] = [result]

    benchmark.pedantic(once, rounds=3, iterations=1)
    _report(f"backtest, 10M synthetic quotes, {workload} workload (engine only)", 10_000_000, runs)
    r = last[0]
    print(f"  {len(r.trades):,} trades, {len(r.shadow_trades):,} shadow trades")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process so far: {peak_mb:,.0f} MB")


def test_backtest_synthetic_market(benchmark: pytest.FixtureFunction) -> None:
    ticks = generate(2_000_000, seed=7)
    runs: list[float] = []
    benchmark.pedantic(
        lambda: runs.append(quantum.backtest(ticks).elapsed_s), rounds=3, iterations=1
    )
    _report("backtest, 2M ticks of the synthetic market", 2_000_000, runs)


def test_backtest_real_1m_klines(benchmark: pytest.FixtureFunction) -> None:
    ticks, _ = load_binance_klines(KLINES)
    runs: list[float] = []
    benchmark.pedantic(
        lambda: runs.append(quantum.backtest(ticks).elapsed_s), rounds=7, iterations=1
    )
    _report("backtest, real BTCUSDT 1m bars", len(ticks.columns["ts_event"]), runs)


def test_on_tick_from_python(benchmark: pytest.FixtureFunction) -> None:
    n = 1_000_000
    q = _quotes(n)
    ts, bid, ask = q["ts_event"].tolist(), q["bid"].tolist(), q["ask"].tolist()
    runs: list[float] = []

    def once() -> None:
        on_tick = quantum.Engine().on_tick
        start = time.perf_counter()
        for i in range(n):
            on_tick(ts[i], ts[i], 0, bid[i], bid[i], ask[i])
        runs.append(time.perf_counter() - start)

    benchmark.pedantic(once, rounds=3, iterations=1)
    _report("Engine.on_tick from a Python loop", n, runs)
