"""Funding-rate history → funding schedule."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from quantum.data import FundingSchedule, iter_funding_rates, load_funding_rates
from quantum.errors import DataError

FUNDING = "binance_usdm_BTCUSDT_funding_rate_8h_20250306-20250624.csv"
KLINES = "binance_usdm_BTCUSDT_1m_20250504-20250624.csv.gz"


def test_real_funding_history(shared_data: Path) -> None:
    schedule, report = load_funding_rates(shared_data / "funding_oi" / FUNDING)
    assert report.clean and len(schedule) == report.rows == 329
    assert schedule.symbol == "BTCUSDT"
    assert schedule.ts[0] == 1_741_276_800_000_000_000 and schedule.rate[0] == 6.818e-05
    assert schedule.ts[-1] == 1_750_723_200_003_000_000 and schedule.rate[-1] == 1.245e-05
    assert np.all(np.diff(schedule.ts) > 0)
    # Events are every 8 h, a few ms after the hour at most.
    hours = np.diff(schedule.ts) / 3_600e9
    assert np.all(np.abs(hours - 8.0) < 1e-5)


def test_schedule_queries(shared_data: Path) -> None:
    schedule, _ = load_funding_rates(shared_data / "funding_oi" / FUNDING)
    assert schedule.rate_at(1_741_305_600_000_000_000) == -6.12e-06
    assert schedule.rate_at(1_741_305_600_000_000_001) is None
    held = schedule.between(1_741_276_800_000_000_000, 1_741_334_400_001_000_000)
    assert held.ts.tolist() == [1_741_305_600_000_000_000, 1_741_334_400_001_000_000]
    ticks = schedule.to_ticks()
    assert ticks.names == ("ts_event", "ts_recv", "symbol", "funding_rate")
    assert np.array_equal(ticks["funding_rate"], schedule.rate)


def test_chunked_and_malformed(write_file: Callable[..., Path]) -> None:
    text = "funding_time,funding_rate\n1741276800000,0.0001\n17412x,0.1\n1741305600000,inf\n"
    text += "1741334400001,-0.0002\n"
    path = write_file("BTCUSDT_funding.csv.gz", text)
    parts = list(iter_funding_rates(path, chunk_rows=2))
    joined = FundingSchedule.concat(parts)
    assert joined.rate.tolist() == [0.0001, -0.0002]
    _, report = load_funding_rates(path)
    assert report.malformed == 2 and [n for n, _ in report.first_errors] == [3, 4]
    with pytest.raises(DataError):
        load_funding_rates(write_file("BTCUSDT_f.csv", "1741276800000,0.0001\n"))


def test_a_backtest_charges_the_real_funding_history(shared_data: Path) -> None:
    """Funding from the history file is charged at the funding times of a held position."""
    import quantum
    from quantum.data import load_binance_klines

    schedule, _ = load_funding_rates(shared_data / "funding_oi" / FUNDING)
    bars, _ = load_binance_klines(shared_data / "klines" / KLINES)
    ticks = schedule.apply_to(bars)
    rates = ticks.columns["funding_rate"]
    after_last = int(np.searchsorted(ticks.columns["ts_event"], schedule.ts[-1], side="right"))
    assert np.isnan(rates[after_last:]).all()
    # As of each bar: the rate that settles at the next event at or after it.
    i = 5_000
    expected = schedule.rate[
        np.searchsorted(schedule.ts, ticks.columns["ts_event"][i], side="left")
    ]
    assert rates[i] == expected

    class HoldLong(quantum.Strategy):
        def on_tick(
            self, tick: quantum.TickView, features: quantum.FeatureView
        ) -> quantum.Decision | None:
            return quantum.Decision("LONG", 1.0, "hold")

    config = quantum.EngineConfig(
        liquidation_hunter=quantum.LiquidationHunterConfig(enabled=False),
        order_flow=quantum.OrderFlowConfig(enabled=False),
        volatility_fader=quantum.VolatilityFaderConfig(enabled=False),
        execution=quantum.ExecutionConfig(take_profit=None, stop_loss=None),
        sanitizer=quantum.SanitizerConfig(max_jump_sigmas=1e6),
    )
    day = 1440
    result = quantum.backtest(ticks.slice(0, 3 * day), config, strategies=[HoldLong()])
    without = quantum.backtest(bars.slice(0, 3 * day), config, strategies=[HoldLong()])
    assert without.metrics["funding"] == 0
    # Three days held long: one payment per funding time held, each at that event's own rate,
    # on the position's mark.
    assert result.metrics["funding"] != 0
    paid = result.funding
    held = schedule.between(
        int(result.fills["ts_event"].iloc[0]), int(ticks.columns["ts_event"][3 * day - 1])
    )
    assert len(paid) == len(held) >= 8
    # Funding times are the 8-hour UTC marks; the file's events sit a few ms after them.
    assert (np.abs(held.ts - paid["funding_time"].to_numpy()) < 10_000_000).all()
    assert paid["rate"].tolist() == held.rate.tolist()
    assert len(result.open_positions) == 1
    assert (
        result.metrics["final_equity"]
        == without.metrics["final_equity"] - result.metrics["funding"]
    )
