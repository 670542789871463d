"""Install state, parked outbox rows, webhook nonces and team names as they compare.

- `workspace.install_state` / `install_state_at`: whether the app is still
  installed in a workspace (Slack's app_uninstalled parks its outbox rows in
  the new "parked" state, which needs no schema change).
- `webhook_nonce`: the nonces of signed Feishu webhook requests, shared by every
  replica, so a captured request is refused when it comes again.
- `team.name_key`: the team name case-folded with Unicode's rules in Python,
  unique per workspace. Existing names that fold to the same key (possible
  before: SQLite's lower() folds ASCII only) keep the oldest team's name; the
  others get their id appended, so every team stays reachable by name.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05
"""

import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _key(name: str) -> str:
    # A frozen copy of storage.models.workspace.team_name_key: a migration must not change later.
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def upgrade() -> None:
    with op.batch_alter_table("workspace") as batch_op:
        batch_op.add_column(
            sa.Column(
                "install_state",
                sa.String(length=16),
                nullable=False,
                server_default="installed",
            )
        )
        batch_op.add_column(
            sa.Column("install_state_at", storage.types.UTCDateTime(), nullable=True)
        )
    op.create_table(
        "webhook_nonce",
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("nonce", sa.String(length=128), nullable=False),
        sa.Column("seen_at", storage.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("platform", "nonce", name=op.f("pk_webhook_nonce")),
    )
    op.create_index(op.f("ix_webhook_nonce_seen_at"), "webhook_nonce", ["seen_at"])

    with op.batch_alter_table("team") as batch_op:
        batch_op.add_column(
            sa.Column("name_key", sa.String(length=200), nullable=False, server_default="")
        )
    connection = op.get_bind()
    team = sa.table(
        "team",
        sa.column("id", sa.Integer()),
        sa.column("workspace_id", sa.Integer()),
        sa.column("name", sa.String()),
        sa.column("name_key", sa.String()),
    )
    rows = connection.execute(
        sa.select(team.c.id, team.c.workspace_id, team.c.name).order_by(team.c.id)
    ).all()
    taken: set[tuple[int, str]] = set()
    for team_id, workspace_id, name in rows:
        key = _key(name)
        if (workspace_id, key) in taken:
            name = f"{name} ({team_id})"[:100]
            key = _key(name)
        taken.add((workspace_id, key))
        connection.execute(
            sa.update(team).where(team.c.id == team_id).values(name=name, name_key=key)
        )
    with op.batch_alter_table("team") as batch_op:
        batch_op.alter_column("name_key", server_default=None)
        batch_op.create_unique_constraint(
            op.f("uq_team_workspace_id_name_key"), ["workspace_id", "name_key"]
        )


def downgrade() -> None:
    with op.batch_alter_table("team") as batch_op:
        batch_op.drop_constraint(op.f("uq_team_workspace_id_name_key"), type_="unique")
        batch_op.drop_column("name_key")
    op.drop_index(op.f("ix_webhook_nonce_seen_at"), table_name="webhook_nonce")
    op.drop_table("webhook_nonce")
    with op.batch_alter_table("workspace") as batch_op:
        batch_op.drop_column("install_state_at")
        batch_op.drop_column("install_state")
