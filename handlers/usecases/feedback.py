"""Collaborators' feedback for the scoring committee.

When scoring opens, the committee (the person's manager and the members set
for the team) asks the people who worked with someone on a key result:
helpers, those they helped, owners of aligned objectives, chosen by the bot
from the cycle's data or named by the committee. Each answers a short form
(how much the work moved the shared goal, 1–5, and a comment) in chat; the
clock nudges once (`handlers.moments.feedback`). Answers are shown to the
committee only, never to the person.
"""

from __future__ import annotations

from collections.abc import Mapping

from handlers import grammar as g
from handlers.okr.weeks import local_date
from handlers.present import kr_ref
from handlers.reports.committee import collaborators, committee_of, sits_on, subject_team
from handlers.usecases.context import (
    Ctx,
    UserError,
    member_mention,
    member_name,
    resolve_person,
)
from handlers.views import (
    Actions,
    Block,
    Button,
    ButtonStyle,
    Context,
    Delivery,
    Form,
    FormErrors,
    Header,
    Input,
    InputKind,
    Message,
    Option,
    Outcome,
    Text,
    ToUser,
)
from storage.models import Cycle, FeedbackRequest, KeyResult, Member, Team
from storage.repos import ends, okrs, workspaces

FORM_ID = "feedback.give"
RATINGS = (1, 2, 3, 4, 5)


def _cycle(ctx: Ctx, team: Team | None) -> Cycle:
    return ctx.scoring_cycle(team)


def _judging(ctx: Ctx, subject: Member) -> Team:
    """The subject's team, when the actor sits on its committee; a polite refusal otherwise."""
    team = sits_on(ctx.session, ctx.workspace_id, ctx.member_id, subject.id or -1)
    if team is None:
        raise UserError(
            "Only {name}'s scoring committee asks for and reads feedback on them.",
            name=member_name(subject),
        )
    return team


def _member(ctx: Ctx, member_id: int) -> Member | None:
    return workspaces.get_member(
        session=ctx.session, workspace_id=ctx.workspace_id, member_id=member_id
    )


def _kr(ctx: Ctx, kr_id: int | None) -> KeyResult | None:
    if kr_id is None:
        return None
    return okrs.get_key_result_by_id(
        session=ctx.session, workspace_id=ctx.workspace_id, kr_id=kr_id
    )


def _why(ctx: Ctx, why: str, kr: KeyResult | None) -> str:
    about = f"KR{kr.number} {kr.title}" if kr is not None else ctx.t("their work")
    return {
        "helper": ctx.t("helped on {kr}", kr=about),
        "helped": ctx.t("was helped on {kr}", kr=about),
        "aligned": ctx.t("aligned objectives ({kr})", kr=about),
    }.get(why, ctx.t("chosen by the committee ({kr})", kr=about))


def rating_text(ctx: Ctx, rating: int) -> str:
    return ctx.t("{n}/5", n=rating)


# --- the committee's side --------------------------------------------------------------


def show(ctx: Ctx, cmd: g.FeedbackShow) -> Outcome:
    subject = resolve_person(ctx, cmd.person)
    team = _judging(ctx, subject)
    return Outcome(replies=[feedback_view(ctx, subject, team)])


