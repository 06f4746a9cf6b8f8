"""The REST API through FastAPI's TestClient: auth, isolation, admin actions, paper trading."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import ADMIN, ALICE, BOB, Harness, wait_for

_OPEN = {("GET", "/api/health"), ("POST", "/api/auth/login")}


def _url(path: str) -> str:
    return (
        path.replace("{signal_id}", "x")
        .replace("{symbol}", "BTCUSDT")
        .replace("{run_id}", "x")
        .replace("{credential_id}", "1")
    )


def test_health_and_schema_need_no_auth(harness: Harness) -> None:
    c = harness.client
    body = c.get("/api/health").json()
    assert body["status"] == "ok" and body["engine"] == "running"
    schema = c.get("/openapi.json").json()
    assert "/api/auth/login" in schema["paths"] and "/api/trades" in schema["paths"]
    page = c.get("/")
    assert page.status_code == 200 and "make web" in page.text


def test_every_other_route_needs_auth(harness: Harness) -> None:
    checked = 0
    paths = harness.client.get("/openapi.json").json()["paths"]
    for path, ops in paths.items():
        for method in ops:
            if (method.upper(), path) in _OPEN:
                continue
            r = harness.client.request(method.upper(), _url(path), json={})
            assert r.status_code == 401, (method, path, r.status_code)
            checked += 1
    assert checked >= 25


def test_login_cookie_me_logout(harness: Harness) -> None:
    c = harness.client
    r = c.post("/api/auth/login", json={"username": ALICE[0], "password": ALICE[1]})
    assert r.status_code == 200
    assert "httponly" in r.headers["set-cookie"].lower()
    assert "samesite=strict" in r.headers["set-cookie"].lower()
    user = r.json()["user"]
    assert user == {"id": user["id"], "username": "alice", "role": "user", "active": True}
    assert c.get("/api/auth/me").json()["username"] == "alice"  # by cookie
    assert c.post("/api/auth/logout").status_code == 204
    assert c.get("/api/auth/me").status_code == 401


def test_bad_login_is_401_then_rate_limited(harness: Harness) -> None:
    c = harness.client
    for _ in range(5):
        r = c.post("/api/auth/login", json={"username": "bob", "password": "wrong-password"})
        assert r.status_code == 401
        assert "wrong-password" not in r.text
    r = c.post("/api/auth/login", json={"username": "bob", "password": BOB[1]})
    assert r.status_code == 429
    # Another username from the same client is not blocked.
    assert (
        c.post("/api/auth/login", json={"username": "alice", "password": ALICE[1]}).status_code
        == 200
    )


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/users", None),
        ("POST", "/api/users", {"username": "eve", "password": "eve-password-1"}),
        ("POST", "/api/engine/stop", None),
        ("POST", "/api/engine/start", None),
        ("POST", "/api/risk/reset", None),
        ("PUT", "/api/risk/limits", {}),
        ("GET", "/api/metrics", None),
        ("POST", "/api/streams/stop", {"exchange": "replay", "symbol": "BTCUSDT"}),
    ],
)
def test_admin_actions_need_admin(harness: Harness, method: str, path: str, body: Any) -> None:
    user = harness.login(ALICE)
    assert harness.client.request(method, path, json=body, headers=user).status_code == 403
    admin = harness.login(ADMIN)
    assert harness.client.request(method, path, json=body, headers=admin).status_code in (200, 201)


def test_engine_stop_start_and_metrics(harness: Harness) -> None:
    admin = harness.login(ADMIN)
    c = harness.client
    assert c.post("/api/engine/stop", headers=admin).json()["engine_state"] == "stopped"
    assert c.get("/api/health").json()["engine"] == "stopped"
    assert c.post("/api/engine/start", headers=admin).json()["engine_state"] == "running"
    harness.push(200)
    text = c.get("/api/metrics", headers=admin).text
    assert "quantum_ticks_processed_total 200" in text
    assert 'quantum_stage_latency_seconds{stage="engine_per_tick",quantile="0.99"}' in text


def _first_pending(harness: Harness, headers: dict[str, str]) -> dict[str, Any]:
    def pending() -> Any:
        items = harness.client.get("/api/signals?status=PENDING", headers=headers).json()["items"]
        if not items:
            harness.push(500)
        return items[0] if items else None

    return wait_for(pending, timeout=30, what="a pending signal")  # type: ignore[no-any-return]


def test_repeated_signals_refresh_one_pending_signal(harness: Harness) -> None:
    alice = harness.login(ALICE)
    first = _first_pending(harness, alice)
    harness.push(3000)
    account = next(a for a in harness.service.runtime.accounts.values() if a.username == "alice")
    items = harness.client.get("/api/signals?status=PENDING", headers=alice).json()["items"]
    keys = [(s["symbol"], s["strategy"], s["side"]) for s in items]
    # One pending decision per symbol, strategy and side, however often the strategy repeats it.
    assert len(keys) == len(set(keys)) == len(account.pending)
    assert account.signals > len(items)
    if (first["symbol"], first["strategy"], first["side"]) in keys:
        refreshed = items[keys.index((first["symbol"], first["strategy"], first["side"]))]
        assert refreshed["id"] == first["id"] and refreshed["ts"] >= first["ts"]


def test_execute_signal_fills_and_close_reaches_store(harness: Harness) -> None:
    c = harness.client
    alice = harness.login(ALICE)
    signal = _first_pending(harness, alice)
    # The store reads are cached until the writer commits what they read (api/read_cache.py):
    # read them once before the trade, so the checks below also show the cache lets go.
    assert c.get("/api/trades?status=CLOSED", headers=alice).json()["total"] == 0
    assert c.get("/api/performance", headers=alice).json()["total_trades"] == 0
    assert c.get("/api/positions?status=closed", headers=alice).json() == []
    assert c.get("/api/signals?status=EXECUTED", headers=alice).json()["items"] == []
    r = c.post(f"/api/signals/{signal['id']}/execute", headers=alice)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["signal"]["status"] == "EXECUTED" and body["order"]["symbol"] == signal["symbol"]
    assert float(body["order"]["qty"]) > 0
    # Executing twice is refused: it is no longer pending.
    assert c.post(f"/api/signals/{signal['id']}/execute", headers=alice).status_code == 409

    harness.push(50)  # the order fills on the symbol's next tick
    positions = c.get("/api/positions", headers=alice).json()
    assert [p["symbol"] for p in positions] == [signal["symbol"]]
    assert positions[0]["side"] == signal["side"]
    risk = c.get("/api/risk", headers=alice).json()
    assert risk["trades_today"] == 1 and len(risk["positions"]) == 1

    assert c.post(f"/api/positions/{signal['symbol']}/close", headers=alice).status_code == 202
    harness.push(50)
    assert c.get("/api/positions", headers=alice).json() == []
    harness.flush()
    trades = c.get("/api/trades?status=CLOSED", headers=alice).json()
    assert trades["total"] == 1
    trade = trades["items"][0]
    assert trade["symbol"] == signal["symbol"] and trade["exit_reason"] == "manual"
    assert trade["pnl"] is not None
    csv = c.get("/api/trades.csv", headers=alice).text.splitlines()
    assert csv[0].startswith("id,symbol,side") and len(csv) == 2
    closed = c.get("/api/positions?status=closed", headers=alice).json()
    assert [p["symbol"] for p in closed] == [signal["symbol"]]
    done = c.get("/api/signals?status=EXECUTED", headers=alice).json()
    assert [s["id"] for s in done["items"]] == [signal["id"]]
    perf = c.get("/api/performance", headers=alice).json()
    assert perf["total_trades"] == 1


def test_users_see_only_their_own_account(harness: Harness) -> None:
    c = harness.client
    alice, bob = harness.login(ALICE), harness.login(BOB)
    signal = _first_pending(harness, alice)
    assert c.post(f"/api/signals/{signal['id']}/execute", headers=bob).status_code == 404
    assert c.post(f"/api/signals/{signal['id']}/execute", headers=alice).status_code == 200
    harness.push(50)
    assert len(c.get("/api/positions", headers=alice).json()) == 1
    assert c.get("/api/positions", headers=bob).json() == []
    assert c.post(f"/api/positions/{signal['symbol']}/close", headers=bob).status_code == 404
    harness.flush()
    assert c.get("/api/trades", headers=alice).json()["total"] == 1
    assert c.get("/api/trades", headers=bob).json()["total"] == 0
    bob_ids = {s["id"] for s in c.get("/api/signals", headers=bob).json()["items"]}
    assert signal["id"] not in bob_ids


def test_manual_order_refused_by_drb_guard_names_the_reason(harness: Harness) -> None:
    c = harness.client
    alice = harness.login(ALICE)
    harness.push(100)
    r = c.post(
        "/api/orders", json={"symbol": "BTCUSDT", "side": "LONG", "qty": "1000"}, headers=alice
    )
    assert r.status_code == 409
    assert r.json()["reason"] == "notional_cap"
    ok = c.post("/api/orders", json={"symbol": "BTCUSDT", "side": "SHORT"}, headers=alice)
    assert ok.status_code == 200, ok.text
    harness.push(20)
    assert c.get("/api/positions", headers=alice).json()[0]["side"] == "SHORT"


def test_kill_switch_reset_by_admin(harness: Harness) -> None:
    c = harness.client
    alice, admin = harness.login(ALICE), harness.login(ADMIN)
    harness.push(100)
    for acct in harness.service.runtime.accounts.values():
        acct.engine.halt(0)
    assert c.get("/api/risk", headers=alice).json()["halted"] is True
    r = c.post("/api/orders", json={"symbol": "BTCUSDT", "side": "LONG"}, headers=alice)
    assert r.status_code == 409 and r.json()["reason"] == "halted"
    assert c.post("/api/risk/reset", headers=admin).json()["halted"] is False
    assert c.get("/api/risk", headers=alice).json()["halted"] is False


def test_risk_limits_update(harness: Harness) -> None:
    c = harness.client
    admin, alice = harness.login(ADMIN), harness.login(ALICE)
    r = c.put(
        "/api/risk/limits", json={"max_open_positions": 1, "max_drawdown": 0.1}, headers=admin
    )
    assert r.status_code == 200
    assert c.get("/api/risk", headers=alice).json()["limits"]["max_open_positions"] == 1
    bad = c.put("/api/risk/limits", json={"max_drawdown": 7}, headers=admin)
    assert bad.status_code == 422


def test_market_exchanges_streams(harness: Harness) -> None:
    c = harness.client
    admin = harness.login(ADMIN)
    harness.push(300)
    m = c.get("/api/market?exchange=replay&symbol=ETHUSDT", headers=admin).json()
    assert m["symbol"] == "ETHUSDT" and float(m["bid"]) <= float(m["ask"])
    assert m["book"]["bids"] and m["book"]["asks"]
    assert c.get("/api/market?exchange=nope&symbol=X", headers=admin).status_code == 404
    ex = c.get("/api/exchanges", headers=admin).json()
    assert ex[0]["id"] == "replay" and set(ex[0]["symbols"]) == {"BTCUSDT", "ETHUSDT"}
    r = c.post("/api/streams/stop", json={"exchange": "replay", "symbol": "ETHUSDT"}, headers=admin)
    assert r.json() == {"exchange": "replay", "symbol": "ETHUSDT", "running": False}
    before = c.get("/api/market?exchange=replay&symbol=ETHUSDT", headers=admin).json()["ts"]
    harness.feed.push(harness.ticks.next(300))
    wait_for(
        lambda: c.get("/api/market?symbol=BTCUSDT", headers=admin).json()["ts"] > m["ts"],
        what="BTC ticks",
    )
    assert c.get("/api/market?exchange=replay&symbol=ETHUSDT", headers=admin).json()["ts"] == before
    assert (
        c.post(
            "/api/streams/start", json={"exchange": "kraken", "symbol": "BTCUSDT"}, headers=admin
        ).status_code
        == 404
    )


def test_credentials_are_masked(harness: Harness) -> None:
    c = harness.client
    alice = harness.login(ALICE)
    body = {
        "exchange": "binanceusdm",
        "label": "main",
        "api_key": "AKIA-secret-key-9876",
        "secret": "s3cr3t-value",
    }
    r = c.post("/api/credentials", json=body, headers=alice)
    assert r.status_code == 201, r.text
    assert r.json()["key_hint"].endswith("9876")
    listed = c.get("/api/credentials", headers=alice)
    assert "AKIA-secret-key" not in listed.text and "s3cr3t" not in listed.text
    cid = listed.json()[0]["id"]
    assert c.delete(f"/api/credentials/{cid}", headers=alice).status_code == 204
    assert c.get("/api/credentials", headers=alice).json() == []
    assert c.delete(f"/api/credentials/{cid}", headers=alice).status_code == 404


def test_backtest_runs_in_background(harness: Harness) -> None:
    c = harness.client
    alice = harness.login(ALICE)
    r = c.post(
        "/api/backtests", json={"data": "synthetic", "ticks": 20000, "seed": 3}, headers=alice
    )
    assert r.status_code == 202
    run_id = r.json()["id"]
    done = wait_for(
        lambda: (
            (b := c.get(f"/api/backtests/{run_id}", headers=alice).json())["status"]
            in ("done", "failed")
            and b
        ),
        timeout=60,
        what="backtest",
    )
    assert done["status"] == "done", done
    assert done["progress"] == 1.0 and "num_trades" in done["metrics"]
    assert len(c.get(f"/api/backtests/{run_id}/equity", headers=alice).json()) > 0
    assert [b["id"] for b in c.get("/api/backtests", headers=alice).json()] == [run_id]
    bad = c.post("/api/backtests", json={"data": "../etc/passwd"}, headers=alice).json()
    assert bad["status"] in ("queued", "running", "failed")


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/api/auth/login", {"username": "x"}),
        ("POST", "/api/auth/login", ["not", "an", "object"]),
        ("GET", "/api/trades?limit=100000", None),
        ("GET", "/api/trades?status=MAYBE", None),
        ("GET", "/api/trades?since=-5", None),
        ("POST", "/api/orders", {"symbol": "BTCUSDT", "side": "UP"}),
        ("POST", "/api/orders", {"symbol": "DOGE", "side": "LONG"}),
        ("POST", "/api/orders", {"symbol": "BTCUSDT", "side": "LONG", "qty": "-1"}),
        ("POST", "/api/users", {"username": "", "password": "x"}),
        ("DELETE", "/api/credentials/abc", None),
        ("POST", "/api/backtests", {"ticks": 10**12}),
    ],
)
def test_malformed_requests_get_4xx(harness: Harness, method: str, path: str, body: Any) -> None:
    admin = harness.login(ADMIN)
    r = harness.client.request(method, path, json=body, headers=admin)
    assert 400 <= r.status_code < 500, (r.status_code, r.text)
    assert "detail" in r.json()


def test_open_position_survives_a_restart(harness: Harness, tmp_path: Any) -> None:
    from api.main import create_app
    from fastapi.testclient import TestClient

    from quantum.config import Settings
    from quantum.runtime import ManualFeed, RuntimeOptions

    c = harness.client
    alice = harness.login(ALICE)
    harness.push(100)
    assert (
        c.post("/api/orders", json={"symbol": "ETHUSDT", "side": "LONG"}, headers=alice).status_code
        == 200
    )
    harness.push(20)
    before = c.get("/api/positions", headers=alice).json()
    assert len(before) == 1
    settings = harness.service.settings
    harness.client.__exit__(None, None, None)  # graceful shutdown: state saved, writer flushed

    app = create_app(
        Settings(data_dir=settings.data_dir),
        feed_factory=lambda: ManualFeed(("BTCUSDT", "ETHUSDT")),
        options=RuntimeOptions(),
        web_dir=tmp_path / "no-web",
    )
    with TestClient(app) as again:
        r = again.post("/api/auth/login", json={"username": ALICE[0], "password": ALICE[1]})
        after = again.get("/api/positions").json()
        assert r.status_code == 200
        assert [(p["symbol"], p["side"], p["size"], p["entry_price"]) for p in after] == [
            (p["symbol"], p["side"], p["size"], p["entry_price"]) for p in before
        ]


def test_cors_only_for_configured_origins(tmp_path: Any, template_db: Any) -> None:
    import shutil

    from api.main import create_app
    from fastapi.testclient import TestClient

    from quantum.config import Settings
    from quantum.runtime import ManualFeed

    shutil.copy(template_db, tmp_path / "quantum.db")
    settings = Settings(
        data_dir=tmp_path, cors_origins="http://localhost:5173", store_writer_process=False
    )
    assert settings.cors_origins == ["http://localhost:5173"]
    app = create_app(
        settings, feed_factory=lambda: ManualFeed(("BTCUSDT",)), web_dir=tmp_path / "w"
    )
    with TestClient(app) as c:
        ok = c.get("/api/health", headers={"Origin": "http://localhost:5173"})
        assert ok.headers.get("access-control-allow-origin") == "http://localhost:5173"
        bad = c.get("/api/health", headers={"Origin": "http://evil.example"})
        assert "access-control-allow-origin" not in bad.headers


def test_admin_assigns_automated_trading(harness: Harness) -> None:
    c = harness.client
    admin, alice = harness.login(ADMIN), harness.login(ALICE)
    alice_id = c.get("/api/auth/me", headers=alice).json()["id"]
    url = f"/api/users/{alice_id}/automation"
    assert c.put(url, json={"enabled": True}, headers=alice).status_code == 403
    assert c.put(url, json={"enabled": True}, headers=admin).json() == {
        "user_id": alice_id,
        "enabled": True,
    }
    assert (
        c.put("/api/users/9999/automation", json={"enabled": True}, headers=admin).status_code
        == 404
    )

    # Alice's strategies now trade by themselves: a position opens without any execute call.
    def opened() -> Any:
        positions = c.get("/api/positions", headers=alice).json()
        if not positions:
            harness.push(500)
        return positions

    wait_for(opened, timeout=60, what="an automated position")
    assert c.get("/api/signals?status=PENDING", headers=alice).json()["total"] == 0
    assert (harness.service.settings.data_dir / "automation.json").read_text() == f"[{alice_id}]"
    assert c.put(url, json={"enabled": False}, headers=admin).json()["enabled"] is False
