"""The live broker: DRB-Guard first, then one market order on the venue, never sent twice.

Live trading is off unless :class:`LiveSettings` ``enabled`` is set *and* the venue's config
holds an API key and secret; :func:`create_live_broker` refuses otherwise, so nothing can reach
a venue by default.

An entry goes through :meth:`quantum.Engine.submit_entry` first (DRB-Guard: caps, leverage,
halts, sizing). The engine is the broker's paper mirror: an approved entry is also queued there
and fills on the symbol's next tick. Only the approved quantity is sent, converted from base
units to the venue's size unit (contracts on OKX swaps). Venues that acknowledge an order without
its state (Bybit, OKX, Kraken answer with ids only) are asked for it once by client order id. Exchange failures are
returned as a typed error inside :class:`LiveOrderResult`; the caller's loop never sees a ccxt
exception. An order whose outcome is unknown (timeout or network failure while placing) is
reconciled by looking it up by its client order id; it is never resent. When the venue says the
order does not exist it is reported ``not_filled``; when even the lookup fails the result stays
``unknown`` and :meth:`LiveBroker.reconcile` can be called again later.

A close (:meth:`LiveBroker.submit_close`) sends a reduce-only market order for the engine's
position size on the opposite side first, and closes the paper mirror only once the venue has
taken the order, so a refused close leaves both sides still open.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from quantum.engine import Engine
from quantum.errors import (
    AuthError,
    ConfigError,
    OrderError,
    OrderOutcomeUnknown,
    QuantumError,
    RiskRejected,
)
from quantum.exchanges.common.config import VenueConfig
from quantum.exchanges.common.execution import ExecutionClient, OrderAck, PositionView, Side

__all__ = ["LiveBroker", "LiveOrderResult", "LiveSettings", "OrderStatus", "create_live_broker"]

OrderStatus = Literal["filled", "open", "not_filled", "rejected", "failed", "unknown"]

# ccxt unified order status -> what the broker reports.
_STATUS: Mapping[str, OrderStatus] = {
    "closed": "filled",
    "open": "open",
    "canceled": "not_filled",
    "expired": "not_filled",
    "rejected": "not_filled",
}


class LiveSettings(BaseModel):
    """Whether and how the live broker trades."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    enabled: bool = Field(default=False, description="send real orders (off by default)")
    symbols: dict[str, str] = Field(
        default_factory=dict,
        description="engine symbol name -> ccxt unified symbol, e.g. BTCUSDT -> BTC/USDT:USDT",
    )
    client_id_prefix: str = Field(default="q", pattern=r"^[A-Za-z0-9_-]{1,8}$")


@dataclass(frozen=True)
class LiveOrderResult:
    """What happened to one entry. ``qty`` is the approved quantity in base units and
    ``amount`` what was sent, in the venue's size unit; ``error`` holds the typed failure, if
    any; ``reconciled`` says the outcome came from a lookup after an unknown outcome."""

    status: OrderStatus
    client_order_id: str | None
    qty: Decimal | None
    ack: OrderAck | None = None
    error: QuantumError | None = None
    reconciled: bool = False
    amount: Decimal | None = None


def _status(ack: OrderAck) -> OrderStatus:
    if ack.filled is not None and ack.filled > 0:
        return "filled" if ack.status in (None, "closed") else "open"
    return _STATUS.get(ack.status or "", "unknown")


