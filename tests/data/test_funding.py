"""Funding-rate history → funding schedule."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from quantum.data import FundingSchedule, iter_funding_rates, load_funding_rates
from quantum.errors import DataError

FUNDING = "binance_usdm_BTCUSDT_funding_rate_8h_20250306-20250624.csv"


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
