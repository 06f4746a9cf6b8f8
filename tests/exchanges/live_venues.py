"""What the live-broker venue tests need to know about each venue: its canned native responses
(``fixtures/live_<venue>.json``), its credentials, and how its order requests name things."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from quantum.exchanges.bybit.execution import BybitExecutionClient
from quantum.exchanges.common.execution import ExecutionClient
from quantum.exchanges.common.offline import Response
from quantum.exchanges.kraken.execution import KrakenExecutionClient
from quantum.exchanges.krakenfutures.execution import KrakenFuturesExecutionClient
from quantum.exchanges.okx.execution import OkxExecutionClient

from .conftest import FIXTURES

#: The client order id the canned responses carry (letters and digits: valid on every venue).
CID = "q1b2c3"

Call = tuple[str, str, Any, Any]


@dataclass(frozen=True)
class Venue:
    """One venue under test. ``fields`` maps a generic order field to the venue's parameter
    name; ``words`` maps a generic value (``buy``, ``market``, ``true``) to the venue's."""

    name: str
    host: str
    unified: str
    native: str
    client: type[ExecutionClient]
    keys: dict[str, Any]
    signed: frozenset[str]
    fields: dict[str, str]
    words: dict[str, str]
    #: what 0.01 BTC is in the venue's size unit (OKX: contracts of 0.01 BTC)
    amount_001: str
    has_leverage: bool

    @property
    def fx(self) -> dict[str, Any]:
        """The venue's canned native responses."""
        data: dict[str, Any] = json.loads((FIXTURES / f"live_{self.name}.json").read_text())
        return data

    def id(self) -> str:
        """pytest id."""
        return self.name


def route(value: Any) -> Any:
    """A fixture route: a plain body, or ``{"status", "reason"?, "body"}`` for a non-200 or an
    error body; exceptions pass through (CannedHttp raises them)."""
    if isinstance(value, dict) and set(value) in ({"status", "body"}, {"status", "reason", "body"}):
        return Response(value["body"], value["status"], value.get("reason", "OK"))
    return value


def _flat(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def sent(call: Call) -> dict[str, str]:
    """The parameters of one recorded request, from its JSON or form body or its query."""
    _, url, _, body = call
    if isinstance(body, str) and body[:1] in ("{", "["):
        obj = json.loads(body)
        if isinstance(obj, list):  # OKX's batch-orders endpoint: one order
            (obj,) = obj
        return {k: _flat(v) for k, v in obj.items()}
    raw = body if body else urlsplit(url).query
    return {k: v[0] for k, v in parse_qs(raw).items()}


def path_calls(calls: list[Call], fragment: str) -> list[Call]:
    """The recorded requests whose URL contains ``fragment``."""
    return [c for c in calls if fragment in c[1]]


BYBIT = Venue(
    name="bybit",
    host="https://api.bybit.com",
    unified="BTC/USDT:USDT",
    native="BTCUSDT",
    client=BybitExecutionClient,
    keys={
        "apiKey": "test-key",
        "secret": "test-secret",
        "options": {"fetchMarkets": {"types": ["linear"]}},
    },
    signed=frozenset({"X-BAPI-API-KEY", "X-BAPI-SIGN", "X-BAPI-TIMESTAMP"}),
    fields={
        "symbol": "symbol",
        "side": "side",
        "amount": "qty",
        "type": "orderType",
        "client_id": "orderLinkId",
        "reduce_only": "reduceOnly",
        "price": "price",
    },
    words={"buy": "Buy", "sell": "Sell", "market": "Market", "limit": "Limit", "true": "true"},
    amount_001="0.01",
    has_leverage=True,
)
OKX = Venue(
    name="okx",
    host="https://www.okx.com",
    unified="BTC/USDT:USDT",
    native="BTC-USDT-SWAP",
    client=OkxExecutionClient,
    keys={
        "apiKey": "test-key",
        "secret": "test-secret",
        "password": "test-pass",
        "options": {"fetchMarkets": {"types": ["swap"]}},
    },
    signed=frozenset(
        {"OK-ACCESS-KEY", "OK-ACCESS-SIGN", "OK-ACCESS-TIMESTAMP", "OK-ACCESS-PASSPHRASE"}
    ),
    fields={
        "symbol": "instId",
        "side": "side",
        "amount": "sz",
        "type": "ordType",
        "client_id": "clOrdId",
        "reduce_only": "reduceOnly",
        "price": "px",
    },
    words={"buy": "buy", "sell": "sell", "market": "market", "limit": "limit", "true": "true"},
    amount_001="1",
    has_leverage=True,
)
KRAKEN = Venue(
    name="kraken",
    host="https://api.kraken.com",
    unified="BTC/USDT",
    native="XBTUSDT",
    client=KrakenExecutionClient,
    # Kraken's secret is base64; any valid base64 signs offline.
    keys={"apiKey": "test-key", "secret": "c2VjcmV0"},
    signed=frozenset({"API-Key", "API-Sign"}),
    fields={
        "symbol": "pair",
        "side": "type",
        "amount": "volume",
        "type": "ordertype",
        "client_id": "cl_ord_id",
        "reduce_only": "reduce_only",
        "price": "price",
    },
    words={"buy": "buy", "sell": "sell", "market": "market", "limit": "limit", "true": "true"},
    amount_001="0.01",
    has_leverage=False,
)
KRAKENFUTURES = Venue(
    name="krakenfutures",
    host="https://futures.kraken.com",
    unified="BTC/USD:USD",
    native="PF_XBTUSD",
    client=KrakenFuturesExecutionClient,
    keys={"apiKey": "test-key", "secret": "c2VjcmV0"},
    signed=frozenset({"APIKey", "Authent"}),
    fields={
        "symbol": "symbol",
        "side": "side",
        "amount": "size",
        "type": "orderType",
        "client_id": "cliOrdId",
        "reduce_only": "reduceOnly",
        "price": "limitPrice",
    },
    words={"buy": "buy", "sell": "sell", "market": "mkt", "limit": "lmt", "true": "true"},
    amount_001="0.01",
    has_leverage=True,
)
VENUES = (BYBIT, OKX, KRAKEN, KRAKENFUTURES)
