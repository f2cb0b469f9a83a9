"""deliveries.body_sha256: a signed body replayed under a new delivery id is the same event

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-28 21:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Rows stored before have no digest (NULLs never conflict): only new deliveries are compared.
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("body_sha256", sa.String(64), nullable=True))
    op.create_index("ux_deliveries_body_sha256", "deliveries", ["body_sha256"], unique=True)


def downgrade() -> None:
    op.drop_index("ux_deliveries_body_sha256", table_name="deliveries")
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("body_sha256")
