"""okrbot's copies of slack_sdk's installation and OAuth state tables match slack_sdk's own.

The migrations create them (the stores' create_tables() is never called), so
a slack_sdk that changes its tables fails here before a store fails in use.
"""

from __future__ import annotations

import sqlalchemy as sa
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

from storage.models.installs import slack_bots, slack_installations, slack_oauth_states


def shape(table: sa.Table) -> dict[str, tuple[str, bool, int | None]]:
    return {
        column.name: (
            type(column.type).__name__,
            bool(column.nullable),
            getattr(column.type, "length", None),
        )
        for column in table.columns
    }


def test_the_tables_are_slack_sdks_own() -> None:
    theirs = sa.MetaData()
    installations = SQLAlchemyInstallationStore.build_installations_table(
        theirs, "slack_installations"
    )
    bots = SQLAlchemyInstallationStore.build_bots_table(theirs, "slack_bots")
    states = SQLAlchemyOAuthStateStore.build_oauth_states_table(theirs, "slack_oauth_states")
    assert shape(slack_installations) == shape(installations)
    assert shape(slack_bots) == shape(bots)
    assert shape(slack_oauth_states) == shape(states)
