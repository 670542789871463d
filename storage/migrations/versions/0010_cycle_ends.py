"""The cycle's two ends: drafting together, review answers, feedback, the scoring committee,
cycles per team, key results with a cycle of their own, result links on tasks, the score scale

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing rows get the defaults the models give new ones.
    op.create_table(
        "reviewanswer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("breakthroughs", sa.String(length=1000), nullable=False),
        sa.Column("problems", sa.String(length=1000), nullable=False),
        sa.Column("lessons", sa.String(length=1000), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["cycle_id"],
            ["cycle.id"],
            name=op.f("fk_reviewanswer_cycle_id_cycle"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["member.id"],
            name=op.f("fk_reviewanswer_member_id_member"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_reviewanswer_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviewanswer")),
        sa.UniqueConstraint(
            "member_id", "cycle_id", name=op.f("uq_reviewanswer_member_id_cycle_id")
        ),
    )
    with op.batch_alter_table("reviewanswer", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reviewanswer_workspace_id"), ["workspace_id"], unique=False
        )

    op.create_table(
        "committeemember",
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["member.id"],
            name=op.f("fk_committeemember_member_id_member"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["team.id"],
            name=op.f("fk_committeemember_team_id_team"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_committeemember_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("team_id", "member_id", name=op.f("pk_committeemember")),
    )
    with op.batch_alter_table("committeemember", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_committeemember_workspace_id"), ["workspace_id"], unique=False
        )

    op.create_table(
        "committeescore",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("kr_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("reason", sa.String(length=1000), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["kr_id"],
            ["keyresult.id"],
            name=op.f("fk_committeescore_kr_id_keyresult"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["member.id"],
            name=op.f("fk_committeescore_member_id_member"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_committeescore_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_committeescore")),
        sa.UniqueConstraint("kr_id", "member_id", name=op.f("uq_committeescore_kr_id_member_id")),
    )
    with op.batch_alter_table("committeescore", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_committeescore_workspace_id"), ["workspace_id"], unique=False
        )
        batch_op.create_index("ix_committeescore_ws_kr", ["workspace_id", "kr_id"], unique=False)

    op.create_table(
        "draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("started_by", sa.Integer(), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("parent_objective_id", sa.Integer(), nullable=True),
        sa.Column("parent_kr_id", sa.Integer(), nullable=True),
        sa.Column("proposals_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("objectives_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("krs_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finalised_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["cycle_id"], ["cycle.id"], name=op.f("fk_draft_cycle_id_cycle")),
        sa.ForeignKeyConstraint(
            ["parent_kr_id"],
            ["keyresult.id"],
            name=op.f("fk_draft_parent_kr_id_keyresult"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["parent_objective_id"],
            ["objective.id"],
            name=op.f("fk_draft_parent_objective_id_objective"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["started_by"], ["member.id"], name=op.f("fk_draft_started_by_member")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["team.id"], name=op.f("fk_draft_team_id_team"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_draft_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_draft")),
    )
    with op.batch_alter_table("draft", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_draft_workspace_id"), ["workspace_id"], unique=False)
        batch_op.create_index("ix_draft_ws_team", ["workspace_id", "team_id"], unique=False)

    op.create_table(
        "feedbackrequest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("giver_id", sa.Integer(), nullable=False),
        sa.Column("kr_id", sa.Integer(), nullable=True),
        sa.Column("why", sa.String(length=16), nullable=False),
        sa.Column("asked_by", sa.Integer(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("comment", sa.String(length=1000), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "rating IS NULL OR (rating BETWEEN 1 AND 5)", name=op.f("ck_feedbackrequest_rating")
        ),
        sa.ForeignKeyConstraint(
            ["asked_by"], ["member.id"], name=op.f("fk_feedbackrequest_asked_by_member")
        ),
        sa.ForeignKeyConstraint(
            ["cycle_id"],
            ["cycle.id"],
            name=op.f("fk_feedbackrequest_cycle_id_cycle"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["giver_id"],
            ["member.id"],
            name=op.f("fk_feedbackrequest_giver_id_member"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["kr_id"],
            ["keyresult.id"],
            name=op.f("fk_feedbackrequest_kr_id_keyresult"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["member.id"],
            name=op.f("fk_feedbackrequest_subject_id_member"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_feedbackrequest_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedbackrequest")),
        sa.UniqueConstraint(
            "cycle_id",
            "subject_id",
            "giver_id",
            name=op.f("uq_feedbackrequest_cycle_id_subject_id_giver_id"),
        ),
    )
    with op.batch_alter_table("feedbackrequest", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_feedbackrequest_workspace_id"), ["workspace_id"], unique=False
        )
        batch_op.create_index(
            "ix_feedbackrequest_ws_giver", ["workspace_id", "giver_id"], unique=False
        )
        batch_op.create_index(
            "ix_feedbackrequest_ws_subject", ["workspace_id", "subject_id"], unique=False
        )

    op.create_table(
        "draftidea",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("draft_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["member.id"], name=op.f("fk_draftidea_author_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["draft_id"], ["draft.id"], name=op.f("fk_draftidea_draft_id_draft"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["draftidea.id"],
            name=op.f("fk_draftidea_parent_id_draftidea"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_draftidea_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_draftidea")),
        sa.UniqueConstraint(
            "draft_id", "kind", "number", name=op.f("uq_draftidea_draft_id_kind_number")
        ),
    )
    with op.batch_alter_table("draftidea", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_draftidea_workspace_id"), ["workspace_id"], unique=False
        )
        batch_op.create_index("ix_draftidea_ws_draft", ["workspace_id", "draft_id"], unique=False)

    op.create_table(
        "draftvote",
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("draft_id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["draft_id"], ["draft.id"], name=op.f("fk_draftvote_draft_id_draft"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["idea_id"],
            ["draftidea.id"],
            name=op.f("fk_draftvote_idea_id_draftidea"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["member.id"],
            name=op.f("fk_draftvote_member_id_member"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_draftvote_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("idea_id", "member_id", name=op.f("pk_draftvote")),
    )
    with op.batch_alter_table("draftvote", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_draftvote_workspace_id"), ["workspace_id"], unique=False
        )
        batch_op.create_index("ix_draftvote_ws_draft", ["workspace_id", "draft_id"], unique=False)

    with op.batch_alter_table("keyresult", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cycle_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_keyresult_cycle_id_cycle"),
            "cycle",
            ["cycle_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("plantask", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("links", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )

    with op.batch_alter_table("team", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cycle_kind", sa.String(length=16), nullable=True))

    with op.batch_alter_table("taskhelper", schema=None) as batch_op:
        batch_op.create_index(
            "ix_taskhelper_ws_member", ["workspace_id", "member_id"], unique=False
        )

    with op.batch_alter_table("workspace", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("score_scale", sa.Integer(), nullable=False, server_default="1")
        )


def downgrade() -> None:
    with op.batch_alter_table("workspace", schema=None) as batch_op:
        batch_op.drop_column("score_scale")

    with op.batch_alter_table("taskhelper", schema=None) as batch_op:
        batch_op.drop_index("ix_taskhelper_ws_member")

    with op.batch_alter_table("team", schema=None) as batch_op:
        batch_op.drop_column("cycle_kind")

    with op.batch_alter_table("plantask", schema=None) as batch_op:
        batch_op.drop_column("links")

    with op.batch_alter_table("keyresult", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_keyresult_cycle_id_cycle"), type_="foreignkey")
        batch_op.drop_column("cycle_id")

    with op.batch_alter_table("draftvote", schema=None) as batch_op:
        batch_op.drop_index("ix_draftvote_ws_draft")
        batch_op.drop_index(batch_op.f("ix_draftvote_workspace_id"))

    op.drop_table("draftvote")
    with op.batch_alter_table("draftidea", schema=None) as batch_op:
        batch_op.drop_index("ix_draftidea_ws_draft")
        batch_op.drop_index(batch_op.f("ix_draftidea_workspace_id"))

    op.drop_table("draftidea")
    with op.batch_alter_table("feedbackrequest", schema=None) as batch_op:
        batch_op.drop_index("ix_feedbackrequest_ws_subject")
        batch_op.drop_index("ix_feedbackrequest_ws_giver")
        batch_op.drop_index(batch_op.f("ix_feedbackrequest_workspace_id"))

    op.drop_table("feedbackrequest")
    with op.batch_alter_table("draft", schema=None) as batch_op:
        batch_op.drop_index("ix_draft_ws_team")
        batch_op.drop_index(batch_op.f("ix_draft_workspace_id"))

    op.drop_table("draft")
    with op.batch_alter_table("committeescore", schema=None) as batch_op:
        batch_op.drop_index("ix_committeescore_ws_kr")
        batch_op.drop_index(batch_op.f("ix_committeescore_workspace_id"))

    op.drop_table("committeescore")
    with op.batch_alter_table("committeemember", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_committeemember_workspace_id"))

    op.drop_table("committeemember")
    with op.batch_alter_table("reviewanswer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reviewanswer_workspace_id"))

    op.drop_table("reviewanswer")
