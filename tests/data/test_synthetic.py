"""The synthetic market: determinism, realism checks, and that every built-in strategy fires."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray

from quantum.data import TickColumns, generate
from quantum.errors import ConfigError

N = 100_000


@pytest.fixture(scope="module")
def market() -> TickColumns:
    return generate(N, seed=42)


def wilder_rsi(price: NDArray[np.float64], period: int = 14) -> NDArray[np.float64]:
    """RSI with Wilder's smoothing; NaN until ``period`` changes are known."""
    change = np.diff(price)
    gain, loss = np.maximum(change, 0.0), np.maximum(-change, 0.0)
    rsi = np.full(len(price), np.nan)
    avg_gain, avg_loss = gain[:period].mean(), loss[:period].mean()
    for i in range(period, len(change) + 1):
        if i > period:
            avg_gain = (avg_gain * (period - 1) + gain[i - 1]) / period
            avg_loss = (avg_loss * (period - 1) + loss[i - 1]) / period
        rsi[i] = 100.0 if avg_loss == 0 else 100.0 - 100.0 / (1.0 + avg_gain / avg_loss)
    return rsi


def runs(mask: NDArray[np.bool_]) -> int:
    """Number of separate stretches where ``mask`` holds."""
    return int(np.count_nonzero(mask[1:] & ~mask[:-1]) + int(mask[0]))


def test_same_seed_same_market_other_seed_other_market(market: TickColumns) -> None:
    assert generate(N, seed=42).equals(market)
    other = generate(N, seed=43)
    assert not np.array_equal(other["price"], market["price"])


def test_columns_and_clocks(market: TickColumns) -> None:
    assert market.names == (
        "ts_event", "ts_recv", "symbol", "price", "bid", "ask", "bid_qty", "ask_qty", "volume",
        "buy_volume", "sell_volume", "liq_volume", "funding_rate", "open_interest", "liq_side",
    )  # fmt: skip
    assert len(market) == N
    assert np.all(np.diff(market["ts_event"]) == 100_000_000)
    latency = market["ts_recv"] - market["ts_event"]
    assert latency.min() >= 1_000_000 and latency.max() < 5_000_000
    assert np.all(np.diff(market["ts_recv"]) > 0)
    for name in market.names:
        if market[name].dtype.kind == "f":
            assert np.all(np.isfinite(market[name])), name


def test_quotes_are_realistic(market: TickColumns) -> None:
    bid, ask, price = market["bid"], market["ask"], market["price"]
    spread_ticks = np.round((ask - bid) / 0.1)
    assert spread_ticks.min() == 1
    assert np.mean(spread_ticks == 1) > 0.5  # one tick most of the time
    assert spread_ticks.max() > 3  # and wider when volatile
    assert np.all((ask - bid) / ((ask + bid) / 2) < 0.005)  # inside the sanitizer's 0.5 %
    assert np.all((price == bid) | (price == ask))
    # Prices are on the 0.1 grid exactly as the decimal would parse.
    assert np.array_equal(np.round(bid * 10) / 10, bid)
    buy, sell, vol = market["buy_volume"], market["sell_volume"], market["volume"]
    assert np.all(vol > 0) and np.all(buy >= 0) and np.all(sell >= 0)
    assert np.allclose(buy + sell, vol)
    assert np.all(market["bid_qty"] > 0) and np.all(market["ask_qty"] > 0)
    assert np.all(market["open_interest"] > 0)
    assert np.all(np.abs(market["funding_rate"]) < 0.003)


def test_volatility_clusters(market: TickColumns) -> None:
    moves = np.abs(np.diff(np.log(market["bid"] + market["ask"])))
    lagged = np.corrcoef(moves[10:], moves[:-10])[0, 1]
    assert lagged > 0.1


def test_liquidation_hunter_fires(market: TickColumns) -> None:
    ratio = market["liq_volume"] / market["volume"]
    cluster = ratio > 0.8
    assert np.count_nonzero(cluster) > 200
    assert runs(cluster) >= 20
    side = market["liq_side"]
    assert set(np.unique(side[cluster])) == {-1, 1}
    assert np.all(side[cluster] != 0) and np.all(side[market["liq_volume"] == 0] == 0)
    # Price is flushed the forced way: down when longs are liquidated, up for shorts.
    mid = (market["bid"] + market["ask"]) / 2
    step = np.diff(np.log(mid), prepend=np.log(mid[0]))
    assert step[cluster & (side == 1)].mean() < 0 < step[cluster & (side == -1)].mean()
    # Small liquidations outside cascades never look like a cluster.
    assert np.all(ratio[(ratio > 0) & ~cluster] < 0.5)


def test_order_flow_fires_both_ways(market: TickColumns) -> None:
    bid_qty, ask_qty = market["bid_qty"], market["ask_qty"]
    imbalance = (bid_qty - ask_qty) / (bid_qty + ask_qty)
    rsi = wilder_rsi(market["price"])
    long_setup = (imbalance < -0.15) & (rsi < 40)
    short_setup = (imbalance > 0.15) & (rsi > 60)
    assert np.count_nonzero(long_setup) > 1_000 and runs(long_setup) > 300
    assert np.count_nonzero(short_setup) > 1_000 and runs(short_setup) > 300
    # Episodes are sustained: strong imbalance comes in stretches, not single ticks.
    strong = np.abs(imbalance) > 0.3
    assert np.count_nonzero(strong) / runs(strong) > 3


def test_volatility_spike_fader_fires(market: TickColumns) -> None:
    close = market["price"]
    true_range = np.abs(np.diff(close)) / close[1:]
    window = np.lib.stride_tricks.sliding_window_view(true_range[:-1], 20).mean(axis=1)
    current = true_range[20:]
    spikes = current > 2.0 * window
    assert np.count_nonzero(spikes) > 1_000


def test_several_symbols_interleave() -> None:
    ticks = generate(30_001, seed=5, symbols=("BTCUSDT", "ETHUSDT", "SOLUSDT"))
    assert len(ticks) == 30_001
    assert ticks["symbol"][:6].tolist() == [0, 1, 2, 0, 1, 2]
    eth = ticks["symbol"] == 1
    assert 2_000 < ticks["price"][eth].mean() < 4_000
    assert np.array_equal(np.round(ticks["bid"][eth] * 100) / 100, ticks["bid"][eth])


@pytest.mark.parametrize(
    "kwargs",
    [{"n_ticks": -1}, {"n_ticks": 5, "tick_interval_ns": 0}, {"n_ticks": 5, "symbols": ()}],
)
def test_bad_arguments(kwargs: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        generate(**kwargs)  # type: ignore[arg-type]


def test_empty_market() -> None:
    assert len(generate(0)) == 0
