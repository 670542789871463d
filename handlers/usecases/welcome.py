"""The first words to whoever installed the app in their workspace.

Slack's OAuth install and Feishu's app_open name the person who installed
okrbot; they get one message saying what it does and how to begin, in their
language, where they talk to the bot (a direct message).
"""

from __future__ import annotations

from handlers.usecases.context import Ctx, member_name
from handlers.views import Context, Header, Message, Outcome, Text


def installed(ctx: Ctx, *, platform: str) -> Outcome:
    title = ctx.t("Thanks for installing okrbot, {name}!", name=member_name(ctx.member))
    what = ctx.t(
        "I keep your teams' OKR rhythm: objectives and key results, a plan on Monday, "
        "a check-in on Friday and a digest that celebrates the week's wins."
    )
    if platform == "slack":
        start = ctx.t(
            "To begin, give a team its channel: /okr team new Marketing #marketing. "
            "Then write an objective with /okr new."
        )
        more = ctx.t("Type /okr help for every command.")
    else:
        start = ctx.t(
            "To begin, add me to a team's group and @-mention me there with: team new Marketing. "
            "Then write an objective to me here: new."
        )
        more = ctx.t("Write help to me here for every command.")
    message = Message(summary=title, blocks=(Header(title), Text(what), Text(start), Context(more)))
    return Outcome(replies=[message])
