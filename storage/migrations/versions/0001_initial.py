"""Initial schema: workspaces, OKRs, the weekly rhythm, collaboration, event ids.

Revision ID: 0001
Revises:
Create Date: 2026-11-23

Tables are created parents first so PostgreSQL can check every foreign key as
it goes. objective.parent_kr_id and keyresult.objective_id point at each other,
so that one key is added once both tables exist, and removed first on the way
down.

Every index and constraint is named here, exactly as the naming convention in
storage/models/_base.py names it, so this revision does not change if that
convention ever does. The names go through op.f() to keep the convention from
being applied on top of them (it would turn "ck_checkin_confidence" into
"ck_checkin_ck_checkin_confidence").
"""

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OBJECTIVE_PARENT_KR_FK = "fk_objective_parent_kr_id_keyresult"


def _utc(name: str, *, nullable: bool = False) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _pk(name: str, *columns: str) -> sa.PrimaryKeyConstraint:
    return sa.PrimaryKeyConstraint(*columns, name=op.f(name))


def _fk(
    name: str, column: str, target: str, *, ondelete: str | None = None
) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [target], name=op.f(name), ondelete=ondelete)


def _unique(name: str, *columns: str) -> sa.UniqueConstraint:
    return sa.UniqueConstraint(*columns, name=op.f(name))


