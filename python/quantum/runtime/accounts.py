"""One account's engine and the bookkeeping the runtime keeps beside it.

The core engine is the paper broker: an accepted order fills on the symbol's next tick with the
core's fill model. This module turns the engine's events into store records and bus messages.
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from quantum import _core
from quantum.engine import Engine, EngineConfig
from quantum.store import (
    FillRecord,
    PositionRecord,
    Record,
    Side,
    SignalRecord,
    SignalStatus,
    TradeRecord,
    TradeStatus,
)

__all__ = ["AccountEngine", "PendingSignal", "new_uid"]

_PREFIX = os.urandom(4).hex()
_COUNTER = itertools.count(1)
_Q8 = Decimal("0.00000001")
#: Resolved signal ids kept in memory per account (far more than the store's write delay needs).
_RESOLVED_KEPT = 1024


def new_uid(kind: str) -> str:
    """A process-unique id (random per-process prefix + counter), short enough for the store."""
    return f"{kind}-{_PREFIX}-{next(_COUNTER)}"


def q8(value: Any) -> Decimal:
    """An exact amount with 8 decimals (floats go through their shortest repr)."""
    return Decimal(str(value)).quantize(_Q8)


def d8(value: Any) -> str:
    """``q8`` as the API's decimal string: always positional (``str`` would give ``0E-8``), and
    never a negative zero."""
    q = q8(value)
    return format(q.copy_abs() if q.is_zero() else q, "f")


@dataclass(slots=True)
class PendingSignal:
    """A signal waiting for its user to execute it."""

    uid: str
    symbol: str
    side: str
    price: Decimal
    confidence: float
    strategy: str
    reason: str
    ts: int
    status: str = "PENDING"

    def public(self) -> dict[str, Any]:
        """The API's ``Signal`` shape."""
        return {
            "id": self.uid,
            "symbol": self.symbol,
            "side": self.side,
            "price": str(self.price),
            "confidence": self.confidence,
            "strategy": self.strategy,
            "reason": self.reason,
            "status": self.status,
            "ts": self.ts,
        }

    def record(self, user_id: int, account_id: int, updated_ts: int) -> SignalRecord:
        """The store record of the signal's current state."""
        return SignalRecord(
            signal_uid=self.uid,
            user_id=user_id,
            account_id=account_id,
            symbol=self.symbol,
            side=Side(self.side),
            price=self.price,
            confidence=self.confidence,
            reason=self.reason[:255],
            ts_event=self.ts,
            updated_ts=updated_ts,
            status=SignalStatus(self.status),
            strategy=self.strategy,
        )


@dataclass(slots=True)
class _OpenTrade:
    uid: str
    confidence: float | None
    strategy: str | None


#: Signals a user can execute (automation off) wait as PENDING; the engine's other outcomes.
_REFUSED = {"rejected": "refused", "shadow": "refused", "ignored": "not acted on"}


