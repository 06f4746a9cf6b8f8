"""The normalized tick columns the Rust core consumes."""

from __future__ import annotations

import math

import numpy as np

from quantum.exchanges.common.types import (
    LIQ_LONGS,
    LIQ_SHORTS,
    TICK_COLUMNS,
    TICK_FLOAT_FIELDS,
    Tick,
    ticks_to_columns,
)


def test_columns_have_exact_names_dtypes_and_nan_for_missing() -> None:
    rows = [
        Tick(ts_event=1, ts_recv=2, symbol="BTCUSDT", price=100.5, volume=0.1, buy_volume=0.1),
        Tick(ts_event=3, ts_recv=4, symbol="ETHUSDT", bid=1.0, ask=1.1, bid_qty=5.0, ask_qty=6.0),
        Tick(ts_event=5, ts_recv=6, symbol="BTCUSDT", liq_volume=2.0, liq_side=LIQ_SHORTS),
        Tick(ts_event=7, ts_recv=8, symbol="BTCUSDT", funding_rate=1e-4, open_interest=9.0),
    ]
    cols = ticks_to_columns(rows)
    assert tuple(cols) == TICK_COLUMNS
    assert cols["ts_event"].dtype == np.int64 and cols["ts_recv"].dtype == np.int64
    assert cols["liq_side"].dtype == np.int8
    assert cols["ts_event"].tolist() == [1, 3, 5, 7]
    assert cols["symbol"].tolist() == ["BTCUSDT", "ETHUSDT", "BTCUSDT", "BTCUSDT"]
    for name in TICK_FLOAT_FIELDS:
        assert cols[name].dtype == np.float64 and len(cols[name]) == 4
    assert cols["price"][0] == 100.5 and math.isnan(cols["price"][1])
    assert cols["buy_volume"][0] == 0.1 and math.isnan(cols["sell_volume"][0])
    assert cols["liq_side"].tolist() == [0, 0, -1, 0]
    assert cols["funding_rate"][3] == 1e-4 and math.isnan(cols["funding_rate"][0])
    assert LIQ_LONGS == 1


def test_empty_rows_give_empty_columns() -> None:
    cols = ticks_to_columns([])
    assert all(len(c) == 0 for c in cols.values())
    assert cols["ts_event"].dtype == np.int64
