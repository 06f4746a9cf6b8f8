"""The live broker on Bybit (v5 linear), OKX (swap), Kraken (spot) and Kraken Futures, through
the real ccxt code with only the HTTP layer replaced by canned native responses
(``fixtures/live_<venue>.json``): ccxt builds, signs and parses every request. Nothing is sent
anywhere; each test fails on any request it did not expect."""

from __future__ import annotations

import asyncio
import importlib
import re
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any, TypeVar

import ccxt
import pytest

import quantum
from quantum import EngineConfig, ExecutionConfig
from quantum.errors import (
    AuthError,
    BadSymbol,
    ConfigError,
    InsufficientFunds,
    NetworkError,
    OrderOutcomeUnknown,
    RateLimited,
)
from quantum.exchanges.bybit.config import BybitConfig
from quantum.exchanges.common.config import VenueConfig
from quantum.exchanges.common.live_broker import LiveBroker, LiveSettings, create_live_broker
from quantum.exchanges.common.offline import CannedHttp
from quantum.exchanges.okx.config import OkxConfig

from .ccxt_helpers import offline_exchange
from .live_venues import (
    BYBIT,
    CID,
    KRAKEN,
    KRAKENFUTURES,
    OKX,
    VENUES,
    Call,
    Venue,
    path_calls,
    route,
    sent,
)

T = TypeVar("T")
QUIET = EngineConfig(
    liquidation_hunter=quantum.LiquidationHunterConfig(enabled=False),
    order_flow=quantum.OrderFlowConfig(enabled=False),
    volatility_fader=quantum.VolatilityFaderConfig(enabled=False),
    execution=ExecutionConfig(slippage_bps=0.0),
)
CONFIG = VenueConfig(
    api_key="test-key",
    api_secret="test-secret",
    passphrase="test-pass",
)
TIMEOUT = ccxt.RequestTimeout("request timed out after sending")
by_venue = pytest.mark.parametrize("venue", VENUES, ids=Venue.id)


def _engine() -> quantum.Engine:
    e = quantum.Engine(QUIET)
    e.on_tick(0, 0, 0, 40_000.0)  # notional 0.01 × 40,000 = 400 < 5 % of 10,000
    return e


def _run(
    venue: Venue,
    routes: dict[str, Any],
    body: Callable[[LiveBroker], Awaitable[T]],
    *,
    symbol: str | None = None,
    new_client_id: Callable[[], str] | None = lambda: CID,
) -> tuple[T, CannedHttp]:
    async def go() -> tuple[T, CannedHttp]:
        canned = {k: route(v) for k, v in {**venue.fx["always"], **routes}.items()}
        ex, http = offline_exchange(venue.name, canned, venue.keys)
        settings = LiveSettings(enabled=True, symbols={"BTCUSDT": symbol or venue.unified})
        broker = create_live_broker(
            _engine(),
            venue.client(ex),
            CONFIG,
            settings,
            new_client_id=new_client_id,
            clock_ns=lambda: 1,
        )
        try:
            return await body(broker), http
        finally:
            await ex.close()

    return asyncio.run(go())


def _lookups(venue: Venue, *, found: bool) -> dict[str, Any]:
    """The venue's lookup-by-client-id steps: all empty but the last, which finds the order
    when ``found``."""
    steps = venue.fx["lookup"]
    routes = {s["path"]: s["empty"] for s in steps}
    if found:
        routes[steps[-1]["path"]] = steps[-1]["found"]
    return routes


def _create_routes(venue: Venue, create: Any) -> dict[str, Any]:
    routes = {venue.fx["create"]["path"]: create}
    if venue.has_leverage:
        routes[venue.fx["leverage"]["path"]] = venue.fx["leverage"]["body"]
    return routes


def _creates(venue: Venue, http: CannedHttp) -> list[Call]:
    return path_calls(http.calls, venue.fx["create"]["path"])


def _lookup_calls(venue: Venue, http: CannedHttp) -> list[Call]:
    return [c for s in venue.fx["lookup"] for c in path_calls(http.calls, s["path"])]


def _entry(leverage: int | None = None) -> Callable[[LiveBroker], Awaitable[Any]]:
    return lambda b: b.submit_entry("BTCUSDT", "LONG", qty=0.01, leverage=leverage)


