"""Login sessions survive a restart; market snapshots keep the quote and the top of the book.

- ``user_sessions``: one row per login, holding the SHA-256 of the token (never the token).
- ``market_snapshots`` gains ``bid``/``ask`` (+ sizes), the top ``book`` levels and ``ts_recv``.
- The embedded feed's exchange id ``replay`` is registered, so its snapshots satisfy the foreign key.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 13:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import quantum.store.sqltypes

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BIGINT_PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "user_sessions",
        sa.Column("id", _BIGINT_PK, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_ts", sa.BigInteger(), nullable=False),
        sa.Column("expires_ts", sa.BigInteger(), nullable=False),
        sa.Column("last_seen_ts", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_user_sessions_token_hash")),
    )
    with op.batch_alter_table("user_sessions") as batch:
        batch.create_index("ix_user_sessions_user_id", ["user_id"], unique=False)
        batch.create_index("ix_user_sessions_expires_ts", ["expires_ts"], unique=False)

    amount = quantum.store.sqltypes.Amount(precision=20, scale=8)
    big_amount = quantum.store.sqltypes.Amount(precision=28, scale=8)
    with op.batch_alter_table("market_snapshots") as batch:
        batch.add_column(sa.Column("bid", amount, nullable=True))
        batch.add_column(sa.Column("ask", amount, nullable=True))
        batch.add_column(sa.Column("bid_qty", big_amount, nullable=True))
        batch.add_column(sa.Column("ask_qty", big_amount, nullable=True))
        batch.add_column(sa.Column("book", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("ts_recv", sa.BigInteger(), nullable=True))

    exchanges = sa.table(
        "exchanges",
        sa.column("id", sa.String),
        sa.column("name", sa.String),
        sa.column("type", sa.String),
        sa.column("active", sa.Boolean),
        sa.column("available", sa.Boolean),
    )
    op.bulk_insert(
        exchanges,
        [
            {
                "id": "replay",
                "name": "Embedded feed (recording or synthetic)",
                "type": "swap",
                "active": False,
                "available": True,
            }
        ],
    )


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM market_snapshots WHERE exchange_id = 'replay'"))
    op.execute(sa.text("DELETE FROM exchanges WHERE id = 'replay'"))
    with op.batch_alter_table("market_snapshots") as batch:
        for name in ("ts_recv", "book", "ask_qty", "bid_qty", "ask", "bid"):
            batch.drop_column(name)
    with op.batch_alter_table("user_sessions") as batch:
        batch.drop_index("ix_user_sessions_expires_ts")
        batch.drop_index("ix_user_sessions_user_id")
    op.drop_table("user_sessions")
