"""uncovered_repositories: the repositories an installation no longer covers, so that a late
delivery for one of them routes to nothing

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-28 20:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "uncovered_repositories",
        sa.Column("installation_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("repository", sa.String(256), nullable=False),
        sa.Column("removed_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("installation_id", "repository"),
    )


def downgrade() -> None:
    op.drop_table("uncovered_repositories")