# --- placing an entry ---------------------------------------------------------------------


@by_venue
def test_entry_is_signed_sent_once_and_reported_filled(venue: Venue) -> None:
    leverage = 5 if venue.has_leverage else None
    res, http = _run(
        venue,
        {**_create_routes(venue, venue.fx["create"]["body"]), **_lookups(venue, found=True)},
        _entry(leverage),
    )
    assert res.status == "filled" and res.error is None and not res.reconciled
    assert res.qty == Decimal("0.01") and res.amount == Decimal(venue.amount_001)
    assert res.client_order_id == CID
    assert res.ack is not None and res.ack.filled == Decimal(venue.amount_001)
    assert res.ack.symbol == venue.unified and res.ack.side == "buy"
    (create,) = _creates(venue, http)
    assert create[0] == "POST" and create[1].startswith(venue.host + venue.fx["create"]["path"])
    assert venue.signed <= set(create[2] or {}), "ccxt signed the order with the venue's headers"
    p, f, w = sent(create), venue.fields, venue.words
    assert p[f["symbol"]] == venue.native and p[f["side"]] == w["buy"]
    assert p[f["type"]] == w["market"] and Decimal(p[f["amount"]]) == Decimal(venue.amount_001)
    assert p[f["client_id"]] == CID and f["reduce_only"] not in p
    if venue.has_leverage:
        urls = [c[1] for c in http.calls]
        lev = next(i for i, u in enumerate(urls) if venue.fx["leverage"]["path"] in u)
        assert lev < urls.index(create[1]), "leverage is set before the order is sent"
        assert "5" in sent(http.calls[lev]).values()


@by_venue
def test_limit_order_and_reduce_only_close_requests(venue: Venue) -> None:
    amount = Decimal(venue.amount_001)

    async def limit(b: LiveBroker) -> Any:
        return await b.client.place_limit_order(
            venue.unified, "sell", amount, Decimal("65000"), CID, reduce_only=True
        )

    async def close(b: LiveBroker) -> Any:
        return await b.client.place_market_order(
            venue.unified, "sell", amount, CID, reduce_only=True
        )

    f, w = venue.fields, venue.words
    ack, http = _run(venue, {venue.fx["limit"]["path"]: venue.fx["limit"]["body"]}, limit)
    (req,) = _creates(venue, http)
    p = sent(req)
    assert p[f["type"]] == w["limit"] and p[f["side"]] == w["sell"]
    assert Decimal(p[f["price"]]) == Decimal("65000") and Decimal(p[f["amount"]]) == amount
    assert p[f["reduce_only"]] == w["true"] and p[f["client_id"]] == CID
    assert ack.order_id and ack.client_order_id == CID

    ack, http = _run(venue, {venue.fx["create"]["path"]: venue.fx["create"]["body"]}, close)
    (req,) = _creates(venue, http)
    p = sent(req)
    assert p[f["type"]] == w["market"] and p[f["reduce_only"]] == w["true"]
    assert f["price"] not in p and p[f["side"]] == w["sell"]


@by_venue
def test_cancel_fetch_order_positions_and_balance(venue: Venue) -> None:
    fx = venue.fx

    async def body(b: LiveBroker) -> Any:
        ack = await b.client.fetch_order(fx["fetch_order"]["id"], venue.unified)
        return ack, await b.cancel(ack.order_id, "BTCUSDT"), await b.positions(), await b.balance()

    routes = {fx[k]["path"]: fx[k]["body"] for k in ("cancel", "positions", "balance")}
    (ack, cancel_err, positions, balance), http = _run(
        venue, {**routes, fx["fetch_order"]["path"]: fx["fetch_order"]["body"]}, body
    )
    oid = fx["fetch_order"]["id"]
    assert ack.order_id == oid and ack.status == "closed" and ack.client_order_id == CID
    assert ack.filled == Decimal(venue.amount_001)
    (lookup, *_) = path_calls(http.calls, fx["fetch_order"]["path"])
    assert any(oid in v for v in sent(lookup).values()), "the order is asked for by its id"
    assert cancel_err is None
    (cancel,) = path_calls(http.calls, fx["cancel"]["path"])
    assert oid in sent(cancel).values() and venue.signed <= set(cancel[2] or {})
    expect = fx["expect"]
    (pos,) = positions  # flat positions are left out
    assert pos.symbol == venue.unified and pos.side == "long"
    assert pos.contracts == Decimal(venue.amount_001) and pos.base_qty == Decimal("0.01")
    assert pos.leverage == Decimal(expect["leverage"])
    assert pos.entry_price == (expect["entry_price"] and Decimal(expect["entry_price"]))
    assert balance == {k: Decimal(v) for k, v in expect["balance"].items()}


