"""Positions keep the funding paid while open, so recovery restores it exactly.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 11:55:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import quantum.store.sqltypes

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("positions") as batch:
        batch.add_column(
            sa.Column(
                "funding", quantum.store.sqltypes.Amount(precision=28, scale=8), nullable=True
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("positions") as batch:
        batch.drop_column("funding")
