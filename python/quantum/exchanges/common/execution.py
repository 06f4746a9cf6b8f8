"""Order placement through ccxt for the live broker, with typed errors and exact amounts.

The live broker (:mod:`quantum.exchanges.common.live_broker`) owns the decision to trade; this
client only sends market and limit orders, looks them up, cancels, sets leverage and reads
positions and balances for reconciliation. Every order carries a client order id in the format
the venue accepts, so an order whose outcome is unknown
(:class:`~quantum.errors.OrderOutcomeUnknown`) can be reconciled by looking it up instead of
being sent twice. Venues differ in how an order can be found by client id; the per-venue
subclasses override :meth:`ExecutionClient._find_by_client_id` where ccxt's ``fetch_order``
cannot do it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, ClassVar, Literal

import ccxt

from quantum.errors import AuthError, ConfigError, DataError
from quantum.exchanges.common.convert import NS_PER_MS
from quantum.exchanges.common.errors import map_ccxt_error

__all__ = ["ExecutionClient", "OrderAck", "PositionView", "Side", "matching_client_id"]

Side = Literal["buy", "sell"]


def _dec(value: Any) -> Decimal | None:
    # Through str: a float's shortest repr is the venue's decimal string, never its binary value.
    return None if value is None else Decimal(str(value))


def matching_client_id(
    orders: Iterable[dict[str, Any]], client_order_id: str
) -> dict[str, Any] | None:
    """The first unified order whose ``clientOrderId`` is ``client_order_id`` (a venue filter
    is not trusted alone: some ignore an unknown parameter and return every order)."""
    return next((o for o in orders if o.get("clientOrderId") == client_order_id), None)


@dataclass(frozen=True)
class OrderAck:
    """The venue's view of an order. Amounts are exact decimals in the venue's size unit;
    ``ts_event`` is the venue's order time in ns (``None`` when the venue does not say)."""

    order_id: str
    client_order_id: str | None
    symbol: str
    side: str | None
    amount: Decimal | None
    filled: Decimal | None
    average: Decimal | None
    status: str | None
    ts_event: int | None

    @classmethod
    def from_unified(cls, order: dict[str, Any]) -> OrderAck:
        """Build from a ccxt unified order structure."""
        oid = order.get("id")
        if oid is None:
            raise DataError(f"order without id: {order!r:.200}")
        ts = order.get("timestamp")
        return cls(
            order_id=str(oid),
            client_order_id=order.get("clientOrderId"),
            symbol=str(order.get("symbol")),
            side=order.get("side"),
            amount=_dec(order.get("amount")),
            filled=_dec(order.get("filled")),
            average=_dec(order.get("average")),
            status=order.get("status"),
            ts_event=None if ts is None else int(ts) * NS_PER_MS,
        )


@dataclass(frozen=True)
class PositionView:
    """The venue's view of one open position: ``contracts`` in the venue's size unit (always
    positive), ``side`` ``"long"`` / ``"short"``, prices in quote currency. ``contract_size`` is
    the base units per contract (1 where the venue sizes in base units)."""

    symbol: str
    side: str | None
    contracts: Decimal
    entry_price: Decimal | None
    leverage: Decimal | None
    contract_size: Decimal = Decimal(1)

    @property
    def base_qty(self) -> Decimal:
        """The position size in base units, comparable with the engine's quantities."""
        return self.contracts * self.contract_size

    @classmethod
    def from_unified(cls, position: dict[str, Any]) -> PositionView:
        """Build from a ccxt unified position structure."""
        return cls(
            symbol=str(position.get("symbol")),
            side=position.get("side"),
            contracts=_dec(position.get("contracts")) or Decimal(0),
            entry_price=_dec(position.get("entryPrice")),
            leverage=_dec(position.get("leverage")),
            contract_size=_dec(position.get("contractSize")) or Decimal(1),
        )


