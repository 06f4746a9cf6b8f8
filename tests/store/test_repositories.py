"""Repositories: recording events idempotently and the dashboard's queries."""

from __future__ import annotations

from decimal import Decimal

import pytest
from factories import DAY, T0, closed_trade, fill, open_trade, position, signal, status
from sqlalchemy import func, select

from quantum.errors import DataError
from quantum.store import (
    AccountMode,
    EquityRecord,
    MarketSnapshotRecord,
    Role,
    SignalStatus,
    Store,
    TradeStatus,
)
from quantum.store.models import DailyPnl, Fill, Position, Signal, SystemStatus, Trade
from quantum.store.repositories.accounts import create_account, list_accounts
from quantum.store.repositories.backtests import list_backtest_runs, save_backtest_run
from quantum.store.repositories.equity import equity_points, record_equity
from quantum.store.repositories.exchanges import list_exchanges, set_exchange_active
from quantum.store.repositories.fills import list_fills, record_fills
from quantum.store.repositories.market import latest_market, market_history, record_market_snapshots
from quantum.store.repositories.positions import open_positions, record_positions
from quantum.store.repositories.signals import pending_signals, record_signals, resolve_signal
from quantum.store.repositories.status import latest_status, record_status
from quantum.store.repositories.trades import count_trades, list_trades, record_trades
from quantum.store.repositories.users import authenticate, create_user


def _count(store: Store, model: type) -> int:
    with store.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_fills_are_idempotent_and_exact(store: Store, account: tuple[int, int]) -> None:
    user, acct = account
    with store.session() as s:
        record_fills(s, [fill("f1", user, acct), fill("f2", user, acct, T0 + 1)])
    with store.session() as s:
        record_fills(s, [fill("f1", user, acct), fill("f2", user, acct, T0 + 1)])  # a retry
    assert _count(store, Fill) == 2
    with store.session() as s:
        rows = list_fills(s, user)
        assert [r.fill_uid for r in rows] == ["f2", "f1"]
        assert rows[0].price == Decimal("65000.12345678")
        assert rows[0].fee == Decimal("0.32500062")


def test_trade_lifecycle_and_log(store: Store, account: tuple[int, int]) -> None:
    user, acct = account
    with store.session() as s:
        record_trades(
            s,
            [
                open_trade("t1", user, acct, T0),
                open_trade("t2", user, acct, T0 + 10, symbol="ETHUSDT"),
            ],
        )
    with store.session() as s:
        record_trades(
            s, [closed_trade("t1", user, acct, "6.17500000", exit_ts=T0 + 5, entry_ts=T0)]
        )
    with store.session() as s:
        trades = list_trades(s, user)
        assert [t.trade_uid for t in trades] == ["t2", "t1"]
        t1 = trades[1]
        assert t1.status is TradeStatus.CLOSED and t1.pnl == Decimal("6.17500000")
        assert t1.exit_ts == T0 + 5 and t1.exit_reason == "take_profit"
        assert [t.trade_uid for t in list_trades(s, user, symbol="ETHUSDT")] == ["t2"]
        assert [t.trade_uid for t in list_trades(s, user, status=TradeStatus.OPEN)] == ["t2"]
        assert [t.trade_uid for t in list_trades(s, user, since_ts=T0 + 1)] == ["t2"]
        assert [t.trade_uid for t in list_trades(s, user, limit=1, offset=1)] == ["t1"]
        assert count_trades(s, user) == 2
        assert count_trades(s, user + 1000) == 0
        newest = trades[0]
        page2 = list_trades(s, user, before=(newest.entry_ts, newest.id), limit=10)
        assert [t.trade_uid for t in page2] == ["t1"]


