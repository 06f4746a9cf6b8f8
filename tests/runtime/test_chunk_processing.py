"""One chunk through the runtime: a chunk's ticks give the same final state whatever the
chunking, with one stored write and one message per refreshed signal, and the market view holds
each symbol's newest tick."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select

from quantum.data import generate
from quantum.engine import EngineConfig, FeatureConfig
from quantum.runtime import ManualFeed, Runtime, RuntimeOptions
from quantum.runtime.bus import QueueSubscription
from quantum.store import Role, StoreWriter, open_store
from quantum.store.models import Signal
from quantum.store.repositories.users import create_user

SYMBOLS = ("BTCUSDT", "ETHUSDT")
TICKS = generate(3000, seed=5, symbols=SYMBOLS, tick_interval_ns=1_000_000)


@pytest.fixture
def make_runtime(tmp_path: Path) -> Iterator[Any]:
    """Runtimes on their own store, each with one manual-execution (pending signals) account."""
    made: list[tuple[Runtime, StoreWriter]] = []

    def make() -> Runtime:
        path = tmp_path / f"r{len(made)}"
        path.mkdir()
        store = open_store(f"sqlite:///{path / 'q.db'}")
        with store.session() as session:
            create_user(session, "trader", "trader-password-1", Role.ADMIN)
        writer = StoreWriter(store, path / "spool")
        # Features per tick: 3,000 ticks a millisecond apart make only three one-second bars.
        config = EngineConfig(auto_execute=False, features=FeatureConfig(bar_ns=0))
        options = RuntimeOptions(engine_config=config)
        rt = Runtime(store, writer, ManualFeed(SYMBOLS), options)
        rt.load_accounts()
        made.append((rt, writer))
        return rt

    yield make
    for rt, writer in made:
        writer.close()
        rt.store.dispose()


def _subscribe(rt: Runtime) -> QueueSubscription:
    sub = rt.bus.subscribe(next(iter(rt.accounts)))
    rt.bus.set_topics(sub, ["signal", "tick"], [])
    return sub


def _messages(sub: QueueSubscription) -> list[dict[str, Any]]:
    out = []
    while not sub.queue.empty():
        out.append(json.loads(sub.queue.get_nowait()))
    return out


def _chunks(size: int) -> Iterator[dict[str, Any]]:
    for pos in range(0, len(TICKS), size):
        yield {k: v[pos : pos + size] for k, v in TICKS.columns.items()}


def _pending(rt: Runtime) -> dict[tuple[str, str | None, str], tuple[Any, ...]]:
    (acct,) = rt.accounts.values()
    return {
        (s.symbol, s.strategy, s.side): (s.price, s.confidence, s.reason, s.ts)
        for s in acct.pending.values()
    }


def _stored(rt: Runtime) -> dict[tuple[str, str | None, str], tuple[Any, ...]]:
    assert rt.writer.flush(10.0)
    with rt.store.session() as session:
        rows = session.scalars(select(Signal)).all()
        return {
            (r.symbol, r.strategy, r.side.value): (r.price, r.confidence, r.reason, r.ts_event)
            for r in rows
        }


def test_chunking_changes_nothing_but_the_number_of_signal_writes(make_runtime: Any) -> None:
    by_tick, by_chunk = make_runtime(), make_runtime()
    sub_tick, sub_chunk = _subscribe(by_tick), _subscribe(by_chunk)
    for chunk in _chunks(1):
        by_tick.process(chunk)
    for chunk in _chunks(500):
        by_chunk.process(chunk)

    assert by_tick.ticks_processed == by_chunk.ticks_processed == len(TICKS)
    (acct,) = by_chunk.accounts.values()
    assert acct.signals > 100  # the strategies repeat their signals on many ticks
    # The same decisions: the same pending signals with the same final state, in memory and
    # in the store, whatever the chunking.
    assert _pending(by_chunk) == _pending(by_tick) and _pending(by_tick)
    assert _stored(by_chunk) == _stored(by_tick) == _pending(by_tick)

    # Within a chunk a refreshed signal is sent once, in its last state.
    per_chunk = [m for m in _messages(sub_chunk) if m["type"] == "signal"]
    per_tick = [m for m in _messages(sub_tick) if m["type"] == "signal"]
    assert len(per_chunk) < len(per_tick) <= acct.signals
    assert len(per_chunk) <= len(acct.pending) * (len(TICKS) // 500)
    last = {m["data"]["id"]: m["data"] for m in per_chunk}
    for sig in acct.pending.values():
        assert last[sig.uid] == sig.public()


def test_market_view_holds_each_symbols_newest_tick(make_runtime: Any) -> None:
    rt = make_runtime()
    sub = _subscribe(rt)
    chunk = next(_chunks(400))
    rt.process(chunk)
    sym = chunk["symbol"]
    ticks = [m["data"] for m in _messages(sub) if m["type"] == "tick"]
    assert [t["symbol"] for t in ticks] == list(SYMBOLS)  # one display sample per symbol
    for sid, name in enumerate(SYMBOLS):
        i = int(np.flatnonzero(sym == sid)[-1])
        m = rt.markets[name]
        for attr in ("price", "bid", "ask", "bid_qty", "ask_qty", "open_interest"):
            value = float(chunk[attr][i])
            if math.isfinite(value):  # a missing value keeps the market's previous one
                assert getattr(m, attr) == value
        assert m.ts == int(chunk["ts_recv"][i]) and m.ts_event == int(chunk["ts_event"][i])
        assert m.volume_24h == pytest.approx(float(np.nansum(chunk["volume"][sym == sid])))
        (sample,) = [t for t in ticks if t["symbol"] == name]
        assert sample["ts"] == m.ts and float(sample["price"]) == m.price


def test_a_chunks_tick_messages_go_out_before_its_account_messages(make_runtime: Any) -> None:
    # The display samples do not depend on the engine: publishing them first keeps every
    # account's work (signals, fills, the writer's records) out of a tick's push latency.
    rt = make_runtime()
    sub = _subscribe(rt)
    for chunk in _chunks(500):
        for market in rt.markets.values():
            market.last_pushed = 0  # due for a display sample (they are paced by wall time)
        rt.process(chunk)
        kinds = [m["type"] for m in _messages(sub)]
        assert "signal" in kinds and "tick" in kinds
        first_signal = kinds.index("signal")
        assert all(k == "tick" for k in kinds[:first_signal])
        assert "tick" not in kinds[first_signal:]
