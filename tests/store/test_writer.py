"""The writer: batches, keeps order, survives failures, spills, replays, never duplicates.

Every test runs with the transactions in the writer's thread and in its child process."""

from __future__ import annotations

import asyncio
import functools
import json
import os
import signal as os_signal
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from factories import T0, closed_trade, fill, open_trade, signal, status
from sqlalchemy import func, select

from quantum.errors import DataError, StoreError
from quantum.store import Record, SignalStatus, Store, StoreWriter, TradeStatus
from quantum.store.migrate import upgrade
from quantum.store.models import Fill, Signal, SystemStatus, Trade
from quantum.store.records import record_to_json


def count(store: Store, model: type) -> int:
    with store.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def wait_for(predicate: Callable[[], bool], timeout: float = 20.0) -> None:
    """Poll ``predicate`` with a deadline (no blind sleeps)."""
    import time

    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.01)


MakeWriter = Callable[..., StoreWriter]


@pytest.fixture(params=["thread", "process"])
def make_writer(request: pytest.FixtureRequest) -> MakeWriter:
    """``StoreWriter`` committing in its thread, or in a child process (the service's choice)."""
    return functools.partial(StoreWriter, out_of_process=request.param == "process")


def mixed_events(user: int, acct: int, n: int) -> list[Record]:
    """n rounds of: a fill, a trade opened, a signal, a status row; every 2nd trade closes."""
    events: list[Record] = []
    for i in range(n):
        events.append(fill(f"f{i}", user, acct, T0 + i))
        events.append(open_trade(f"t{i}", user, acct, T0 + i))
        events.append(signal(f"s{i}", user, acct, T0 + i))
        events.append(status(f"st{i}", T0 + i, ticks=i))
        if i % 2:
            events.append(
                closed_trade(f"t{i}", user, acct, "1.5", exit_ts=T0 + i + 1, entry_ts=T0 + i)
            )
            events.append(signal(f"s{i}", user, acct, T0 + i, status=SignalStatus.EXECUTED))
    return events


def test_writer_delivers_every_event_once_in_order(
    store: Store, account: tuple[int, int], tmp_path: Path, make_writer: MakeWriter
) -> None:
    user, acct = account
    events = mixed_events(user, acct, 800)
    with make_writer(store, tmp_path / "spool", batch_size=250) as writer:
        for start in range(0, len(events), 97):
            writer.submit_many(events[start : start + 97])
        writer.submit_many(events[:300])  # duplicates of the first events: ignored, not reopened
        assert writer.flush(30)
        stats = writer.stats()
    assert stats.backlog == 0 and stats.dead_letters == 0
    assert stats.written == stats.submitted == len(events) + 300
    assert count(store, Fill) == 800 and count(store, Trade) == 800
    assert count(store, Signal) == 800 and count(store, SystemStatus) == 800
    with store.session() as s:
        closed = s.scalar(
            select(func.count()).select_from(Trade).where(Trade.status == TradeStatus.CLOSED)
        )
        executed = s.scalar(
            select(func.count()).select_from(Signal).where(Signal.status == SignalStatus.EXECUTED)
        )
    assert closed == 400 and executed == 400
    assert not (tmp_path / "spool" / "spill.jsonl").exists()


