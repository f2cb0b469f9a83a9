"""propagations: dependency-bump propagation runs, their targets, and cached manifest scans

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "propagations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("installation_id", sa.BigInteger(), nullable=False),
        sa.Column("source_repository", sa.String(length=256), nullable=False),
        sa.Column("tag", sa.Text(), nullable=False),
        sa.Column("package_key", sa.Text(), nullable=False),
        sa.Column("version", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.Column("updated_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source_repository", "tag", "package_key", name="uq_propagations_key"),
    )
    op.create_index("ix_propagations_installation", "propagations", ["installation_id"])
    op.create_table(
        "propagation_targets",
        sa.Column("propagation_id", sa.Integer(), nullable=False),
        sa.Column("repository", sa.String(length=256), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("pull_number", sa.Integer(), nullable=True),
        sa.Column("pull_url", sa.Text(), nullable=True),
        sa.Column("opened_at", sa.Double(), nullable=True),
        sa.Column("updated_at", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(["propagation_id"], ["propagations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("propagation_id", "repository"),
    )
    op.create_index("ix_propagation_targets_opened", "propagation_targets", ["opened_at"])
    op.create_table(
        "manifest_scans",
        sa.Column("repository", sa.String(length=256), nullable=False),
        sa.Column("installation_id", sa.BigInteger(), nullable=True),
        sa.Column("commit_sha", sa.String(length=64), nullable=False),
        sa.Column("tree_sha", sa.String(length=64), nullable=False),
        sa.Column("truncated", sa.Integer(), nullable=False),
        sa.Column("stale", sa.Integer(), nullable=False),
        sa.Column("scanned_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("repository"),
    )
    op.create_table(
        "manifest_files",
        sa.Column("repository", sa.String(length=256), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("blob_sha", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["repository"], ["manifest_scans.repository"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("repository", "path"),
    )


def downgrade() -> None:
    op.drop_table("manifest_files")
    op.drop_table("manifest_scans")
    op.drop_index("ix_propagation_targets_opened", table_name="propagation_targets")
    op.drop_table("propagation_targets")
    op.drop_index("ix_propagations_installation", table_name="propagations")
    op.drop_table("propagations")