def test_trade_counts_match_the_rows(store: Store, account: tuple[int, int]) -> None:
    user, acct = account
    with store.session() as s:
        other = create_account(s, user, "second", AccountMode.PAPER).id
        record_trades(
            s,
            [closed_trade(f"c{i}", user, acct, "1", exit_ts=T0 + i * DAY // 3) for i in range(7)]
            + [open_trade(f"o{i}", user, other, T0 + i, symbol="ETHUSDT") for i in range(3)]
            + [closed_trade("x", user, other, "-2", exit_ts=T0, symbol="ETHUSDT")],
        )
        save_backtest_run(
            s,
            run_uid="r",
            user_id=user,
            account_id=acct,
            name="r",
            config={},
            metrics={},
            trades=[closed_trade("bt", user, acct, "5", exit_ts=T0)],
        )
    with store.session() as s:

        def raw(*conds: object) -> int:
            stmt = (
                select(func.count())
                .select_from(Trade)
                .where(
                    Trade.user_id == user,
                    Trade.backtest_run_id.is_(None),
                    *conds,  # type: ignore[arg-type]
                )
            )
            return int(s.scalar(stmt) or 0)

        assert count_trades(s, user) == raw() == 11
        assert count_trades(s, user, status=TradeStatus.OPEN) == raw(
            Trade.status == TradeStatus.OPEN
        )
        assert count_trades(s, user, status=TradeStatus.CLOSED) == 8
        assert count_trades(s, user, account_id=other) == 4
        assert count_trades(s, user, symbol="ETHUSDT") == 4
        assert count_trades(s, user, symbol="ETHUSDT", cap=2) == 2
        assert count_trades(s, user, since_ts=T0 + DAY) == raw(Trade.entry_ts >= T0 + DAY)
        assert count_trades(s, user, cap=5) == 5


def test_replayed_open_never_reopens_a_closed_trade_nor_double_counts(
    store: Store, account: tuple[int, int]
) -> None:
    user, acct = account
    events = [
        open_trade("t1", user, acct, T0),
        closed_trade("t1", user, acct, "10", exit_ts=T0 + DAY, entry_ts=T0),
    ]
    for _ in range(3):  # the original write and two replays of the same events
        with store.session() as s:
            record_trades(s, events)
    with store.session() as s:
        trade = s.scalars(select(Trade)).one()
        assert trade.status is TradeStatus.CLOSED
        day = s.scalars(select(DailyPnl)).one()
        assert (day.trades, day.wins, day.pnl) == (1, 1, Decimal("10.00000000"))
        assert day.day == (T0 + DAY) // DAY


def test_daily_rollup_adds_up_closed_trades(store: Store, account: tuple[int, int]) -> None:
    user, acct = account
    with store.session() as s:
        record_trades(
            s,
            [
                closed_trade("a", user, acct, "10.5", exit_ts=T0),
                closed_trade("b", user, acct, "-4.25", exit_ts=T0 + 1),
                closed_trade("c", user, acct, "0", exit_ts=T0 + 2),
                closed_trade("d", user, acct, "3", exit_ts=T0 + DAY),
            ],
        )
    with store.session() as s:
        days = s.scalars(select(DailyPnl).order_by(DailyPnl.day)).all()
        first, second = days
        assert (first.trades, first.wins, first.losses) == (3, 1, 1)
        assert first.gross_profit == Decimal("10.5") and first.gross_loss == Decimal("-4.25")
        assert first.pnl == Decimal("6.25") and first.fees == Decimal("0.975")
        assert (second.trades, second.pnl) == (1, Decimal(3))


def test_positions_open_update_close(store: Store, account: tuple[int, int]) -> None:
    user, acct = account
    with store.session() as s:
        record_positions(
            s, [position(user, acct, "BTCUSDT"), position(user, acct, "ETHUSDT", T0 + 1)]
        )
        record_positions(
            s, [position(user, acct, "BTCUSDT", current_price=Decimal("65200"), updated_ts=T0 + 9)]
        )
    with store.session() as s:
        rows = open_positions(s, user)
        assert [p.symbol for p in rows] == ["BTCUSDT", "ETHUSDT"]
        assert rows[0].current_price == Decimal("65200") and rows[0].leverage == 2.0
        record_positions(
            s, [position(user, acct, "ETHUSDT", T0 + 1, status="CLOSED", closed_ts=T0 + 50)]
        )
    with store.session() as s:
        record_positions(s, [position(user, acct, "ETHUSDT", T0 + 1)])  # a stale replay
    with store.session() as s:
        assert [p.symbol for p in open_positions(s, user)] == ["BTCUSDT"]
        assert open_positions(s, user, account_id=acct + 1000) == []
    assert _count(store, Position) == 2


def test_signals_pending_and_resolved_once(store: Store, account: tuple[int, int]) -> None:
    user, acct = account
    with store.session() as s:
        record_signals(s, [signal("s1", user, acct, T0), signal("s2", user, acct, T0 + 1)])
    with store.session() as s:
        assert [x.signal_uid for x in pending_signals(s, user)] == ["s2", "s1"]
        assert resolve_signal(s, user, "s1", SignalStatus.EXECUTED, T0 + 5) is True
        assert resolve_signal(s, user, "s1", SignalStatus.EXECUTED, T0 + 6) is False
        assert resolve_signal(s, user + 1000, "s2", SignalStatus.EXECUTED, T0 + 6) is False
    with store.session() as s:
        record_signals(s, [signal("s1", user, acct, T0)])  # replayed PENDING
    with store.session() as s:
        assert [x.signal_uid for x in pending_signals(s, user)] == ["s2"]
        assert (
            s.scalars(select(Signal.status).where(Signal.signal_uid == "s1")).one()
            is SignalStatus.EXECUTED
        )


def test_status_equity_market(store: Store, account: tuple[int, int]) -> None:
    user, acct = account
    eq = [
        EquityRecord(
            user_id=user,
            account_id=acct,
            ts_event=T0 + i,
            equity=Decimal("10000") + i,
            cash=Decimal("10000"),
            unrealized_pnl=Decimal(i),
            peak_equity=Decimal("10000") + i,
        )
        for i in range(3)
    ]
    snap = MarketSnapshotRecord(
        exchange_id="binanceusdm",
        symbol="BTCUSDT",
        ts_event=T0,
        price=Decimal("65000.1"),
        volume_24h=Decimal("123456789012.12345678"),
        funding_rate=Decimal("0.00010000"),
        open_interest=Decimal("81234.567"),
    )
    for _ in range(2):
        with store.session() as s:
            record_status(
                s, [status("st1", T0), status("st2", T0 + 1, ticks=2000)], store_backlog=7
            )
            record_equity(s, eq)
            record_market_snapshots(s, [snap])
    assert _count(store, SystemStatus) == 2
    with store.session() as s:
        latest = latest_status(s)
        assert latest is not None and latest.ticks_processed == 2000 and latest.store_backlog == 7
        curve, _ = equity_points(s, user, acct, points=10)
        assert [equity for _, equity in curve] == [Decimal(10000), Decimal(10001), Decimal(10002)]
        assert equity_points(s, user + 1000, acct, points=10) == ([], 0)
        m = latest_market(s, "binanceusdm", "BTCUSDT")
        assert m is not None and m.volume_24h == Decimal("123456789012.12345678")
        assert len(market_history(s, "binanceusdm", "BTCUSDT", since_ts=T0)) == 1


def test_backtest_run_keeps_its_trades_apart(store: Store, account: tuple[int, int]) -> None:
    user, acct = account
    with store.session() as s:
        run = save_backtest_run(
            s,
            run_uid="run-1",
            user_id=user,
            account_id=acct,
            name="liq hunter 2024-08",
            config={"strategies": ["liquidation_hunter"], "fee_bps": Decimal("5")},
            metrics={"sharpe": 1.2, "total_pnl": Decimal("12.5")},
            trades=[closed_trade("bt1", user, acct, "12.5", exit_ts=T0)],
        )
        run_id = run.id
    with store.session() as s:
        assert list_trades(s, user) == []  # not in the live/paper log
        assert [t.trade_uid for t in list_trades(s, user, backtest_run_id=run_id)] == ["bt1"]
        assert s.scalars(select(DailyPnl)).all() == []  # nor in the live rollup
        runs = list_backtest_runs(s, user)
        assert runs[0].config["fee_bps"] == "5" and runs[0].metrics["total_pnl"] == "12.5"
    with pytest.raises(DataError), store.session() as s:
        save_backtest_run(
            s,
            run_uid="run-2",
            user_id=user,
            account_id=acct,
            name="x",
            config={"f": {1, 2}},
            metrics={},
        )


def test_users_accounts_exchanges(store: Store) -> None:
    with store.session() as s:
        admin = create_user(s, "root-admin", "s3cret-passw0rd", Role.ADMIN)
        with pytest.raises(DataError, match="taken"):
            create_user(s, "root-admin", "another-password")
        with pytest.raises(DataError, match="at least 8"):
            create_user(s, "bob", "short")
        create_account(s, admin.id, "live", AccountMode.LIVE)
        with pytest.raises(DataError):
            create_account(s, admin.id, "live", AccountMode.PAPER)
        assert [a.name for a in list_accounts(s, admin.id)] == ["live"]
        assert admin.password_hash.startswith("$argon2id$")
    with store.session() as s:
        user = authenticate(s, "root-admin", "s3cret-passw0rd")
        assert user is not None and user.role is Role.ADMIN
        assert authenticate(s, "root-admin", "wrong-password") is None
        assert authenticate(s, "nobody", "s3cret-passw0rd") is None
        set_exchange_active(s, "okx", True)
        assert {e.id for e in list_exchanges(s, active_only=True)} == {"binanceusdm", "okx"}
        with pytest.raises(DataError):
            set_exchange_active(s, "nope", True)


@pytest.mark.parametrize(
    "bad",
    [
        {"qty": 0.01},
        {"qty": "0.000000001"},
        {"side": "UP"},
        {"entry_ts": 2**63},
        {"trade_uid": ""},
        {"symbol": "X" * 40},
        {"confidence": float("nan")},
        {"status": "CLOSED"},  # closed without exit fields
    ],
)
def test_bad_records_are_refused_on_creation(bad: dict[str, object]) -> None:
    fields: dict[str, object] = {"trade_uid": "t", **bad}
    uid = str(fields.pop("trade_uid"))
    with pytest.raises(DataError):
        open_trade(uid, 1, 1, **fields)  # type: ignore[arg-type]
