"""Same input, same output bit for bit; `on_tick` and the batch path agree exactly."""

from __future__ import annotations

import numpy as np
import pandas as pd

import quantum
from tests.conftest import SECOND


def synthetic_quotes(n: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    mid = 100 * np.exp(np.cumsum(rng.normal(0, 5e-4, n)))
    liq = np.where(rng.random(n) < 0.01, 9.0, 0.0)
    return {
        "ts_event": np.arange(n, dtype=np.int64) * SECOND,
        "bid": mid - 0.01,
        "ask": mid + 0.01,
        "bid_qty": rng.uniform(1, 10, n),
        "ask_qty": rng.uniform(1, 10, n),
        "volume": np.full(n, 10.0),
        "liq_volume": liq,
        "liq_side": np.where(liq > 0, rng.choice([-1, 1], n), 0).astype(np.int8),
    }


def test_same_input_gives_identical_results() -> None:
    ticks = synthetic_quotes(50_000, seed=3)
    a = quantum.backtest(ticks)
    b = quantum.backtest(ticks)
    assert len(a.trades) > 5
    pd.testing.assert_frame_equal(a.trades, b.trades)
    pd.testing.assert_frame_equal(a.equity, b.equity)
    assert a.metrics == b.metrics or str(a.metrics) == str(b.metrics)  # NaN-safe


def test_on_tick_and_batch_paths_produce_identical_trades() -> None:
    ticks = synthetic_quotes(20_000, seed=5)
    batch = quantum.backtest(ticks)
    live = quantum.Engine()
    closed = []
    for i in range(len(ticks["ts_event"])):
        ts = int(ticks["ts_event"][i])
        events = live.on_tick(
            ts, ts, 0,
            bid=float(ticks["bid"][i]), ask=float(ticks["ask"][i]),
            bid_qty=float(ticks["bid_qty"][i]), ask_qty=float(ticks["ask_qty"][i]),
            volume=10.0, liq_volume=float(ticks["liq_volume"][i]), liq_side=int(ticks["liq_side"][i]),
        )  # fmt: skip
        closed += [e for e in events if isinstance(e, quantum._core.TradeEvent)]
    assert len(closed) == len(batch.trades) > 5
    assert [str(t.pnl) for t in closed] == batch.trades.pnl.map(lambda x: f"{x:.8f}").tolist()
    assert live.equity == batch.metrics["final_equity"]
