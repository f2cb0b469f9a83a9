"""onboarding: the repositories paasbot offers a "Configure paasbot" pull request

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 14:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "onboarding",
        sa.Column("repository", sa.String(length=256), nullable=False),
        sa.Column("installation_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("pull_number", sa.Integer(), nullable=True),
        sa.Column("requested_by", sa.String(length=256), nullable=True),
        sa.Column("opened_at", sa.Double(), nullable=True),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.Column("updated_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("repository"),
    )
    op.create_index("ix_onboarding_installation", "onboarding", ["installation_id", "status"])


def downgrade() -> None:
    op.drop_index("ix_onboarding_installation", table_name="onboarding")
    op.drop_table("onboarding")