@by_venue
def test_network_failure_on_a_read_is_a_typed_network_error(venue: Venue) -> None:
    async def body(b: LiveBroker) -> Any:
        with pytest.raises(NetworkError):
            await b.positions()
        with pytest.raises(NetworkError):
            await b.client.fetch_order(venue.fx["fetch_order"]["id"], venue.unified)
        return None

    down = {"status": 502, "reason": "Bad Gateway", "body": "<html>502 Bad Gateway</html>"}
    routes = {venue.fx[k]["path"]: down for k in ("positions", "fetch_order")}
    _, http = _run(venue, routes, body)
    assert len(path_calls(http.calls, venue.fx["positions"]["path"])) == 1


# --- leverage -------------------------------------------------------------------------------


def test_kraken_spot_has_no_leverage_setting_and_sends_nothing() -> None:
    res, http = _run(KRAKEN, {}, _entry(leverage=3))
    assert res.status == "failed" and isinstance(res.error, ConfigError)
    assert [c for c in http.calls if "/private/" in c[1]] == []


def test_bybit_leverage_already_set_is_not_an_error() -> None:
    fx = BYBIT.fx
    routes = {
        fx["leverage"]["path"]: fx["leverage"]["unchanged"],
        fx["create"]["path"]: fx["create"]["body"],
        **_lookups(BYBIT, found=True),
    }
    res, _ = _run(BYBIT, routes, _entry(leverage=5))
    assert res.status == "filled" and res.error is None


# --- errors ---------------------------------------------------------------------------------

ERRORS = [
    (venue, kind, error)
    for venue in VENUES
    for kind, error in (
        ("insufficient_funds", InsufficientFunds),
        ("rate_limit", RateLimited),
        ("auth", AuthError),
        ("bad_symbol", BadSymbol),
    )
    if kind in venue.fx["errors"]
]


@pytest.mark.parametrize(
    ("venue", "kind", "error"), ERRORS, ids=[f"{v.name}-{k}" for v, k, _ in ERRORS]
)
def test_venue_error_bodies_come_back_typed(
    venue: Venue, kind: str, error: type[Exception]
) -> None:
    res, http = _run(venue, _create_routes(venue, venue.fx["errors"][kind]), _entry())
    assert res.status == "failed" and type(res.error) is error
    assert len(_creates(venue, http)) == 1 and _lookup_calls(venue, http) == []


@by_venue
def test_unknown_symbol_is_refused_before_any_order(venue: Venue) -> None:
    res, http = _run(venue, {}, _entry(), symbol="NOPE/USDT:USDT")
    assert res.status == "failed" and isinstance(res.error, BadSymbol)
    assert _creates(venue, http) == []


@pytest.mark.parametrize(
    ("venue", "inverse"), [(OKX, "UNI/USD:UNI"), (KRAKENFUTURES, "BTC/USD:BTC")], ids=["okx", "kf"]
)
def test_inverse_contracts_are_refused(venue: Venue, inverse: str) -> None:
    res, http = _run(venue, {}, _entry(), symbol=inverse)
    assert res.status == "failed" and isinstance(res.error, ConfigError)
    assert _creates(venue, http) == []


# --- unknown outcome: reconcile by client order id, never resend ----------------------------


@by_venue
def test_timeout_is_reconciled_by_client_id_without_resending(venue: Venue) -> None:
    res, http = _run(
        venue, {**_create_routes(venue, TIMEOUT), **_lookups(venue, found=True)}, _entry()
    )
    assert len(_creates(venue, http)) == 1, "the order is never resent"
    assert res.status == "filled" and res.reconciled and res.client_order_id == CID
    assert res.ack is not None and res.ack.client_order_id == CID
    first = _lookup_calls(venue, http)[0]
    assert CID in sent(first).values(), "the lookup asks for the client order id"
    assert venue.signed <= set(first[2] or {})


