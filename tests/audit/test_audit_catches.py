"""The auditor catches each kind of violation: a clean backtest is altered in one place (a fill
moved, repriced, resized, relabelled or dropped, a fee, a funding payment, a cap, the final
equity) and the auditor must name what broke."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pytest

import quantum
from quantum import BacktestResult, EngineConfig, ExecutionConfig, RiskConfig
from quantum.audit import KINDS, audit
from quantum.audit.ledger import q8
from quantum.data import SyntheticParams, generate, load_binance_klines, load_funding_rates

from .datasets import FUNDING, KLINES, data_file, datasets
from .test_audit_orders import _quoting

LOOSE = RiskConfig(
    fixed_qty=0.01, max_trades_per_day=1_000_000, max_drawdown=1.0, max_position_notional=1.0
)


@pytest.fixture(scope="module")
def bars() -> tuple[BacktestResult, Any]:
    """Real one-minute bars with their funding history: exits on bars (stops, targets, gaps),
    funding at the funding times held."""
    ticks, _ = load_binance_klines(data_file(f"klines/{KLINES[0]}"))
    schedule, _ = load_funding_rates(data_file(f"funding_oi/{FUNDING}"))
    ticks = schedule.apply_to(ticks).slice(0, 20_000)
    config = EngineConfig(risk=LOOSE, execution=ExecutionConfig(min_hold_ns=0))
    result = quantum.backtest(ticks, config)
    assert audit(result, ticks) == []
    return result, ticks


class HoldLong(quantum.Strategy):
    """Long whenever flat."""

    def on_tick(self, tick: quantum.TickView, features: quantum.FeatureView) -> quantum.Decision:
        return quantum.Decision("LONG", 1.0, "hold")


@pytest.fixture(scope="module")
def levered() -> tuple[BacktestResult, Any]:
    """A wild synthetic market held long at 100x without stops: liquidations on ticks."""
    ticks = generate(20_000, seed=4, params=SyntheticParams(vol_annual=3.0))
    config = EngineConfig(
        risk=LOOSE.model_copy(update={"max_leverage": 100.0}),
        execution=ExecutionConfig(leverage=100.0, stop_loss=None, take_profit=None, min_hold_ns=0),
    )
    result = quantum.backtest(ticks, config, strategies=[HoldLong()])
    assert (result.fills["exit_reason"] == "liquidation").any()
    assert audit(result, ticks) == []
    return result, ticks


@pytest.fixture(scope="module")
def quoted() -> tuple[BacktestResult, Any]:
    """The market maker on a synthetic quoted market: resting orders, maker fills."""
    ticks = generate(20_000, seed=7)
    result = quantum.backtest(ticks, _quoting(latency_ms=1))
    assert result.fills["maker"].any()
    assert audit(result, ticks) == []
    return result, ticks


@pytest.fixture(scope="module")
def book() -> tuple[BacktestResult, Any]:
    """Signals trading on an L2 capture: taker fills walking the book."""
    feed = datasets()["l2_book/binance_usdm_btcusdt_20240808.jsonl.gz"]()
    config = EngineConfig(
        risk=LOOSE.model_copy(update={"fixed_qty": 0.1}),
        execution=ExecutionConfig(min_hold_ns=0, latency_ns=50_000_000),
    )
    result = quantum.backtest(feed, config)
    assert (~result.fills["maker"]).any()
    assert audit(result, feed) == []
    return result, feed


@pytest.fixture(scope="module")
def depth() -> tuple[BacktestResult, Any]:
    """The market maker on an L2 capture: maker fills on depth messages."""
    feed = datasets()["l2_book/binance_usdm_btcusdt_20240718.jsonl.gz"]()
    result = quantum.backtest(feed, _quoting())
    assert (result.fills["depth_seq"] >= 0).any()
    assert audit(result, feed) == []
    return result, feed


def _kinds(result: BacktestResult, ticks: Any) -> set[str]:
    return {v.kind for v in audit(result, ticks)}


def _with_fills(result: BacktestResult, change: Callable[[pd.DataFrame], None]) -> BacktestResult:
    fills = result.fills.copy()
    change(fills)
    return dataclasses.replace(result, fills=fills)


def _row(result: BacktestResult, **where: Any) -> int:
    f = result.fills
    mask = pd.Series(True, index=f.index)
    for k, v in where.items():
        mask &= f[k] == v
    return int(f.index[mask][0])


def _shift_price(f: pd.DataFrame, row: int, by: str) -> None:
    f.loc[row, "price"] = str(Decimal(f.loc[row, "price"]) + Decimal(by))


def test_a_fill_before_its_decision_and_the_latency(bars: tuple[BacktestResult, Any]) -> None:
    result, ticks = bars
    row = _row(result, kind="open")

    def on_decision_tick(f: pd.DataFrame) -> None:
        f.loc[row, "decided_seq"] = f.loc[row, "seq"]

    assert "fill_timing" in _kinds(_with_fills(result, on_decision_tick), ticks)
    slow = dataclasses.replace(
        result, config=result.config.model_copy(
            update={"execution": result.config.execution.model_copy(update={"latency_ns": 10**12})}
        )
    )  # fmt: skip
    assert "fill_timing" in _kinds(slow, ticks)


def test_a_fill_on_a_tick_that_was_not_there(bars: tuple[BacktestResult, Any]) -> None:
    result, ticks = bars
    row = _row(result, kind="open")

    def elsewhere(f: pd.DataFrame) -> None:
        f.loc[row, "ts_recv"] = int(f.loc[row, "ts_recv"]) + 1

    assert "fill_tick" in _kinds(_with_fills(result, elsewhere), ticks)
    seq = int(result.fills.loc[row, "seq"])
    rejected = pd.DataFrame({"seq": [seq], "reason": ["price_jump"]})
    assert "fill_tick" in _kinds(dataclasses.replace(result, rejected_ticks=rejected), ticks)


def test_a_fill_at_a_price_the_tick_never_gave(bars: tuple[BacktestResult, Any]) -> None:
    result, ticks = bars
    entry = _row(result, kind="open")
    assert "fill_price" in _kinds(
        _with_fills(result, lambda f: _shift_price(f, entry, "0.5")), ticks
    )
    stop = _row(result, exit_reason="stop_loss")
    assert "fill_price" in _kinds(
        _with_fills(result, lambda f: _shift_price(f, stop, "0.3")), ticks
    )


def test_a_fee_that_is_not_the_configured_one(bars: tuple[BacktestResult, Any]) -> None:
    result, ticks = bars
    row = _row(result, kind="open")

    def more(f: pd.DataFrame) -> None:
        f.loc[row, "fee"] = str(Decimal(f.loc[row, "fee"]) + Decimal("0.00000002"))

    assert "fee" in _kinds(_with_fills(result, more), ticks)

    def maker(f: pd.DataFrame) -> None:
        f.loc[row, "maker"] = True

    assert "fee" in _kinds(_with_fills(result, maker), ticks)


def test_fills_that_do_not_fit_the_position_they_meet(
    bars: tuple[BacktestResult, Any],
) -> None:
    result, ticks = bars
    close = _row(result, kind="close", exit_reason="reverse")

    def against(f: pd.DataFrame) -> None:
        f.loc[close, "kind"] = "open"  # an open fill on the other side of the position

    assert "one_position" in _kinds(_with_fills(result, against), ticks)
    row = _row(result, kind="open")
    dropped = result.fills.drop(index=row).reset_index(drop=True)
    assert "exit_without_entry" in _kinds(dataclasses.replace(result, fills=dropped), ticks)

    def beyond(f: pd.DataFrame) -> None:
        f.loc[close, "qty"] = str(Decimal(f.loc[close, "qty"]) * 2)

    assert "close_beyond_flat" in _kinds(_with_fills(result, beyond), ticks)


def test_an_exit_before_its_entry(bars: tuple[BacktestResult, Any]) -> None:
    result, ticks = bars
    row = _row(result, exit_reason="reverse")

    cols = ticks.columns

    def early(f: pd.DataFrame) -> None:
        entry = f.index[(f.index < row) & (f["kind"] == "open")][-1]
        seq = int(f.loc[entry, "seq"]) - 1  # the exit moved to the tick before its entry's
        f.loc[row, "seq"] = seq
        f.loc[row, "ts_recv"] = int(cols.get("ts_recv", cols["ts_event"])[seq - 1])
        f.loc[row, "ts_event"] = int(cols["ts_event"][seq - 1])

    assert "exit_before_entry" in _kinds(_with_fills(result, early), ticks)


def test_a_missed_stop_and_a_target_taken_on_a_bar_that_hit_the_stop(
    bars: tuple[BacktestResult, Any],
) -> None:
    result, ticks = bars
    stop = _row(result, exit_reason="stop_loss")
    # The position "survives" its stop: its exit is moved to the last tick.
    later = result.fills.copy()
    cols = ticks.columns
    later.loc[stop, "seq"] = len(ticks)
    later.loc[stop, "ts_recv"] = int(cols.get("ts_recv", cols["ts_event"])[-1])
    later.loc[stop, "ts_event"] = int(cols["ts_event"][-1])
    assert "missed_exit" in _kinds(dataclasses.replace(result, fills=later), ticks)
    # The stop called a take-profit: the bar reached the stop, which comes first.
    relabelled = result.fills.copy()
    relabelled.loc[stop, "exit_reason"] = "take_profit"
    assert "stop_first" in _kinds(dataclasses.replace(result, fills=relabelled), ticks)


def test_a_wrong_exit_reason(levered: tuple[BacktestResult, Any]) -> None:
    result, ticks = levered
    row = _row(result, exit_reason="liquidation")
    changed = result.fills.copy()
    changed.loc[row, "exit_reason"] = "take_profit"
    assert "wrong_exit" in _kinds(dataclasses.replace(result, fills=changed), ticks)


def test_funding_not_held_missed_or_at_the_wrong_rate(bars: tuple[BacktestResult, Any]) -> None:
    result, ticks = bars
    assert len(result.funding) > 3
    dropped = result.funding.drop(index=0).reset_index(drop=True)
    assert "funding" in _kinds(dataclasses.replace(result, funding=dropped), ticks)
    extra = pd.concat([result.funding, result.funding.iloc[[0]]], ignore_index=True)
    extra.loc[len(extra) - 1, "funding_time"] += 8 * 3_600_000_000_000 * 1_000
    assert "funding" in _kinds(dataclasses.replace(result, funding=extra), ticks)
    wrong = result.funding.copy()
    wrong.loc[1, "rate"] = float(wrong.loc[1, "rate"]) * 2
    assert "funding" in _kinds(dataclasses.replace(result, funding=wrong), ticks)


def test_caps_broken_at_an_entry(bars: tuple[BacktestResult, Any]) -> None:
    result, ticks = bars

    def with_risk(**risk: Any) -> BacktestResult:
        cfg = result.config.model_copy(update={"risk": result.config.risk.model_copy(update=risk)})
        return dataclasses.replace(result, config=cfg)

    assert "notional_cap" in _kinds(with_risk(max_position_notional=1e-6), ticks)
    assert "daily_cap" in _kinds(with_risk(max_trades_per_day=1), ticks)
    assert "open_positions" in _kinds(with_risk(max_open_positions=0), ticks)
    assert "leverage_cap" in _kinds(with_risk(max_leverage=0.5), ticks)


def test_equity_that_is_not_capital_plus_pnl(bars: tuple[BacktestResult, Any]) -> None:
    result, ticks = bars
    metrics = dict(result.metrics)
    metrics["final_equity"] = metrics["final_equity"] + Decimal("0.00000002")
    assert _kinds(dataclasses.replace(result, metrics=metrics), ticks) == {"equity_identity"}


def test_a_maker_fill_the_market_never_reached(quoted: tuple[BacktestResult, Any]) -> None:
    result, ticks = quoted
    row = _row(result, maker=True, side="BUY")
    order = int(result.fills.loc[row, "order_id"])
    low = str(q8(Decimal(result.fills.loc[row, "price"]) * Decimal("0.95")))
    fills = result.fills.copy()
    fills.loc[row, "price"] = low
    orders = result.orders.copy()
    orders.loc[orders["order_id"] == order, "price"] = float(low)
    moved = dataclasses.replace(result, fills=fills, orders=orders)
    assert "maker_unreached" in _kinds(moved, ticks)


def test_a_maker_fill_before_its_order_arrived(quoted: tuple[BacktestResult, Any]) -> None:
    result, ticks = quoted
    row = _row(result, maker=True)

    def later(f: pd.DataFrame) -> None:
        f.loc[row, "decided_at"] = int(f.loc[row, "ts_event"]) + 1  # sent after it filled

    assert "fill_timing" in _kinds(_with_fills(result, later), ticks)


def test_book_fills_at_a_level_that_was_not_there_or_on_another_depth_message(
    book: tuple[BacktestResult, Any], depth: tuple[BacktestResult, Any]
) -> None:
    result, feed = book
    taker = _row(result, maker=False, exit_reason="")
    assert "fill_price" in _kinds(
        _with_fills(result, lambda f: _shift_price(f, taker, "0.05")), feed
    )
    result, feed = depth
    on_depth = int(result.fills.index[result.fills["depth_seq"] >= 0][0])

    def other_message(f: pd.DataFrame) -> None:
        f.loc[on_depth, "depth_seq"] = int(f.loc[on_depth, "depth_seq"]) + 1

    assert "fill_tick" in _kinds(_with_fills(result, other_message), feed)


def test_every_kind_is_caught_by_some_test() -> None:
    """The tests above cover every kind the auditor reports."""
    import inspect
    import sys

    source = inspect.getsource(sys.modules[__name__])
    missing = [k for k in KINDS if f'"{k}"' not in source.split("def test_every_kind")[0]]
    assert missing == []


@pytest.fixture(scope="module")
def queued() -> tuple[BacktestResult, Any]:
    """The touch quoter on a real capture under ``risk_averse``: maker fills from prints at the
    quotes' prices, each after the queue ahead of it traded."""
    feed = datasets()["l2_book/binance_usdm_btcusdt_20240718.jsonl.gz"]()
    result = quantum.backtest(feed, _quoting(rule="touch", queue="risk_averse"))
    assert audit(result, feed) == []
    return result, feed


def test_a_maker_fill_larger_than_what_printed_at_its_price(
    queued: tuple[BacktestResult, Any],
) -> None:
    result, feed = queued
    f = result.fills
    price = np.asarray(feed.ticks["price"], dtype=float)
    printed = np.array(
        [price[s - 1] == float(p) for s, p in zip(f["seq"], f["price"], strict=True)]
    )
    at_print = f["maker"].to_numpy() & (f["depth_seq"].to_numpy() < 0) & printed
    row = int(f.index[at_print][0])
    bigger = _with_fills(result, lambda x: x.__setitem__("qty", x["qty"].where(
        x.index != row, str(Decimal(x.loc[row, "qty"]) * 10_000))))  # fmt: skip
    found = [v for v in audit(bigger, feed) if v.kind == "maker_unreached" and v.fill == row]
    assert found and "printed there" in found[0].message, found
