"""What aligns to an objective, by tenant first: an objective's page and the tree seek it.

Without them, finding the objectives aligned to one objective (or to one of
its key results) walks every objective of the workspace.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-10
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_objective_ws_parent_objective", "objective", ["workspace_id", "parent_objective_id"]
    )
    op.create_index("ix_objective_ws_parent_kr", "objective", ["workspace_id", "parent_kr_id"])


def downgrade() -> None:
    op.drop_index("ix_objective_ws_parent_kr", table_name="objective")
    op.drop_index("ix_objective_ws_parent_objective", table_name="objective")
