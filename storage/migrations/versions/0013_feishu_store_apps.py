"""Feishu/Lark store apps: the app_ticket Feishu pushes every hour, kept per app.

- `feishu_app_ticket`: the newest ticket of each store app, so a restart gets
  its app and tenant access tokens at once instead of waiting for the next push.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "feishu_app_ticket",
        sa.Column("app_id", sa.String(length=64), nullable=False),
        sa.Column("ticket", sa.String(length=512), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("app_id", name=op.f("pk_feishu_app_ticket")),
    )


def downgrade() -> None:
    op.drop_table("feishu_app_ticket")
