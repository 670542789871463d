"""The rest of the rhythm: reminders, plan changes after the cut-off, the monthly review, holidays

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing rows get the defaults the models give new ones.
    op.create_table(
        "changerequest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("requester_id", sa.Integer(), nullable=False),
        sa.Column("manager_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("change", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=1000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["manager_id"], ["member.id"], name=op.f("fk_changerequest_manager_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["requester_id"], ["member.id"], name=op.f("fk_changerequest_requester_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["plantask.id"],
            name=op.f("fk_changerequest_task_id_plantask"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["team.id"], name=op.f("fk_changerequest_team_id_team"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_changerequest_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_changerequest")),
    )
    with op.batch_alter_table("changerequest", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_changerequest_manager_id"), ["manager_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_changerequest_requester_id"), ["requester_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_changerequest_team_id"), ["team_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_changerequest_workspace_id"), ["workspace_id"], unique=False
        )

    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reminders", sa.Boolean(), nullable=False, server_default=sa.true())
        )

    with op.batch_alter_table("plantask", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("changed_late", sa.Boolean(), nullable=False, server_default=sa.false())
        )

    with op.batch_alter_table("team", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("remind_weekday", sa.Integer(), nullable=False, server_default="5")
        )
        batch_op.add_column(
            sa.Column("remind_time", sa.String(length=5), nullable=False, server_default="16:00")
        )
        batch_op.add_column(
            sa.Column("cutoff_weekday", sa.Integer(), nullable=False, server_default="3")
        )
        batch_op.add_column(
            sa.Column("cutoff_time", sa.String(length=5), nullable=False, server_default="23:59")
        )
        batch_op.add_column(
            sa.Column("review_weekday", sa.Integer(), nullable=False, server_default="1")
        )
        batch_op.add_column(
            sa.Column("review_time", sa.String(length=5), nullable=False, server_default="10:00")
        )
        batch_op.add_column(sa.Column("holiday_country", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("team", schema=None) as batch_op:
        batch_op.drop_column("holiday_country")
        batch_op.drop_column("review_time")
        batch_op.drop_column("review_weekday")
        batch_op.drop_column("cutoff_time")
        batch_op.drop_column("cutoff_weekday")
        batch_op.drop_column("remind_time")
        batch_op.drop_column("remind_weekday")

    with op.batch_alter_table("plantask", schema=None) as batch_op:
        batch_op.drop_column("changed_late")

    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.drop_column("reminders")

    with op.batch_alter_table("changerequest", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_changerequest_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_changerequest_team_id"))
        batch_op.drop_index(batch_op.f("ix_changerequest_requester_id"))
        batch_op.drop_index(batch_op.f("ix_changerequest_manager_id"))

    op.drop_table("changerequest")
