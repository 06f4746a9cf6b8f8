"""Engines and sessions for the store: SQLite by default, MySQL 8 / MariaDB / TiDB by URL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from quantum.config import Settings, get_settings
from quantum.errors import ConfigError

__all__ = ["Store", "create_store_engine", "store_url"]

# MySQL-family sessions run strict (a bad value is an error, never silently truncated) and in UTC.
_MYSQL_INIT = (
    "SET SESSION sql_mode='STRICT_TRANS_TABLES,NO_ZERO_DATE,NO_ZERO_IN_DATE,"
    "ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION', time_zone='+00:00'"
)


def store_url(settings: Settings | None = None) -> str:
    """The configured store URL (``QUANTUM_DATABASE_URL`` or the SQLite file in the data dir)."""
    return (settings or get_settings()).resolved_database_url()


def _parse(url: str | URL) -> URL:
    try:
        return make_url(url)
    except ArgumentError as exc:
        raise ConfigError(f"invalid database URL: {exc}") from None


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        # WAL: readers (the API) never block the writer. synchronous=FULL: a committed batch
        # survives a power cut too, not only a process crash. foreign_keys is off by default.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
    finally:
        cursor.close()


def create_store_engine(url: str | URL | None = None, *, echo: bool = False) -> Engine:
    """Create an engine for ``url`` (default: the configured store) with the store's settings.

    SQLite gets WAL mode and foreign keys (on every connection, via a connect event) and its file's
    directory is created. MySQL-family URLs must use the ``pymysql`` driver; connections are
    pre-pinged, time out quickly (so the writer notices an outage and backs off) and run strict
    in UTC.
    """
    parsed = _parse(url if url is not None else store_url())
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, echo=echo, connect_args={"timeout": 5.0})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if backend in ("mysql", "mariadb"):
        if parsed.get_driver_name() != "pymysql":
            raise ConfigError(
                "MySQL-family URLs must use the pymysql driver (mysql+pymysql://...), "
                f"got {parsed.drivername!r}"
            )
        return create_engine(
            parsed,
            echo=echo,
            pool_pre_ping=True,
            pool_recycle=3600,
            connect_args={
                "charset": "utf8mb4",
                "connect_timeout": 3,
                "read_timeout": 30,
                "write_timeout": 30,
                "init_command": _MYSQL_INIT,
            },
        )
    raise ConfigError(f"unsupported database backend {backend!r}: use sqlite or mysql+pymysql")


class Store:
    """An engine plus its session factory; the object the runtime and the API share."""

    def __init__(self, url: str | URL | None = None, *, echo: bool = False) -> None:
        self.engine: Engine = create_store_engine(url, echo=echo)
        self.sessions: sessionmaker[Session] = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def backend(self) -> str:
        """``sqlite`` or ``mysql`` (MariaDB and TiDB report ``mysql``)."""
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in a transaction: committed on success, rolled back on error."""
        with self.sessions.begin() as session:
            yield session

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
