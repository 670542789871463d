"""Workspaces (a Slack team or a Feishu tenant), their members and teams."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, Index, String, UniqueConstraint, event
from sqlmodel import Field, SQLModel

from storage.models._base import json_list_field, utc_field, workspace_fk


class InstallState(StrEnum):
    """Whether the platform still lets the bot into a workspace.

    `uninstalled` (Slack's app_uninstalled, or its bot token revoked) parks the
    workspace's outbox rows: nothing is sent there and nothing is deleted, until
    a sign that the app is back (`storage.repos.installs`) resumes them.
    """

    INSTALLED = "installed"
    UNINSTALLED = "uninstalled"


class Workspace(SQLModel, table=True):
    """One tenant: a Slack team_id or a Feishu tenant_key (or the console trial).

    `install_state` and `install_state_at` say whether the app is installed
    there and since when (None: since the workspace was first seen).
    `app_id` is the platform app that serves it (the Feishu or Lark app, when
    one deployment runs both; Slack's app), and `enterprise_id` the Slack
    Enterprise Grid organisation it belongs to, through which an org-wide
    install's token is found.
    """

    __table_args__ = (UniqueConstraint("platform", "external_id"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)  # "slack" | "feishu" | "console"
    external_id: str = Field(max_length=64)
    name: str = Field(default="", max_length=200)
    default_locale: str = Field(default="en", max_length=16)
    default_timezone: str = Field(default="UTC", max_length=64)
    cycle_kind: str = Field(default="quarter", max_length=16)
    install_state: str = Field(default=InstallState.INSTALLED.value, max_length=16)
    install_state_at: datetime | None = utc_field(nullable=True)
    app_id: str | None = Field(default=None, max_length=64)
    enterprise_id: str | None = Field(default=None, max_length=32)
    # Scores are kept on 0..1; this is how they are shown: 1 (0.7) or 10 (7/10).
    score_scale: int = Field(default=1)
    created_at: datetime = utc_field(default_now=True)


class Member(SQLModel, table=True):
    """A person in a workspace. `handle` is the short name people type after @."""

    __table_args__ = (
        UniqueConstraint("workspace_id", "external_id"),
        UniqueConstraint("workspace_id", "handle"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = workspace_fk()
    external_id: str = Field(max_length=64)
    handle: str = Field(max_length=64)
    display_name: str = Field(default="", max_length=200)
    timezone: str | None = Field(default=None, max_length=64)
    locale: str | None = Field(default=None, max_length=16)
    is_active: bool = Field(default=True)
    # The Friday reminder is opt-out, per person.
    reminders: bool = Field(default=True)
    created_at: datetime = utc_field(default_now=True)


def team_name_key(name: str) -> str:
    """A team name as it is compared: NFKC, Unicode case folding, single spaces.

    Computed here in Python both when a team is stored and when it is looked
    up, so "Équipe", "ÉQUIPE" and "équipe" are one team on every database
    (SQLite's lower() folds ASCII only).
    """
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def _name_key_of_insert(context: Any) -> str:
    return team_name_key(str(context.get_current_parameters()["name"]))


class Team(SQLModel, table=True):
    """A team with its channel, manager, timezone and weekly rhythm.

    `name_key` is `team_name_key(name)`, kept in step with the name on every
    insert and update; it is what makes a name unique in its workspace.
    """

    __table_args__ = (
        UniqueConstraint("workspace_id", "name"),
        UniqueConstraint("workspace_id", "name_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = workspace_fk()
    name: str = Field(max_length=100)
    # Filled from the name on every insert, the ORM's (below) and bulk ones alike.
    name_key: str = Field(
        default="",
        sa_column=Column(String(200), nullable=False, default=_name_key_of_insert),
    )
    channel_external_id: str | None = Field(default=None, max_length=64)
    manager_id: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    timezone: str = Field(default="UTC", max_length=64)
    locale: str = Field(default="en", max_length=16)
    # The rhythm: ISO weekday (1 = Monday) and local "HH:MM" for each moment.
    plan_weekday: int = Field(default=1)
    plan_time: str = Field(default="09:30", max_length=5)
    checkin_weekday: int = Field(default=5)
    checkin_time: str = Field(default="15:00", max_length=5)
    digest_weekday: int = Field(default=5)
    digest_time: str = Field(default="17:00", max_length=5)
    remind_weekday: int = Field(default=5)
    remind_time: str = Field(default="16:00", max_length=5)
    # Changes to the week's plan after this local weekday and time wait for the manager.
    cutoff_weekday: int = Field(default=3)
    cutoff_time: str = Field(default="23:59", max_length=5)
    # The monthly review: the first of this weekday in the month, at this time.
    review_weekday: int = Field(default=1)
    review_time: str = Field(default="10:00", max_length=5)
    # ISO dates ("2026-10-01") on which no prompt is sent.
    holidays: list[str] = json_list_field()
    # A country's public holidays (ISO 3166 code, e.g. "CN") from the holidays package.
    holiday_country: str | None = Field(default=None, max_length=8)
    # The team's own cycle kind, when it differs from the workspace's.
    cycle_kind: str | None = Field(default=None, max_length=16)
    created_at: datetime = utc_field(default_now=True)


@event.listens_for(Team, "before_insert")
@event.listens_for(Team, "before_update")
def _keep_name_key(mapper: Any, connection: Any, team: Team) -> None:
    team.name_key = team_name_key(team.name)


class TeamRole(StrEnum):
    MEMBER = "member"
    MANAGER = "manager"


class TeamMember(SQLModel, table=True):
    # Every command looks up the teams of the person who typed it.
    __table_args__ = (Index("ix_teammember_ws_member", "workspace_id", "member_id"),)

    workspace_id: int = workspace_fk()
    team_id: int = Field(foreign_key="team.id", primary_key=True, ondelete="CASCADE")
    member_id: int = Field(foreign_key="member.id", primary_key=True, ondelete="CASCADE")
    role: str = Field(default=TeamRole.MEMBER.value, max_length=16)
