"""Each strategy's trade statistics (real and shadow trades) survive a restart, so Kelly sizes it
from its own record instead of starting again from the fixed fraction.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 23:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("account_state") as batch:
        batch.add_column(sa.Column("strategy_stats", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("account_state") as batch:
        batch.drop_column("strategy_stats")
