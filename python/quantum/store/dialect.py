"""The one place with dialect-specific SQL: idempotent "insert or update / ignore" statements.

Standard SQL has no portable upsert; SQLite (and PostgreSQL) spell it ``ON CONFLICT``, the MySQL
family (MySQL 8, MariaDB, TiDB) ``ON DUPLICATE KEY UPDATE``. Everything else in the store is
dialect-neutral. Rows are executed as one ``executemany`` per call; statements are built once per
table and shape and reused (building the ``excluded`` alias is not free).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any, Literal

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.sql.expression import ColumnElement

from quantum.errors import StoreError

__all__ = ["increment", "insert_ignore", "upsert"]

Row = Mapping[str, Any]
_Mode = Literal["set", "ignore", "add"]


@lru_cache(maxsize=128)
def _statement(
    dialect: str, table: Table, keys: tuple[str, ...], cols: tuple[str, ...], mode: _Mode
) -> Any:
    if dialect in ("sqlite", "postgresql"):
        lite = (sqlite.insert if dialect == "sqlite" else postgresql.insert)(table)
        if mode == "ignore":
            return lite.on_conflict_do_nothing(index_elements=list(keys))
        sets: dict[str, ColumnElement[Any]] = {
            c: (table.c[c] + lite.excluded[c]) if mode == "add" else lite.excluded[c] for c in cols
        }
        return lite.on_conflict_do_update(index_elements=list(keys), set_=sets)
    if dialect in ("mysql", "mariadb"):
        my = mysql.insert(table)
        if mode == "ignore":
            # Not INSERT IGNORE: that would also turn bad values into warnings. A no-op update
            # of the key column skips only the duplicate.
            return my.on_duplicate_key_update({keys[0]: table.c[keys[0]]})
        sets = {c: (table.c[c] + my.inserted[c]) if mode == "add" else my.inserted[c] for c in cols}
        return my.on_duplicate_key_update(sets)
    raise StoreError(f"no upsert for database dialect {dialect!r}")


def _run(
    conn: Connection,
    table: Table,
    rows: Sequence[Row],
    keys: Sequence[str],
    cols: Sequence[str],
    mode: _Mode,
) -> None:
    if rows:
        stmt = _statement(conn.dialect.name, table, tuple(keys), tuple(cols), mode)
        conn.execute(stmt, list(rows))


def upsert(
    conn: Connection,
    table: Table,
    rows: Sequence[Row],
    keys: Sequence[str],
    update: Sequence[str],
) -> None:
    """Insert ``rows``; where a row's unique ``keys`` exist, overwrite its ``update`` columns."""
    _run(conn, table, rows, keys, update, "set" if update else "ignore")


def insert_ignore(conn: Connection, table: Table, rows: Sequence[Row], keys: Sequence[str]) -> None:
    """Insert ``rows``, skipping those whose unique ``keys`` exist (other errors still raise)."""
    _run(conn, table, rows, keys, (), "ignore")


def increment(
    conn: Connection, table: Table, rows: Sequence[Row], keys: Sequence[str], add: Sequence[str]
) -> None:
    """Insert ``rows``; where the ``keys`` exist, add the ``add`` columns to the stored values."""
    _run(conn, table, rows, keys, add, "add")
