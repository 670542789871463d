"""What the outbox needs to send each message once: when a claim began, since
when a send is in doubt, and how many steps of a message went through.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("doubt_since", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("steps_done", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("step_ref", sa.String(length=256), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("step_ref")
        batch.drop_column("steps_done")
        batch.drop_column("doubt_since")
        batch.drop_column("claimed_at")