class ExecutionClient:
    """Orders on one venue through a ccxt exchange object that holds the API keys."""

    venue = "ccxt"

    #: Venue error strings ccxt leaves generic, with the ccxt class they mean; added to the
    #: exchange's exact-match table so ccxt's own error translation raises the typed class.
    EXTRA_ERRORS: ClassVar[Mapping[str, type[ccxt.BaseError]]] = {}

    def __init__(self, exchange: Any) -> None:
        self.exchange = exchange
        if exchange is not None and self.EXTRA_ERRORS:
            exact = exchange.exceptions.setdefault("exact", {})
            for text, error in self.EXTRA_ERRORS.items():
                exact.setdefault(text, error)

    def _require_keys(self) -> None:
        # ccxt knows each venue's required credentials (OKX also needs its passphrase).
        if not self.exchange.check_required_credentials(False):
            raise AuthError(f"{self.exchange.id}: live orders need the venue's API credentials")

    def new_client_order_id(self, prefix: str) -> str:
        """A fresh client order id in a format the venue accepts (Binance and Bybit: up to 36
        letters, digits, ``-`` and ``_``; Kraken Futures: up to 100 characters)."""
        return f"{prefix}-{uuid.uuid4().hex[:24]}"

    async def amount_from_base(self, symbol: str, qty: Decimal) -> Decimal:
        """The order amount, in the venue's size unit, for ``qty`` base-currency units.

        Spot pairs and most linear contracts are sized in the base currency; OKX swaps are
        sized in contracts of ``contractSize`` base units each. Inverse contracts are sized in
        quote currency, so a base quantity has no fixed amount: they are refused.
        """
        try:
            await self.exchange.load_markets()
            market = self.exchange.market(symbol)
        except ccxt.BaseError as exc:
            raise map_ccxt_error(exc) from exc
        if market.get("inverse"):
            raise ConfigError(f"{symbol} is an inverse contract (sized in quote currency)")
        size = market.get("contractSize")
        if not market.get("contract") or size is None:
            return qty
        return qty / Decimal(str(size))

    async def place_market_order(
        self,
        symbol: str,
        side: Side,
        amount: Decimal,
        client_order_id: str,
        *,
        reduce_only: bool = False,
    ) -> OrderAck:
        """Send a market order of ``amount`` (venue size unit) and return the venue's ack.

        Raises :class:`~quantum.errors.OrderOutcomeUnknown` when the request may have reached
        the venue but no answer came back; reconcile with :meth:`fetch_order_by_client_id`.
        """
        return await self._create(
            symbol, "market", side, amount, None, client_order_id, reduce_only
        )

    async def place_limit_order(
        self,
        symbol: str,
        side: Side,
        amount: Decimal,
        price: Decimal,
        client_order_id: str,
        *,
        reduce_only: bool = False,
    ) -> OrderAck:
        """Send a good-till-cancelled limit order; errors as :meth:`place_market_order`."""
        if price <= 0:
            raise DataError(f"limit price must be positive, got {price}")
        return await self._create(
            symbol, "limit", side, amount, price, client_order_id, reduce_only
        )

    async def _create(
        self,
        symbol: str,
        order_type: Literal["market", "limit"],
        side: Side,
        amount: Decimal,
        price: Decimal | None,
        client_order_id: str,
        reduce_only: bool,
    ) -> OrderAck:
        self._require_keys()
        if amount <= 0:
            raise DataError(f"order amount must be positive, got {amount}")
        params: dict[str, Any] = {"clientOrderId": client_order_id}
        if reduce_only:
            params["reduceOnly"] = True
        try:
            await self.exchange.load_markets()
        except ccxt.BaseError as exc:
            raise map_ccxt_error(exc) from exc
        try:
            # ccxt rounds amount and price to the market's steps from their string form, so
            # the Decimals' digits reach the venue unchanged (fixed-point text, never "1E-3").
            order = await self.exchange.create_order(
                symbol,
                order_type,
                side,
                format(amount, "f"),
                None if price is None else format(price, "f"),
                params,
            )
        except ccxt.BaseError as exc:
            raise map_ccxt_error(exc, placing_order=True) from exc
        ack = OrderAck.from_unified(order)
        if ack.client_order_id is None:
            ack = replace(ack, client_order_id=client_order_id)
        return ack

    async def fetch_order(self, order_id: str, symbol: str) -> OrderAck:
        """Read an order back by the venue's id."""
        self._require_keys()
        try:
            return OrderAck.from_unified(await self._find_by_id(order_id, symbol))
        except ccxt.BaseError as exc:
            raise map_ccxt_error(exc) from exc

    async def _find_by_id(self, order_id: str, symbol: str) -> dict[str, Any]:
        """The unified order with the venue id ``order_id`` (ccxt's ``OrderNotFound`` if none)."""
        order: dict[str, Any] = await self.exchange.fetch_order(order_id, symbol)
        return order

    async def cancel_order(self, order_id: str, symbol: str) -> None:
        """Cancel an open order."""
        self._require_keys()
        try:
            await self.exchange.cancel_order(order_id, symbol)
        except ccxt.BaseError as exc:
            raise map_ccxt_error(exc) from exc

    async def fetch_order_by_client_id(self, client_order_id: str, symbol: str) -> OrderAck | None:
        """Look an order up by the client order id it was sent with; ``None`` when the venue
        says no such order exists (it never reached the matching engine)."""
        self._require_keys()
        try:
            order = await self._find_by_client_id(client_order_id, symbol)
        except ccxt.OrderNotFound:
            return None
        except ccxt.BaseError as exc:
            raise map_ccxt_error(exc) from exc
        if order is None:
            return None
        ack = OrderAck.from_unified(order)
        if ack.client_order_id is None:
            ack = replace(ack, client_order_id=client_order_id)
        return ack

    async def _find_by_client_id(self, client_order_id: str, symbol: str) -> dict[str, Any] | None:
        """The unified order sent with ``client_order_id``, ``None`` (or ccxt's
        ``OrderNotFound``) when there is none. Binance and OKX look one order up by client id."""
        order: dict[str, Any] = await self.exchange.fetch_order(
            None, symbol, {"clientOrderId": client_order_id}
        )
        return order

    async def set_leverage(self, leverage: int, symbol: str) -> None:
        """Set the symbol's leverage on the venue."""
        self._require_keys()
        if leverage < 1:
            raise DataError(f"leverage must be >= 1, got {leverage}")
        try:
            await self.exchange.load_markets()
            await self.exchange.set_leverage(leverage, symbol)
        except ccxt.BaseError as exc:
            raise map_ccxt_error(exc) from exc

    async def fetch_positions(self, symbols: list[str] | None = None) -> list[PositionView]:
        """Open positions (non-zero size) on the venue, for reconciliation."""
        self._require_keys()
        try:
            await self.exchange.load_markets()
            raw = await self.exchange.fetch_positions(symbols)
        except ccxt.BaseError as exc:
            raise map_ccxt_error(exc) from exc
        views = [PositionView.from_unified(p) for p in raw]
        return [v for v in views if v.contracts != 0]

    async def fetch_balance(self) -> dict[str, Decimal]:
        """Total balance per currency (exact decimals), for reconciliation."""
        self._require_keys()
        try:
            await self.exchange.load_markets()
            raw = await self.exchange.fetch_balance()
        except ccxt.BaseError as exc:
            raise map_ccxt_error(exc) from exc
        totals = raw.get("total") or {}
        return {str(k): Decimal(str(v)) for k, v in totals.items() if v is not None}
