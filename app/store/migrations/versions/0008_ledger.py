"""ledger: pull request lifecycles, their reviews, deployments, actions, repositories' teams

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pull_lifecycle",
        sa.Column("repository", sa.String(length=256), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("base", sa.String(length=256), nullable=False),
        sa.Column("opened_at", sa.Double(), nullable=False),
        sa.Column("ready_at", sa.Double(), nullable=True),
        sa.Column("first_review_at", sa.Double(), nullable=True),
        sa.Column("approved_at", sa.Double(), nullable=True),
        sa.Column("merged_at", sa.Double(), nullable=True),
        sa.Column("closed_at", sa.Double(), nullable=True),
        sa.Column("reopened_at", sa.Double(), nullable=True),
        sa.Column("first_commit_at", sa.Double(), nullable=True),
        sa.Column("additions", sa.Integer(), nullable=True),
        sa.Column("deletions", sa.Integer(), nullable=True),
        sa.Column("changed_files", sa.Integer(), nullable=True),
        sa.Column("sized_at", sa.Double(), nullable=True),
        sa.Column("based_at", sa.Double(), nullable=True),
        sa.Column("review_rounds", sa.Integer(), nullable=False),
        sa.Column("by_bot", sa.Integer(), nullable=False),
        sa.Column("merge_sha", sa.String(length=64), nullable=True),
        sa.Column("updated_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("repository", "number"),
    )
    op.create_index("ix_pull_lifecycle_merged", "pull_lifecycle", ["merged_at"])
    op.create_index("ix_pull_lifecycle_opened", "pull_lifecycle", ["opened_at"])
    op.create_table(
        "pull_reviews",
        sa.Column("repository", sa.String(length=256), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("submitted_at", sa.Double(), nullable=False),
        sa.Column("by_author", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("repository", "number", "review_id"),
    )
    op.create_table(
        "deployments",
        sa.Column("repository", sa.String(length=256), nullable=False),
        sa.Column("deployment_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("status_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("environment", sa.String(length=256), nullable=False),
        sa.Column("sha", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("repository", "deployment_id", "status_id"),
    )
    op.create_index("ix_deployments_at", "deployments", ["at"])
    op.create_table(
        "action_ledger",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("repository", sa.String(length=256), nullable=False),
        sa.Column("number", sa.Integer(), nullable=True),
        sa.Column("rule", sa.Text(), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("at", sa.Double(), nullable=False),
        sa.Column("installation_id", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_action_ledger_at", "action_ledger", ["at"])
    op.create_table(
        "repository_teams",
        sa.Column("repository", sa.String(length=256), nullable=False),
        sa.Column("team", sa.String(length=256), nullable=False),
        sa.Column("permission", sa.String(length=32), nullable=False),
        sa.Column("refreshed_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("repository", "team"),
    )


def downgrade() -> None:
    op.drop_table("repository_teams")
    op.drop_index("ix_action_ledger_at", table_name="action_ledger")
    op.drop_table("action_ledger")
    op.drop_index("ix_deployments_at", table_name="deployments")
    op.drop_table("deployments")
    op.drop_table("pull_reviews")
    op.drop_index("ix_pull_lifecycle_opened", table_name="pull_lifecycle")
    op.drop_index("ix_pull_lifecycle_merged", table_name="pull_lifecycle")
    op.drop_table("pull_lifecycle")
