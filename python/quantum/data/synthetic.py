"""A seeded synthetic crypto-perpetual market, generated vectorised with NumPy.

Every path is built from a handful of random arrays and a few regime masks; nothing loops per tick
in Python, so ten million ticks take a few seconds. Same arguments and seed → identical arrays.

The model, per symbol (one tick = one snapshot of the market every ``k × tick_interval_ns`` for
``k`` symbols; ticks of different symbols are interleaved round-robin):

- **Volatility clustering.** Log-volatility follows a persistent AR(1) (stochastic volatility, the
  continuous cousin of GARCH: calm and wild stretches last hundreds of ticks). Per-tick returns are
  Gaussian with that volatility, scaled from ``vol_annual``.
- **Order-flow imbalance episodes.** A regime chain alternates calm stretches with episodes of
  one-sided pressure. In a buying episode the bid size is 2–4× the ask size (imbalance
  ``(bid_qty − ask_qty)/(bid_qty + ask_qty)`` beyond +0.15), aggressive buys dominate traded volume
  and price drifts up (so RSI climbs above 60); a selling episode is the mirror image.
- **Liquidation cascades.** Rare bursts of 6–30 ticks in which forced orders are 82–97 % of a
  volume several times the usual, ``liq_side`` says who was liquidated (+1 longs, −1 shorts),
  volatility jumps and price is flushed in the forced direction (down when longs are liquidated).
  Outside cascades small liquidations (under half the volume) appear now and then.
- **Quotes.** Prices sit on a tick grid (``10^(⌊log10 p⌋ − 5)``: 0.1 for BTC at 60,000). The spread
  is one tick in calm markets and widens with volatility. ``price`` is the last trade, at the ask
  when the tick's net flow is buying and at the bid otherwise.
- **Funding and open interest.** Updated every 10 ticks (once a second at the default pace, like
  Binance's mark-price stream): the funding rate wanders slowly around 0.01 % per interval; open
  interest wanders slowly and drops by the liquidated size, recovering over time.
- **Clocks.** ``ts_event = start_ns + i × tick_interval_ns``; ``ts_recv`` adds a latency of
  ``latency_ns`` plus a jitter smaller than one interval, so receive times never go backwards.

It is built to exercise the three built-in strategies: each of their trigger conditions occurs many
times per 100k ticks (``tests/data/test_synthetic.py`` checks it).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from quantum.data.columns import TickColumns
from quantum.errors import ConfigError

__all__ = ["DEFAULT_START_NS", "SyntheticParams", "generate"]

DEFAULT_START_NS: Final[int] = 1_735_689_600_000_000_000
"""2025-01-01 00:00:00 UTC."""

_YEAR_NS: Final[float] = 365.0 * 86_400.0 * 1e9
_START_PRICES: Final[dict[str, float]] = {
    "BTC": 60_000.0,
    "ETH": 3_000.0,
    "SOL": 150.0,
    "BNB": 550.0,
    "XRP": 0.6,
    "DOGE": 0.12,
}
_QUOTES: Final[tuple[str, ...]] = ("USDT", "USDC", "USD", "BUSD")
_SLOW_STEP: Final[int] = 10
"""Ticks between funding / open-interest updates (1 s at the default 100 ms per tick)."""


@dataclass(frozen=True)
class SyntheticParams:
    """Knobs of the synthetic market; the defaults give a BTC-like perpetual."""

    vol_annual: float = 0.6
    """Annualised volatility of calm-market returns."""
    vol_of_vol: float = 0.5
    """Stationary standard deviation of log-volatility."""
    vol_persistence: float = 0.998
    """AR(1) coefficient of log-volatility per tick (half-life ≈ 350 ticks)."""
    spread_widening: float = 3.0
    """Extra spread ticks per unit of volatility above normal."""
    flow_calm_ticks: float = 400.0
    """Mean length of a calm stretch between order-flow episodes."""
    flow_episode_ticks: float = 150.0
    """Mean length of an order-flow episode."""
    flow_drift: float = 0.2
    """Price drift during an episode, in calm-volatility units per tick."""
    cascade_rate: float = 1 / 2_500
    """Probability that a liquidation cascade starts at a given tick."""
    cascade_drift: float = 1.5
    """Price flush during a cascade, in calm-volatility units per tick."""
    cascade_vol: float = 4.0
    """Volatility multiplier inside a cascade."""
    funding_mean: float = 1e-4
    """Mean funding rate per interval."""
    funding_sd: float = 2e-4
    """Standard deviation of the funding rate."""
    latency_ns: int = 1_000_000
    """Fixed part of the receive latency."""
    latency_jitter_ns: int = 4_000_000
    """Upper bound of the random part (capped below one tick interval)."""


def generate(
    n_ticks: int,
    seed: int = 0,
    symbols: Sequence[str] = ("BTCUSDT",),
    start_ns: int = DEFAULT_START_NS,
    tick_interval_ns: int = 100_000_000,
    params: SyntheticParams | None = None,
) -> TickColumns:
    """Generate ``n_ticks`` ticks (all symbols together) of the synthetic market.

    Columns: ``ts_event``, ``ts_recv``, ``symbol``, ``price``, ``bid``, ``ask``, ``bid_qty``,
    ``ask_qty``, ``volume``, ``buy_volume``, ``sell_volume``, ``liq_volume``, ``liq_side``,
    ``funding_rate``, ``open_interest``. See the module docstring for the model.
    """
    if n_ticks < 0:
        raise ConfigError(f"n_ticks must be >= 0, got {n_ticks}")
    if tick_interval_ns <= 0:
        raise ConfigError(f"tick_interval_ns must be positive, got {tick_interval_ns}")
    if not symbols or len(set(symbols)) != len(symbols):
        raise ConfigError("symbols must be a non-empty list of distinct names")
    p = params or SyntheticParams()
    k = len(symbols)
    per_symbol = -(-n_ticks // k)
    children = np.random.SeedSequence(seed).spawn(k + 1)
    paths = [
        _symbol_path(
            np.random.default_rng(child),
            per_symbol,
            _start_price(name),
            tick_interval_ns * k,
            p,
        )
        for child, name in zip(children[1:], symbols, strict=True)
    ]
    cols: dict[str, NDArray[Any]] = {}
    for name in paths[0]:
        if k == 1:
            cols[name] = paths[0][name][:n_ticks]
        else:
            # Row-major (tick, symbol) order interleaves the symbols round-robin.
            stacked = np.stack([path[name] for path in paths], axis=1)
            cols[name] = np.ascontiguousarray(stacked.reshape(-1)[:n_ticks])
    index = np.arange(n_ticks, dtype=np.int64)
    ts_event = start_ns + index * tick_interval_ns
    jitter_cap = max(1, min(p.latency_jitter_ns, tick_interval_ns))
    clock_rng = np.random.default_rng(children[0])
    latency = p.latency_ns + clock_rng.integers(0, jitter_cap, n_ticks, dtype=np.int64)
    out: dict[str, NDArray[Any]] = {
        "ts_event": ts_event,
        "ts_recv": ts_event + latency,
        "symbol": (index % k).astype(np.uint32),
    }
    out.update(cols)
    return TickColumns(out, tuple(symbols))


def _start_price(symbol: str) -> float:
    base = symbol.upper().split(":")[-1]
    for quote in _QUOTES:
        if base.endswith(quote) and len(base) > len(quote):
            base = base[: -len(quote)]
            break
    return _START_PRICES.get(base, 100.0)


def _ar1(noise: NDArray[np.float64], phi: float, block: int = 1024) -> NDArray[np.float64]:
    """x[t] = phi·x[t−1] + noise[t], x[−1] = 0, computed block-wise without a per-tick loop.

    Inside a block the recursion is a weighted cumulative sum (weights phi^−j stay small because
    the block is short); one scalar carry per block links the blocks.
    """
    n = len(noise)
    if n == 0:
        return noise.copy()
    blocks = -(-n // block)
    flat = np.zeros(blocks * block)
    flat[:n] = noise
    grid = flat.reshape(blocks, block)
    j = np.arange(block, dtype=np.float64)
    up = phi**j
    grid *= phi ** (-j)
    np.cumsum(grid, axis=1, out=grid)
    grid *= up
    ends = grid[:, -1].copy()
    carry = np.empty(blocks)
    last = 0.0
    decay = phi**block
    for b in range(blocks):  # one step per block of 1024 ticks, not per tick
        carry[b] = last
        last = float(ends[b]) + decay * last
    grid += carry[:, None] * (phi * up)[None, :]
    return grid.reshape(-1)[:n]


def _regimes(rng: np.random.Generator, n: int, p: SyntheticParams) -> NDArray[np.int8]:
    """−1/0/+1 order-flow regime per tick: calm stretches alternating with signed episodes."""
    mean_pair = p.flow_calm_ticks + p.flow_episode_ticks
    pairs = int(n / mean_pair * 1.5) + 16
    while True:
        calm = rng.geometric(1.0 / p.flow_calm_ticks, pairs)
        episode = rng.geometric(1.0 / p.flow_episode_ticks, pairs)
        if int(calm.sum() + episode.sum()) >= n:
            break
        pairs *= 2
    signs = rng.choice(np.array([-1, 1], dtype=np.int8), pairs)
    states = np.stack([np.zeros(pairs, np.int8), signs], axis=1).reshape(-1)
    lengths = np.stack([calm, episode], axis=1).reshape(-1)
    return np.repeat(states, lengths)[:n]


def _events(rng: np.random.Generator, n: int, rate: float) -> NDArray[np.int64]:
    """Sorted tick indices of a Bernoulli(rate) process, drawn as geometric gaps (cheap when the
    rate is small, unlike one uniform per tick)."""
    if rate <= 0.0 or n == 0:
        return np.empty(0, dtype=np.int64)
    count = int(n * rate * 1.2) + 32
    while True:
        positions = np.cumsum(rng.geometric(rate, count)) - 1
        if positions[-1] >= n:
            return positions[positions < n]
        count *= 2


def _sparse(
    rng: np.random.Generator, mask: NDArray[np.bool_], low: float, high: float, default: float
) -> NDArray[np.float64]:
    """``default`` everywhere, uniform(low, high) where ``mask`` holds (drawn only there)."""
    out = np.full(len(mask), default)
    out[mask] = rng.uniform(low, high, int(np.count_nonzero(mask)))
    return out


def _cascades(
    rng: np.random.Generator, n: int, p: SyntheticParams
) -> tuple[NDArray[np.int8], NDArray[np.float64]]:
    """Per tick: who is being liquidated (+1 longs, −1 shorts, 0 none), and the cascade's decay
    profile (1 at its start, falling towards its end)."""
    side = np.zeros(n, dtype=np.int8)
    profile = np.zeros(n)
    starts = _events(rng, n, p.cascade_rate)
    if not len(starts):
        return side, profile
    lengths = rng.integers(6, 31, len(starts))
    sides = rng.choice(np.array([-1, 1], dtype=np.int8), len(starts))
    first = np.repeat(np.cumsum(lengths) - lengths, lengths)
    step = np.arange(int(lengths.sum())) - first
    idx = np.repeat(starts, lengths) + step
    keep = idx < n
    # Overlapping cascades: the later one wins (fancy assignment keeps the last write).
    side[idx[keep]] = np.repeat(sides, lengths)[keep]
    profile[idx[keep]] = (1.0 - step / np.repeat(lengths, lengths))[keep]
    return side, profile


def _normal(rng: np.random.Generator, n: int) -> NDArray[np.float64]:
    """Standard normals for secondary series (sizes, volume, funding): drawn in float32, which is
    about twice as fast and plenty for noise, then widened."""
    return rng.standard_normal(n, dtype=np.float32).astype(np.float64)


def _symbol_path(
    rng: np.random.Generator, n: int, p0: float, interval_ns: int, p: SyntheticParams
) -> dict[str, NDArray[Any]]:
    sigma = p.vol_annual * math.sqrt(interval_ns / _YEAR_NS)
    flow = _regimes(rng, n, p)
    liq_side, liq_profile = _cascades(rng, n, p)
    in_cascade = liq_side != 0
    cascade_at = np.flatnonzero(in_cascade)
    episode_at = np.flatnonzero(flow)

    # Volatility: persistent log-vol, plus bursts in cascades and a little more in episodes.
    # (In-place updates throughout: at 10M ticks, fresh temporaries cost more than the math.)
    eta_sd = p.vol_of_vol * math.sqrt(1.0 - p.vol_persistence**2)
    noise = rng.standard_normal(n)
    noise *= eta_sd
    vol = _ar1(noise, p.vol_persistence)
    vol -= 0.5 * p.vol_of_vol**2
    np.exp(vol, out=vol)
    vol[cascade_at] *= p.cascade_vol * (0.5 + liq_profile[cascade_at])
    vol[episode_at] *= 1.3

    log_price = rng.standard_normal(n)
    log_price *= vol
    log_price *= sigma
    log_price[episode_at] += flow[episode_at] * (p.flow_drift * sigma)
    flush = liq_side[cascade_at] * (p.cascade_drift * sigma * (0.5 + liq_profile[cascade_at]))
    log_price[cascade_at] -= flush
    log_price[:1] += math.log(p0)  # a slice, so an empty path is fine
    np.cumsum(log_price, out=log_price)

    # Tick grid with an exact decimal step: k / 10**d is the nearest double to the decimal.
    decimals = 5 - math.floor(math.log10(p0))
    scale = 10.0**decimals
    mid_ticks = np.exp(log_price, out=log_price)
    mid_ticks *= scale
    widen = vol - 1.0
    np.maximum(widen, 0.0, out=widen)
    widen *= p.spread_widening
    spread = widen.astype(np.int64)  # truncation = floor for these non-negative values
    spread += 1
    mid_ticks -= spread / 2.0
    bid_ticks = np.floor(mid_ticks, out=mid_ticks).astype(np.int64)
    bid = bid_ticks / scale
    bid_ticks += spread
    ask = bid_ticks / scale
    del mid_ticks, log_price, widen, spread, bid_ticks

    # Book sizes: lognormal noise, skewed 2-4x towards the pressured side in episodes.
    base_qty = 150_000.0 / p0
    bid_qty = base_qty * np.exp(0.2 * _normal(rng, n))
    ask_qty = base_qty * np.exp(0.2 * _normal(rng, n))
    bid_qty *= _sparse(rng, flow > 0, 2.0, 4.0, 1.0)
    ask_qty *= _sparse(rng, flow < 0, 2.0, 4.0, 1.0)

    # Traded volume follows volatility; cascades multiply it and are mostly forced orders.
    volume = _normal(rng, n)
    volume *= 0.8
    volume -= 0.32
    np.exp(volume, out=volume)
    volume *= vol
    volume *= 20_000.0 / p0
    volume[cascade_at] *= rng.uniform(4.0, 10.0, len(cascade_at))
    buy_share = _normal(rng, n)
    buy_share *= 0.12
    buy_share += 0.5
    buy_share[episode_at] += 0.2 * flow[episode_at]
    buy_share[cascade_at] = np.where(liq_side[cascade_at] > 0, 0.08, 0.92)
    np.clip(buy_share, 0.0, 1.0, out=buy_share)
    buy_volume = volume * buy_share
    sell_volume = volume - buy_volume
    price = np.where(buy_share >= 0.5, ask, bid)
    del buy_share

    # Liquidations: >80 % of volume in cascades, occasional small ones elsewhere.
    small = _events(rng, n, 0.01)
    small = small[~in_cascade[small]]
    liq_share = np.zeros(n)
    liq_share[cascade_at] = rng.uniform(0.82, 0.97, len(cascade_at))
    liq_share[small] = rng.uniform(0.05, 0.45, len(small))
    liq_side[small] = rng.choice(np.array([-1, 1], dtype=np.int8), len(small))
    liq_volume = volume * liq_share
    del small, liq_share

    # Funding and open interest are published about once a second, not per tick: simulate them
    # on a grid of _SLOW_STEP ticks (cheaper too) and hold each value until the next update.
    blocks = -(-n // _SLOW_STEP)
    slow_phi = 0.9999**_SLOW_STEP
    funding = _ar1(_normal(rng, blocks) * math.sqrt(1.0 - slow_phi**2), slow_phi)
    funding *= p.funding_sd
    funding += p.funding_mean
    oi_phi = 0.9995**_SLOW_STEP
    oi_wander = _ar1(_normal(rng, blocks) * math.sqrt(1.0 - oi_phi**2), oi_phi)
    liq_per_block = np.zeros(blocks * _SLOW_STEP)
    liq_per_block[:n] = liq_volume
    liquidated = _ar1(liq_per_block.reshape(blocks, _SLOW_STEP).sum(axis=1), 0.999**_SLOW_STEP)
    open_interest = (500_000_000.0 / p0) * np.exp(0.05 * oi_wander) - liquidated
    np.maximum(open_interest, 0.0, out=open_interest)
    funding = np.repeat(funding, _SLOW_STEP)[:n]
    open_interest = np.repeat(open_interest, _SLOW_STEP)[:n]

    return {
        "price": price,
        "bid": bid,
        "ask": ask,
        "bid_qty": bid_qty,
        "ask_qty": ask_qty,
        "volume": volume,
        "buy_volume": buy_volume,
        "sell_volume": sell_volume,
        "liq_volume": liq_volume,
        "funding_rate": funding,
        "open_interest": open_interest,
        "liq_side": liq_side,
    }
