"""Store fixtures: every store test runs on SQLite and on a real MariaDB the tier starts itself.

MariaDB: found at /usr/sbin/mariadbd (installed from Debian when absent, in CI as root), started
on a private data dir and loopback port, stopped by PID at the end of the session. Locally the
MariaDB half is skipped with the reason when the server cannot start; with CI=true it fails.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from mariadb_server import MariaDBServer, start_mariadb
from sqlalchemy import bindparam, inspect, text
from sqlalchemy.orm import Session

from quantum.store import AccountMode, Role, Store, create_store_engine
from quantum.store.migrate import upgrade
from quantum.store.models import Base, User
from quantum.store.repositories.accounts import create_account

BACKENDS = ["sqlite", pytest.param("mariadb", marks=pytest.mark.integration)]


@pytest.fixture(scope="session")
def mariadb() -> Iterator[MariaDBServer]:
    """The session's shared MariaDB server (started only if a MariaDB test runs)."""
    server = start_mariadb()
    try:
        yield server
    finally:
        server.cleanup()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The backend under test: ``sqlite`` or ``mariadb``."""
    return str(request.param)


@pytest.fixture
def empty_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """URL of an empty database on the backend under test."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'quantum.db'}"
        return
    server: MariaDBServer = request.getfixturevalue("mariadb")
    url = server.create_database()
    try:
        yield url
    finally:
        server.drop_database(url)


@pytest.fixture(scope="session")
def mariadb_migrated(mariadb: MariaDBServer) -> str:
    """A database migrated once per session; ``store_url`` empties it after each test."""
    url = mariadb.create_database()
    upgrade(url)
    return url


def _empty_tables(url: str) -> None:
    """Delete every row the test wrote (cheaper than migrating a new MariaDB database per test)."""
    engine = create_store_engine(url)
    try:
        with engine.begin() as conn:
            for name in (
                set(inspect(conn).get_table_names())
                - set(Base.metadata.tables)
                - {"alembic_version"}
            ):
                conn.execute(text(f"DROP TABLE {name}"))  # tables a test created itself
            for table in reversed(Base.metadata.sorted_tables):
                if table.name != "exchanges":
                    conn.execute(table.delete())
            conn.execute(
                text("DELETE FROM exchanges WHERE id NOT IN :seeded").bindparams(
                    bindparam("seeded", expanding=True)
                ),
                {"seeded": list(SEEDED_EXCHANGES)},
            )
            conn.execute(text("UPDATE exchanges SET active = (id = 'binanceusdm')"))
    finally:
        engine.dispose()


SEEDED_EXCHANGES = ("binanceusdm", "bybit", "okx", "krakenfutures", "replay")


@pytest.fixture
def store_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """URL of a migrated database holding no rows but the seeded exchanges."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'quantum.db'}"
        upgrade(url)
        yield url
        return
    url = request.getfixturevalue("mariadb_migrated")
    try:
        yield url
    finally:
        _empty_tables(url)


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """A ``Store`` on a migrated database."""
    s = Store(store_url)
    try:
        yield s
    finally:
        s.dispose()


@pytest.fixture
def session(store: Store) -> Iterator[Session]:
    """A session; the test commits what it wants others to see."""
    with store.sessions() as s:
        yield s


@pytest.fixture(scope="session")
def password_hash() -> str:
    """One argon2 hash for the fixtures' users (hashing is deliberately slow)."""
    return PasswordHasher().hash("correct horse battery")


@pytest.fixture
def account(store: Store, password_hash: str) -> tuple[int, int]:
    """(user_id, account_id) of a fresh user with a paper account."""
    with store.session() as s:
        user = User(username="alice", password_hash=password_hash, role=Role.USER, is_active=True)
        s.add(user)
        s.flush()
        acct = create_account(s, user.id, "paper", AccountMode.PAPER)
        return user.id, acct.id
