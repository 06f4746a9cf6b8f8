"""Alembic migrations, run programmatically (no alembic.ini needed in the working directory)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from quantum.errors import StoreError
from quantum.store.db import Store, create_store_engine

__all__ = ["current_revision", "head_revision", "open_store", "upgrade"]

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def _config(engine: Engine | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if engine is not None:
        cfg.attributes["engine"] = engine
    return cfg


def head_revision() -> str:
    """The newest revision shipped with this version."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(url: str | None = None) -> str | None:
    """The revision the database at ``url`` is at (None when never migrated)."""
    engine = create_store_engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot read the schema revision: {exc}") from exc
    finally:
        engine.dispose()


def upgrade(url: str | None = None, revision: str = "head") -> str:
    """Migrate the database at ``url`` (default: the configured store) to ``revision``.

    Returns the revision reached. Idempotent: running it on an up-to-date database changes nothing.
    """
    engine = create_store_engine(url)
    try:
        command.upgrade(_config(engine), revision)
        with engine.connect() as conn:
            reached = MigrationContext.configure(conn).get_current_revision()
    except SQLAlchemyError as exc:
        raise StoreError(f"database migration failed: {exc}") from exc
    finally:
        engine.dispose()
    return reached or ""


def open_store(url: str | None = None) -> Store:
    """Migrate the store at ``url`` (default: the configured one) to the newest schema and open it.

    What the service and the runtime call at start.
    """
    upgrade(url)
    return Store(url)
