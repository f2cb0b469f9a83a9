"""merge_queue: the pull requests waiting to merge, per repository and base branch

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "merge_queue",
        sa.Column("repository", sa.String(length=256), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("base_ref", sa.String(length=256), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("enqueued_at", sa.Double(), nullable=False),
        sa.Column("touched_at", sa.Double(), nullable=False),
        sa.Column("requested_by", sa.String(length=256), nullable=True),
        sa.PrimaryKeyConstraint("repository", "number"),
    )
    op.create_index(
        "ix_merge_queue_order",
        "merge_queue",
        ["repository", "base_ref", "priority", "enqueued_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_merge_queue_order", table_name="merge_queue")
    op.drop_table("merge_queue")
