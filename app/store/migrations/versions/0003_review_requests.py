"""review requests: the ledger that reviewer assignment reads (round robin, load balance)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "review_requests",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("scope", sa.String(length=256), nullable=False),
        sa.Column("repository", sa.String(length=256), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("login", sa.String(length=256), nullable=False),
        sa.Column("requested_at", sa.Double(), nullable=False),
        sa.Column("completed_at", sa.Double(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("review_requests", schema=None) as batch_op:
        batch_op.create_index(
            "ix_review_requests_pull", ["repository", "number", "completed_at"], unique=False
        )
        batch_op.create_index(
            "ix_review_requests_scope_login",
            ["scope", "login", "requested_at", "completed_at"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("review_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_review_requests_scope_login")
        batch_op.drop_index("ix_review_requests_pull")

    op.drop_table("review_requests")
