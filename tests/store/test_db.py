"""Engines: SQLite pragmas, foreign keys, URL validation."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from quantum.config import Settings
from quantum.errors import ConfigError
from quantum.store import Store, create_store_engine
from quantum.store.db import store_url


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    engine = create_store_engine(f"sqlite:///{tmp_path / 'sub' / 'q.db'}")
    try:
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
            assert conn.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
        assert (tmp_path / "sub" / "q.db").exists()
    finally:
        engine.dispose()


def test_foreign_keys_are_enforced(store: Store) -> None:
    with pytest.raises(IntegrityError), store.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO accounts (user_id, name, mode, created_at) "
                "VALUES (999, 'x', 'paper', :t)"
            ),
            {"t": "2024-01-01 00:00:00"},
        )


def test_default_url_is_sqlite_in_the_data_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, database_url=None)
    assert store_url(settings) == f"sqlite:///{(tmp_path / 'quantum.db').resolve()}"
    assert Settings(data_dir=tmp_path, database_url="  ").database_url is None


@pytest.mark.parametrize(
    "url",
    ["not a url", "mysql+mysqldb://u:p@127.0.0.1/db", "oracle+oracledb://u:p@h/db"],
)
def test_bad_urls_raise_config_error(url: str) -> None:
    with pytest.raises(ConfigError):
        create_store_engine(url)
