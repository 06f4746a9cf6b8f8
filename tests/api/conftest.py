"""An app on a manual feed (ticks pushed by the test), a temporary SQLite store, two users."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from api.main import create_app
from fastapi.testclient import TestClient

from quantum.config import Settings
from quantum.data import TickColumns, generate
from quantum.engine import EngineConfig, FeatureConfig
from quantum.runtime import ManualFeed, RuntimeOptions
from quantum.store import Role, open_store
from quantum.store.repositories.users import create_user

SYMBOLS = ("BTCUSDT", "ETHUSDT")
ADMIN = ("admin", "admin-password-1")
ALICE = ("alice", "alice-password-1")
BOB = ("bob", "bob-password-12")


def wait_for(condition: Callable[[], Any], timeout: float = 10.0, what: str = "condition") -> Any:
    """Poll ``condition`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.01)


class LiveTicks:
    """The synthetic market re-stamped to the present, served in consecutive slices.

    A slice arrives now, its ticks 1 µs apart (``ts_recv``), each ``ts_event`` its recorded
    latency earlier but never before the previous tick's: a test pushes far faster than the
    market's own clock, so the harness runs the engine with ``features.bar_ns = 0`` (each tick a
    bar), and event time never runs backwards (nothing the sanitizer should refuse).
    """

    def __init__(self, n: int = 60_000, seed: int = 11) -> None:
        self.ticks = generate(n, seed=seed, symbols=SYMBOLS, tick_interval_ns=1_000_000)
        self.pos = 0
        self.last_event = 0

    def next(self, count: int) -> TickColumns:
        cols = {k: v[self.pos : self.pos + count] for k, v in self.ticks.columns.items()}
        self.pos += count
        latency = cols["ts_recv"] - cols["ts_event"]
        now = time.time_ns()
        recv = now + np.arange(len(latency), dtype=np.int64) * 1_000
        event = np.maximum.accumulate(np.maximum(recv - latency, self.last_event))
        if len(event):
            self.last_event = int(event[-1])
        cols["ts_recv"] = recv
        cols["ts_event"] = event
        return TickColumns(cols, SYMBOLS)


#: The engine the harness runs: strategies only signal, and their windows count ticks.
HARNESS_ENGINE = EngineConfig(auto_execute=False, features=FeatureConfig(bar_ns=0))


@dataclass
class Harness:
    client: TestClient
    feed: ManualFeed
    ticks: LiveTicks
    app: Any

    @property
    def service(self) -> Any:
        return self.app.state.service

    def push(self, count: int) -> None:
        """Push ``count`` ticks and wait until the runtime has processed them."""
        target = self.service.runtime.ticks_processed + count
        self.feed.push(self.ticks.next(count))
        wait_for(lambda: self.service.runtime.ticks_processed >= target, what="ticks processed")

    def login(self, user: tuple[str, str]) -> dict[str, str]:
        r = self.client.post("/api/auth/login", json={"username": user[0], "password": user[1]})
        assert r.status_code == 200, r.text
        return {"Authorization": f"Bearer {r.json()['token']}"}

    def flush(self) -> None:
        assert self.service.writer.flush(10.0)


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated store with the three users, made once and copied by each test (migrating is slow)."""
    path = tmp_path_factory.mktemp("template") / "quantum.db"
    store = open_store(f"sqlite:///{path}")
    with store.session() as session:
        create_user(session, ADMIN[0], ADMIN[1], Role.ADMIN)
        create_user(session, ALICE[0], ALICE[1])
        create_user(session, BOB[0], BOB[1])
    store.dispose()
    return path


@pytest.fixture
def harness(tmp_path: Path, template_db: Path) -> Iterator[Harness]:
    """The service as an operator left it: automation chosen off for every account (the
    strategies only signal), so the tests decide when anything trades."""
    (tmp_path / "automation.json").write_text("[]")
    yield from _harness(tmp_path, template_db)


@pytest.fixture
def fresh_harness(tmp_path: Path, template_db: Path) -> Iterator[Harness]:
    """The service on a fresh start: no automation choice stored yet."""
    yield from _harness(tmp_path, template_db)


def _harness(tmp_path: Path, template_db: Path) -> Iterator[Harness]:
    shutil.copy(template_db, tmp_path / "quantum.db")
    settings = Settings(
        data_dir=tmp_path,
        admin_user=ADMIN[0],
        admin_password=ADMIN[1],
        secret_key="k" * 40,
        # Commits in the writer's thread: a child process per test would add a second or more
        # to each. The child process (the service's default) is covered by the store writer's
        # tests, the restart tests (test_api, test_market_snapshots) and the e2e service test.
        store_writer_process=False,
    )
    feed = ManualFeed(SYMBOLS)
    options = RuntimeOptions(engine_config=HARNESS_ENGINE, status_interval_s=0.05, queue_size=256)
    app = create_app(
        settings, feed_factory=lambda: feed, options=options, web_dir=tmp_path / "no-web"
    )
    with TestClient(app) as client:
        yield Harness(client, feed, LiveTicks(), app)
