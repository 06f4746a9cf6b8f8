"""A real outage: the MariaDB server is stopped mid-run and restarted on the same data dir."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from factories import T0, closed_trade, fill, open_trade, signal, status
from mariadb_server import MariaDBServer, start_mariadb
from sqlalchemy import func, select

from quantum.store import AccountMode, Record, Role, Store, StoreWriter, TradeStatus
from quantum.store.migrate import upgrade
from quantum.store.models import DailyPnl, Fill, Signal, SystemStatus, Trade, User
from quantum.store.repositories.accounts import create_account

pytestmark = pytest.mark.integration

ROUNDS = 1500


@pytest.fixture
def own_mariadb() -> Iterator[MariaDBServer]:
    """A server of this test's own: stopping it does not disturb the other tests."""
    server = start_mariadb()
    try:
        yield server
    finally:
        server.cleanup()


def _events(user: int, acct: int, i: int) -> list[Record]:
    out: list[Record] = [
        fill(f"f{i}", user, acct, T0 + i),
        open_trade(f"t{i}", user, acct, T0 + i),
        signal(f"s{i}", user, acct, T0 + i),
        status(f"st{i}", T0 + i),
    ]
    out.append(
        closed_trade(
            f"t{i}", user, acct, "2.5" if i % 3 else "-1", exit_ts=T0 + i + 1, entry_ts=T0 + i
        )
    )
    return out


def _wait(predicate: object, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.01)


def test_writer_keeps_and_delivers_every_event_across_a_server_restart(
    own_mariadb: MariaDBServer, tmp_path: Path, password_hash: str
) -> None:
    url = own_mariadb.create_database()
    upgrade(url)
    store = Store(url)
    with store.session() as s:
        user = User(username="bob", password_hash=password_hash, role=Role.USER, is_active=True)
        s.add(user)
        s.flush()
        user_id, acct = user.id, create_account(s, user.id, "paper", AccountMode.PAPER).id

    writer = StoreWriter(
        store, tmp_path / "spool", batch_size=200, max_memory=1000, backoff_max=0.2
    )
    produced = threading.Event()
    outage = threading.Event()
    max_backlog = 0

    def produce() -> None:
        for i in range(ROUNDS):
            writer.submit_many(_events(user_id, acct, i))
            if i == ROUNDS // 3:
                outage.set()  # let the main thread stop the server now
            if i % 50 == 0:
                time.sleep(0.002)  # a live feed, not one burst
        produced.set()

    producer = threading.Thread(target=produce)
    producer.start()
    try:
        outage.wait(30)
        own_mariadb.stop()
        _wait(lambda: not writer.stats().connected, 30)
        _wait(lambda: writer.stats().spilled > 0 or produced.is_set(), 30)
        produced.wait(60)
        stats = writer.stats()
        max_backlog = stats.backlog
        assert stats.backlog > 0 and stats.written < ROUNDS * 5
        own_mariadb.start()
        assert writer.flush(120), writer.stats()
    finally:
        producer.join(60)
        final = writer.close()
    assert final.backlog == 0 and final.dead_letters == 0 and final.retries > 0
    assert max_backlog > 1000  # beyond the memory bound: part of it went through the spill file

    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Fill)) == ROUNDS
        assert s.scalar(select(func.count()).select_from(Trade)) == ROUNDS
        assert s.scalar(select(func.count()).select_from(Signal)) == ROUNDS
        assert s.scalar(select(func.count()).select_from(SystemStatus)) == ROUNDS
        assert (
            s.scalar(
                select(func.count()).select_from(Trade).where(Trade.status == TradeStatus.OPEN)
            )
            == 0
        )
        rolled = s.scalar(select(func.sum(DailyPnl.trades)))
        assert rolled == ROUNDS  # each close counted exactly once despite retries
        assert (s.scalar(select(func.max(SystemStatus.store_backlog))) or 0) > 0
    store.dispose()
    own_mariadb.drop_database(url)