def test_events_survive_an_unusable_database_and_spill(
    empty_url: str, tmp_path: Path, make_writer: MakeWriter
) -> None:
    # The schema is missing (every write fails) until migrations run mid-way.
    store = Store(empty_url)
    try:
        writer = make_writer(
            store, tmp_path / "spool", batch_size=20, max_memory=50, backoff_max=0.2
        )
        writer.submit_many([status(f"a{i}", T0 + i) for i in range(30)])
        wait_for(lambda: writer.stats().retries >= 2)
        writer.submit_many([status(f"b{i}", T0 + 100 + i) for i in range(170)])
        stats = writer.stats()
        assert not stats.connected and stats.last_error
        # During the outage everything waits on disk, in order (a crash now loses nothing).
        assert stats.backlog == 200 and stats.spilled == 200 and stats.in_memory == 0
        lines = (tmp_path / "spool" / "spill.jsonl").read_text().splitlines()
        assert [json.loads(x)["data"]["status_uid"] for x in lines] == [
            f"a{i}" for i in range(30)
        ] + [f"b{i}" for i in range(170)]

        upgrade(empty_url)
        assert writer.flush(60)
        stats = writer.close()
        assert stats.backlog == 0 and stats.written == 200 and stats.connected
        assert count(store, SystemStatus) == 200
        with store.session() as s:
            order = s.scalars(select(SystemStatus.status_uid).order_by(SystemStatus.id)).all()
            backlogs = s.scalars(select(SystemStatus.store_backlog).order_by(SystemStatus.id)).all()
        assert order == [f"a{i}" for i in range(30)] + [f"b{i}" for i in range(170)]
        assert backlogs[0] == 200  # the backlog is visible in the status rows
        assert not (tmp_path / "spool" / "spill.jsonl").exists()
    finally:
        store.dispose()


def test_close_during_an_outage_spills_and_the_next_writer_replays(
    empty_url: str, tmp_path: Path, make_writer: MakeWriter
) -> None:
    store = Store(empty_url)
    try:
        writer = make_writer(
            store, tmp_path / "spool", batch_size=10, max_memory=40, backoff_max=0.1
        )
        writer.submit_many([status(f"x{i}", T0 + i) for i in range(100)])
        wait_for(lambda: writer.stats().retries >= 1)
        stats = writer.close(timeout=0.3)
        assert stats.backlog == 100 and stats.written == 0
        with pytest.raises(StoreError):
            writer.submit(status("late", T0))
        lines = (tmp_path / "spool" / "spill.jsonl").read_text().splitlines()
        assert [json.loads(x)["data"]["status_uid"] for x in lines] == [f"x{i}" for i in range(100)]

        upgrade(empty_url)
        with make_writer(store, tmp_path / "spool") as again:
            assert again.stats().spilled == 100
            assert again.flush(30)
        assert count(store, SystemStatus) == 100
        assert not (tmp_path / "spool" / "spill.jsonl").exists()
    finally:
        store.dispose()


def test_a_refused_event_is_dead_lettered_and_the_rest_written(
    store: Store, account: tuple[int, int], tmp_path: Path, make_writer: MakeWriter
) -> None:
    user, acct = account
    events: list[Record] = [fill(f"ok{i}", user, acct, T0 + i) for i in range(10)]
    events.insert(4, fill("orphan", 999_999, acct, T0))  # unknown user: a foreign-key violation
    with make_writer(store, tmp_path / "spool", batch_size=100) as writer:
        writer.submit_many(events)
        assert writer.flush(30)
        stats = writer.stats()
    assert stats.dead_letters == 1 and stats.written == 10
    assert count(store, Fill) == 10
    dead = [
        json.loads(x) for x in (tmp_path / "spool" / "dead-letter.jsonl").read_text().splitlines()
    ]
    assert [d["event"]["data"]["fill_uid"] for d in dead] == ["orphan"]
    assert dead[0]["error"]


def test_a_torn_last_spill_line_is_quarantined(
    store: Store, account: tuple[int, int], tmp_path: Path, make_writer: MakeWriter
) -> None:
    user, acct = account
    spool = tmp_path / "spool"
    spool.mkdir()
    good = [record_to_json(fill(f"f{i}", user, acct, T0 + i)) for i in range(3)]
    # The previous process died in the middle of writing the fourth line.
    (spool / "spill.jsonl").write_text("\n".join(good) + "\n" + good[0][:25])
    with make_writer(store, spool) as writer:
        writer.submit(fill("after", user, acct, T0 + 99))  # appended after the torn line
        assert writer.flush(30)
        assert writer.stats().dead_letters == 1
    assert count(store, Fill) == 4
    assert (spool / "dead-letter.jsonl").read_text() == good[0][:25] + "\n"


