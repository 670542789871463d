"""The review meeting (述职): a person's pack, the team's agenda, and their own answers.

The pack is built from the cycle's data (see `handlers.reports.reviewpack`);
asked for in chat it comes as a message at once and as a one-page picture
through the outbox. Each person answers three short questions for it
(breakthroughs, problems, lessons), typed or in a form; the clock asks them a
week before the meeting (`handlers.moments.meeting`).
"""

from __future__ import annotations

from collections.abc import Mapping

from handlers import grammar as g
from handlers.reports.reviewpack import agenda_for, load_pack, pack_message, pack_page
from handlers.usecases.context import Ctx, UserError, resolve_person, resolve_team
from handlers.views import (
    Delivery,
    Form,
    FormErrors,
    Input,
    InputKind,
    Message,
    Outcome,
    Text,
    ToUser,
)
from storage.models import Cycle, Member, Team
from storage.repos import ends, workspaces

FORM_ID = "review.answer"
QUESTIONS = ("breakthroughs", "problems", "lessons")


def _home_team(ctx: Ctx, member: Member) -> Team | None:
    teams = workspaces.teams_of_member(
        session=ctx.session, workspace_id=ctx.workspace_id, member_id=member.id or -1
    )
    return teams[0] if teams else None


def pack_cycle(ctx: Ctx, member: Member) -> Cycle:
    """The cycle whose end a person's pack is about: their team's scoring cycle."""
    return ctx.scoring_cycle(_home_team(ctx, member))


def pack(ctx: Ctx, cmd: g.ReviewPack) -> Outcome:
    member = resolve_person(ctx, cmd.person) if cmd.person else ctx.member
    cycle = pack_cycle(ctx, member)
    data = load_pack(ctx.session, member, cycle)
    message = pack_message(ctx.tr, data, ctx.score_scale, page=False)
    page = pack_page(ctx.tr, data, ctx.score_scale)
    picture = Message(summary=page.title, blocks=(Text(page.title), page))
    stamp = ctx.now.strftime("%Y%m%dT%H%M%S%f")
    return Outcome(
        replies=[message],
        deliveries=[
            Delivery(
                to=ToUser(ctx.member.external_id),
                message=picture,
                key=f"pack:member{member.id}:{cycle.name}:for{ctx.member_id}:{stamp}",
            )
        ],
    )


def agenda(ctx: Ctx, cmd: g.ReviewAgenda) -> Outcome:
    team = resolve_team(ctx, cmd.team)
    return Outcome(replies=[agenda_for(ctx.tr, ctx.session, team, ctx.scoring_cycle(team))])


def answer_form(ctx: Ctx) -> Outcome:
    cycle = pack_cycle(ctx, ctx.member)
    before = ends.review_answers(
        session=ctx.session,
        workspace_id=ctx.workspace_id,
        cycle_id=cycle.id or -1,
        member_ids=[ctx.member_id],
    ).get(ctx.member_id)
    labels = {
        "breakthroughs": ctx.t("Breakthroughs: what went better than expected?"),
        "problems": ctx.t("Problems: what got in the way?"),
        "lessons": ctx.t("Lessons: what will you do differently?"),
    }
    return Outcome(
        replies=[
            Form(
                form_id=FORM_ID,
                title=ctx.t("For the review meeting"),
                submit_label=ctx.t("Save"),
                inputs=tuple(
                    Input(
                        name,
                        labels[name],
                        InputKind.MULTILINE,
                        required=False,
                        initial=(getattr(before, name) or None) if before is not None else None,
                    )
                    for name in QUESTIONS
                ),
                context=str(cycle.id),
            )
        ]
    )


def _save(ctx: Ctx, cycle: Cycle, answers: dict[str, str]) -> Outcome:
    ends.save_review_answer(
        session=ctx.session,
        workspace_id=ctx.workspace_id,
        member_id=ctx.member_id,
        cycle_id=cycle.id or -1,
        answers=answers,
        now=ctx.now,
    )
    text = ctx.t(
        "Saved for your review pack of {cycle}. See it with /okr review pack.", cycle=cycle.name
    )
    return Outcome(replies=[Message(summary=text, blocks=(Text(text),))])


def answer(ctx: Ctx, cmd: g.ReviewAnswer) -> Outcome:
    return _save(ctx, pack_cycle(ctx, ctx.member), {cmd.question: cmd.text})


def submit_answers(ctx: Ctx, values: Mapping[str, str | list[str] | None], context: str) -> Outcome:
    cycle = pack_cycle(ctx, ctx.member)
    if context != str(cycle.id):
        raise UserError("That form has expired. Type /okr review answer for a new one.")
    answers: dict[str, str] = {}
    errors: list[tuple[str, str]] = []
    for name in QUESTIONS:
        value = values.get(name)
        if isinstance(value, list):
            value = value[0] if value else None
        text = g.clean_typed(value or "").strip()
        if len(text) > g.TEXT_LIMIT:
            errors.append(
                (
                    name,
                    ctx.t(
                        "At most {limit} characters, please; this has {length}.",
                        limit=g.TEXT_LIMIT,
                        length=len(text),
                    ),
                )
            )
        answers[name] = text
    if errors:
        return Outcome(replies=[FormErrors(tuple(errors))])
    return _save(ctx, cycle, answers)
