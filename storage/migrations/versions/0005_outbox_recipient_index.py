"""An index for the outbox claim's per-recipient order.

Claiming due rows asks, for each one, whether an earlier unsent row to the
same recipient still waits. Without an index on the recipient that question
walks the whole outbox for every candidate: half a second to claim 200 of
Monday's ten thousand DMs, most of the time the sender had.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ["workspace_id", "platform", "recipient_kind", "recipient_id", "id"]


def upgrade() -> None:
    op.create_index("ix_outbox_recipient", "outbox", COLUMNS)


def downgrade() -> None:
    op.drop_index("ix_outbox_recipient", table_name="outbox")
