"""Where imported objectives and key results came from (a file's keys, Feishu OKR ids).

A re-import matches what it created before by these keys instead of making
duplicates, and check-ins are written back to Feishu OKR under its ids.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sourcekey",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=4), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("objective_id", sa.Integer(), nullable=True),
        sa.Column("kr_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["kr_id"],
            ["keyresult.id"],
            name=op.f("fk_sourcekey_kr_id_keyresult"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["objective_id"],
            ["objective.id"],
            name=op.f("fk_sourcekey_objective_id_objective"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_sourcekey_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sourcekey")),
        sa.UniqueConstraint(
            "workspace_id",
            "source",
            "kind",
            "key",
            name=op.f("uq_sourcekey_workspace_id_source_kind_key"),
        ),
    )
    with op.batch_alter_table("sourcekey", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sourcekey_workspace_id"), ["workspace_id"], unique=False
        )
        batch_op.create_index("ix_sourcekey_ws_kr", ["workspace_id", "kr_id"], unique=False)
        batch_op.create_index(
            "ix_sourcekey_ws_objective", ["workspace_id", "objective_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("sourcekey", schema=None) as batch_op:
        batch_op.drop_index("ix_sourcekey_ws_objective")
        batch_op.drop_index("ix_sourcekey_ws_kr")
        batch_op.drop_index(batch_op.f("ix_sourcekey_workspace_id"))

    op.drop_table("sourcekey")
