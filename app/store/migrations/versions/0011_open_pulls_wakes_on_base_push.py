"""open_pulls.wakes_on_base_push: whether a push to a PR's base branch can change what its
rules decide (set by each evaluation; true until the first one says otherwise)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("open_pulls") as batch:
        batch.add_column(
            sa.Column("wakes_on_base_push", sa.Boolean(), nullable=False, server_default=sa.true())
        )


def downgrade() -> None:
    with op.batch_alter_table("open_pulls") as batch:
        batch.drop_column("wakes_on_base_push")