@dataclass
class AccountEngine:
    """A user's paper account: engine, pending signals, open trades, last marks."""

    user_id: int
    account_id: int
    username: str
    engine: Engine
    pending: dict[str, PendingSignal] = field(default_factory=dict)
    open_trades: dict[str, _OpenTrade] = field(default_factory=dict)
    last_entry: dict[str, tuple[float | None, str | None]] = field(default_factory=dict)
    #: Accepted signals waiting for their order's fill, by the engine's signal id: EXECUTED
    #: when it fills, REJECTED if the kill switch cancels it, EXPIRED if it never fills.
    awaiting: dict[int, PendingSignal] = field(default_factory=dict)
    #: The latest not-acted-on signal per (symbol, strategy, side, reason): a strategy repeats
    #: its view on every bar while its condition holds, and one row per reason tells it all.
    ignored: dict[tuple[str, str, str, str], PendingSignal] = field(default_factory=dict)
    signals: int = 0
    trades: int = 0
    shadow_trades: int = 0
    #: Ids of signals resolved lately (executed, rejected, expired), oldest first: the store
    #: learns of them a moment later, and until then they must not look unknown.
    resolved: dict[str, None] = field(default_factory=dict)

    def resolve(self, uid: str) -> None:
        """Take a signal out of the pending ones and remember it was resolved."""
        self.pending.pop(uid, None)
        self.resolved[uid] = None
        if len(self.resolved) > _RESOLVED_KEPT:
            del self.resolved[next(iter(self.resolved))]

    @classmethod
    def create(
        cls,
        user_id: int,
        account_id: int,
        username: str,
        config: EngineConfig,
        symbols: tuple[str, ...],
        state: dict[str, Any] | None,
    ) -> AccountEngine:
        """A fresh engine, restored from ``state`` when the account has one stored."""
        engine = Engine(config, symbols)
        if state is not None:
            known = [p for p in state.get("positions", []) if p.get("symbol") in symbols]
            engine.restore_state({**state, "positions": known})
        return cls(user_id, account_id, username, engine)

    def position_public(self, p: dict[str, Any]) -> dict[str, Any]:
        """The API's ``Position`` shape from one of ``engine.positions()``."""
        mark = p.get("mark")
        entry = Decimal(str(p["entry_price"]))
        qty = Decimal(str(p["qty"]))
        current = q8(mark) if mark is not None else entry
        sign = 1 if p["side"] == "LONG" else -1
        upnl = p.get("unrealized_pnl")
        unrealized = q8(upnl) if upnl is not None else q8((current - entry) * qty * sign)
        return {
            "id": f"{self.account_id}:{p['symbol']}:{p['entry_ts']}",
            "symbol": p["symbol"],
            "side": p["side"],
            "size": d8(qty),
            "entry_price": d8(entry),
            "current_price": str(current),
            "unrealized_pnl": str(unrealized),
            "leverage": float(p.get("leverage", 1.0)),
            "liquidation_price": _opt(p.get("liquidation_price")),
            "take_profit": _opt(p.get("take_profit")),
            "stop_loss": _opt(p.get("stop_loss")),
            "opened_ts": int(p["entry_ts"]),
            "closed_ts": None,
        }

    def positions_public(self) -> list[dict[str, Any]]:
        """Open positions in the API's shape."""
        return [self.position_public(p) for p in self.engine.positions()]

    def position_record(self, p: dict[str, Any], now: int) -> PositionRecord:
        """The store record of an open position."""
        pub = self.position_public(p)
        conf, strat = self.last_entry.get(p["symbol"], (None, None))
        conf = p.get("confidence", conf)
        strat = p.get("strategy", strat)
        return PositionRecord(
            user_id=self.user_id,
            account_id=self.account_id,
            symbol=p["symbol"],
            side=Side(p["side"]),
            qty=Decimal(pub["size"]),
            entry_price=Decimal(pub["entry_price"]),
            opened_ts=int(p["entry_ts"]),
            updated_ts=now,
            leverage=float(p.get("leverage", 1.0)),
            current_price=Decimal(pub["current_price"]),
            unrealized_pnl=Decimal(pub["unrealized_pnl"]),
            liquidation_price=_dec(p.get("liquidation_price")),
            take_profit=_dec(p.get("take_profit")),
            stop_loss=_dec(p.get("stop_loss")),
            cost_basis=_dec(p.get("cost_basis")),
            entry_fee=_dec(p.get("entry_fee")),
            confidence=conf,
            strategy=strat,
        )

    def handle(
        self, events: tuple[Any, ...], records: list[Record], out: list[tuple[str, Any]]
    ) -> None:
        """Turn engine events into store ``records`` and ``(topic, data)`` bus messages."""
        for ev in events:
            if isinstance(ev, _core.SignalEvent):
                sig = self._signal(ev)
                records.append(sig.record(self.user_id, self.account_id, ev.ts_recv))
                out.append(("signal", sig.public()))
            elif isinstance(ev, _core.FillEvent):
                self._settle(ev.signal_id, SignalStatus.EXECUTED, None, ev.ts_recv, records, out)
                self._fill(ev, records, out)
            elif isinstance(ev, _core.TradeEvent):
                self._trade(ev, records, out)
            elif isinstance(ev, _core.OrderRejectedEvent):
                why = f"refused before its fill: {ev.reason}"
                self._settle(ev.signal_id, SignalStatus.REJECTED, why, ev.ts_recv, records, out)
            elif isinstance(ev, _core.ShadowTradeEvent):
                self.shadow_trades += 1
            elif isinstance(ev, _core.HaltedEvent):
                out.append(("risk", None))

    def _signal(self, ev: _core.SignalEvent) -> PendingSignal:
        """The signal's record as the engine decided it: PENDING for the user (automation off),
        PENDING until its fill (accepted), or REJECTED with the engine's reason."""
        symbol = self.engine.symbols[ev.symbol]
        self.signals += 1
        if ev.outcome == "ignored" and ev.outcome_reason == "manual_mode":
            sig = self._pending_like(symbol, ev.strategy, ev.side)
            if sig is not None:
                # A strategy repeats its signal on every bar while its condition holds. The user
                # has one decision to make, so the pending signal is refreshed in place (same id:
                # the store upserts it, the dashboard replaces it).
                self._refresh(sig, ev)
            else:
                sig = self._new_signal(symbol, ev, ev.reason)
            self.pending[sig.uid] = sig
            return sig
        if ev.outcome == "accepted":
            sig = self._new_signal(symbol, ev, ev.reason)
            self.awaiting[ev.id] = sig
            self.last_entry[symbol] = (sig.confidence, sig.strategy)
            return sig
        why = f"{ev.reason}; {_REFUSED.get(ev.outcome, ev.outcome)}: {ev.outcome_reason}"
        if ev.outcome == "shadow":
            why += " (followed as a shadow trade)"
        if ev.outcome == "ignored":
            key = (symbol, ev.strategy, ev.side, str(ev.outcome_reason))
            sig = self.ignored.get(key)
            if sig is not None:
                self._refresh(sig, ev)
                sig.reason = why
            else:
                sig = self.ignored[key] = self._new_signal(symbol, ev, why)
        else:
            sig = self._new_signal(symbol, ev, why)
        sig.status = SignalStatus.REJECTED.value
        return sig

    @staticmethod
    def _new_signal(symbol: str, ev: _core.SignalEvent, reason: str) -> PendingSignal:
        return PendingSignal(
            uid=new_uid("sig"),
            symbol=symbol,
            side=ev.side,
            price=q8(ev.price),
            confidence=float(ev.confidence),
            strategy=ev.strategy,
            reason=reason,
            ts=ev.ts_recv,
        )

    @staticmethod
    def _refresh(sig: PendingSignal, ev: _core.SignalEvent) -> None:
        sig.price = q8(ev.price)
        sig.confidence = float(ev.confidence)
        sig.reason = ev.reason
        sig.ts = ev.ts_recv

    def _settle(
        self,
        signal_id: int | None,
        status: SignalStatus,
        why: str | None,
        now: int,
        records: list[Record],
        out: list[tuple[str, Any]],
    ) -> None:
        """Resolves an accepted signal by what became of its order."""
        sig = None if signal_id is None else self.awaiting.pop(signal_id, None)
        if sig is None:
            return
        sig.status = status.value
        if why is not None:
            sig.reason = f"{sig.reason}; {why}"
        records.append(sig.record(self.user_id, self.account_id, now))
        out.append(("signal", sig.public()))

    def expire_awaiting(self, older_than_ns: int) -> list[PendingSignal]:
        """Accepted signals whose order never filled (cancelled by a flatten, or the feed
        stopped) before ``older_than_ns``: they end EXPIRED."""
        stale = [k for k, sig in self.awaiting.items() if sig.ts < older_than_ns]
        out = []
        for k in stale:
            sig = self.awaiting.pop(k)
            sig.status = SignalStatus.EXPIRED.value
            out.append(sig)
        return out

    def strategy_stats(self) -> list[dict[str, Any]]:
        """Each strategy's real and shadow trades and its Kelly estimate."""
        return self.engine.strategy_stats()

    def _pending_like(self, symbol: str, strategy: str, side: str) -> PendingSignal | None:
        # At most one pending signal per (symbol, strategy, side): a linear scan of a handful.
        for sig in self.pending.values():
            if sig.symbol == symbol and sig.strategy == strategy and sig.side == side:
                return sig
        return None

    def _fill(self, ev: _core.FillEvent, records: list[Record], out: list[tuple[str, Any]]) -> None:
        symbol = self.engine.symbols[ev.symbol]
        opening = ev.kind == "open"
        if opening:
            conf, strat = self.last_entry.get(symbol, (None, None))
            for p in self.engine.positions():
                if p["symbol"] == symbol:
                    conf, strat = p.get("confidence", conf), p.get("strategy", strat)
            self.open_trades[symbol] = _OpenTrade(new_uid("trd"), conf, strat)
        trade = self.open_trades.get(symbol)
        records.append(
            FillRecord(
                fill_uid=new_uid("fil"),
                user_id=self.user_id,
                account_id=self.account_id,
                symbol=symbol,
                side=ev.order_side,  # type: ignore[arg-type]
                qty=ev.qty,
                price=ev.price,
                fee=ev.fee,
                ts_event=ev.ts_event,
                ts_recv=ev.ts_recv,
                trade_uid=trade.uid if trade else None,
            )
        )
        out.append(
            (
                "fill",
                {
                    "symbol": symbol,
                    "side": ev.order_side,
                    "qty": str(ev.qty),
                    "price": str(ev.price),
                    "fee": str(ev.fee),
                    "kind": ev.kind,
                    "exit_reason": ev.exit_reason,
                    "ts": ev.ts_recv,
                },
            )
        )
        if opening:
            for p in self.engine.positions():
                if p["symbol"] == symbol:
                    rec = self.position_record(p, ev.ts_recv)
                    records.append(rec)
                    assert trade is not None
                    records.append(
                        TradeRecord(
                            trade_uid=trade.uid,
                            user_id=self.user_id,
                            account_id=self.account_id,
                            symbol=symbol,
                            side=rec.side,
                            qty=rec.qty,
                            entry_price=rec.entry_price,
                            entry_ts=rec.opened_ts,
                            fees=ev.fee,
                            confidence=trade.confidence,
                            strategy=trade.strategy,
                        )
                    )
                    out.append(("position", self.position_public(p)))
        else:
            out.append(("position", {"symbol": symbol, "closed": True}))

    def _trade(
        self, ev: _core.TradeEvent, records: list[Record], out: list[tuple[str, Any]]
    ) -> None:
        symbol = self.engine.symbols[ev.symbol]
        trade = self.open_trades.pop(symbol, None)
        uid = trade.uid if trade else new_uid("trd")
        self.trades += 1
        rec = TradeRecord(
            trade_uid=uid,
            user_id=self.user_id,
            account_id=self.account_id,
            symbol=symbol,
            side=Side(ev.side),
            qty=ev.qty,
            entry_price=ev.entry_price,
            entry_ts=ev.entry_ts,
            status=TradeStatus.CLOSED,
            fees=ev.fees,
            exit_price=ev.exit_price,
            exit_ts=ev.exit_ts,
            pnl=ev.pnl,
            pnl_pct=q8(ev.pnl_pct),
            exit_reason=ev.exit_reason,
            confidence=float(ev.confidence),
            strategy=ev.strategy,
        )
        records.append(rec)
        records.append(
            PositionRecord(
                user_id=self.user_id,
                account_id=self.account_id,
                symbol=symbol,
                side=rec.side,
                qty=rec.qty,
                entry_price=rec.entry_price,
                opened_ts=ev.entry_ts,
                updated_ts=ev.exit_ts,
                status=TradeStatus.CLOSED,
                current_price=ev.exit_price,
                unrealized_pnl=Decimal(0),
                closed_ts=ev.exit_ts,
            )
        )
        out.append(("trade", trade_public(rec)))
        out.append(("risk", None))


def trade_public(rec: TradeRecord | Any, row_id: Any = None) -> dict[str, Any]:
    """The API's ``Trade`` shape from a record or a store row."""
    return {
        "id": rec.trade_uid if row_id is None else row_id,
        "symbol": rec.symbol,
        "side": str(rec.side),
        "size": d8(rec.qty),
        "entry_price": d8(rec.entry_price),
        "exit_price": _opt(rec.exit_price),
        "pnl": _opt(rec.pnl),
        # The store's column is named pnl_pct; the value is a fraction of the cost basis.
        "pnl_fraction": _opt(rec.pnl_pct),
        "fees": d8(rec.fees),
        "status": str(rec.status),
        "entry_ts": rec.entry_ts,
        "exit_ts": rec.exit_ts,
        "exit_reason": rec.exit_reason,
        "confidence": rec.confidence,
        "strategy": rec.strategy,
    }


def _opt(value: Any) -> str | None:
    return None if value is None else d8(value)


def _dec(value: Any) -> Decimal | None:
    return None if value is None else q8(value)
