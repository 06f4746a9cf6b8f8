"""The peer-comparison workload: seeded synthetic BTCUSDT trade ticks and the EMA rule.

Shared by every system's runner so that they all see the same ticks and apply the same rule:
EMA(20) of the trade price (seeded with the first price, alpha = 2 / 21); price above the EMA →
target long 0.01 BTC, otherwise flat; a market order for the difference; 5 bps fee on each fill.
Only NumPy is needed here, so every environment can import it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

N_TICKS = 1_000_000
SEED = 7
EMA_PERIOD = 20
ALPHA = 2.0 / (EMA_PERIOD + 1)
QTY = 0.01
FEE = 0.0005  # 5 bps of notional per fill
TICK = 0.1
START_NS = 1_735_689_600_000_000_000  # 2025-01-01 UTC
STEP_NS = 100_000_000  # a tick every 100 ms


def generate(n: int = N_TICKS, seed: int = SEED) -> dict[str, Any]:
    """Best bid/ask random walk on a 0.1 grid, one-tick spread, each trade at the bid or the ask.

    Prices are kept as integer ticks (exact) plus their float value.
    """
    rng = np.random.default_rng(seed)
    bid_ticks = 600_000 + np.cumsum(rng.integers(-1, 2, n)).astype(np.int64)
    buy = rng.random(n) < 0.5
    qty = np.round(rng.uniform(0.001, 1.0, n), 3)
    price_ticks = np.where(buy, bid_ticks + 1, bid_ticks)
    return {
        "ts": START_NS + np.arange(n, dtype=np.int64) * STEP_NS,
        "bid_ticks": bid_ticks,
        "price_ticks": price_ticks,
        "bid": bid_ticks * TICK,
        "ask": (bid_ticks + 1) * TICK,
        "price": price_ticks * TICK,
        "qty": qty,
        "buy": buy,
    }


def save(path: Path, data: dict[str, Any]) -> None:
    np.savez(path, **data)


def load(path: Path) -> dict[str, Any]:
    with np.load(path) as f:
        return {k: f[k] for k in f.files}


def reference_targets(price: np.ndarray) -> np.ndarray:
    """The rule evaluated directly: True where the target is long after each tick (a check that
    every system implements the same EMA; the orders are the flips of this array)."""
    ema = np.empty_like(price)
    e = price[0]
    for i, p in enumerate(price.tolist()):
        e = e + ALPHA * (p - e)
        ema[i] = e
    return price > ema