class LiveBroker:
    """Routes approved entries of an engine to one venue. Build with :func:`create_live_broker`."""

    def __init__(
        self,
        engine: Engine,
        client: ExecutionClient,
        settings: LiveSettings,
        *,
        new_client_id: Callable[[], str] | None = None,
        clock_ns: Callable[[], int] = time.time_ns,
    ) -> None:
        self.engine = engine
        self.client = client
        self.settings = settings
        # The client knows the venue's client-id format (OKX: alphanumeric; Kraken: 18 chars).
        self._new_id = new_client_id or (
            lambda: client.new_client_order_id(settings.client_id_prefix)
        )
        self._clock_ns = clock_ns

    def _unified(self, symbol: str) -> str:
        try:
            return self.settings.symbols[symbol]
        except KeyError:
            raise ConfigError(f"no venue symbol configured for {symbol!r}") from None

    async def submit_entry(
        self,
        symbol: str,
        side: Literal["LONG", "SHORT"],
        *,
        qty: float | None = None,
        leverage: int | None = None,
        strategy: str | None = None,
        confidence: float | None = None,
    ) -> LiveOrderResult:
        """DRB-Guard, then (leverage, then) one market order for the approved quantity. An
        executed signal's ``strategy`` and ``confidence`` go with the entry."""
        unified = self._unified(symbol)
        try:
            approved = self.engine.submit_entry(
                symbol,
                side,
                self._clock_ns(),
                qty=qty,
                leverage=None if leverage is None else float(leverage),
                strategy=strategy,
                confidence=confidence,
            )
        except RiskRejected as exc:
            return LiveOrderResult("rejected", None, None, error=exc)
        result = await self._place(symbol, unified, side, approved, leverage)
        if result.status in ("failed", "not_filled", "rejected"):
            # The venue has no such position: withdraw the paper mirror's entry too.
            self.engine.cancel_pending_entry(symbol)
        return result

    async def _place(
        self,
        symbol: str,
        unified: str,
        side: Literal["LONG", "SHORT"],
        approved: Decimal,
        leverage: int | None,
    ) -> LiveOrderResult:
        try:
            amount = await self.client.amount_from_base(unified, approved)
            if leverage is not None:
                await self.client.set_leverage(leverage, unified)
        except QuantumError as exc:
            return LiveOrderResult("failed", None, approved, error=exc)
        cid = self._new_id()
        order_side: Side = "buy" if side == "LONG" else "sell"
        try:
            ack = await self.client.place_market_order(unified, order_side, amount, cid)
        except OrderOutcomeUnknown as exc:
            result = await self.reconcile(cid, symbol, approved, cause=exc)
            return replace(result, amount=amount)
        except QuantumError as exc:
            return LiveOrderResult("failed", cid, approved, error=exc, amount=amount)
        if ack.status is None and ack.filled is None:
            # Accepted, state not said: ask once. A failed lookup leaves "unknown" with the ack,
            # to reconcile later; the order is never resent.
            try:
                ack = await self.client.fetch_order_by_client_id(cid, unified) or ack
            except QuantumError as exc:
                return LiveOrderResult("unknown", cid, approved, ack=ack, error=exc, amount=amount)
        return LiveOrderResult(_status(ack), cid, approved, ack=ack, amount=amount)

    async def submit_close(self, symbol: str) -> LiveOrderResult:
        """Close the engine's position in ``symbol`` with one reduce-only market order.

        The paper mirror closes (on its next tick) only when the venue filled or accepted the
        order; an unknown outcome is reconciled by client id first, never resent.
        """
        unified = self._unified(symbol)
        pos = next((p for p in self.engine.positions() if p["symbol"] == symbol), None)
        if pos is None:
            return LiveOrderResult(
                "rejected", None, None, error=OrderError(f"no open position in {symbol}")
            )
        qty = Decimal(str(pos["qty"]))
        side: Side = "sell" if pos["side"] == "LONG" else "buy"
        cid = self._new_id()
        try:
            ack = await self.client.place_market_order(unified, side, qty, cid, reduce_only=True)
        except OrderOutcomeUnknown as exc:
            result = await self.reconcile(cid, symbol, qty, cause=exc)
        except QuantumError as exc:
            return LiveOrderResult("failed", cid, qty, error=exc)
        else:
            result = LiveOrderResult(_status(ack), cid, qty, ack=ack)
        if result.status in ("filled", "open"):
            self.engine.submit_close(symbol, self._clock_ns())
        return result

    async def reconcile(
        self,
        client_order_id: str,
        symbol: str,
        qty: Decimal | None = None,
        *,
        cause: QuantumError | None = None,
    ) -> LiveOrderResult:
        """Find out what became of an order by its client id; never resends it."""
        try:
            ack = await self.client.fetch_order_by_client_id(client_order_id, self._unified(symbol))
        except QuantumError as exc:
            return LiveOrderResult("unknown", client_order_id, qty, error=exc, reconciled=True)
        if ack is None:
            return LiveOrderResult("not_filled", client_order_id, qty, error=cause, reconciled=True)
        return LiveOrderResult(_status(ack), client_order_id, qty, ack=ack, reconciled=True)

    async def cancel(self, order_id: str, symbol: str) -> QuantumError | None:
        """Cancel an open order; returns the typed error instead of raising it."""
        try:
            await self.client.cancel_order(order_id, self._unified(symbol))
        except QuantumError as exc:
            return exc
        return None

    async def positions(self) -> list[PositionView]:
        """The venue's open positions on the configured symbols (raises typed errors)."""
        return await self.client.fetch_positions(list(self.settings.symbols.values()))

    async def balance(self) -> dict[str, Decimal]:
        """The venue's total balances (raises typed errors)."""
        return await self.client.fetch_balance()


def create_live_broker(
    engine: Engine,
    client: ExecutionClient,
    config: VenueConfig,
    settings: LiveSettings,
    *,
    new_client_id: Callable[[], str] | None = None,
    clock_ns: Callable[[], int] = time.time_ns,
) -> LiveBroker:
    """A :class:`LiveBroker`, only when live trading is enabled and credentials are stored."""
    if not settings.enabled:
        raise ConfigError("live trading is disabled (LiveSettings.enabled is false)")
    if not config.has_credentials:
        raise AuthError("live trading needs an API key and secret in the venue config")
    if not settings.symbols:
        raise ConfigError("live trading needs at least one symbol mapping")
    return LiveBroker(engine, client, settings, new_client_id=new_client_id, clock_ns=clock_ns)
