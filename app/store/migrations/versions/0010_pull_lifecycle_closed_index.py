"""pull_lifecycle: an index on closed_at, so the dashboard's window query (opened, merged or
closed in the window) uses indexes for all three instead of scanning the table

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28 15:55:00
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_pull_lifecycle_closed", "pull_lifecycle", ["closed_at"])


def downgrade() -> None:
    op.drop_index("ix_pull_lifecycle_closed", table_name="pull_lifecycle")
