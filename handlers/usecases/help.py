"""`/okr help`, and the polite answers to lines that did not parse."""

from __future__ import annotations

from handlers import grammar as g
from handlers.i18n import Translator
from handlers.usecases.context import Ctx, UserError
from handlers.views import Block, Context, Header, Message, Outcome, Text


def describe(tr: Translator, verb: str) -> str:
    """One line on what a verb is for."""
    return {
        "my": tr.t("your OKRs this cycle"),
        "help": tr.t("this help, or help on one command"),
        "new": tr.t("a new objective with its key results"),
        "kr": tr.t("add or change a key result"),
        "checkin": tr.t("check in: new values, confidence 1–10 and a note"),
        "plan": tr.t("this week's key tasks: add, done, drop, carry, list"),
        "show": tr.t("someone's OKRs, a team's, or one O / KR / task"),
        "team": tr.t("the team rollup now, the celebration digest, or set up a team"),
        "ask": tr.t("ask a colleague for help on a key result, tracked until done"),
        "kudos": tr.t("thank a colleague; it shows in Friday's celebration"),
        "align": tr.t("align an objective to a parent objective or key result"),
        "score": tr.t("end-of-cycle scores: yours first, then your manager's review"),
        "settings": tr.t("language, timezone, and your team's rhythm"),
        "away": tr.t("time away: no prompts, not counted as missing"),
        "draft": tr.t("draft next cycle's OKRs together: propose, vote, finalise"),
        "review": tr.t("the review meeting: your pack, the agenda, your answers"),
        "feedback": tr.t("collaborators' feedback for the scoring committee"),
        "committee": tr.t("the scoring committee: scores side by side, propose, confirm"),
        "export": tr.t("your team's OKRs and history as a spreadsheet (team managers)"),
        "import": tr.t("how to bring OKRs in from a spreadsheet or Feishu OKR"),
    }.get(verb, "")


def usage_lines(tr: Translator, verb: str) -> list[str]:
    """A verb's usage; in Chinese words for Chinese readers (both parse the same)."""
    table = g.USAGE_ZH if tr.locale == "zh" else g.USAGE
    return ["/okr " + line for line in table.get(verb, [])]


def verb_name(tr: Translator, verb: str) -> str:
    """The word a reader types for `verb`: its first Chinese alias in Chinese, else itself."""
    if tr.locale == "zh":
        return next((a for a in g.VERBS.get(verb, ()) if not a.isascii()), verb)
    return verb


def _other_names(tr: Translator, verb: str) -> list[str]:
    """Every other word for `verb`, after the one `verb_name` gives."""
    first = verb_name(tr, verb)
    return [a for a in (verb, *g.VERBS.get(verb, ())) if a and a != first]


def help_view(ctx: Ctx, topic: str | None, unknown: str = "") -> Outcome:
    tr = ctx.tr
    if topic and topic in g.USAGE:
        title = tr.t("Help: /okr {verb}", verb=verb_name(tr, topic))
        blocks: list[Block] = [Header(title), Text(describe(tr, topic))]
        blocks.extend(Text(line) for line in usage_lines(tr, topic))
        also = _other_names(tr, topic)
        if also:
            blocks.append(Context(tr.t("Also: {aliases}", aliases=tr.list(also))))
        return Outcome(replies=[Message(summary=title, blocks=tuple(blocks))])
    title = tr.t("okrbot: your OKR rhythm in chat")
    blocks = [Header(title)]
    if unknown:
        title = tr.t(
            "There is no help on “{topic}”. Topics: {topics}.",
            topic=unknown,
            topics=tr.list([verb_name(tr, v) for v in g.USAGE]),
        )
        blocks = [Text(title)]
    for verb in g.USAGE:
        command = f"/okr {verb_name(tr, verb)}"
        # The other name a reader may know: the Chinese in English, the English in Chinese.
        other = next((a for a in _other_names(tr, verb) if a.isascii() == (tr.locale == "zh")), "")
        line = (
            tr.t(
                "{command} ({other}) — {what}",
                command=command,
                other=other,
                what=describe(tr, verb),
            )
            if other
            else tr.t("{command} — {what}", command=command, what=describe(tr, verb))
        )
        blocks.append(Text(line))
    blocks.append(
        Context(
            tr.t(
                "Details on one command: /okr help checkin. References: O3 objective, "
                "KR12 key result, T40 task, H5 help request."
            )
        )
    )
    return Outcome(replies=[Message(summary=title, blocks=tuple(blocks))])


