"""The runtime stores market snapshots periodically, and the market API falls back to them."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from api.main import create_app
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from quantum.config import Settings
from quantum.runtime import ManualFeed, RuntimeOptions
from quantum.store.models import MarketSnapshot
from tests.api.conftest import ADMIN, SYMBOLS, LiveTicks, wait_for


@dataclass
class Life:
    client: TestClient
    feed: ManualFeed
    headers: dict[str, str]

    @property
    def service(self) -> Any:
        return self.client.app.state.service  # type: ignore[attr-defined]

    def push(self, ticks: LiveTicks, count: int) -> None:
        target = self.service.runtime.ticks_processed + count
        self.feed.push(ticks.next(count))
        wait_for(lambda: self.service.runtime.ticks_processed >= target, what="ticks processed")

    def market(self, symbol: str, exchange: str = "replay") -> Any:
        return self.client.get(
            f"/api/market?exchange={exchange}&symbol={symbol}", headers=self.headers
        )

    def snapshots(self) -> list[MarketSnapshot]:
        assert self.service.writer.flush(10.0)
        with self.service.store.session() as s:
            rows = s.scalars(select(MarketSnapshot).order_by(MarketSnapshot.id)).all()
            s.expunge_all()
            return list(rows)


@pytest.fixture
def data_dir(tmp_path: Path, template_db: Path) -> Path:
    shutil.copy(template_db, tmp_path / "quantum.db")
    return tmp_path


@contextmanager
def running(data_dir: Path, interval: float = 0.05) -> Iterator[Life]:
    feed = ManualFeed(SYMBOLS)
    app = create_app(
        Settings(data_dir=data_dir, secret_key="k" * 40),
        feed_factory=lambda: feed,
        options=RuntimeOptions(status_interval_s=0.05, snapshot_interval_s=interval),
        web_dir=data_dir / "no-web",
    )
    with TestClient(app) as client:
        r = client.post("/api/auth/login", json={"username": ADMIN[0], "password": ADMIN[1]})
        assert r.status_code == 200, r.text
        yield Life(client, feed, {"Authorization": f"Bearer {r.json()['token']}"})


def test_snapshots_are_written_at_the_interval_and_only_when_the_market_moved(
    data_dir: Path,
) -> None:
    ticks = LiveTicks()
    with running(data_dir) as life:
        life.push(ticks, 500)
        rows = wait_for(
            lambda: {r.symbol for r in life.snapshots()} == set(SYMBOLS) and life.snapshots(),
            what="a snapshot of each symbol",
        )
        for symbol in SYMBOLS:
            live = life.market(symbol).json()
            row = [r for r in rows if r.symbol == symbol][-1]
            m = life.service.runtime.markets[symbol]
            assert row.exchange_id == "replay"
            assert (row.ts_event, row.ts_recv) == (m.ts_event, m.ts) and row.ts_recv == live["ts"]
            assert f"{row.price:f}" == live["price"]
            assert (f"{row.bid:f}", f"{row.ask:f}") == (live["bid"], live["ask"])
            assert row.book == live["book"]
            assert row.volume_24h is not None and f"{row.volume_24h:f}" == live["volume_24h"]
        # No tick, no new snapshot: several intervals later the table has not grown.
        count = len(life.snapshots())
        time.sleep(0.3)
        assert len(life.snapshots()) == count
        life.push(ticks, 200)
        wait_for(lambda: len(life.snapshots()) > count, what="a snapshot after new ticks")


def test_after_a_restart_the_market_api_answers_from_the_store(data_dir: Path) -> None:
    ticks = LiveTicks()
    with running(data_dir, interval=60.0) as life:
        life.push(ticks, 400)
        before = {s: life.market(s).json() for s in SYMBOLS}
        assert all(b["price"] is not None for b in before.values())
    # Shutdown stored the last snapshot even though the interval never elapsed.
    with running(data_dir, interval=60.0) as life:
        assert not life.service.runtime.has_market("replay", "BTCUSDT")
        for symbol in SYMBOLS:
            r = life.market(symbol)
            assert r.status_code == 200
            assert r.json() == before[symbol]
            history = life.client.get(
                f"/api/market/history?symbol={symbol}", headers=life.headers
            ).json()
            assert history == [{"ts": before[symbol]["ts"], "price": before[symbol]["price"]}]
        assert life.market("NOPE").status_code == 404
        assert life.market("BTCUSDT", exchange="okx").status_code == 404
        # Once the stream ticks again, the live market takes over.
        life.push(ticks, 100)
        after = life.market("BTCUSDT").json()
        assert after["ts"] > before["BTCUSDT"]["ts"]
        assert after["ts"] == life.service.runtime.markets["BTCUSDT"].ts


def test_snapshots_can_be_turned_off(data_dir: Path) -> None:
    ticks = LiveTicks()
    with running(data_dir, interval=0) as life:
        life.push(ticks, 300)
        time.sleep(0.2)
        assert life.snapshots() == []
    with running(data_dir, interval=0) as life, life.service.store.session() as s:
        assert s.scalar(select(func.count()).select_from(MarketSnapshot)) == 0