def test_writer_refuses_what_is_not_a_record(
    store: Store, tmp_path: Path, make_writer: MakeWriter
) -> None:
    with make_writer(store, tmp_path / "spool") as writer, pytest.raises(DataError):
        writer.submit({"fill_uid": "x"})  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        make_writer(store, tmp_path / "spool", batch_size=10, max_memory=5)


def test_writer_from_asyncio(
    store: Store, account: tuple[int, int], tmp_path: Path, make_writer: MakeWriter
) -> None:
    user, acct = account

    async def run(writer: StoreWriter) -> bool:
        for i in range(50):
            writer.submit(fill(f"a{i}", user, acct, T0 + i))
            await asyncio.sleep(0)
        return await writer.aflush(30)

    with make_writer(store, tmp_path / "spool") as writer:
        assert asyncio.run(run(writer))
    with store.session() as s:
        assert s.scalar(select(func.sum(Fill.fee))) == Decimal("0.32500062") * 50


def test_a_killed_writer_process_is_a_failed_write_retried_in_a_new_one(
    store: Store, account: tuple[int, int], tmp_path: Path
) -> None:
    user, acct = account
    with StoreWriter(store, tmp_path / "spool", out_of_process=True, backoff_max=0.1) as writer:
        committer: Any = writer._committer
        writer.submit_many([fill(f"a{i}", user, acct, T0 + i) for i in range(5)])
        assert writer.flush(30)
        assert committer.started == 1 and committer.pid not in (None, os.getpid())
        os.kill(committer.pid, os_signal.SIGKILL)
        writer.submit_many([fill(f"b{i}", user, acct, T0 + 10 + i) for i in range(5)])
        assert writer.flush(30)
        stats = writer.stats()
    assert committer.started == 2 and stats.retries >= 1
    assert stats.written == 10 and stats.dead_letters == 0 and stats.backlog == 0
    assert count(store, Fill) == 10
    assert committer.pid is None  # the child exits with the writer


def test_an_in_memory_sqlite_store_cannot_be_written_from_a_process(tmp_path: Path) -> None:
    from quantum.errors import ConfigError

    store = Store("sqlite://")
    try:
        with pytest.raises(ConfigError, match="in-memory"):
            StoreWriter(store, tmp_path / "spool", out_of_process=True)
    finally:
        store.dispose()


def test_committed_version_moves_only_for_the_kinds_committed(
    store: Store, account: tuple[int, int], tmp_path: Path, make_writer: MakeWriter
) -> None:
    from quantum.store.records import FillRecord, SignalRecord, TradeRecord

    user, acct = account
    with make_writer(store, tmp_path / "spool") as writer:
        assert writer.committed_version(TradeRecord) == 0
        writer.submit(fill("f1", user, acct, T0))
        assert writer.flush(30)
        after_fill = writer.committed_version(FillRecord)
        assert after_fill > 0
        assert writer.committed_version(TradeRecord, SignalRecord) == 0
        writer.submit(open_trade("t1", user, acct, T0))
        assert writer.flush(30)
        # The trade is in the store once its version has moved: a reader that saw the old
        # version read before it and must read again.
        assert writer.committed_version(TradeRecord) > after_fill
        assert writer.committed_version(FillRecord) == after_fill
        assert writer.committed_version(FillRecord, TradeRecord) == writer.committed_version(
            TradeRecord
        )
        assert count(store, Trade) == 1


def test_the_writer_process_runs_at_a_lower_cpu_priority(
    store: Store, account: tuple[int, int], tmp_path: Path
) -> None:
    user, acct = account
    with StoreWriter(store, tmp_path / "spool", out_of_process=True) as writer:
        writer.submit(fill("n1", user, acct, T0))
        assert writer.flush(30)
        child = writer._committer.pid  # type: ignore[attr-defined]
        assert child is not None
        # The engine loop and its pushes come first when the cores are busy (committer.py).
        expected = min(19, os.getpriority(os.PRIO_PROCESS, 0) + 5)  # 19: the lowest priority
        assert os.getpriority(os.PRIO_PROCESS, child) == expected
