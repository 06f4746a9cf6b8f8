"""``GET /api/equity``: bounded and evenly thinned, the default call from memory (which agrees
with the store), explicit ranges from the store, validation, isolation, and a restart."""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from api.main import create_app
from fastapi import FastAPI
from fastapi.testclient import TestClient

from quantum.config import Settings
from quantum.runtime import ManualFeed, RuntimeOptions
from quantum.store import EquityRecord
from quantum.store.repositories.equity import record_equity

from .conftest import ALICE, BOB, SYMBOLS, Harness, wait_for

SECOND = 1_000_000_000


def _account(harness: Harness, username: str) -> Any:
    return next(a for a in harness.service.runtime.accounts.values() if a.username == username)


def _store_history(harness: Harness, username: str, n: int, t0: int) -> list[tuple[int, str]]:
    """``n`` points one a second from ``t0``, written to the store (as an earlier run would have)."""
    acct = _account(harness, username)
    points = [(t0 + i * SECOND, f"{12345 + i}.{i % 100:02d}000000") for i in range(n)]
    records = [
        EquityRecord(
            user_id=acct.user_id,
            account_id=acct.account_id,
            ts_event=ts,
            equity=Decimal(eq),
            cash=Decimal(eq),
            unrealized_pnl=Decimal(0),
            peak_equity=Decimal(eq),
        )
        for ts, eq in points
    ]
    with harness.service.store.session() as s:
        for start in range(0, n, 2000):
            record_equity(s, records[start : start + 2000])
    return points


def _curve(client: TestClient, headers: dict[str, str], **params: Any) -> list[tuple[int, str]]:
    r = client.get("/api/equity", params=params, headers=headers)
    assert r.status_code == 200, r.text
    return [(p["ts"], p["equity"]) for p in r.json()]


def test_default_call_ends_at_the_newest_point_and_agrees_with_the_store(
    harness: Harness,
) -> None:
    alice = harness.login(ALICE)
    harness.push(200)
    wait_for(lambda: len(_curve(harness.client, alice)) >= 5, what="equity points")
    asked = time.time_ns()
    curve = _curve(harness.client, alice)
    assert len(curve) <= 1000
    # The newest status tick's point (one every 50 ms here), at the account's current equity.
    assert curve[-1][0] >= asked - 2 * SECOND
    risk = harness.client.get("/api/risk", headers=alice).json()
    assert curve[-1][1] == risk["equity"]
    memory = harness.service.runtime.equity_curve(_account(harness, "alice").user_id)
    assert memory is not None and memory.thinned(2)[-1][0] >= curve[-1][0]
    harness.flush()
    # Every point served from memory is stored with the same value.
    acct = _account(harness, "alice")
    stored = dict(_curve(harness.client, alice, since=0, points=10_000))
    assert all(stored[ts] == eq for ts, eq in curve), "memory and store disagree"
    assert acct.account_id in harness.service.runtime.equity_curves


def test_explicit_range_reads_the_store_bounded_and_in_order(harness: Harness) -> None:
    alice = harness.login(ALICE)
    t0 = 1_600_000_000 * SECOND
    history = _store_history(harness, "alice", 5000, t0)
    got = _curve(harness.client, alice, since=t0, until=t0 + 5000 * SECOND, points=300)
    assert 2 <= len(got) <= 300
    assert got[0] == history[0] and got[-1] == history[-1]
    assert [ts for ts, _ in got] == sorted({ts for ts, _ in got})
    assert set(got) <= set(history)
    default_size = _curve(harness.client, alice, since=t0)
    assert len(default_size) <= 1000 and default_size[0] == history[0]
    part = _curve(harness.client, alice, since=t0 + 100 * SECOND, until=t0 + 110 * SECOND)
    assert part == history[100:110]


@pytest.mark.parametrize(
    "query",
    [
        "points=1",
        "points=0",
        "points=10001",
        "points=many",
        "since=-1",
        "until=5&since=5",
        "until=4&since=5",
    ],
)
def test_bad_parameters_get_422_with_a_message(harness: Harness, query: str) -> None:
    alice = harness.login(ALICE)
    r = harness.client.get(f"/api/equity?{query}", headers=alice)
    assert r.status_code == 422, r.text
    assert r.json()["detail"]


def test_a_user_sees_only_their_own_curve(harness: Harness) -> None:
    alice, bob = harness.login(ALICE), harness.login(BOB)
    t0 = 1_600_000_000 * SECOND
    history = set(_store_history(harness, "alice", 50, t0))
    wait_for(lambda: _curve(harness.client, bob), what="bob's equity points")
    for params in ({}, {"since": t0}, {"since": t0, "until": t0 + 50 * SECOND}):
        assert not set(_curve(harness.client, bob, **params)) & history
    assert set(_curve(harness.client, alice, since=t0, until=t0 + 50 * SECOND)) == history


def _restarted(harness: Harness, tmp_path: Path) -> FastAPI:
    """Stop the harness's service (graceful: the writer flushes) and make a new app on its data."""
    settings = harness.service.settings
    harness.client.__exit__(None, None, None)
    return create_app(
        Settings(data_dir=settings.data_dir),
        feed_factory=lambda: ManualFeed(SYMBOLS),
        options=RuntimeOptions(),
        web_dir=tmp_path / "no-web",
    )


def test_a_restart_goes_on_from_the_stored_curve(harness: Harness, tmp_path: Path) -> None:
    alice = harness.login(ALICE)
    wait_for(lambda: len(_curve(harness.client, alice)) >= 5, what="equity points")
    with TestClient(_restarted(harness, tmp_path)) as again:
        # The old service's last in-memory points may be newer than its last status tick's
        # write only if the writer lost them; it flushed, so the store has them all.
        before = _curve(again, again_login(again), since=0, points=10_000)
        after = _curve(again, again_login(again))
        assert len(before) >= 5
        assert after[: len(before)] == before


def test_a_restart_with_a_long_history_serves_a_bounded_curve_from_memory(
    harness: Harness, tmp_path: Path
) -> None:
    t0 = time.time_ns() - 40_000 * SECOND  # 30,000 points ending hours before now
    history = _store_history(harness, "alice", 30_000, t0)
    with TestClient(_restarted(harness, tmp_path)) as again:
        alice = again_login(again)
        curve = _curve(again, alice)
        assert 500 <= len(curve) <= 1000
        assert curve[0] == history[0]
        assert [ts for ts, _ in curve] == sorted({ts for ts, _ in curve})
        # Beside the stored points, only the new run's own (newer) status ticks.
        assert all(ts > history[-1][0] for ts, eq in set(curve) - set(history))
        small = _curve(again, alice, points=10)
        assert len(small) <= 10 and small[0] == history[0] and small[-1] == curve[-1]
        # More points than memory serves: the store answers, bounded too.
        big = _curve(again, alice, points=5000)
        assert 1000 < len(big) <= 5000 and big[0] == history[0]


def again_login(client: TestClient) -> dict[str, str]:
    r = client.post("/api/auth/login", json={"username": ALICE[0], "password": ALICE[1]})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}
