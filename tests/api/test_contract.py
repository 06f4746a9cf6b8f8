"""The API's numbers say their units; the WebSocket's payloads are the schema's; rejections by
reason; the Performance page's max drawdown as a fraction of peak equity and as an amount."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from api.main import websocket_schema
from api.schemas import WS_MESSAGES
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel
from starlette.testclient import WebSocketTestSession

from quantum.data import TickColumns
from quantum.runtime.bus import TOPICS
from quantum.runtime.service import group_rejections
from tests.api.conftest import ALICE, SYMBOLS, Harness, wait_for
from tests.api.test_api import _first_pending
from tests.store.factories import DAY, T0, closed_trade

#: Words a number's description uses to say its unit.
_UNITS = (
    "fraction",
    "ratio",
    "multiple",
    "microseconds",
    "seconds",
    "nanoseconds",
    "count",
    "0..1",
    "UTC",
)
#: String fields that hold text, not amounts.
_TEXT = {
    "id",
    "symbol",
    "exchange",
    "feed",
    "name",
    "username",
    "token",
    "version",
    "reason",
    "strategy",
    "exit_reason",
    "halt_reason",
    "last_error",
    "detail",
    "disclaimer",
    "label",
    "key_hint",
    "error",
    "client_order_id",
    "order_id",
    "created_at",
    "msg",
    "type",
}


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if ref is None:
        return node
    return schema["components"]["schemas"][ref.rsplit("/", 1)[1]]  # type: ignore[no-any-return]


def _response_models(schema: dict[str, Any]) -> set[str]:
    """Names of every component schema reachable from a response or a WebSocket topic."""
    roots: list[dict[str, Any]] = []
    for ops in schema["paths"].values():
        for op in ops.values():
            for resp in op.get("responses", {}).values():
                roots += [c["schema"] for c in resp.get("content", {}).values() if "schema" in c]
    roots += list(schema["x-websocket"]["messages"].values())
    seen: set[str] = set()
    stack = roots
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                name = ref.rsplit("/", 1)[1]
                if name not in seen:
                    seen.add(name)
                    stack.append(schema["components"]["schemas"][name])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return seen


def _kinds(schema: dict[str, Any], prop: dict[str, Any]) -> set[str]:
    prop = _resolve(schema, prop)
    kinds = {prop["type"]} if isinstance(prop.get("type"), str) else set()
    for alt in prop.get("anyOf", []):
        kinds |= _kinds(schema, alt)
    return kinds - {"null"}


@pytest.fixture(scope="module")
def openapi() -> dict[str, Any]:
    from api.main import create_app

    app = create_app()
    return websocket_schema(get_openapi(title="t", version="1", routes=app.routes))


def test_every_number_in_a_response_says_its_unit(openapi: dict[str, Any]) -> None:
    models = _response_models(openapi)
    assert {"Performance", "RiskPublic", "TradePublic", "TickPublic", "BacktestMetrics"} <= models
    missing: list[str] = []
    checked = 0
    for name in sorted(models):
        model = openapi["components"]["schemas"][name]
        for field, prop in model.get("properties", {}).items():
            kinds = _kinds(openapi, prop)
            text = prop.get("description", "")
            enum_like = "enum" in prop or "const" in prop
            if "number" in kinds or ("integer" in kinds and field not in {"id", "user_id"}):
                checked += 1
                if not any(unit in text for unit in _UNITS):
                    missing.append(f"{name}.{field}")
            elif kinds == {"string"} and not enum_like and field not in _TEXT:
                checked += 1
                if not text:
                    missing.append(f"{name}.{field}")
    assert checked > 100
    assert missing == [], f"numbers without a unit in their description: {missing}"


def test_no_response_field_is_named_as_a_percent(openapi: dict[str, Any]) -> None:
    """Ratios are fractions (0.15 = 15 %); a ``*_pct`` name would promise a percent."""
    named = [
        f"{name}.{field}"
        for name in _response_models(openapi)
        for field in openapi["components"]["schemas"][name].get("properties", {})
        if field.endswith(("_pct", "_percent"))
    ]
    assert named == []


def test_every_websocket_message_type_is_in_the_schema(openapi: dict[str, Any]) -> None:
    messages = openapi["x-websocket"]["messages"]
    assert set(messages) == set(WS_MESSAGES) == TOPICS | {"subscribed", "error", "resync"}
    position = [_resolve(openapi, t)["title"] for t in messages["position"]["anyOf"]]
    assert position == ["PositionPublic", "PositionClosed"]


def test_rejections_group_by_kind_and_keep_unknown_kinds() -> None:
    grouped = group_rejections(
        {
            "tick:time_backwards": 7,
            "tick:wide_spread": 2,
            "risk:notional_cap": 3,
            "signal:same_side": 4,
            "venue:timeout": 1,
            "no_kind": 5,
            "tick:": 6,
        }
    )
    assert grouped == {
        "ticks": {"time_backwards": 7, "wide_spread": 2},
        "signals": {"same_side": 4},
        "orders": {"notional_cap": 3},
        "other": {"venue:timeout": 1, "no_kind": 5, "tick:": 6},
    }
    assert group_rejections({}) == {"ticks": {}, "signals": {}, "orders": {}, "other": {}}


def test_a_trade_names_its_return_a_fraction() -> None:
    from quantum.runtime.accounts import trade_public
    from quantum.store import Side, TradeRecord, TradeStatus

    rec = TradeRecord(
        trade_uid="t", user_id=1, account_id=1, symbol="BTCUSDT", side=Side.LONG,
        qty=Decimal("1"), entry_price=Decimal("100"), entry_ts=1, status=TradeStatus.CLOSED,
        fees=Decimal("0"), exit_price=Decimal("101"), exit_ts=2, pnl=Decimal("1"),
        pnl_pct=Decimal("0.01"), exit_reason="take_profit",
    )  # fmt: skip
    public = trade_public(rec)
    assert "pnl_pct" not in public and public["pnl_fraction"] == "0.01000000"


def test_performance_max_drawdown_is_a_fraction_of_the_peak_and_an_amount(
    harness: Harness,
) -> None:
    c = harness.client
    alice = harness.login(ALICE)
    acct = next(a for a in harness.service.runtime.accounts.values() if a.username == "alice")
    empty = c.get("/api/performance", headers=alice).json()
    assert empty["max_drawdown_fraction"] == 0.0 and empty["max_drawdown_amount"] == "0.00000000"
    assert "max_drawdown" not in empty
    # 10,000 of capital: +500 on day 1 (peak 10,500), −1,050 on day 2 (9,450), +100 on day 3.
    for i, pnl in enumerate(("500", "-1050", "100")):
        harness.service.writer.submit(
            closed_trade(f"dd-{i}", acct.user_id, acct.account_id, pnl, T0 + i * DAY)
        )
    harness.flush()
    perf = c.get("/api/performance", headers=alice).json()
    assert perf["total_trades"] == 3
    assert perf["max_drawdown_amount"] == "1050.00000000"
    assert perf["max_drawdown_fraction"] == pytest.approx(0.1)  # 1,050 / 10,500
    assert perf["win_rate"] == pytest.approx(2 / 3)
    assert perf["total_pnl"] == "-450.00000000"
    # The trade log's return is a fraction too, under a name that says so.
    trade = c.get("/api/trades", headers=alice).json()["items"][0]
    assert "pnl_pct" not in trade and trade["pnl_fraction"] == "0.01000000"
    assert c.get("/api/trades.csv", headers=alice).text.splitlines()[0].count("pnl_fraction") == 1


def _bad_ticks(harness: Harness, count: int) -> TickColumns:
    """``count`` ticks whose bid is above the ask (the sanitizer's ``crossed_quote``)."""
    good = harness.ticks.next(count)
    cols = {k: np.array(v, copy=True) for k, v in good.columns.items()}
    cols["bid"], cols["ask"] = cols["ask"] + 1.0, cols["bid"]
    return TickColumns(cols, SYMBOLS)


def test_risk_names_its_fractions_and_counts_rejections_by_group(harness: Harness) -> None:
    c = harness.client
    alice = harness.login(ALICE)
    harness.push(200)
    risk = c.get("/api/risk", headers=alice).json()
    assert {"drawdown", "max_drawdown"}.isdisjoint(risk)
    assert risk["drawdown_limit_fraction"] == risk["limits"]["max_drawdown"] == 0.15
    assert Decimal(risk["drawdown_amount"]) == max(
        Decimal(risk["peak_equity"]) - Decimal(risk["equity"]), Decimal(0)
    )
    before = risk["rejections"]["ticks"].get("crossed_quote", 0)
    target = harness.service.runtime.ticks_processed + 25
    harness.feed.push(_bad_ticks(harness, 25))
    wait_for(lambda: harness.service.runtime.ticks_processed >= target, what="bad ticks")
    after = c.get("/api/risk", headers=alice).json()["rejections"]
    assert after["ticks"]["crossed_quote"] == before + 25
    assert set(after) == {"ticks", "signals", "orders", "other"}
    # A manual order DRB-Guard refuses counts under orders, by its reason.
    r = c.post("/api/orders", json={"symbol": "BTCUSDT", "side": "LONG", "qty": "5"}, headers=alice)
    assert r.status_code == 409 and r.json()["reason"] == "notional_cap"
    orders = c.get("/api/risk", headers=alice).json()["rejections"]["orders"]
    assert orders["notional_cap"] >= 1


def test_rejection_counts_survive_an_engine_rebuild(harness: Harness) -> None:
    """Turning automation on or changing limits builds a new engine; its counts go on."""
    c = harness.client
    admin, alice = harness.login(("admin", "admin-password-1")), harness.login(ALICE)
    harness.push(100)
    harness.feed.push(_bad_ticks(harness, 10))
    harness.push(10)
    before = c.get("/api/risk", headers=alice).json()["rejections"]["ticks"]["crossed_quote"]
    assert before >= 10
    alice_id = c.get("/api/auth/me", headers=alice).json()["id"]
    engine = harness.service.runtime.accounts[alice_id].engine
    r = c.put(f"/api/users/{alice_id}/automation", json={"enabled": True}, headers=admin)
    assert r.status_code == 200
    assert harness.service.runtime.accounts[alice_id].engine is not engine  # rebuilt
    after = c.get("/api/risk", headers=alice).json()["rejections"]["ticks"]["crossed_quote"]
    assert after == before


def _drain(ws: WebSocketTestSession, seen: dict[str, list[Any]], done: Callable[[], bool]) -> None:
    """Read messages into ``seen`` (by type) until ``done()``."""
    deadline = time.monotonic() + 20
    while not done():
        assert time.monotonic() < deadline, f"condition not met; got {sorted(seen)}"
        msg = json.loads(ws.receive_text())
        seen.setdefault(msg["type"], []).append(msg["data"])


def _conforms(topic: str, data: Any) -> type[BaseModel] | None:
    """The topic's model ``data`` is exactly (the same keys, valid values), if any."""
    for model in WS_MESSAGES[topic]:
        if isinstance(data, dict) and set(data) == set(model.model_fields):
            model.model_validate(data)
            return model
    return None


def test_websocket_payloads_are_exactly_the_schemas_models(harness: Harness) -> None:
    c = harness.client
    alice = harness.login(ALICE)
    token = alice["Authorization"].split()[1]
    seen: dict[str, list[Any]] = {}
    with c.websocket_connect(f"/ws?token={token}") as ws:
        topics = ["tick", "signal", "fill", "position", "trade", "risk", "status"]
        ws.send_text(json.dumps({"op": "subscribe", "topics": topics, "symbols": []}))
        subscribed = json.loads(ws.receive_text())
        assert subscribed["type"] == "subscribed" and _conforms("subscribed", subscribed["data"])
        ws.send_text("not json")  # answered with an ``error`` message
        signal = _first_pending(harness, alice)
        assert c.post(f"/api/signals/{signal['id']}/execute", headers=alice).status_code == 200
        harness.push(50)
        opened = {"error", "tick", "signal", "fill", "position", "risk", "status"}
        _drain(ws, seen, lambda: opened <= set(seen))
        assert c.post(f"/api/positions/{signal['symbol']}/close", headers=alice).status_code == 202
        harness.push(50)
        _drain(ws, seen, lambda: any(t["status"] == "CLOSED" for t in seen.get("trade", [])))
    wrong = {
        f"{topic}: {sorted(data)}"
        for topic, items in seen.items()
        for data in items
        if _conforms(topic, data) is None
    }
    assert wrong == set()
    assert {_conforms("position", d) for d in seen["position"]} >= {
        WS_MESSAGES["position"][0],
    }
    assert seen["trade"][-1]["status"] == "CLOSED" and "pnl_fraction" in seen["trade"][-1]
    assert {f["kind"] for f in seen["fill"]} == {"open", "close"}


def test_backtest_metrics_keep_every_engine_figure_under_a_unit_name() -> None:
    """A figure the engine adds must be named here (with its unit) before the API shows it."""
    from api.backtests import METRIC_NAMES, _json, public_metrics, shadow_metrics
    from api.schemas import BacktestMetrics

    from quantum.data import generate
    from quantum.engine import Engine, EngineConfig

    engine = Engine(EngineConfig(), symbols=("BTCUSDT",))
    ticks = generate(100_000, seed=3)  # long enough for Kelly to size some signals to zero
    engine.native.run(dict(ticks.columns))
    engine.native.finish()
    # as a run is stored: the engine's figures and its shadow trades summed over strategies
    stored = {k: _json(v) for k, v in engine.metrics().items()} | shadow_metrics(engine)
    assert set(stored) == set(METRIC_NAMES)
    public = BacktestMetrics.model_validate(public_metrics(stored))
    assert public.return_fraction == stored["return_pct"]
    assert public.max_drawdown_fraction == stored["max_drawdown"]
    assert public.exposure_fraction == stored["exposure"]
    assert public.gross_pnl == stored["total_pnl"] and "." in public.final_equity
    assert set(BacktestMetrics.model_fields) == set(METRIC_NAMES.values())
    stats = engine.strategy_stats()
    assert public.shadow_trades == sum(s["shadow_trades"] for s in stats) > 0
    assert public.shadow_win_rate == public.shadow_wins / public.shadow_trades
    # a run stored before shadow trades were reported still reads as a valid report
    old = {k: v for k, v in stored.items() if not k.startswith("shadow_")}
    assert BacktestMetrics.model_validate(public_metrics(old)).shadow_trades == 0
