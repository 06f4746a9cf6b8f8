"""Performance metrics: hand-checked values, and the dashboard query agrees with the trades."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from factories import DAY, closed_trade
from hypothesis import given, settings
from hypothesis import strategies as st

from quantum.store import Store
from quantum.store.metrics import DayPnl, compute_metrics, days_from_trades
from quantum.store.repositories.performance import daily_pnl, performance
from quantum.store.repositories.trades import record_trades

D0 = 19_900


def test_hand_computed_example() -> None:
    # Day 0: +100, -50 ; day 1: idle ; day 2: +30, -20, 0.
    trades = [
        (D0 * DAY + 1, Decimal(100), Decimal(1)),
        (D0 * DAY + 2, Decimal(-50), Decimal(1)),
        ((D0 + 2) * DAY + 1, Decimal(30), Decimal(1)),
        ((D0 + 2) * DAY + 2, Decimal(-20), Decimal(1)),
        ((D0 + 2) * DAY + 3, Decimal(0), Decimal(1)),
    ]
    m = compute_metrics(days_from_trades(trades), initial_equity=Decimal(1000))
    assert (m.trades, m.wins, m.losses) == (5, 2, 2)
    assert m.win_rate == pytest.approx(0.4)
    assert m.total_pnl == Decimal(60) and m.fees == Decimal(5)
    assert m.gross_profit == Decimal(130) and m.gross_loss == Decimal(-70)
    assert m.profit_factor == pytest.approx(130 / 70)
    # Daily returns on running equity: 50/1000, 0/1050, 10/1050.
    r = [0.05, 0.0, 10 / 1050]
    mean = sum(r) / 3
    sd = math.sqrt(sum((x - mean) ** 2 for x in r) / 2)
    assert m.sharpe == pytest.approx(mean / sd * math.sqrt(365))
    down = math.sqrt(sum(min(x, 0) ** 2 for x in r) / 2)
    assert down == 0 and m.sortino is None
    assert m.max_drawdown == Decimal(0)  # measured at day closes: 1050, 1050, 1060
    assert (m.first_day, m.last_day) == (D0, D0 + 2)


def test_drawdown_and_no_losses() -> None:
    days = [
        DayPnl(D0, 1, 1, 0, Decimal(100), Decimal(0), Decimal(100)),
        DayPnl(D0 + 1, 1, 0, 1, Decimal(0), Decimal(-300), Decimal(-300)),
        DayPnl(D0 + 2, 1, 1, 0, Decimal(50), Decimal(0), Decimal(50)),
    ]
    m = compute_metrics(days, initial_equity=Decimal(1000))
    assert m.max_drawdown == Decimal(300)
    assert m.max_drawdown_pct == pytest.approx(300 / 1100)
    no_equity = compute_metrics(days)
    assert no_equity.max_drawdown == Decimal(300) and no_equity.max_drawdown_pct is None
    only_wins = compute_metrics([DayPnl(D0, 2, 2, 0, Decimal(5), Decimal(0), Decimal(5))])
    assert only_wins.profit_factor is None and only_wins.sharpe is None
    empty = compute_metrics([])
    assert empty.trades == 0 and empty.win_rate is None and empty.total_pnl == 0


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=40 * DAY),
            st.decimals(
                min_value=-1000, max_value=1000, places=8, allow_nan=False, allow_infinity=False
            ),
        ),
        max_size=60,
    )
)
def test_totals_are_exact_sums(trades: list[tuple[int, Decimal]]) -> None:
    m = compute_metrics(days_from_trades((ts, pnl, Decimal(0)) for ts, pnl in trades))
    assert m.total_pnl == sum((p for _, p in trades), Decimal(0))
    assert m.gross_profit + m.gross_loss == m.total_pnl
    assert m.wins == sum(1 for _, p in trades if p > 0)
    assert m.trades == len(trades)
    assert m.max_drawdown >= 0


def test_dashboard_metrics_equal_metrics_over_the_raw_trades(
    store: Store, account: tuple[int, int]
) -> None:
    user, acct = account
    pnls = ["12.5", "-3.25", "7", "-11.12345678", "0", "4.00000001", "-2", "9.9"]
    trades = [
        closed_trade(f"t{i}", user, acct, p, exit_ts=(D0 + i // 2) * DAY + i * 1000)
        for i, p in enumerate(pnls)
    ]
    with store.session() as s:
        record_trades(s, trades[:5])
    with store.session() as s:
        record_trades(s, trades[3:])  # overlapping retry
    raw = [(t.exit_ts or 0, t.pnl or Decimal(0), t.fees) for t in trades]
    expected = compute_metrics(days_from_trades(raw), initial_equity=Decimal(10_000))
    with store.session() as s:
        got = performance(s, user, initial_equity=Decimal(10_000))
        assert got == expected
        assert performance(s, user, account_id=acct) == compute_metrics(days_from_trades(raw))
        assert [d.day for d in daily_pnl(s, user)] == [D0, D0 + 1, D0 + 2, D0 + 3]
