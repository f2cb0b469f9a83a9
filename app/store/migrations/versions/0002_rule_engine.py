"""rule engine: configuration generations and per-PR memory

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 08:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "config_generations",
        sa.Column("repository", sa.String(length=256), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("repository"),
    )
    op.create_table(
        "pull_memories",
        sa.Column("subject_key", sa.String(length=512), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("subject_key"),
    )


def downgrade() -> None:
    op.drop_table("pull_memories")
    op.drop_table("config_generations")
