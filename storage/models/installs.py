"""What the platforms hand over when a workspace installs the app from one deployment.

Slack's OAuth v2 distribution keeps each workspace's (or Enterprise Grid
org's) installation, with its bot token and, with token rotation, its refresh
token, in slack_sdk's `SQLAlchemyInstallationStore`, and the state of each
install in progress in its `SQLAlchemyOAuthStateStore`. The stores read and
write these three tables on okrbot's engine; okrbot's migrations create them
(the stores' own `create_tables()` is never called), with the columns and
types the stores define, so the schema stays under one history. The tables
are plain SQLAlchemy tables on the same metadata, kept to slack_sdk's
definitions by a test.

A Feishu/Lark store app's app_ticket is kept in `feishu_app_ticket`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Column, DateTime, Index, Integer, String, Table
from sqlmodel import Field as SQLField
from sqlmodel import SQLModel

from storage.models._base import utc_field

metadata = SQLModel.metadata

# The stores compare and write naive UTC datetimes in these (slack_sdk's choice).
slack_installations = Table(
    "slack_installations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("client_id", String(32), nullable=False),
    Column("app_id", String(32), nullable=False),
    Column("enterprise_id", String(32)),
    Column("enterprise_name", String(200)),
    Column("enterprise_url", String(200)),
    Column("team_id", String(32)),
    Column("team_name", String(200)),
    Column("bot_token", String(200)),
    Column("bot_id", String(32)),
    Column("bot_user_id", String(32)),
    Column("bot_scopes", String(1000)),
    Column("bot_refresh_token", String(200)),
    Column("bot_token_expires_at", DateTime),
    Column("user_id", String(32), nullable=False),
    Column("user_token", String(200)),
    Column("user_scopes", String(1000)),
    Column("user_refresh_token", String(200)),
    Column("user_token_expires_at", DateTime),
    Column("incoming_webhook_url", String(200)),
    Column("incoming_webhook_channel", String(200)),
    Column("incoming_webhook_channel_id", String(200)),
    Column("incoming_webhook_configuration_url", String(200)),
    Column("is_enterprise_install", Boolean, nullable=False, default=False),
    Column("token_type", String(32)),
    Column("installed_at", DateTime, nullable=False),
    # The store finds an installation by these, newest first.
    Index(
        "ix_slack_installations_lookup",
        "client_id",
        "enterprise_id",
        "team_id",
        "user_id",
        "installed_at",
    ),
)

slack_bots = Table(
    "slack_bots",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("client_id", String(32), nullable=False),
    Column("app_id", String(32), nullable=False),
    Column("enterprise_id", String(32)),
    Column("enterprise_name", String(200)),
    Column("team_id", String(32)),
    Column("team_name", String(200)),
    Column("bot_token", String(200)),
    Column("bot_id", String(32)),
    Column("bot_user_id", String(32)),
    Column("bot_scopes", String(1000)),
    Column("bot_refresh_token", String(200)),
    Column("bot_token_expires_at", DateTime),
    Column("is_enterprise_install", Boolean, nullable=False, default=False),
    Column("installed_at", DateTime, nullable=False),
    Index("ix_slack_bots_lookup", "client_id", "enterprise_id", "team_id", "installed_at"),
)

slack_oauth_states = Table(
    "slack_oauth_states",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("state", String(200), nullable=False),
    Column("expire_at", DateTime, nullable=False),
)

SLACK_TABLES = (slack_installations, slack_bots, slack_oauth_states)


class FeishuAppTicket(SQLModel, table=True):
    """The newest app_ticket Feishu pushed to a store app (every hour), by app id.

    A store app gets its app_access_token with it, and each tenant's token
    with that; kept here so a restarted process does not wait up to an hour
    for the next push, and every replica reads the same one.
    """

    __tablename__ = "feishu_app_ticket"

    app_id: str = SQLField(primary_key=True, max_length=64)
    ticket: str = SQLField(max_length=512)
    received_at: datetime = utc_field()
