"""Alembic environment of the store; ``quantum.store.migrate`` passes the engine in."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, Engine

from quantum.store.db import create_store_engine
from quantum.store.models import Base

target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite alters tables by copying them; batch mode does that transparently.
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _main() -> None:
    config = context.config
    engine = config.attributes.get("engine")
    if context.is_offline_mode():
        context.configure(
            url=config.get_main_option("sqlalchemy.url"),
            target_metadata=target_metadata,
            literal_binds=True,
            render_as_batch=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    owned = not isinstance(engine, Engine)
    if owned:
        engine = create_store_engine(config.get_main_option("sqlalchemy.url"))
    assert isinstance(engine, Engine)
    try:
        with engine.connect() as connection:
            _run(connection)
            connection.commit()
    finally:
        if owned:
            engine.dispose()


_main()