def feedback_view(ctx: Ctx, subject: Member, team: Team) -> Message:
    cycle = _cycle(ctx, team)
    asked = ends.list_feedback(
        session=ctx.session,
        workspace_id=ctx.workspace_id,
        cycle_id=cycle.id,
        subject_ids=[subject.id or -1],
    )
    title = ctx.t("Feedback on {name} · {cycle}", name=member_name(subject), cycle=cycle.name)
    blocks: list[Block] = [
        Header(title),
        Context(ctx.t("Seen by the scoring committee only.")),
    ]
    for request in asked:
        giver = _member(ctx, request.giver_id)
        kr = _kr(ctx, request.kr_id)
        about = f" · KR{kr.number} {kr.title}" if kr is not None else ""
        if request.rating is not None:
            line = f"{member_name(giver)}{about}: {rating_text(ctx, request.rating)}"
            if request.comment:
                line += f" · “{request.comment}”"
        else:
            line = ctx.t(
                "{name}{about}: asked {date}, no answer yet",
                name=member_name(giver),
                about=about,
                date=ctx.tr.date(local_date(request.asked_at, ctx.tz)),
            )
        blocks.append(Text(line))
    if not asked:
        blocks.append(Text(ctx.t("Nobody has been asked yet.")))
    leave_out = [m.id for m in committee_of(ctx.session, team) if m.id is not None]
    leave_out += [r.giver_id for r in asked]
    suggested = collaborators(ctx.session, subject, cycle, leave_out=leave_out)
    if suggested:
        blocks.append(Text(ctx.t("Worked with {name} this cycle:", name=member_name(subject))))
        for person in suggested:
            blocks.append(
                Context(f"{member_name(person.member)} · {_why(ctx, person.why, person.kr)}")
            )
        blocks.append(
            Actions(
                (
                    Button(
                        ctx.tr.tn("Ask {n} person", "Ask {n} people", len(suggested)),
                        "feedback.ask",
                        str(subject.id),
                        ButtonStyle.PRIMARY,
                    ),
                )
            )
        )
    blocks.append(
        Context(
            ctx.t(
                "Choose the people yourself: /okr feedback ask @{handle} @someone @someone-else",
                handle=subject.handle,
            )
        )
    )
    return Message(summary=title, blocks=tuple(blocks))


def ask(ctx: Ctx, cmd: g.FeedbackAsk) -> Outcome:
    subject = resolve_person(ctx, cmd.person)
    named = [resolve_person(ctx, person) for person in cmd.people]
    return _ask(ctx, subject, named)


def ask_button(ctx: Ctx, value: str) -> Outcome:
    """The Ask button of the committee's view: the people the bot found."""
    subject = _member(ctx, int(value)) if value.isdigit() and len(value) < 10 else None
    if subject is None:
        raise UserError("That button has expired. Type /okr to start again.")
    return _ask(ctx, subject, [])


def _ask(ctx: Ctx, subject: Member, named: list[Member]) -> Outcome:
    team = _judging(ctx, subject)
    cycle = _cycle(ctx, team)
    judges = {m.id for m in committee_of(ctx.session, team)}
    if named:
        refused = [m for m in named if m.id == subject.id]
        if refused:
            raise UserError("{name} cannot give feedback on themselves.", name=member_name(subject))
        found = collaborators(ctx.session, subject, cycle, most=50)
        known = {c.member.id: c for c in found}
        chosen = [
            (
                m,
                known[m.id].kr if m.id in known else None,
                known[m.id].why if m.id in known else "chosen",
            )
            for m in named
        ]
    else:
        chosen = [
            (c.member, c.kr, c.why)
            for c in collaborators(
                ctx.session, subject, cycle, leave_out=[i for i in judges if i is not None]
            )
        ]
    if not chosen:
        raise UserError(
            "I found nobody who worked with {name} this cycle. Name them: "
            "/okr feedback ask @{handle} @someone",
            name=member_name(subject),
            handle=subject.handle,
        )
    outcome = Outcome()
    new: list[Member] = []
    again: list[Member] = []
    for giver, kr, why in chosen:
        request, created = ends.ask_feedback(
            session=ctx.session,
            workspace_id=ctx.workspace_id,
            cycle_id=cycle.id or -1,
            subject_id=subject.id or -1,
            giver_id=giver.id or -1,
            kr_id=kr.id if kr is not None else None,
            why=why,
            asked_by=ctx.member_id,
            now=ctx.now,
        )
        if not created:
            again.append(giver)
            continue
        new.append(giver)
        outcome.deliveries.append(_ask_delivery(ctx, request, giver, subject, kr))
    parts: list[str] = []
    if new:
        parts.append(
            ctx.t(
                "Asked {people} for feedback on {name}.",
                people=ctx.tr.list([member_name(m) for m in new]),
                name=member_name(subject),
            )
        )
    if again:
        parts.append(
            ctx.t("Already asked: {people}.", people=ctx.tr.list([member_name(m) for m in again]))
        )
    text = " ".join(parts)
    outcome.replies.append(Message(summary=text, blocks=(Text(text),)))
    return outcome


