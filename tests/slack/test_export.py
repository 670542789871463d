"""`/okr export` through Slack: the manager's .xlsx arrives as a file in their DM."""

from __future__ import annotations

import io
import json

import openpyxl

from bot.console.demo import seed_demo
from storage.db import SessionFactory
from tests.conftest import WEDNESDAY
from tests.fakes.slack_api import TEAM
from tests.slack.conftest import Bot


def _sheet_titles(data: bytes) -> set[str]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return {str(row[2]) for row in book.worksheets[0].iter_rows(min_row=2, values_only=True)}


def test_a_slack_manager_gets_the_team_spreadsheet_as_a_file_in_their_dm(
    bot: Bot, sessions: SessionFactory
) -> None:
    with sessions.begin() as session:
        seed_demo(session=session, now=WEDNESDAY, platform="slack", external_id=TEAM)
    bot.slack.command("mei", "export", channel="C0MARKETING")
    complete = bot.fake.wait_for("files.completeUploadExternal")[0]
    (upload,) = bot.fake.of("upload")
    assert _sheet_titles(upload.args["data"]) == {
        "Raise brand awareness in target markets",
        "Make Demo Co. the name buyers know",
    }
    (opened,) = bot.fake.of("conversations.open")
    assert opened.args["users"] == "mei"  # to the manager alone, not the channel
    assert complete.args["channel_id"] == "Dmei"
    (listed,) = json.loads(complete.args["files"])
    assert listed["title"] == "Marketing · OKRs of 2026-Q4"


def test_someone_who_manages_no_team_is_told_politely(bot: Bot, sessions: SessionFactory) -> None:
    with sessions.begin() as session:
        seed_demo(session=session, now=WEDNESDAY, platform="slack", external_id=TEAM)
    bot.slack.command("alice", "export")
    url = bot.slack.last_response_url
    bot.fake.wait_until(lambda c: c.method == "response_url" and url.endswith(c.path))
    said = json.dumps([c.args for c in bot.fake.answers_to(url)])
    assert "Exports are for team managers" in said
    assert not bot.fake.of("files.getUploadURLExternal")