@by_venue
def test_timeout_with_no_such_order_is_not_filled(venue: Venue) -> None:
    res, http = _run(
        venue, {**_create_routes(venue, TIMEOUT), **_lookups(venue, found=False)}, _entry()
    )
    assert len(_creates(venue, http)) == 1
    assert len(_lookup_calls(venue, http)) == len(venue.fx["lookup"])
    assert res.status == "not_filled" and res.reconciled
    assert isinstance(res.error, OrderOutcomeUnknown)  # the original cause is kept


@by_venue
def test_failed_lookup_leaves_the_outcome_unknown(venue: Venue) -> None:
    lookups = {s["path"]: ccxt.NetworkError("down") for s in venue.fx["lookup"]}
    res, http = _run(venue, {**_create_routes(venue, TIMEOUT), **lookups}, _entry())
    assert res.status == "unknown" and res.reconciled and isinstance(res.error, NetworkError)
    assert len(_creates(venue, http)) == 1


# --- client order ids -----------------------------------------------------------------------

CLIENT_ID_FORMAT = {
    "bybit": r"[A-Za-z0-9_-]{1,36}",  # orderLinkId
    "okx": r"[A-Za-z0-9]{1,32}",  # clOrdId
    "kraken": r"[!-~]{1,18}",  # cl_ord_id free text
    "krakenfutures": r"[!-~]{1,100}",  # cliOrdId
}


@by_venue
def test_default_client_order_ids_fit_the_venue(venue: Venue) -> None:
    res, http = _run(
        venue,
        {**_create_routes(venue, venue.fx["create"]["body"]), **_lookups(venue, found=True)},
        _entry(),
        new_client_id=None,
    )
    (create,) = _creates(venue, http)
    cid = sent(create)[venue.fields["client_id"]]
    assert re.fullmatch(CLIENT_ID_FORMAT[venue.name], cid) and cid.startswith("q")
    assert res.client_order_id == cid
    ids = {venue.client(None).new_client_order_id("q-x_1") for _ in range(50)}
    assert len(ids) == 50 and all(re.fullmatch(CLIENT_ID_FORMAT[venue.name], i) for i in ids)


def test_okx_live_trading_needs_the_passphrase() -> None:
    client: Any = None
    settings = LiveSettings(enabled=True, symbols={"BTCUSDT": OKX.unified})
    keyed = {"api_key": "k", "api_secret": "s"}
    with pytest.raises(AuthError):
        create_live_broker(_engine(), client, OkxConfig(**keyed), settings)
    create_live_broker(
        _engine(),
        client,
        OkxConfig(**keyed, passphrase="p"),
        settings,
    )


@pytest.mark.parametrize(
    ("venue", "currency_path"),
    [(BYBIT, "/v5/asset/coin/query-info"), (OKX, "/api/v5/asset/currencies")],
    ids=["bybit", "okx"],
)
def test_trading_only_keys_load_markets_without_the_wallet_currency_list(
    venue: Venue, currency_path: str
) -> None:
    # Built by the adapter's own factory, with keys: a trading-only key has no wallet
    # permission, so load_markets must not ask for the private currency list.
    factory = importlib.import_module(f"quantum.exchanges.{venue.name}.factory")
    config_type = {"bybit": BybitConfig, "okx": OkxConfig}[venue.name]
    # The adapter's default market types; OKX keys come with a passphrase.
    exchange = factory.create_exchange(
        config_type(api_key="test-key", api_secret="test-secret", passphrase="test-pass")
    )
    assert exchange.has["fetchCurrencies"] is False
    exchange.enableRateLimit = False
    canned = {k: route(v) for k, v in venue.fx["always"].items()}
    reference, routes = offline_exchange(venue.name, canned, venue.keys)
    http = CannedHttp(dict(routes.routes))
    http.install(exchange)

    async def load() -> None:
        try:
            await exchange.load_markets()
        finally:
            await exchange.close()
            await reference.close()

    asyncio.run(load())
    assert "BTC/USDT:USDT" in exchange.markets
    assert not [c for c in http.calls if currency_path in c[1]]
