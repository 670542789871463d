"""An objective's key results by tenant first: `/okr` and a team's rollup seek them.

With only `keyresult.objective_id` indexed, a planner that joins from the
key results (or sorts by their number) walks every key result of the
workspace instead, so the commands grow with the company.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_keyresult_ws_objective", "keyresult", ["workspace_id", "objective_id"])


def downgrade() -> None:
    op.drop_index("ix_keyresult_ws_objective", table_name="keyresult")