def parse_error_text(tr: Translator, error: g.ParseError) -> str:
    p = {k: v for k, v in error.params.items()}
    token = p.get("token", "")
    messages = {
        "unknown_verb": tr.t('I don\'t know the command "{token}".', token=token),
        "unknown_action": tr.t('"{token}" is not something this command does.', token=token),
        "unexpected": tr.t('I didn\'t expect "{token}" there.', token=token),
        "missing_value": tr.t("Something is missing from that command."),
        "missing_text": tr.t("That command needs some text: a title, a note or a message."),
        "missing_person": tr.t("Say who with an @-mention, like @alice."),
        "missing_ref": tr.t("Say which one with a reference like O3, KR12, T40 or H5."),
        "bad_ref": tr.t('"{token}" is not the right kind of reference here.', token=token),
        "align_self": tr.t(
            "An objective cannot align to itself ({token}): align it to a parent objective "
            "or to another objective's key result.",
            token=token,
        ),
        "bad_number": tr.t(
            '"{token}" is not a number. Numbers look like 6000, 6,000, 1.5k or 2%.', token=token
        ),
        "number_too_large": tr.t(
            '"{token}" is too large: I keep numbers up to {limit}.',
            token=token,
            limit=p.get("limit", ""),
        ),
        "number_too_precise": tr.t(
            '"{token}" has more digits than I keep (15 significant digits). Round it, like 1234.56.',
            token=token,
        ),
        "number_exponent": tr.t(
            '"{token}" is written with an exponent. Write the number out, like 1000, 1k, 1.5m or 3万.',
            token=token,
        ),
        "number_not_finite": tr.t(
            '"{token}" is not a value a key result can have. Use a number like 6000.',
            token=token,
        ),
        "title_too_long": tr.t(
            "A title can be at most {limit} characters; this one has {length}.",
            limit=p.get("limit", ""),
            length=p.get("length", ""),
        ),
        "name_is_channel": tr.t(
            '"{token}" is a channel, not a team name: name the team first, and put its '
            "channel last.",
            token=token,
        ),
        "name_too_long": tr.t(
            "A team name can be at most {limit} characters; this one has {length}.",
            limit=p.get("limit", ""),
            length=p.get("length", ""),
        ),
        "unit_too_long": tr.t(
            "A unit can be at most {limit} characters; this one has {length}.",
            limit=p.get("limit", ""),
            length=p.get("length", ""),
        ),
        "text_too_long": tr.t(
            "A note or message can be at most {limit} characters; this one has {length}.",
            limit=p.get("limit", ""),
            length=p.get("length", ""),
        ),
        "bad_confidence": tr.t(
            'Confidence is a whole number from 1 to 10, not "{token}".', token=token
        ),
        "bad_weight": tr.t('A weight must be a number above 0, not "{token}".', token=token),
        "bad_score": tr.t('A score is 0–1 (or 0–10, or a percentage), not "{token}".', token=token),
        "bad_date": tr.t(
            '"{token}" is not a date I understand. Try 2026-12-01, 12-01, fri or tomorrow.',
            token=token,
        ),
        "date_order": tr.t(
            'The end, "{end}", is before the start, "{start}": write the earlier day first.',
            start=p.get("start", ""),
            end=p.get("end", ""),
        ),
        "bad_day": tr.t('"{token}" is not a day of the week. Try mon, fri or 周五.', token=token),
        "bad_time": tr.t('"{token}" is not a time of day. Try 09:30 or 17:00.', token=token),
        "bad_field": tr.t(
            '"{token}" is not a key result field. Fields: target, start, current, unit, weight, title, owner.',
            token=token,
        ),
        "bad_language": tr.t('I speak English (en) and Chinese (zh), not "{token}".', token=token),
        "bad_cycle": tr.t(
            'Cycles are quarter, bimonthly, monthly, annual or annual-quarterly, not "{token}".',
            token=token,
        ),
        "bad_scale": tr.t(
            'Scores are shown on 1 (0–1) or 10 (10 points), not "{token}".', token=token
        ),
        "bad_rating": tr.t('Feedback is a whole number from 1 to 5, not "{token}".', token=token),
        "bad_idea": tr.t(
            'Name a draft\'s idea by its number, like #2 or #2.1, not "{token}".', token=token
        ),
    }
    text = messages.get(error.code, tr.t("I couldn't read that command."))
    suggestion = p.get("suggestion")
    if suggestion:
        text += " " + tr.t('Did you mean "{suggestion}"?', suggestion=suggestion)
    return text


def error_message(tr: Translator, text: str, usage_verb: str | None) -> Message:
    blocks: list[Block] = [Text(text)]
    if usage_verb and usage_verb in g.USAGE:
        blocks.append(Context(tr.t("The right form:")))
        blocks.extend(Context(line) for line in usage_lines(tr, usage_verb))
    else:
        blocks.append(Context(tr.t("Type /okr help to see every command.")))
    return Message(summary=text, blocks=tuple(blocks))


def parse_error(ctx: Ctx, error: g.ParseError) -> Outcome:
    return Outcome(replies=[error_message(ctx.tr, parse_error_text(ctx.tr, error), error.verb)])


def user_error(tr: Translator, error: UserError) -> Message:
    return error_message(tr, tr.t(error.msgid, **error.params), error.usage)