def _ask_delivery(
    ctx: Ctx, request: FeedbackRequest, giver: Member, subject: Member, kr: KeyResult | None
) -> Delivery:
    tr = ctx.translator_for(giver)
    about = tr.t(" on {kr} {title}", kr=kr_ref(kr), title=kr.title) if kr else ""
    text = tr.t(
        "{asker} asks for your feedback on {name}'s work{about}: how much did it move the "
        "goal you share, from 1 to 5? Only the scoring committee sees your answer.",
        asker=member_mention(ctx.member),
        name=member_name(subject),
        about=about,
    )
    return Delivery(
        to=ToUser(giver.external_id),
        message=Message(
            summary=text,
            blocks=(
                Text(text),
                Actions(
                    (
                        Button(
                            tr.t("Give feedback"),
                            "feedback.form",
                            str(request.id),
                            ButtonStyle.PRIMARY,
                        ),
                    )
                ),
                Context(
                    tr.t(
                        'Or type: /okr feedback give @{handle} 4 "what it changed"',
                        handle=subject.handle,
                    )
                ),
            ),
        ),
        key=f"feedback:{request.id}:asked",
    )


# --- the collaborator's side ------------------------------------------------------------


def _request_for(ctx: Ctx, subject: Member) -> FeedbackRequest:
    mine = [
        r
        for r in ends.list_feedback(
            session=ctx.session,
            workspace_id=ctx.workspace_id,
            subject_ids=[subject.id or -1],
            giver_id=ctx.member_id,
        )
    ]
    if not mine:
        raise UserError(
            "Nobody has asked you for feedback on {name}. The scoring committee asks "
            "the people who worked with someone.",
            name=member_name(subject),
        )
    open_ones = [r for r in mine if r.answered_at is None]
    return (open_ones or mine)[-1]


def _own_request(ctx: Ctx, value: str) -> FeedbackRequest:
    request = (
        ends.get_feedback(
            session=ctx.session, workspace_id=ctx.workspace_id, feedback_id=int(value)
        )
        if value.isdigit() and len(value) < 10
        else None
    )
    if request is None or request.giver_id != ctx.member_id:
        raise UserError("That button has expired. Type /okr feedback list to see what is open.")
    return request


def give(ctx: Ctx, cmd: g.FeedbackGive) -> Outcome:
    subject = resolve_person(ctx, cmd.person)
    request = _request_for(ctx, subject)
    if cmd.rating is None:
        return Outcome(replies=[_form(ctx, request, subject)])
    return _answer(ctx, request, subject, cmd.rating, cmd.text.strip())


def form_button(ctx: Ctx, value: str) -> Outcome:
    request = _own_request(ctx, value)
    subject = _member(ctx, request.subject_id)
    if subject is None:
        raise UserError("That button has expired. Type /okr feedback list to see what is open.")
    return Outcome(replies=[_form(ctx, request, subject)])


def _form(ctx: Ctx, request: FeedbackRequest, subject: Member) -> Form:
    kr = _kr(ctx, request.kr_id)
    labels = {
        1: ctx.t("1 · hardly moved it"),
        2: ctx.t("2 · moved it a little"),
        3: ctx.t("3 · moved it"),
        4: ctx.t("4 · moved it a lot"),
        5: ctx.t("5 · it would not have happened without them"),
    }
    goal = f"KR{kr.number} {kr.title}" if kr is not None else ctx.t("the goal you share")
    return Form(
        form_id=FORM_ID,
        title=ctx.t("Feedback on {name}", name=member_name(subject)),
        submit_label=ctx.t("Send"),
        inputs=(
            Input(
                "rating",
                ctx.t("How much did their work move {goal}?", goal=goal),
                InputKind.SELECT,
                initial=str(request.rating) if request.rating else None,
                options=tuple(Option(labels[n], str(n)) for n in reversed(RATINGS)),
            ),
            Input(
                "comment",
                ctx.t("A comment for the committee"),
                InputKind.MULTILINE,
                required=False,
                initial=request.comment or None,
            ),
        ),
        context=str(request.id),
    )


