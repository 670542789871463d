"""The platform's directory for an import: owners given by email or platform id.

Slack answers `users.lookupByEmail` and `users.info`; Feishu the contact API's
batch id lookup and user read. A failure that is not "no such person" becomes
LookupError, which the import reports.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.delivery import SendFailed
from bot.settings import Settings
from handlers.transfer.importing import Directory, Person
from storage.models import Workspace


class SlackDirectory:
    def __init__(self, client: Any) -> None:
        self.client = client

    def by_emails(self, emails: Sequence[str]) -> Mapping[str, Person]:
        from slack_sdk.errors import SlackApiError, SlackClientError

        found: dict[str, Person] = {}
        for email in emails:
            try:
                user = self.client.users_lookupByEmail(email=email)["user"] or {}
            except SlackApiError as error:
                if error.response.get("error") == "users_not_found":
                    continue
                raise LookupError(f"Slack: {error.response.get('error')}") from None
            except SlackClientError as error:
                raise LookupError(f"Slack: {error}") from None
            found[email] = Person(user["id"], _slack_name(user))
        return found

    def by_ids(self, ids: Sequence[str]) -> Mapping[str, Person]:
        from slack_sdk.errors import SlackApiError, SlackClientError

        found: dict[str, Person] = {}
        for user_id in ids:
            if user_id[:1] not in ("U", "W") or not user_id.isalnum():
                continue
            try:
                user = self.client.users_info(user=user_id)["user"] or {}
            except SlackApiError as error:
                if error.response.get("error") == "user_not_found":
                    continue
                raise LookupError(f"Slack: {error.response.get('error')}") from None
            except SlackClientError as error:
                raise LookupError(f"Slack: {error}") from None
            found[user_id] = Person(user["id"], _slack_name(user))
        return found


def _slack_name(user: Mapping[str, Any]) -> str:
    profile = user.get("profile") or {}
    return str(profile.get("display_name") or profile.get("real_name") or user.get("name") or "")


class FeishuDirectory:
    def __init__(self, api: Any) -> None:
        self.api = api

    def by_emails(self, emails: Sequence[str]) -> Mapping[str, Person]:
        try:
            ids = self.api.open_ids_by_email(list(emails))
        except SendFailed as error:
            raise LookupError(f"Feishu: {error.reason}") from None
        return {
            email: Person(open_id, self.api.profile("", open_id).name)
            for email, open_id in ids.items()
        }

    def by_ids(self, ids: Sequence[str]) -> Mapping[str, Person]:
        found: dict[str, Person] = {}
        for open_id in ids:
            if not open_id.startswith("ou_"):
                continue
            profile = self.api.profile("", open_id)
            if profile.name:
                found[open_id] = Person(open_id, profile.name)
        return found


def directory_for(settings: Settings, workspace: Workspace) -> Directory | None:
    """The directory of the workspace's platform, when this process can reach it."""
    if workspace.platform == "slack" and settings.slack_bot_token is not None:
        from bot.slack.app import make_client

        return SlackDirectory(make_client(settings))
    if workspace.platform == "feishu" and settings.feishu_app_id is not None:
        from bot.feishu.client import FeishuApi

        return FeishuDirectory(FeishuApi(settings))
    return None
