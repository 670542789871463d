"""Tenant-first indexes for the rhythm's and the views' reads.

Every read names its workspace first. With only single-column indexes, a
planner without fresh statistics takes `workspace_id = ?` for selective and
walks the whole workspace; these indexes put the tenant first and the real
filter after it, so the obvious plan is also the cheap one.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("ix_checkin_ws_kr_week", "checkin", ("workspace_id", "kr_id", "week")),
    ("ix_plantask_ws_owner_week", "plantask", ("workspace_id", "owner_member_id", "week")),
    ("ix_away_ws_member", "away", ("workspace_id", "member_id")),
    ("ix_helprequest_ws_requester", "helprequest", ("workspace_id", "requester_id")),
    ("ix_helprequest_ws_helper", "helprequest", ("workspace_id", "helper_id")),
    (
        "ix_helprequest_ws_status_resolved",
        "helprequest",
        ("workspace_id", "status", "resolved_at"),
    ),
    ("ix_kudos_ws_to_week", "kudos", ("workspace_id", "to_member_id", "week")),
    ("ix_objective_ws_member", "objective", ("workspace_id", "owner_member_id")),
    ("ix_objective_ws_team", "objective", ("workspace_id", "owner_team_id")),
    ("ix_keyresult_ws_owner", "keyresult", ("workspace_id", "owner_member_id")),
    ("ix_teammember_ws_member", "teammember", ("workspace_id", "member_id")),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, list(columns))


def downgrade() -> None:
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