def submit(ctx: Ctx, values: Mapping[str, str | list[str] | None], context: str) -> Outcome:
    request = _own_request(ctx, context)
    subject = _member(ctx, request.subject_id)
    if subject is None:
        raise UserError("That form has expired. Type /okr feedback list to see what is open.")

    def text(name: str) -> str:
        return g.form_field(values, name)

    errors: list[tuple[str, str]] = []
    rating = text("rating")
    if rating not in {str(n) for n in RATINGS}:
        errors.append(("rating", ctx.t("Choose how much it moved the goal, from 1 to 5.")))
    comment = text("comment")
    if len(comment) > g.TEXT_LIMIT:
        errors.append(
            (
                "comment",
                ctx.t(
                    "At most {limit} characters, please; this has {length}.",
                    limit=g.TEXT_LIMIT,
                    length=len(comment),
                ),
            )
        )
    if errors:
        return Outcome(replies=[FormErrors(tuple(errors))])
    return _answer(ctx, request, subject, int(rating), comment)


def _answer(
    ctx: Ctx, request: FeedbackRequest, subject: Member, rating: int, comment: str
) -> Outcome:
    first = request.answered_at is None
    ends.answer_feedback(
        session=ctx.session,
        workspace_id=ctx.workspace_id,
        feedback_id=request.id or -1,
        rating=rating,
        comment=comment,
        now=ctx.now,
    )
    reply = ctx.t(
        "Thank you: your feedback on {name} ({rating}) is with the scoring committee.",
        name=member_name(subject),
        rating=rating_text(ctx, rating),
    )
    outcome = Outcome(replies=[Message(summary=reply, blocks=(Text(reply),))])
    asker = _member(ctx, request.asked_by)
    if first and asker is not None and asker.id != ctx.member_id:
        tr = ctx.translator_for(asker)
        note = tr.t(
            "{who} gave feedback on {name}: {rating}",
            who=member_name(ctx.member),
            name=member_name(subject),
            rating=tr.t("{n}/5", n=rating),
        )
        blocks: list[Block] = [Text(note)]
        if comment:
            blocks.append(Context(f"“{comment}”"))
        outcome.deliveries.append(
            Delivery(
                to=ToUser(asker.external_id),
                message=Message(summary=note, blocks=tuple(blocks)),
                key=f"feedback:{request.id}:answered",
            )
        )
    # The buttons of the request go once it is answered.
    outcome.updated = Message(summary=reply, blocks=(Text(reply),))
    return outcome


def my_requests(ctx: Ctx) -> Outcome:
    requests = ends.list_feedback(
        session=ctx.session, workspace_id=ctx.workspace_id, giver_id=ctx.member_id
    )
    title = ctx.t("Feedback you were asked for")
    blocks: list[Block] = [Header(title)]
    if not requests:
        blocks.append(Text(ctx.t("Nobody has asked you for feedback.")))
    buttons: list[Button] = []
    for request in sorted(requests, key=lambda r: (r.answered_at is not None, r.id or 0)):
        subject = _member(ctx, request.subject_id)
        if request.rating is None:
            blocks.append(Text(ctx.t("{name}: waiting for your answer", name=member_name(subject))))
            buttons.append(
                Button(
                    ctx.t("Feedback on {name}", name=member_name(subject)),
                    "feedback.form",
                    str(request.id),
                )
            )
        else:
            blocks.append(
                Context(
                    ctx.t(
                        "{name}: you answered {rating}",
                        name=member_name(subject),
                        rating=rating_text(ctx, request.rating),
                    )
                )
            )
    if buttons:
        blocks.append(Actions(tuple(buttons[:10])))
    return Outcome(replies=[Message(summary=title, blocks=tuple(blocks))])


def who_judges(ctx: Ctx, subject: Member) -> list[Member]:
    """The subject's committee (for the use cases that tell it something)."""
    team = subject_team(ctx.session, ctx.workspace_id, subject.id or -1)
    return committee_of(ctx.session, team) if team is not None else []
