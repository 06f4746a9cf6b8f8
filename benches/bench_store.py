"""Store benchmarks: writer throughput and the dashboard's queries on 1 M trades.

Run: ``pytest benches/bench_store.py -s`` (SQLite always; MariaDB when ``mariadbd`` can start).
Not part of the normal test run (``benches/`` is outside ``testpaths``). Each benchmark prints its
figure; pytest-benchmark's table has the timing distribution.

- writer: sustained rows/s of a fills + signals + status mix through ``StoreWriter`` (batches of
  2,000, one transaction each), from the first ``submit`` until ``flush`` returns. SQLite runs
  with ``synchronous=FULL``; MariaDB with its durable default (fsync at every commit).
- dashboard: 1,000,000 trades (900,000 of the measured user, the rest of 9 others) over two
  years; the Performance page (metrics from the daily rollup), the Trade log page (newest 50,
  with and without a symbol filter), its pagination count, open positions and pending signals.
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "store"))

from mariadb_server import MariaDBServer, MariaDBUnavailable

from quantum.store import (
    AccountMode,
    FillRecord,
    OrderSide,
    Record,
    Role,
    Side,
    SignalRecord,
    StatusRecord,
    Store,
    StoreWriter,
)
from quantum.store.migrate import upgrade
from quantum.store.models import Account, Base, User
from quantum.store.repositories.performance import performance
from quantum.store.repositories.positions import open_positions
from quantum.store.repositories.signals import pending_signals
from quantum.store.repositories.trades import count_trades, list_trades

T0 = 1_700_000_000_000_000_000
DAY = 86_400_000_000_000
N_WRITER = 60_000
N_TRADES = 1_000_000
SYMBOLS = ["BTCUSDT", "ETHUSDT", "SOLUSDT", "BNBUSDT", "XRPUSDT", "DOGEUSDT"]


@pytest.fixture(scope="module", params=["sqlite", "mariadb"])
def backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    """A factory of empty database URLs on one backend."""
    if request.param == "sqlite":
        base = tmp_path_factory.mktemp("sqlite")
        counter = iter(range(1000))
        yield "sqlite", lambda: f"sqlite:///{base / f'b{next(counter)}.db'}"
        return
    try:
        server = MariaDBServer(fast=False)  # durable: fsync at every commit, as in production
        server.start()
    except MariaDBUnavailable as exc:
        pytest.skip(f"MariaDB benchmarks skipped: {exc}")
    try:
        yield "mariadb", server.create_database
    finally:
        server.cleanup()


def _user_account(store: Store, name: str) -> tuple[int, int]:
    with store.session() as s:
        user = User(username=name, password_hash="x", role=Role.USER, is_active=True)
        s.add(user)
        s.flush()
        acct = Account(user_id=user.id, name="paper", mode=AccountMode.PAPER)
        s.add(acct)
        s.flush()
        return user.id, acct.id


def _writer_events(user: int, acct: int, n: int, tag: str) -> list[Record]:
    events: list[Record] = []
    for i in range(n // 3):
        ts = T0 + i * 1_000_000
        events.append(
            FillRecord(
                fill_uid=f"{tag}f{i}",
                user_id=user,
                account_id=acct,
                symbol="BTCUSDT",
                side=OrderSide.BUY if i % 2 else OrderSide.SELL,
                qty=Decimal("0.01000000"),
                price=Decimal("65000.12345678"),
                fee=Decimal("0.32500062"),
                ts_event=ts,
                ts_recv=ts + 1000,
            )
        )
        events.append(
            SignalRecord(
                signal_uid=f"{tag}s{i}",
                user_id=user,
                account_id=acct,
                symbol="ETHUSDT",
                side=Side.LONG,
                price=Decimal("3100.50000000"),
                confidence=0.85,
                reason="liquidation cluster",
                ts_event=ts,
                updated_ts=ts,
            )
        )
        events.append(
            StatusRecord(
                status_uid=f"{tag}st{i}",
                ts=ts,
                ticks_processed=i * 10,
                ticks_rejected=i,
                signals=i,
                trades=i // 2,
                engine_state="running",
                latency_p50_ns=15_000,
                latency_p99_ns=90_000,
            )
        )
    return events


def test_writer_throughput(benchmark: Any, backend: Any, tmp_path: Path) -> None:
    name, new_url = backend
    rounds = iter(range(100))

    def setup() -> tuple[tuple[Any, ...], dict[str, Any]]:
        url = new_url()
        upgrade(url)
        store = Store(url)
        user, acct = _user_account(store, "bench")
        r = next(rounds)
        events = _writer_events(user, acct, N_WRITER, f"r{r}")
        writer = StoreWriter(store, tmp_path / f"spool{r}", batch_size=2000)
        return (store, writer, events), {}

    def run(store: Store, writer: StoreWriter, events: list[Record]) -> None:
        for start in range(0, len(events), 500):  # the runtime hands over small bursts
            writer.submit_many(events[start : start + 500])
        assert writer.flush(600)
        writer.close()
        store.dispose()

    benchmark.pedantic(run, setup=setup, rounds=3, iterations=1)
    median = benchmark.stats.stats.median
    print(f"\n[{name}] writer: {N_WRITER / median:,.0f} rows/s (median of 3, {N_WRITER} rows)")


@dataclass
class Seeded:
    store: Store
    user: int
    acct: int
    backend: str
    cursor_at_page_200: tuple[int, int] = (0, 0)


def _seed_trades(store: Store, user: int, acct: int, others: list[tuple[int, int]]) -> None:
    """Bulk-insert 1 M closed trades and their daily rollup (fast path for seeding only)."""
    rng = random.Random(7)
    trade_table = Base.metadata.tables["trades"]
    chunk: list[dict[str, Any]] = []
    rollup: dict[tuple[int, int], dict[str, Any]] = {}
    span = 730 * DAY
    with store.engine.begin() as conn:
        for i in range(N_TRADES):
            u, a = (user, acct) if i % 10 else others[i // 10 % len(others)]
            entry = T0 + (i * span) // N_TRADES
            exit_ts = entry + rng.randrange(1, 3_600) * 1_000_000_000
            pnl = Decimal(rng.randrange(-5_000_000_000, 6_000_000_000)).scaleb(-8)
            fee = Decimal("0.65000000")
            chunk.append(
                {
                    "trade_uid": f"t{i}",
                    "user_id": u,
                    "account_id": a,
                    "backtest_run_id": None,
                    "symbol": SYMBOLS[i % len(SYMBOLS)],
                    "side": Side.LONG if i % 2 else Side.SHORT,
                    "qty": Decimal("0.01000000"),
                    "entry_price": Decimal("65000.00000000"),
                    "exit_price": Decimal("65100.00000000"),
                    "pnl": pnl,
                    "pnl_pct": Decimal("0.00153846"),
                    "fees": fee,
                    "status": "CLOSED",
                    "entry_ts": entry,
                    "exit_ts": exit_ts,
                    "exit_reason": "take_profit",
                    "confidence": 0.85,
                    "strategy": "order_flow",
                }
            )
            day = rollup.setdefault(
                (a, exit_ts // DAY),
                {
                    "user_id": u,
                    "trades": 0,
                    "wins": 0,
                    "losses": 0,
                    "gross_profit": Decimal(0),
                    "gross_loss": Decimal(0),
                    "pnl": Decimal(0),
                    "fees": Decimal(0),
                },
            )
            day["trades"] += 1
            day["pnl"] += pnl
            day["fees"] += fee
            if pnl > 0:
                day["wins"] += 1
                day["gross_profit"] += pnl
            elif pnl < 0:
                day["losses"] += 1
                day["gross_loss"] += pnl
            if len(chunk) == 20_000:
                conn.execute(insert(trade_table), chunk)
                chunk = []
        if chunk:
            conn.execute(insert(trade_table), chunk)
        conn.execute(
            insert(Base.metadata.tables["daily_pnl"]),
            [{"account_id": a, "day": d, **v} for (a, d), v in rollup.items()],
        )


@pytest.fixture(scope="module")
def seeded(backend: Any) -> Iterator[Seeded]:
    name, new_url = backend
    url = new_url()
    upgrade(url)
    store = Store(url)
    user, acct = _user_account(store, "heavy")
    others = [_user_account(store, f"other{k}") for k in range(9)]
    started = time.perf_counter()
    _seed_trades(store, user, acct, others)
    if name == "sqlite":
        with store.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    else:
        with store.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE TABLE trades, daily_pnl")
    print(f"\n[{name}] seeded {N_TRADES:,} trades in {time.perf_counter() - started:.1f}s")
    with store.sessions() as session:
        last = list_trades(session, user, limit=1, offset=50 * 199 - 1)[0]
    yield Seeded(store, user, acct, name, (last.entry_ts, last.id))
    store.dispose()


def _keyset_page_200(session: Any, d: Seeded) -> Any:
    # What "next page" does 199 times: each page starts after the last row of the previous one.
    return list_trades(session, d.user, before=d.cursor_at_page_200, limit=50)


QUERIES: dict[str, Callable[[Any, Seeded], Any]] = {
    "performance page (metrics)": lambda s, d: performance(
        s, d.user, initial_equity=Decimal(100_000)
    ),
    "trade log page 1": lambda s, d: list_trades(s, d.user, limit=50),
    "trade log page 1, symbol filter": lambda s, d: list_trades(
        s, d.user, symbol="SOLUSDT", limit=50
    ),
    "trade log page 200 (offset)": lambda s, d: list_trades(s, d.user, limit=50, offset=50 * 199),
    "trade log page 200 (keyset)": _keyset_page_200,
    "trade count (pagination)": lambda s, d: count_trades(s, d.user),
    "trade count, symbol filter, cap 10k": lambda s, d: count_trades(
        s, d.user, symbol="SOLUSDT", cap=10_000
    ),
    "trade count, last 7 days": lambda s, d: count_trades(s, d.user, since_ts=T0 + 723 * DAY),
    "open positions + pending signals": lambda s, d: (
        open_positions(s, d.user),
        pending_signals(s, d.user),
    ),
}


@pytest.mark.parametrize("query", list(QUERIES))
def test_dashboard_query_on_1m_trades(benchmark: Any, seeded: Seeded, query: str) -> None:
    fn = QUERIES[query]

    def run() -> Any:
        with seeded.store.sessions() as session:
            return fn(session, seeded)

    result = benchmark(run)
    if query.startswith("performance"):
        assert result.trades == 900_000
    if query == "trade count (pagination)":
        assert result == 900_000
    if "page 200" in query:
        assert len(result) == 50
    median_ms = benchmark.stats.stats.median * 1000
    print(f"\n[{seeded.backend}] {query}: {median_ms:.2f} ms (median)")
