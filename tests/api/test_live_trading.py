"""The live-trading switch and live orders through the service, against canned native Binance
USD-M responses (the exchange's ``fetch`` replaced; nothing reaches a network, no real order)."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import ccxt
import pytest
from api.main import create_app
from fastapi.testclient import TestClient

from quantum import DISCLAIMER
from quantum.config import Settings
from quantum.engine import EngineConfig
from quantum.exchanges.common.offline import CannedHttp, Response
from quantum.runtime import ManualFeed, RuntimeOptions
from tests.exchanges.ccxt_helpers import offline_exchange
from tests.exchanges.test_execution import BINANCE_ORDER, KEYS

from .conftest import ADMIN, ALICE, SYMBOLS, Harness, LiveTicks

UNIFIED = {"BTCUSDT": "BTC/USDT:USDT", "ETHUSDT": "ETH/USDT:USDT"}
NOT_FOUND = Response({"code": -2013, "msg": "Order does not exist."}, 400, "Bad Request")
INSUFFICIENT = Response({"code": -2019, "msg": "Margin is insufficient."}, 400, "Bad Request")


class VenueFeed(ManualFeed):
    """Ticks pushed by the test, presented as a Binance USD-M exchange feed."""

    unified_symbols = UNIFIED


class Venue:
    """The canned venue: its routes can change between requests; every request is kept."""

    def __init__(self) -> None:
        self.routes: dict[str, Any] = {}
        self.http: list[CannedHttp] = []

    def exchange(self, venue: str, config: Any) -> Any:
        assert venue == "binanceusdm"
        # The keys reach ccxt from the stored (decrypted) credentials, not from the test.
        keys = {
            **KEYS,
            "apiKey": config.api_key.get_secret_value(),
            "secret": config.api_secret.get_secret_value(),
        }
        ex, http = offline_exchange("binanceusdm", {}, keys)
        # One shared route table: the test changes the venue's answers between requests.
        self.routes.update(http.routes)
        http.routes = self.routes
        self.http.append(http)
        return ex

    def calls(self) -> list[tuple[str, str, Any, Any]]:
        return [c for h in self.http for c in h.calls]

    def creates(self) -> list[dict[str, list[str]]]:
        return [
            parse_qs(c[3] or urlsplit(c[1]).query)
            for c in self.calls()
            if c[0] == "POST" and urlsplit(c[1]).path == "/fapi/v1/order"
        ]


def _app(tmp_path: Path, template_db: Path, feed: ManualFeed, allow_live: bool) -> Any:
    shutil.copy(template_db, tmp_path / "quantum.db")
    (tmp_path / "automation.json").write_text("[]")  # only the tests' orders trade
    settings = Settings(
        data_dir=tmp_path,
        admin_user=ADMIN[0],
        admin_password=ADMIN[1],
        secret_key="k" * 40,
        allow_live=allow_live,
        store_writer_process=False,  # see the harness in conftest.py
    )
    options = RuntimeOptions(
        engine_config=EngineConfig(auto_execute=False), status_interval_s=0.05, queue_size=256
    )
    return create_app(
        settings, feed_factory=lambda: feed, options=options, web_dir=tmp_path / "no-web"
    )


@pytest.fixture
def live(tmp_path: Path, template_db: Path) -> Iterator[tuple[Harness, Venue]]:
    feed = VenueFeed(SYMBOLS, exchange="binanceusdm")
    app = _app(tmp_path, template_db, feed, allow_live=True)
    venue = Venue()
    with TestClient(app) as client:
        app.state.service.live_exchange_factory = venue.exchange
        yield Harness(client, feed, LiveTicks(), app), venue


def _store_keys(h: Harness, headers: dict[str, str]) -> None:
    r = h.client.post(
        "/api/credentials",
        json={"exchange": "binanceusdm", "api_key": "test-key", "secret": "test-secret"},
        headers=headers,
    )
    assert r.status_code == 201, r.text


def _enable(h: Harness, headers: dict[str, str]) -> Any:
    return h.client.put("/api/settings/live-trading", json={"enabled": True}, headers=headers)


def test_enabling_needs_the_operator_flag(tmp_path: Path, template_db: Path) -> None:
    app = _app(tmp_path, template_db, VenueFeed(SYMBOLS, exchange="binanceusdm"), False)
    with TestClient(app) as client:
        h = Harness(client, VenueFeed(SYMBOLS), LiveTicks(), app)
        admin = h.login(ADMIN)
        _store_keys(h, admin)
        r = _enable(h, admin)
        assert r.status_code == 409 and "--allow-live" in r.json()["detail"]
        assert not app.state.service.runtime.live


def test_enabling_needs_an_exchange_feed(tmp_path: Path, template_db: Path) -> None:
    app = _app(tmp_path, template_db, ManualFeed(SYMBOLS), True)
    with TestClient(app) as client:
        h = Harness(client, ManualFeed(SYMBOLS), LiveTicks(), app)
        admin = h.login(ADMIN)
        _store_keys(h, admin)
        r = _enable(h, admin)
        assert r.status_code == 409 and "needs an exchange feed" in r.json()["detail"]


def test_enabling_needs_admin_and_stored_credentials(live: tuple[Harness, Venue]) -> None:
    h, venue = live
    assert _enable(h, h.login(ALICE)).status_code == 403
    admin = h.login(ADMIN)
    r = _enable(h, admin)
    assert r.status_code == 409 and r.json()["detail"] == "store binanceusdm credentials first"
    assert venue.calls() == [] and not h.service.runtime.live


def _ready(h: Harness, venue: Venue) -> dict[str, str]:
    admin = h.login(ADMIN)
    _store_keys(h, admin)
    r = _enable(h, admin)
    assert r.status_code == 200, r.text
    assert r.json() == {"enabled": True, "disclaimer": DISCLAIMER}
    h.push(200)  # marks for DRB-Guard's sizing
    return admin


def _order(h: Harness, headers: dict[str, str], qty: str = "0.001") -> Any:
    return h.client.post(
        "/api/orders", json={"symbol": "BTCUSDT", "side": "LONG", "qty": qty}, headers=headers
    )


def test_live_order_goes_to_the_venue_once_and_close_reduces(live: tuple[Harness, Venue]) -> None:
    h, venue = live
    admin = _ready(h, venue)
    venue.routes["/fapi/v1/order"] = BINANCE_ORDER
    r = _order(h, admin)
    assert r.status_code == 200, r.text
    body = r.json()["order"]
    assert body["qty"] == "0.00100000"
    assert body["live"]["status"] == "filled" and body["live"]["order_id"] == "22542179"
    assert body["live"]["filled"] == "0.01000000" and body["live"]["reconciled"] is False
    (sent,) = venue.creates()
    assert sent["side"] == ["BUY"] and sent["quantity"] == ["0.001"]
    assert sent["type"] == ["MARKET"] and sent["newClientOrderId"][0].startswith("q-")
    # The paper mirror fills on the next ticks, then the close goes to the venue first.
    h.push(50)
    positions = h.client.get("/api/positions", headers=admin).json()
    assert [p["symbol"] for p in positions] == ["BTCUSDT"]
    r = h.client.post("/api/positions/BTCUSDT/close", headers=admin)
    assert r.status_code == 202, r.text
    assert r.json()["live"]["status"] == "filled"
    close = venue.creates()[1]
    assert close["side"] == ["SELL"] and close["reduceOnly"] == ["true"]
    assert close["quantity"] == ["0.001"]
    h.push(50)
    assert h.client.get("/api/positions", headers=admin).json() == []


def test_venue_refusal_is_a_typed_409_and_the_runtime_goes_on(live: tuple[Harness, Venue]) -> None:
    h, venue = live
    admin = _ready(h, venue)
    venue.routes["/fapi/v1/order"] = INSUFFICIENT
    r = _order(h, admin)
    assert r.status_code == 409
    detail = r.json()["detail"]
    assert detail.startswith("InsufficientFunds") and "Margin is insufficient." in detail
    # DRB-Guard's paper mirror entry was withdrawn with it: no position appears.
    h.push(50)
    assert h.client.get("/api/positions", headers=admin).json() == []
    venue.routes["/fapi/v1/order"] = Response(
        {"code": -1003, "msg": "Too many requests."}, 429, "Too Many Requests"
    )
    assert _order(h, admin).status_code == 429
    # DRB-Guard still refuses before anything is sent.
    before = len(venue.creates())
    r = _order(h, admin, qty="5")
    assert r.status_code == 409 and r.json()["reason"] == "notional_cap"
    assert len(venue.creates()) == before
    h.push(20)  # the feed and the engines still run


@pytest.mark.parametrize(
    ("lookup", "code", "unresolved"),
    [(BINANCE_ORDER, 200, 0), (ccxt.NetworkError("lookup failed"), 409, 1)],
)
def test_unknown_outcome_is_reconciled_never_resent(
    live: tuple[Harness, Venue], lookup: Any, code: int, unresolved: int
) -> None:
    h, venue = live
    admin = _ready(h, venue)
    venue.routes["/fapi/v1/order"] = ccxt.RequestTimeout("binanceusdm POST timed out")
    venue.routes["origClientOrderId="] = lookup
    r = _order(h, admin)
    assert r.status_code == code, r.text
    assert len(venue.creates()) == 1
    lookups = [
        c for c in venue.calls() if c[0] == "GET" and urlsplit(c[1]).path == "/fapi/v1/order"
    ]
    assert len(lookups) == 1
    cid = venue.creates()[0]["newClientOrderId"][0]
    assert parse_qs(urlsplit(lookups[0][1]).query)["origClientOrderId"] == [cid]
    if code == 200:
        assert r.json()["order"]["live"]["reconciled"] is True
    else:
        assert "not resent" in r.json()["detail"]
    assert [u.client_order_id for u in h.service.runtime.unresolved] == (
        [cid] if unresolved else []
    )


@pytest.mark.parametrize(("answer", "position_kept"), [(BINANCE_ORDER, True), (NOT_FOUND, False)])
def test_unknown_entry_is_looked_up_again_later(
    live: tuple[Harness, Venue], answer: Any, position_kept: bool
) -> None:
    h, venue = live
    admin = _ready(h, venue)
    runtime = h.service.runtime
    venue.routes["/fapi/v1/order"] = ccxt.RequestTimeout("binanceusdm POST timed out")
    venue.routes["origClientOrderId="] = ccxt.NetworkError("lookup failed")
    assert _order(h, admin).status_code == 409
    h.push(20)  # the paper mirror took the entry when it was sent
    assert [p["symbol"] for p in h.client.get("/api/positions", headers=admin).json()] == [
        "BTCUSDT"
    ]
    assert h.client.portal is not None
    # The venue is still unreachable: the order stays listed, nothing is resent.
    assert h.client.portal.call(runtime.reconcile_unresolved) == 0
    assert len(runtime.unresolved) == 1
    venue.routes["origClientOrderId="] = answer
    assert h.client.portal.call(runtime.reconcile_unresolved) == 1
    assert runtime.unresolved == [] and len(venue.creates()) == 1
    # A close sent now fills on the first market event stamped at or after its arrival: the
    # harness's ticks are stamped up to 2 ms (their feed latency) before they are pushed.
    time.sleep(0.003)
    h.push(20)
    positions = h.client.get("/api/positions", headers=admin).json()
    assert bool(positions) is position_kept


def test_disabling_returns_to_paper(live: tuple[Harness, Venue]) -> None:
    h, venue = live
    admin = _ready(h, venue)
    r = h.client.put("/api/settings/live-trading", json={"enabled": False}, headers=admin)
    assert r.status_code == 200 and r.json()["enabled"] is False
    assert not h.service.runtime.live
    r = _order(h, admin)
    assert r.status_code == 200 and r.json()["order"]["live"] is None
    assert venue.creates() == []
