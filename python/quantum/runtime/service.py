"""The runtime: feed → per-account engines → store writer → event bus, on one asyncio loop.

Everything that touches an engine runs on the loop's thread (the engines are not shared across
threads), so API actions are plain method calls from async route handlers. The store writer is the
only other thread; ``submit`` never blocks on the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import logging
import math
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import numpy as np
from sqlalchemy import select

from quantum.engine import EngineConfig, RiskConfig
from quantum.errors import DataError, OrderError, OrderOutcomeUnknown
from quantum.exchanges.common.live_broker import LiveBroker, LiveOrderResult
from quantum.runtime.accounts import AccountEngine, PendingSignal, d8, new_uid, q8
from quantum.runtime.bus import EventBus
from quantum.runtime.equity_curve import EquityCurve
from quantum.runtime.feeds import Chunk, Feed
from quantum.runtime.latency import LatencyWindow
from quantum.store import (
    AccountMode,
    EngineStateRecord,
    EquityRecord,
    ExchangeType,
    MarketSnapshotRecord,
    Record,
    SignalRecord,
    SignalStatus,
    StatusRecord,
    Store,
    StoreWriter,
    load_engine_state,
    reset_kill_switch,
)
from quantum.store.models import Account, Exchange, MarketSnapshot, Signal, User
from quantum.store.repositories.accounts import create_account
from quantum.store.repositories.equity import equity_points
from quantum.store.repositories.market import latest_market

__all__ = [
    "Runtime",
    "RuntimeOptions",
    "UnresolvedOrder",
    "group_rejections",
    "risk_level",
]

log = logging.getLogger(__name__)

_TICK_ARGS = (
    "ts_event",
    "ts_recv",
    "symbol",
    "price",
    "bid",
    "ask",
    "bid_qty",
    "ask_qty",
    "volume",
    "buy_volume",
    "sell_volume",
    "open",
    "high",
    "low",
    "close",
    "liq_volume",
    "liq_side",
    "funding_rate",
    "open_interest",
)
#: What a market view keeps of its newest tick (when the tick has it: finite).
_MARKET_FIELDS = ("price", "bid", "ask", "bid_qty", "ask_qty", "funding_rate", "open_interest")
_PAPER = "paper"
_UNSTORED = frozenset({"mark", "funding", "signal_id"})
_MINUTE_NS = 60_000_000_000
_DAY_MINUTES = 1440


@dataclass(frozen=True)
class RuntimeOptions:
    """Knobs of the runtime (defaults suit the dashboard)."""

    #: Accounts signal only unless automated; a long-running session keeps no journal.
    engine_config: EngineConfig = field(
        default_factory=lambda: EngineConfig(auto_execute=False, journal=False)
    )
    status_interval_s: float = 1.0
    tick_sample_s: float = 0.1
    signal_ttl_s: float = 300.0
    state_save_interval_s: float = 5.0
    queue_size: int = 1024
    history_points: int = 2000
    #: How often live orders of unknown outcome are looked up again on the venue (0 = never).
    reconcile_interval_s: float = 5.0
    #: Seconds between stored market snapshots (each symbol whose market moved); 0 = none.
    snapshot_interval_s: float = 1.0
    #: Points of each account's equity curve the API serves from memory (it holds up to twice
    #: as many); a request for more reads the store.
    equity_curve_points: int = 1000


@dataclass(frozen=True)
class UnresolvedOrder:
    """A live order whose outcome the venue has not confirmed yet (never resent)."""

    user_id: int
    client_order_id: str
    symbol: str
    #: An entry (the paper mirror already took it) or a close (the mirror waits for the venue).
    kind: Literal["entry", "close"]


def risk_level(drawdown: float, limit: float) -> str:
    """Risk level from drawdown / limit: < 25 % Low, < 50 % Medium, < 75 % High, else Critical."""
    ratio = drawdown / limit if limit > 0 else 1.0
    if ratio < 0.25:
        return "Low"
    if ratio < 0.5:
        return "Medium"
    if ratio < 0.75:
        return "High"
    return "Critical"


@dataclass
class _Market:
    price: float = math.nan
    bid: float = math.nan
    ask: float = math.nan
    bid_qty: float = math.nan
    ask_qty: float = math.nan
    funding_rate: float = math.nan
    open_interest: float = math.nan
    #: ``ts_recv`` and ``ts_event`` of the newest tick seen (0 = none yet).
    ts: int = 0
    ts_event: int = 0
    #: ``ts_event`` of the last stored snapshot (a market that has not moved is not stored again).
    snapshot_ts_event: int = 0
    last_pushed: int = 0
    volume_minutes: deque[tuple[int, float]] = field(default_factory=deque)
    history: deque[tuple[int, float]] = field(default_factory=lambda: deque(maxlen=2000))

    def add_volume(self, ts: int, volume: float) -> None:
        minute = ts // _MINUTE_NS
        if self.volume_minutes and self.volume_minutes[-1][0] == minute:
            self.volume_minutes[-1] = (minute, self.volume_minutes[-1][1] + volume)
        else:
            self.volume_minutes.append((minute, volume))
        while self.volume_minutes and self.volume_minutes[0][0] <= minute - _DAY_MINUTES:
            self.volume_minutes.popleft()

    @property
    def volume_24h(self) -> float:
        return sum(v for _, v in self.volume_minutes)


def _num(value: float) -> str | None:
    return None if not math.isfinite(value) else d8(value)


def _amount(value: float) -> Decimal | None:
    return None if not math.isfinite(value) else q8(value)


class Runtime:
    """The paper-trading runtime of the service (one per process)."""

    def __init__(
        self,
        store: Store,
        writer: StoreWriter,
        feed: Feed,
        options: RuntimeOptions | None = None,
        bus: EventBus | None = None,
        automation_path: Path | None = None,
    ) -> None:
        self.store = store
        self.writer = writer
        self.feed = feed
        self.options = options or RuntimeOptions()
        self.bus = bus or EventBus(self.options.queue_size)
        self.config = self.options.engine_config
        self.symbols = tuple(feed.symbols)
        self.accounts: dict[int, AccountEngine] = {}
        #: Each account's equity curve (by account id), bounded, fed by the status tick.
        self.equity_curves: dict[int, EquityCurve] = {}
        self.running = True
        self.active = dict.fromkeys(self.symbols, True)
        self.ticks_processed = 0
        self.ticks_rejected = 0
        self.chunks = 0
        self.started_ns = time.time_ns()
        self.latency = {
            "feed_to_engine": LatencyWindow(),
            "engine_per_tick": LatencyWindow(),
            "tick_to_bus": LatencyWindow(),
        }
        self.markets = {
            s: _Market(history=deque(maxlen=self.options.history_points)) for s in self.symbols
        }
        self._tasks: list[asyncio.Task[None]] = []
        self._resume = asyncio.Event()
        self._resume.set()
        self._last_state_save = 0
        #: Accounts (user ids) trading live: their orders go to the venue through the broker.
        self.live: dict[int, LiveBroker] = {}
        #: Live orders whose outcome could not be confirmed. They are never resent: the runtime
        #: asks the venue again every ``reconcile_interval_s`` (:meth:`reconcile_unresolved`).
        self.unresolved: list[UnresolvedOrder] = []
        self.on_chunk: Callable[[Chunk], None] | None = None
        #: Accounts (user ids) whose strategies trade by themselves; the others get PENDING signals.
        self.automation_path = automation_path
        self.automated: set[int] = set()
        #: Rejection counts of each user's engines replaced by :meth:`_rebuild`, by reason.
        self._rejections_before: dict[int, dict[str, int]] = {}
        if automation_path is not None and automation_path.is_file():
            try:
                self.automated = {int(u) for u in json.loads(automation_path.read_text())}
            except (ValueError, TypeError) as exc:
                raise DataError(f"unreadable {automation_path}: {exc}") from None

    # ------------------------------------------------------------------ lifecycle

    def load_accounts(self) -> None:
        """A paper account and engine for every active user (created on first start)."""
        with self.store.session() as session:
            users = session.scalars(select(User).where(User.is_active.is_(True))).all()
            pairs = [(u.id, u.username) for u in users]
        for user_id, username in pairs:
            self.ensure_account(user_id, username)

    def ensure_account(self, user_id: int, username: str) -> AccountEngine:
        """The user's paper account engine, creating the account row on first use."""
        acct = self.accounts.get(user_id)
        if acct is not None:
            return acct
        with self.store.session() as session:
            row = session.scalars(
                select(Account).where(Account.user_id == user_id, Account.name == _PAPER)
            ).first()
            account_id = (
                row.id if row else create_account(session, user_id, _PAPER, AccountMode.PAPER).id
            )
            # The curve so far, read once per account: a restart goes on from it.
            held, stored = equity_points(
                session, user_id, account_id, points=2 * self.options.equity_curve_points
            )
        curve = EquityCurve(self.options.equity_curve_points)
        curve.seed(held, complete=len(held) == stored)
        self.equity_curves[account_id] = curve
        state = load_engine_state(self.store, account_id)
        acct = AccountEngine.create(
            user_id, account_id, username, self._config_for(user_id), self.symbols, state
        )
        self.accounts[user_id] = acct
        return acct

    async def start(self) -> None:
        """Load the accounts and start the feed loop and the periodic work (status, market
        snapshots, live-order reconciliation)."""
        self.load_accounts()
        self.ensure_exchange()
        self._tasks = [asyncio.create_task(self._feed_loop(), name="quantum-feed")]
        periodic: list[tuple[float, str, Callable[[], object]]] = [
            (self.options.status_interval_s, "status update", self.tick_status),
            (self.options.snapshot_interval_s, "market snapshot", self.snapshot_markets),
            (
                self.options.reconcile_interval_s,
                "live-order reconciliation",
                self.reconcile_unresolved,
            ),
        ]
        for interval_s, what, work in periodic:
            if interval_s > 0:  # 0 switches that work off
                self._tasks.append(
                    asyncio.create_task(self._every(interval_s, what, work), name=f"quantum {what}")
                )

    def ensure_exchange(self) -> None:
        """Register the feed's exchange id in the store if it is new (snapshots refer to it)."""
        with self.store.session() as session:
            if session.get(Exchange, self.feed.exchange) is None:
                session.add(
                    Exchange(
                        id=self.feed.exchange,
                        name=self.feed.exchange,
                        type=ExchangeType.SWAP,
                        active=False,
                        available=True,
                    )
                )

    async def stop(self) -> None:
        """Stop the loops, save every account's state and the markets, and flush the writer."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks = []
        self.save_states()
        if self.options.snapshot_interval_s > 0:
            self.snapshot_markets()
        # Sockets and HTTP sessions of the exchange feed and of live brokers close with us.
        closers = [getattr(self.feed, "aclose", None)]
        closers += [b.client.exchange.close for b in self.live.values()]
        for close in closers:
            if close is not None:
                with contextlib.suppress(Exception):
                    await close()
        await asyncio.to_thread(self.writer.flush, 10.0)

    def save_states(self) -> None:
        """Queue an engine-state snapshot of every account."""
        for acct in self.accounts.values():
            state = acct.engine.export_state()
            # The store keeps the fields recovery needs; the mark is re-learnt from the next tick.
            # Funding accrued on an open position is not part of the stored schema.
            state["positions"] = [
                {k: v for k, v in p.items() if k not in _UNSTORED} for p in state["positions"]
            ]
            self.writer.submit(EngineStateRecord(account_id=acct.account_id, state=state))
        self._last_state_save = time.time_ns()

    # ------------------------------------------------------------------ the hot path

    async def _feed_loop(self) -> None:
        try:
            async for chunk in self.feed.chunks():
                if not self._resume.is_set():
                    await self._resume.wait()
                    continue  # ticks that arrived while stopped are not traded on
                self.process(chunk)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("feed %s failed", self.feed.name)

    def process(self, chunk: Chunk) -> None:
        """Run one chunk of ticks through every account, then store and publish the results."""
        if not self.running:
            return
        n = len(chunk["ts_event"])
        if n == 0:
            return
        t0 = time.time_ns()
        sym = chunk["symbol"]
        if not all(self.active.values()):
            mask = np.array([self.active[s] for s in self.symbols])[sym.astype(np.int64)]
            chunk = {k: v[mask] for k, v in chunk.items()}
            n = int(mask.sum())
            if n == 0:
                return
        self.latency["feed_to_engine"].add(t0 - int(chunk["ts_recv"][0]))
        columns: list[list[Any]] = []
        for name in _TICK_ARGS:
            col = chunk.get(name)
            if col is None:
                columns.append([0 if name == "liq_side" else math.nan] * n)
            else:
                columns.append(col.tolist())
        # The market view and its display-sampled ``tick`` messages first: they do not depend on
        # the engine, and a tick's push to every client then waits for no account's work.
        self._update_markets(dict(zip(_TICK_ARGS, columns, strict=True)))
        records: list[Record] = []
        out: list[tuple[int, str, Any]] = []
        accounts = list(self.accounts.values())
        calls = [(a, a.engine.on_tick) for a in accounts]
        before = sum(a.engine.stats().get("ticks_rejected", 0) for a in accounts[:1])
        for row in zip(*columns, strict=True):
            for acct, on_tick in calls:
                events = on_tick(*row)
                if events:
                    msgs: list[tuple[str, Any]] = []
                    acct.handle(events, records, msgs)
                    out.extend((acct.user_id, t, d) for t, d in msgs)
        t1 = time.time_ns()
        self.latency["engine_per_tick"].add((t1 - t0) // n)
        self.ticks_processed += n
        if accounts:
            after = accounts[0].engine.stats().get("ticks_rejected", 0)
            self.ticks_rejected += max(0, after - before)
        self.chunks += 1
        if records:
            self.writer.submit_many(_latest_signal_states(records))
        for user_id, topic, data in _latest_signal_messages(out):
            if topic == "risk":
                data = self.risk(user_id)
            self.bus.publish(topic, data, user_id=user_id, symbol=_symbol_of(data))
        if self.on_chunk is not None:
            self.on_chunk(chunk)

    def _update_markets(self, cols: dict[str, list[Any]]) -> None:
        """Each symbol's market view from its newest tick in the chunk; a display-sampled
        ``tick`` message per symbol. Plain loops over the columns as lists: a chunk is a handful
        of ticks, where NumPy's per-call overhead cost more than the work."""
        now = time.time_ns()
        sample_ns = int(self.options.tick_sample_s * 1e9)
        last: dict[int, int] = {}
        volume: dict[int, float] = {}
        for i, (sid, vol) in enumerate(zip(cols["symbol"], cols["volume"], strict=True)):
            last[sid] = i
            if vol == vol:  # NaN (not provided) adds nothing
                volume[sid] = volume.get(sid, 0.0) + vol
        ts_recv = cols["ts_recv"]
        ts_event = cols["ts_event"]
        for sid in sorted(last):
            i = last[sid]
            name = self.symbols[sid]
            m = self.markets[name]
            for attr in _MARKET_FIELDS:
                value = cols[attr][i]
                if math.isfinite(value):
                    setattr(m, attr, value)
            m.ts = ts_recv[i]
            m.ts_event = ts_event[i]
            total = volume.get(sid, 0.0)
            if total:
                m.add_volume(m.ts, total)
            if now - m.last_pushed >= sample_ns:
                m.last_pushed = now
                m.history.append((m.ts, m.price))
                self.bus.publish(
                    "tick",
                    {
                        "exchange": self.feed.exchange,
                        "symbol": name,
                        "price": _num(m.price),
                        "bid": _num(m.bid),
                        "ask": _num(m.ask),
                        "ts": m.ts,
                    },
                    symbol=name,
                )
                self.latency["tick_to_bus"].add(time.time_ns() - m.ts)

    # ------------------------------------------------------------------ periodic work

    @staticmethod
    async def _every(interval_s: float, what: str, work: Callable[[], object]) -> None:
        """Run ``work`` (sync, or returning an awaitable) every ``interval_s``; a failure is
        logged and the loop carries on."""
        while True:
            await asyncio.sleep(interval_s)
            try:
                result = work()
                if inspect.isawaitable(result):
                    await result
            except Exception:
                log.exception("%s failed", what)

    async def reconcile_unresolved(self) -> int:
        """Ask the venue again about each live order whose outcome is unknown (by client order
        id; never resent) and bring the account's paper mirror in line; how many were settled.

        The mirror took an entry when it was sent and a close only when confirmed, so: an entry
        the venue never filled is withdrawn (or, if the mirror already filled it, closed); a close
        the venue did fill is closed in the mirror. An order still unknown stays listed.
        """
        settled = 0
        for order in list(self.unresolved):  # usually empty: then this costs nothing
            broker = self.live.get(order.user_id)
            if broker is None:
                continue  # live trading was switched off: the operator checks on the venue
            result = await broker.reconcile(order.client_order_id, order.symbol)
            if result.status == "unknown":
                continue
            self.unresolved.remove(order)
            settled += 1
            engine = self.account(order.user_id).engine
            done = result.status in ("filled", "open")
            if order.kind == "entry" and not done and not engine.cancel_pending_entry(order.symbol):
                if any(p["symbol"] == order.symbol for p in engine.positions()):
                    engine.submit_close(order.symbol, time.time_ns())
            elif order.kind == "close" and done:
                engine.submit_close(order.symbol, time.time_ns())
            log.warning(
                "live %s %s (%s) reconciled: %s",
                order.kind,
                order.client_order_id,
                order.symbol,
                result.status,
            )
        return settled

    def snapshot_markets(self) -> int:
        """Queue a stored snapshot of every market that moved since the last one; how many."""
        records: list[Record] = []
        for symbol, m in self.markets.items():
            if m.ts_event == 0 or m.ts_event == m.snapshot_ts_event:
                continue
            # A quote-only feed prints no trade: the snapshot's price is then the mid.
            price = m.price if math.isfinite(m.price) else (m.bid + m.ask) / 2
            if not math.isfinite(price):
                continue
            book = self._book(m)
            records.append(
                MarketSnapshotRecord(
                    exchange_id=self.feed.exchange,
                    symbol=symbol,
                    ts_event=m.ts_event,
                    ts_recv=m.ts,
                    price=q8(price),
                    volume_24h=q8(m.volume_24h) if m.volume_minutes else None,
                    funding_rate=_amount(m.funding_rate),
                    open_interest=_amount(m.open_interest),
                    bid=_amount(m.bid),
                    ask=_amount(m.ask),
                    bid_qty=_amount(m.bid_qty),
                    ask_qty=_amount(m.ask_qty),
                    book=book if book["bids"] or book["asks"] else None,
                )
            )
            m.snapshot_ts_event = m.ts_event
        if records:
            self.writer.submit_many(records)
        return len(records)

    @staticmethod
    def _book(m: _Market) -> dict[str, list[list[str]]]:
        bids = [[d8(m.bid), d8(m.bid_qty)]] if math.isfinite(m.bid * m.bid_qty) else []
        asks = [[d8(m.ask), d8(m.ask_qty)]] if math.isfinite(m.ask * m.ask_qty) else []
        return {"bids": bids, "asks": asks}

    def tick_status(self) -> None:
        """Publish and store the system status, per-user risk and P&L, expire stale signals."""
        now = time.time_ns()
        status = self.status()
        self.bus.publish("status", status, ts=now)
        self.writer.submit(
            StatusRecord(
                status_uid=new_uid("st"),
                ts=now,
                ticks_processed=status["ticks_processed"],
                ticks_rejected=status["ticks_rejected"],
                signals=status["signals"],
                trades=status["trades"],
                engine_state=status["engine_state"],
                latency_p50_ns=int(status["latency_us"]["p50"] * 1000),
                latency_p99_ns=int(status["latency_us"]["p99"] * 1000),
            )
        )
        ttl = int(self.options.signal_ttl_s * 1e9)
        records: list[Record] = []
        for acct in self.accounts.values():
            for uid, sig in list(acct.pending.items()):
                if now - sig.ts > ttl:
                    sig.status = SignalStatus.EXPIRED.value
                    acct.resolve(uid)
                    records.append(sig.record(acct.user_id, acct.account_id, now))
                    self.bus.publish(
                        "signal", sig.public(), user_id=acct.user_id, symbol=sig.symbol
                    )
            for sig in acct.expire_awaiting(now - ttl):
                records.append(sig.record(acct.user_id, acct.account_id, now))
                self.bus.publish("signal", sig.public(), user_id=acct.user_id, symbol=sig.symbol)
            for pos in acct.positions_public():
                self.bus.publish("position", pos, user_id=acct.user_id, symbol=pos["symbol"])
            self.bus.publish("risk", self.risk(acct.user_id), user_id=acct.user_id)
            rs = acct.engine.risk_state()
            equity = q8(acct.engine.equity)
            records.append(
                EquityRecord(
                    user_id=acct.user_id,
                    account_id=acct.account_id,
                    ts_event=now,
                    equity=equity,
                    cash=q8(rs.get("cash", equity)),
                    unrealized_pnl=q8(rs.get("unrealized_pnl", 0)),
                    peak_equity=q8(rs.get("peak_equity", equity)),
                )
            )
            self.equity_curves[acct.account_id].append(now, equity)
        if records:
            self.writer.submit_many(records)
        if now - self._last_state_save >= self.options.state_save_interval_s * 1e9:
            self.save_states()

    # ------------------------------------------------------------------ reads

    def engine_state(self) -> str:
        """``running``, ``stopped`` or ``halted`` (every account's kill switch is on)."""
        if not self.running:
            return "stopped"
        if self.accounts and all(
            a.engine.risk_state().get("halted") for a in self.accounts.values()
        ):
            return "halted"
        return "running"

    def status(self) -> dict[str, Any]:
        """The API's ``SystemStatus``."""
        p50, p99 = self.latency["tick_to_bus"].percentiles(50, 99)
        return {
            "engine_state": self.engine_state(),
            "feed_connected": bool(self.feed.connected),
            "feed": self.feed.name,
            "feed_status": self.feed_status(),
            "ticks_processed": self.ticks_processed,
            "ticks_rejected": self.ticks_rejected,
            "signals": sum(a.signals for a in self.accounts.values()),
            "trades": sum(a.trades for a in self.accounts.values()),
            "writer_backlog": self.writer.stats().backlog,
            "latency_us": {"p50": p50 / 1000, "p99": p99 / 1000},
            "uptime_s": (time.time_ns() - self.started_ns) / 1e9,
        }

    def feed_status(self) -> dict[str, Any] | None:
        """An exchange feed's connection, book validity, gaps and resyncs (``None`` for a
        replayed or synthetic feed, which has neither)."""
        status = getattr(self.feed, "status", None)
        return dict(status()) if callable(status) else None

    def equity_curve(self, user_id: int) -> EquityCurve | None:
        """The in-memory equity curve of the user's account (``None`` when the user has none)."""
        acct = self.accounts.get(user_id)
        return None if acct is None else self.equity_curves.get(acct.account_id)

    def account(self, user_id: int) -> AccountEngine:
        """The user's account; ``DataError`` when the user has none (unknown or inactive)."""
        acct = self.accounts.get(user_id)
        if acct is None:
            raise DataError(f"user {user_id} has no paper account")
        return acct

    def risk(self, user_id: int) -> dict[str, Any]:
        """The API's risk body of a user's account (fractions named ``*_fraction``)."""
        acct = self.account(user_id)
        rs = acct.engine.risk_state()
        limits = acct.engine.config.risk
        drawdown = float(rs.get("drawdown", 0.0))
        equity = q8(acct.engine.equity)
        peak = q8(rs.get("peak_equity", equity))
        return {
            "equity": d8(equity),
            "peak_equity": d8(peak),
            "drawdown_fraction": drawdown,
            "drawdown_amount": d8(max(peak - equity, Decimal(0))),
            "drawdown_limit_fraction": limits.max_drawdown,
            "risk_level": risk_level(drawdown, limits.max_drawdown),
            "halted": bool(rs.get("halted", False)),
            "halt_reason": rs.get("halt_reason"),
            "trades_today": int(rs.get("trades_today", 0)),
            "limits": limits.model_dump(),
            "positions": acct.positions_public(),
            "rejections": self.rejections(user_id),
        }

    def rejections(self, user_id: int) -> dict[str, dict[str, int]]:
        """What the user's engine refused since the service started, grouped by kind
        (:func:`group_rejections`); counts of engines replaced by :meth:`_rebuild` included."""
        acct = self.account(user_id)
        counts = dict(self._rejections_before.get(user_id, {}))
        for key, n in acct.engine.rejections().items():
            counts[key] = counts.get(key, 0) + int(n)
        return group_rejections(counts)

    def has_market(self, exchange: str, symbol: str) -> bool:
        """Whether the runtime has seen a tick of this stream since it started."""
        return (
            exchange == self.feed.exchange
            and symbol in self.markets
            and self.markets[symbol].ts > 0
        )

    def market(self, exchange: str, symbol: str) -> dict[str, Any]:
        """Latest ticker, funding, open interest and top of book; ``KeyError`` when unknown."""
        if exchange != self.feed.exchange or symbol not in self.markets:
            raise KeyError(f"{exchange}/{symbol}")
        m = self.markets[symbol]
        book = self._book(m)
        return {
            "exchange": exchange,
            "symbol": symbol,
            "price": _num(m.price),
            "bid": _num(m.bid),
            "ask": _num(m.ask),
            "funding_rate": _num(m.funding_rate),
            "volume_24h": d8(m.volume_24h) if m.volume_minutes else None,
            "open_interest": _num(m.open_interest),
            "ts": m.ts,
            "book": book,
        }

    def stored_market(self, exchange: str, symbol: str) -> dict[str, Any] | None:
        """The newest stored snapshot as the API's market body (None when there is none).

        What the API answers for a stream the runtime has no tick of yet, e.g. after a restart.
        Blocks on the database: call it off the event loop.
        """
        with self.store.session() as session:
            row = latest_market(session, exchange, symbol)
            if row is None:
                return None

            def text(value: Decimal | None) -> str | None:
                return None if value is None else d8(value)

            book = row.book or {}
            return {
                "exchange": exchange,
                "symbol": symbol,
                "price": d8(row.price),
                "bid": text(row.bid),
                "ask": text(row.ask),
                "funding_rate": text(row.funding_rate),
                "volume_24h": text(row.volume_24h),
                "open_interest": text(row.open_interest),
                "ts": row.ts_recv if row.ts_recv is not None else row.ts_event,
                "book": {"bids": book.get("bids", []), "asks": book.get("asks", [])},
            }

    def stored_market_history(self, exchange: str, symbol: str, limit: int) -> list[dict[str, Any]]:
        """The newest ``limit`` stored snapshots' prices, oldest first (blocks on the database)."""
        with self.store.session() as session:
            rows = session.execute(
                select(MarketSnapshot.ts_recv, MarketSnapshot.ts_event, MarketSnapshot.price)
                .where(MarketSnapshot.exchange_id == exchange, MarketSnapshot.symbol == symbol)
                .order_by(MarketSnapshot.ts_event.desc())
                .limit(limit)
            ).all()
        return [
            {"ts": recv if recv is not None else event, "price": d8(price)}
            for recv, event, price in reversed(rows)
        ]

    def market_history(self, exchange: str, symbol: str, limit: int) -> list[dict[str, Any]]:
        """The sampled price history (newest ``limit`` points, oldest first)."""
        if exchange != self.feed.exchange or symbol not in self.markets:
            raise KeyError(f"{exchange}/{symbol}")
        points = list(self.markets[symbol].history)[-limit:]
        return [{"ts": ts, "price": _num(p)} for ts, p in points]

    # ------------------------------------------------------------------ actions

    def pending_signal(self, user_id: int, uid: str) -> PendingSignal | None:
        """A pending signal of the user, or None."""
        return self.account(user_id).pending.get(uid)

    def signal_known(self, user_id: int, uid: str) -> bool:
        """Whether the user has a (possibly resolved) signal with this id: one resolved lately
        (perhaps not stored yet), or one in the store."""
        if uid in self.account(user_id).resolved:
            return True
        with self.store.session() as session:
            found = session.scalars(
                select(Signal.id).where(Signal.user_id == user_id, Signal.signal_uid == uid)
            ).first()
        return found is not None

    def submit_order(
        self,
        user_id: int,
        symbol: str,
        side: str,
        qty: Decimal | None,
        leverage: float | None,
        signal: PendingSignal | None = None,
    ) -> dict[str, Any]:
        """A paper entry through DRB-Guard (fills on the next tick); raises ``RiskRejected``.
        An executed ``signal`` gives the trade its strategy and confidence."""
        if not self.running:
            raise OrderError("the engine is stopped")
        acct = self.account(user_id)
        if symbol not in self.symbols:
            raise DataError(f"unknown symbol {symbol!r}; known: {', '.join(self.symbols)}")
        if side not in ("LONG", "SHORT"):
            raise DataError("side must be LONG or SHORT")
        now = time.time_ns()
        got = acct.engine.submit_entry(
            symbol,
            side,
            now,
            qty=None if qty is None else float(qty),
            leverage=leverage,
            strategy=None if signal is None else signal.strategy,
            confidence=None if signal is None else signal.confidence,
        )
        return {"symbol": symbol, "side": side, "qty": d8(got)}

    async def place_order(
        self,
        user_id: int,
        symbol: str,
        side: str,
        qty: Decimal | None,
        leverage: float | None,
        signal: PendingSignal | None = None,
    ) -> dict[str, Any]:
        """An entry for the user's account: paper (:meth:`submit_order`), or when the account
        trades live, DRB-Guard then one real market order through its :class:`LiveBroker`.

        A live refusal raises its typed error (``RiskRejected``, an ``ExchangeError`` such as
        ``InsufficientFunds``, ``AuthError``); an order the venue did not fill raises
        ``OrderError``; one whose outcome stays unknown after the lookup raises
        ``OrderOutcomeUnknown`` and is listed in :attr:`unresolved` (never resent).
        """
        broker = self.live.get(user_id)
        if broker is None:
            return self.submit_order(user_id, symbol, side, qty, leverage, signal)
        if not self.running:
            raise OrderError("the engine is stopped")
        acct = self.account(user_id)
        if symbol not in self.symbols:
            raise DataError(f"unknown symbol {symbol!r}; known: {', '.join(self.symbols)}")
        if side not in ("LONG", "SHORT"):
            raise DataError("side must be LONG or SHORT")
        if leverage is not None and leverage != int(leverage):
            raise DataError(f"live leverage must be a whole number, got {leverage}")
        broker.engine = acct.engine  # the account's engine is rebuilt when limits change
        result = await broker.submit_entry(
            symbol,
            "LONG" if side == "LONG" else "SHORT",
            qty=None if qty is None else float(qty),
            leverage=None if leverage is None else int(leverage),
            strategy=None if signal is None else signal.strategy,
            confidence=None if signal is None else signal.confidence,
        )
        return self._live_order(user_id, symbol, side, result, "entry")

    def _live_order(
        self,
        user_id: int,
        symbol: str,
        side: str,
        result: LiveOrderResult,
        kind: Literal["entry", "close"],
    ) -> dict[str, Any]:
        ack = result.ack
        if result.status in ("filled", "open"):
            return {
                "symbol": symbol,
                "side": side,
                "qty": d8(result.qty if result.qty is not None else 0),
                "live": {
                    "status": result.status,
                    "client_order_id": result.client_order_id,
                    "order_id": None if ack is None else ack.order_id,
                    "filled": None if ack is None or ack.filled is None else d8(ack.filled),
                    "average": None if ack is None or ack.average is None else d8(ack.average),
                    "reconciled": result.reconciled,
                },
            }
        cid = result.client_order_id
        if result.status == "unknown":
            self.unresolved.append(UnresolvedOrder(user_id, cid or "", symbol, kind))
            raise OrderOutcomeUnknown(
                f"the outcome of live order {cid} ({symbol}) is unknown and the lookup failed "
                f"({result.error}); it was not resent: check it on the venue"
            )
        if result.status == "not_filled":
            raise OrderError(f"the venue did not fill live order {cid} ({symbol})")
        if result.error is not None:
            raise result.error
        raise OrderError(f"live order {cid} ({symbol}) ended {result.status}")

    async def execute_signal(self, user_id: int, uid: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """Execute a pending signal (paper, or live when the account trades live); a refusal
        marks it REJECTED and re-raises (``RiskRejected`` or the venue's typed error)."""
        acct = self.account(user_id)
        sig = acct.pending.get(uid)
        if sig is None:
            raise KeyError(uid)
        now = time.time_ns()
        try:
            order = await self.place_order(user_id, sig.symbol, sig.side, None, None, sig)
        except OrderOutcomeUnknown:
            # The order may be on the venue: the signal was acted on, whatever came of it.
            self._resolve_signal(acct, sig, SignalStatus.EXECUTED, now)
            raise
        except Exception:
            if self.running:
                self._resolve_signal(acct, sig, SignalStatus.REJECTED, now)
            raise
        self._resolve_signal(acct, sig, SignalStatus.EXECUTED, now)
        acct.last_entry[sig.symbol] = (sig.confidence, sig.strategy)
        return order, sig.public()

    def _resolve_signal(
        self, acct: AccountEngine, sig: PendingSignal, status: SignalStatus, now: int
    ) -> None:
        sig.status = status.value
        acct.resolve(sig.uid)
        self.writer.submit(sig.record(acct.user_id, acct.account_id, now))
        self.bus.publish("signal", sig.public(), user_id=acct.user_id, symbol=sig.symbol)

    async def close(self, user_id: int, symbol: str) -> dict[str, Any] | None:
        """Close the user's position (paper: on its next tick; live: a reduce-only order on the
        venue first). ``KeyError`` if there is none; live failures raise their typed error."""
        broker = self.live.get(user_id)
        if broker is None:
            self.close_position(user_id, symbol)
            return None
        acct = self.account(user_id)
        pos = next((p for p in acct.engine.positions() if p["symbol"] == symbol), None)
        if pos is None:
            raise KeyError(symbol)
        broker.engine = acct.engine
        result = await broker.submit_close(symbol)
        return self._live_order(user_id, symbol, str(pos["side"]), result, "close")

    def enable_live(self, user_id: int, broker: LiveBroker) -> None:
        """Route the user's orders to the venue through ``broker`` (after DRB-Guard)."""
        self.account(user_id)
        self.live[user_id] = broker

    def disable_live(self, user_id: int) -> LiveBroker | None:
        """Back to paper for the user; returns the broker that was in use, if any."""
        return self.live.pop(user_id, None)

    def close_position(self, user_id: int, symbol: str) -> None:
        """Close the user's position in ``symbol`` on its next tick; ``KeyError`` if none."""
        acct = self.account(user_id)
        if not any(p["symbol"] == symbol for p in acct.engine.positions()):
            raise KeyError(symbol)
        acct.engine.submit_close(symbol, time.time_ns())

    def set_running(self, running: bool) -> dict[str, Any]:
        """Start or stop the engine (stopped: ticks are not traded on)."""
        self.running = running
        if running:
            self._resume.set()
        else:
            self._resume.clear()
        return self.status()

    def set_stream(self, exchange: str, symbol: str, running: bool) -> dict[str, Any]:
        """Start or stop one symbol's stream; ``KeyError`` for a stream this feed does not carry."""
        if exchange != self.feed.exchange or symbol not in self.active:
            raise KeyError(f"{exchange}/{symbol}")
        self.active[symbol] = running
        return {"exchange": exchange, "symbol": symbol, "running": running}

    def reset_kill_switches(self) -> None:
        """Lift every account's DRB-Guard halt (engine and store)."""
        for acct in self.accounts.values():
            acct.engine.reset_halt()
            reset_kill_switch(self.store, acct.account_id)
            self.bus.publish("risk", self.risk(acct.user_id), user_id=acct.user_id)

    def _config_for(self, user_id: int) -> EngineConfig:
        auto = user_id in self.automated or self.options.engine_config.auto_execute
        if auto == self.config.auto_execute:
            return self.config
        return self.config.model_copy(update={"auto_execute": auto})

    def automation_chosen(self) -> bool:
        """Whether an automation choice is stored (``automation.json`` exists)."""
        return self.automation_path is not None and self.automation_path.is_file()

    def automate_by_default(self, user_ids: Iterable[int]) -> None:
        """Let the strategies trade these accounts while no choice is stored (a fresh start).

        Call it before :meth:`start`. Nothing is written: the first :meth:`set_automated`
        stores the whole set, and from then on the stored choice wins.
        """
        if not self.automation_chosen():
            self.automated.update(user_ids)

    def is_automated(self, user_id: int) -> bool:
        """Whether the strategies trade the user's account themselves."""
        return self.account(user_id).engine.config.auto_execute

    def set_automated(self, user_id: int, enabled: bool) -> bool:
        """Let the strategies trade the user's account themselves (or only signal); persisted."""
        self.account(user_id)
        if enabled:
            self.automated.add(user_id)
        else:
            self.automated.discard(user_id)
        if self.automation_path is not None:
            self.automation_path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.automation_path.with_suffix(".tmp")
            tmp.write_text(json.dumps(sorted(self.automated)))
            tmp.replace(self.automation_path)
        self._rebuild()
        return enabled

    def set_limits(self, limits: RiskConfig) -> None:
        """New DRB-Guard limits for every account (engines rebuilt from their exported state)."""
        self.config = self.config.model_copy(update={"risk": limits})
        self._rebuild()

    def _rebuild(self) -> None:
        for user_id, acct in list(self.accounts.items()):
            config = self._config_for(user_id)
            if acct.engine.config == config:
                continue
            state = acct.engine.export_state()
            fresh = AccountEngine.create(
                acct.user_id, acct.account_id, acct.username, config, self.symbols, state
            )
            fresh.pending = acct.pending
            fresh.open_trades = acct.open_trades
            fresh.last_entry = acct.last_entry
            fresh.signals, fresh.trades = acct.signals, acct.trades
            # The new engine counts its refusals from zero: keep the old engine's.
            carried = self._rejections_before.setdefault(user_id, {})
            for key, n in acct.engine.rejections().items():
                carried[key] = carried.get(key, 0) + int(n)
            self.accounts[user_id] = fresh
            self.bus.publish("risk", self.risk(user_id), user_id=user_id)


#: Which group of the API's ``rejections`` each kind of reason (``kind:reason``) counts in.
_REJECTION_GROUPS = {"tick": "ticks", "signal": "signals", "risk": "orders"}


def group_rejections(counts: dict[str, int]) -> dict[str, dict[str, int]]:
    """The engine's ``kind:reason`` counts as the API's groups: ``tick:`` (the sanitizer) →
    ``ticks``, ``signal:`` (signals not acted on) → ``signals``, ``risk:`` (DRB-Guard and sizing)
    → ``orders``, keyed by reason; any other kind goes to ``other`` under its full name."""
    out: dict[str, dict[str, int]] = {"ticks": {}, "signals": {}, "orders": {}, "other": {}}
    for key, n in counts.items():
        kind, sep, reason = key.partition(":")
        group = _REJECTION_GROUPS.get(kind) if sep and reason else None
        if group is None:
            out["other"][key] = out["other"].get(key, 0) + int(n)
        else:
            out[group][reason] = out[group].get(reason, 0) + int(n)
    return out


def _symbol_of(data: Any) -> str | None:
    if isinstance(data, dict):
        value = data.get("symbol")
        return value if isinstance(value, str) else None
    return None


def _latest_signal_states(records: list[Record]) -> list[Record]:
    """``records`` with only the last state of each signal.

    A pending signal is refreshed in place on every tick its strategy repeats it, and the ticks
    of one chunk arrived together (one ``ts_recv``): the earlier states within the chunk are
    superseded before anyone could see them. The store upserts by ``signal_uid``, so writing the
    last one stores the same final row with a fraction of the writes. Other records are kept, in
    order.
    """
    last: dict[str, int] = {}
    for i, rec in enumerate(records):
        if isinstance(rec, SignalRecord):
            last[rec.signal_uid] = i
    if len(last) == sum(isinstance(rec, SignalRecord) for rec in records):
        return records
    return [
        rec
        for i, rec in enumerate(records)
        if not isinstance(rec, SignalRecord) or last[rec.signal_uid] == i
    ]


def _latest_signal_messages(out: list[tuple[int, str, Any]]) -> list[tuple[int, str, Any]]:
    """``out`` with only the last ``signal`` message of each signal id and user (see
    :func:`_latest_signal_states`: clients replace a signal by id, so the earlier ones of the
    chunk would be overwritten at once)."""
    last: dict[tuple[int, str], int] = {}
    for i, (user_id, topic, data) in enumerate(out):
        if topic == "signal":
            last[(user_id, data["id"])] = i
    return [
        item
        for i, item in enumerate(out)
        if item[1] != "signal" or last[(item[0], item[2]["id"])] == i
    ]