def _check(name: str, condition: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(condition, name=op.f(name))


def _index(name: str, column: str) -> sa.Index:
    return sa.Index(op.f(name), column)


def upgrade() -> None:
    # Tenancy and bookkeeping.
    op.create_table(
        "workspace",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("default_locale", sa.String(length=16), nullable=False),
        sa.Column("default_timezone", sa.String(length=64), nullable=False),
        sa.Column("cycle_kind", sa.String(length=16), nullable=False),
        _utc("created_at"),
        _pk("pk_workspace", "id"),
        _unique("uq_workspace_platform_external_id", "platform", "external_id"),
    )
    op.create_table(
        "processedevent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("event_id", sa.String(length=128), nullable=False),
        _utc("received_at"),
        _pk("pk_processedevent", "id"),
        _unique("uq_processedevent_platform_event_id", "platform", "event_id"),
    )

    # People and teams.
    op.create_table(
        "member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("handle", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("locale", sa.String(length=16), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        _utc("created_at"),
        _pk("pk_member", "id"),
        _fk("fk_member_workspace_id_workspace", "workspace_id", "workspace.id", ondelete="CASCADE"),
        _unique("uq_member_workspace_id_external_id", "workspace_id", "external_id"),
        _unique("uq_member_workspace_id_handle", "workspace_id", "handle"),
        _index("ix_member_workspace_id", "workspace_id"),
    )
    op.create_table(
        "team",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("channel_external_id", sa.String(length=64), nullable=True),
        sa.Column("manager_id", sa.Integer(), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("locale", sa.String(length=16), nullable=False),
        sa.Column("plan_weekday", sa.Integer(), nullable=False),
        sa.Column("plan_time", sa.String(length=5), nullable=False),
        sa.Column("checkin_weekday", sa.Integer(), nullable=False),
        sa.Column("checkin_time", sa.String(length=5), nullable=False),
        sa.Column("digest_weekday", sa.Integer(), nullable=False),
        sa.Column("digest_time", sa.String(length=5), nullable=False),
        sa.Column("holidays", sa.JSON(), nullable=False),
        _utc("created_at"),
        _pk("pk_team", "id"),
        _fk("fk_team_workspace_id_workspace", "workspace_id", "workspace.id", ondelete="CASCADE"),
        _fk("fk_team_manager_id_member", "manager_id", "member.id", ondelete="SET NULL"),
        _unique("uq_team_workspace_id_name", "workspace_id", "name"),
        _index("ix_team_workspace_id", "workspace_id"),
    )
    op.create_table(
        "teammember",
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        _pk("pk_teammember", "team_id", "member_id"),
        _fk(
            "fk_teammember_workspace_id_workspace",
            "workspace_id",
            "workspace.id",
            ondelete="CASCADE",
        ),
        _fk("fk_teammember_team_id_team", "team_id", "team.id", ondelete="CASCADE"),
        _fk("fk_teammember_member_id_member", "member_id", "member.id", ondelete="CASCADE"),
        _index("ix_teammember_workspace_id", "workspace_id"),
    )
    op.create_table(
        "away",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        _pk("pk_away", "id"),
        _fk("fk_away_workspace_id_workspace", "workspace_id", "workspace.id", ondelete="CASCADE"),
        _fk("fk_away_member_id_member", "member_id", "member.id", ondelete="CASCADE"),
        _index("ix_away_workspace_id", "workspace_id"),
        _index("ix_away_member_id", "member_id"),
    )

    # OKRs.
    op.create_table(
        "cycle",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        _pk("pk_cycle", "id"),
        _fk("fk_cycle_workspace_id_workspace", "workspace_id", "workspace.id", ondelete="CASCADE"),
        _unique("uq_cycle_workspace_id_name", "workspace_id", "name"),
        _index("ix_cycle_workspace_id", "workspace_id"),
    )
    op.create_table(
        "refcounter",
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=4), nullable=False),
        sa.Column("next_number", sa.Integer(), nullable=False),
        _pk("pk_refcounter", "workspace_id", "kind"),
        _fk(
            "fk_refcounter_workspace_id_workspace",
            "workspace_id",
            "workspace.id",
            ondelete="CASCADE",
        ),
    )
    op.create_table(
        "objective",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("owner_member_id", sa.Integer(), nullable=True),
        sa.Column("owner_team_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("parent_objective_id", sa.Integer(), nullable=True),
        # Its foreign key to keyresult is added below, once keyresult exists.
        sa.Column("parent_kr_id", sa.Integer(), nullable=True),
        sa.Column("archived", sa.Boolean(), nullable=False),
        _utc("created_at"),
        _utc("updated_at"),
        _pk("pk_objective", "id"),
        _fk(
            "fk_objective_workspace_id_workspace",
            "workspace_id",
            "workspace.id",
            ondelete="CASCADE",
        ),
        _fk("fk_objective_cycle_id_cycle", "cycle_id", "cycle.id"),
        _fk("fk_objective_owner_member_id_member", "owner_member_id", "member.id"),
        _fk("fk_objective_owner_team_id_team", "owner_team_id", "team.id"),
        _fk(
            "fk_objective_parent_objective_id_objective",
            "parent_objective_id",
            "objective.id",
            ondelete="SET NULL",
        ),
        _unique("uq_objective_workspace_id_number", "workspace_id", "number"),
        _check(
            "ck_objective_objective_owner",
            "(owner_member_id IS NOT NULL) OR (owner_team_id IS NOT NULL)",
        ),
        _index("ix_objective_workspace_id", "workspace_id"),
        _index("ix_objective_cycle_id", "cycle_id"),
        _index("ix_objective_owner_member_id", "owner_member_id"),
        _index("ix_objective_owner_team_id", "owner_team_id"),
    )
    op.create_table(
        "keyresult",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("objective_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("owner_member_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("start_value", sa.Float(), nullable=False),
        sa.Column("target_value", sa.Float(), nullable=True),
        sa.Column("current_value", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(length=32), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False),
        _utc("created_at"),
        _utc("updated_at"),
        _pk("pk_keyresult", "id"),
        _fk(
            "fk_keyresult_workspace_id_workspace",
            "workspace_id",
            "workspace.id",
            ondelete="CASCADE",
        ),
        _fk(
            "fk_keyresult_objective_id_objective",
            "objective_id",
            "objective.id",
            ondelete="CASCADE",
        ),
        _fk("fk_keyresult_owner_member_id_member", "owner_member_id", "member.id"),
        _unique("uq_keyresult_workspace_id_number", "workspace_id", "number"),
        _index("ix_keyresult_workspace_id", "workspace_id"),
        _index("ix_keyresult_objective_id", "objective_id"),
        _index("ix_keyresult_owner_member_id", "owner_member_id"),
    )
    # Batch mode: a plain ALTER on PostgreSQL; SQLite has no ALTER for
    # constraints, so there the (still empty) table is rebuilt with the key.
    with op.batch_alter_table("objective") as batch_op:
        batch_op.create_foreign_key(
            op.f(OBJECTIVE_PARENT_KR_FK),
            "keyresult",
            ["parent_kr_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.create_table(
        "score",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("kr_id", sa.Integer(), nullable=False),
        sa.Column("self_score", sa.Float(), nullable=True),
        sa.Column("self_scored_by", sa.Integer(), nullable=True),
        _utc("self_scored_at", nullable=True),
        sa.Column("reviewed_score", sa.Float(), nullable=True),
        sa.Column("reviewer_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=1000), nullable=False),
        _utc("reviewed_at", nullable=True),
        _pk("pk_score", "id"),
        _fk("fk_score_workspace_id_workspace", "workspace_id", "workspace.id", ondelete="CASCADE"),
        _fk("fk_score_kr_id_keyresult", "kr_id", "keyresult.id", ondelete="CASCADE"),
        _fk("fk_score_self_scored_by_member", "self_scored_by", "member.id"),
        _fk("fk_score_reviewer_id_member", "reviewer_id", "member.id"),
        _unique("uq_score_kr_id", "kr_id"),
        _index("ix_score_workspace_id", "workspace_id"),
    )

    # The weekly rhythm.
    op.create_table(
        "checkin",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("kr_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.String(length=8), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("previous_value", sa.Float(), nullable=False),
        sa.Column("confidence", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=2000), nullable=False),
        sa.Column("links", sa.JSON(), nullable=False),
        _utc("created_at"),
        _utc("updated_at"),
        _pk("pk_checkin", "id"),
        _fk(
            "fk_checkin_workspace_id_workspace",
            "workspace_id",
            "workspace.id",
            ondelete="CASCADE",
        ),
        _fk("fk_checkin_kr_id_keyresult", "kr_id", "keyresult.id", ondelete="CASCADE"),
        _fk("fk_checkin_member_id_member", "member_id", "member.id"),
        _unique("uq_checkin_kr_id_week", "kr_id", "week"),
        _check("ck_checkin_confidence", "confidence IS NULL OR (confidence BETWEEN 1 AND 10)"),
        _index("ix_checkin_workspace_id", "workspace_id"),
        _index("ix_checkin_kr_id", "kr_id"),
        _index("ix_checkin_member_id", "member_id"),
        _index("ix_checkin_week", "week"),
    )
    op.create_table(
        "plantask",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("week", sa.String(length=8), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("kr_id", sa.Integer(), nullable=True),
        sa.Column("owner_member_id", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("carried_from_id", sa.Integer(), nullable=True),
        _utc("done_at", nullable=True),
        _utc("created_at"),
        _pk("pk_plantask", "id"),
        _fk(
            "fk_plantask_workspace_id_workspace",
            "workspace_id",
            "workspace.id",
            ondelete="CASCADE",
        ),
        _fk("fk_plantask_kr_id_keyresult", "kr_id", "keyresult.id", ondelete="SET NULL"),
        _fk("fk_plantask_owner_member_id_member", "owner_member_id", "member.id"),
        _fk(
            "fk_plantask_carried_from_id_plantask",
            "carried_from_id",
            "plantask.id",
            ondelete="SET NULL",
        ),
        _unique("uq_plantask_workspace_id_number", "workspace_id", "number"),
        _index("ix_plantask_workspace_id", "workspace_id"),
        _index("ix_plantask_week", "week"),
        _index("ix_plantask_owner_member_id", "owner_member_id"),
    )
    op.create_table(
        "taskhelper",
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        _pk("pk_taskhelper", "task_id", "member_id"),
        _fk(
            "fk_taskhelper_workspace_id_workspace",
            "workspace_id",
            "workspace.id",
            ondelete="CASCADE",
        ),
        _fk("fk_taskhelper_task_id_plantask", "task_id", "plantask.id", ondelete="CASCADE"),
        _fk("fk_taskhelper_member_id_member", "member_id", "member.id", ondelete="CASCADE"),
        _index("ix_taskhelper_workspace_id", "workspace_id"),
    )

    # Collaboration.
    op.create_table(
        "helprequest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("requester_id", sa.Integer(), nullable=False),
        sa.Column("helper_id", sa.Integer(), nullable=False),
        sa.Column("kr_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.String(length=2000), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("thanks", sa.String(length=1000), nullable=False),
        _utc("created_at"),
        _utc("resolved_at", nullable=True),
        _pk("pk_helprequest", "id"),
        _fk(
            "fk_helprequest_workspace_id_workspace",
            "workspace_id",
            "workspace.id",
            ondelete="CASCADE",
        ),
        _fk("fk_helprequest_requester_id_member", "requester_id", "member.id"),
        _fk("fk_helprequest_helper_id_member", "helper_id", "member.id"),
        _fk("fk_helprequest_kr_id_keyresult", "kr_id", "keyresult.id", ondelete="SET NULL"),
        _unique("uq_helprequest_workspace_id_number", "workspace_id", "number"),
        _index("ix_helprequest_workspace_id", "workspace_id"),
        _index("ix_helprequest_requester_id", "requester_id"),
        _index("ix_helprequest_helper_id", "helper_id"),
    )
    op.create_table(
        "kudos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("from_member_id", sa.Integer(), nullable=False),
        sa.Column("to_member_id", sa.Integer(), nullable=False),
        sa.Column("kr_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.String(length=1000), nullable=False),
        sa.Column("week", sa.String(length=8), nullable=False),
        _utc("created_at"),
        _pk("pk_kudos", "id"),
        _fk("fk_kudos_workspace_id_workspace", "workspace_id", "workspace.id", ondelete="CASCADE"),
        _fk("fk_kudos_from_member_id_member", "from_member_id", "member.id"),
        _fk("fk_kudos_to_member_id_member", "to_member_id", "member.id"),
        _fk("fk_kudos_kr_id_keyresult", "kr_id", "keyresult.id", ondelete="SET NULL"),
        _index("ix_kudos_workspace_id", "workspace_id"),
        _index("ix_kudos_to_member_id", "to_member_id"),
        _index("ix_kudos_week", "week"),
    )


def downgrade() -> None:
    # Children before parents; dropping a table drops its indexes with it.
    for table in ("kudos", "helprequest", "taskhelper", "plantask", "checkin", "score"):
        op.drop_table(table)
    with op.batch_alter_table("objective") as batch_op:
        batch_op.drop_constraint(op.f(OBJECTIVE_PARENT_KR_FK), type_="foreignkey")
    for table in (
        "keyresult",
        "objective",
        "refcounter",
        "cycle",
        "away",
        "teammember",
        "team",
        "member",
        "processedevent",
        "workspace",
    ):
        op.drop_table(table)
