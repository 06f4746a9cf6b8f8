"""The one place with dialect-specific SQL: idempotent "insert or update / ignore" statements.

Standard SQL has no portable upsert; SQLite (and PostgreSQL) spell it ``ON CONFLICT``, the MySQL
family (MySQL 8, MariaDB, TiDB) ``ON DUPLICATE KEY UPDATE``. Everything else in the store is
dialect-neutral. Rows are executed as one ``executemany`` per call.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.sql.expression import ColumnElement

from quantum.errors import StoreError

__all__ = ["increment", "insert_ignore", "upsert"]

Row = Mapping[str, Any]


def upsert(
    conn: Connection,
    table: Table,
    rows: Sequence[Row],
    keys: Sequence[str],
    update: Sequence[str],
) -> None:
    """Insert ``rows``; where a row's unique ``keys`` exist, overwrite its ``update`` columns."""
    if not rows:
        return
    if not update:
        insert_ignore(conn, table, rows, keys)
        return
    name = conn.dialect.name
    if name in ("sqlite", "postgresql"):
        lite = (sqlite.insert if name == "sqlite" else postgresql.insert)(table)
        stmt: Any = lite.on_conflict_do_update(
            index_elements=list(keys), set_={c: lite.excluded[c] for c in update}
        )
    elif name in ("mysql", "mariadb"):
        my = mysql.insert(table)
        stmt = my.on_duplicate_key_update({c: my.inserted[c] for c in update})
    else:
        raise StoreError(f"no upsert for database dialect {name!r}")
    conn.execute(stmt, list(rows))


def insert_ignore(conn: Connection, table: Table, rows: Sequence[Row], keys: Sequence[str]) -> None:
    """Insert ``rows``, skipping those whose unique ``keys`` exist (other errors still raise)."""
    if not rows:
        return
    name = conn.dialect.name
    if name in ("sqlite", "postgresql"):
        stmt: Any = (sqlite.insert if name == "sqlite" else postgresql.insert)(
            table
        ).on_conflict_do_nothing(index_elements=list(keys))
    elif name in ("mysql", "mariadb"):
        # Not INSERT IGNORE: that would also turn bad values into warnings. A no-op update of
        # the key column skips only the duplicate.
        stmt = mysql.insert(table).on_duplicate_key_update({keys[0]: table.c[keys[0]]})
    else:
        raise StoreError(f"no insert-ignore for database dialect {name!r}")
    conn.execute(stmt, list(rows))


def increment(
    conn: Connection, table: Table, rows: Sequence[Row], keys: Sequence[str], add: Sequence[str]
) -> None:
    """Insert ``rows``; where the ``keys`` exist, add the ``add`` columns to the stored values."""
    if not rows:
        return
    name = conn.dialect.name
    sets: dict[str, ColumnElement[Any]]
    if name in ("sqlite", "postgresql"):
        lite = (sqlite.insert if name == "sqlite" else postgresql.insert)(table)
        sets = {c: table.c[c] + lite.excluded[c] for c in add}
        stmt: Any = lite.on_conflict_do_update(index_elements=list(keys), set_=sets)
    elif name in ("mysql", "mariadb"):
        my = mysql.insert(table)
        sets = {c: table.c[c] + my.inserted[c] for c in add}
        stmt = my.on_duplicate_key_update(sets)
    else:
        raise StoreError(f"no increment-upsert for database dialect {name!r}")
    conn.execute(stmt, list(rows))
