"""The scoring committee (评分委员会): proposals with reasons, the manager's confirmation.

Committee members (the manager, and the members set for the team) see, for
each key result of a person, the suggested score, the self score, the other
members' proposals, the collaborators' feedback and the review pack side by
side, and propose a score with a reason. The manager confirms the
committee's score: the proposals' mean unless they give another, with a
reason when it differs from the self score. The person is told the final
score and every reason. A 100 % key result can deserve a low score (the
target was lowered), a 30 % one a high score (it was far harder than
expected): the committee decides, the numbers inform.
"""

from __future__ import annotations

from collections.abc import Mapping

from handlers import grammar as g
from handlers.okr import math
from handlers.present import kr_progress, kr_ref
from handlers.reports.committee import committee_of, judged_teams, sits_on
from handlers.reports.reviewpack import load_pack, sections
from handlers.reports.scores import QueueRow, both_text, score_text, team_rows
from handlers.usecases import scores
from handlers.usecases.context import (
    Ctx,
    UserError,
    kr_owner_id,
    member_name,
    resolve_kr,
    resolve_person,
)
from handlers.usecases.help import parse_error_text
from handlers.views import (
    Actions,
    Block,
    Button,
    ButtonStyle,
    Context,
    Delivery,
    Divider,
    Form,
    FormErrors,
    Header,
    Input,
    InputKind,
    Message,
    Outcome,
    Text,
    ToUser,
)
from storage.models import CommitteeScore, KeyResult, Member, Score, Team
from storage.repos import ends, okrs, workspaces

PROPOSE_FORM = "committee.propose"


def _score(ctx: Ctx, value: float | None) -> str:
    return score_text(value, ctx.score_scale)


def _names(ctx: Ctx, ids: set[int]) -> dict[int, Member]:
    return {
        m.id: m
        for m in workspaces.list_members(
            session=ctx.session, workspace_id=ctx.workspace_id, ids=ids
        )
        if m.id is not None
    }


def _mean(proposals: list[CommitteeScore]) -> float | None:
    if not proposals:
        return None
    return round(sum(p.score for p in proposals) / len(proposals), 2)


# --- what the committee sees ---------------------------------------------------------


def show(ctx: Ctx, cmd: g.CommitteeShow) -> Outcome:
    if cmd.person is not None:
        subject = resolve_person(ctx, cmd.person)
        team = sits_on(ctx.session, ctx.workspace_id, ctx.member_id, subject.id or -1)
        if team is None:
            raise UserError(
                "Only {name}'s scoring committee sees their scores side by side.",
                name=member_name(subject),
            )
        return Outcome(replies=[person_view(ctx, subject, team)])
    teams = judged_teams(ctx.session, ctx.workspace_id, ctx.member_id)
    if not teams:
        raise UserError(
            "You are on no scoring committee. A manager names the members: "
            "/okr settings team NAME committee @a @b"
        )
    return Outcome(replies=[overview(ctx, team) for team in teams])


def overview(ctx: Ctx, team: Team) -> Message:
    cycle = ctx.scoring_cycle(team)
    rows = team_rows(ctx.session, team, cycle)
    committee = committee_of(ctx.session, team)
    proposals = ends.committee_scores_for(
        session=ctx.session,
        workspace_id=ctx.workspace_id,
        kr_ids=[r.kr.id for r in rows if r.kr.id is not None],
    )
    title = ctx.t("Scoring committee · {team} · {cycle}", team=team.name, cycle=cycle.name)
    blocks: list[Block] = [
        Header(title),
        Context(
            ctx.t("Committee: {names}", names=ctx.tr.list([member_name(m) for m in committee]))
        ),
    ]
    by_owner: dict[int, list[QueueRow]] = {}
    for row in rows:
        if row.owner is not None and row.owner.id is not None:
            by_owner.setdefault(row.owner.id, []).append(row)
    buttons: list[Button] = []
    for owner_id, group in by_owner.items():
        owner = group[0].owner
        self_scored = sum(1 for r in group if r.score and r.score.self_score is not None)
        final = sum(1 for r in group if r.score and r.score.reviewed_score is not None)
        proposed = sum(1 for r in group if proposals.get(r.kr.id or -1))
        blocks.append(
            Text(
                ctx.t(
                    "{name}: {total} key results · {self_scored} self-scored · "
                    "{proposed} with proposals · {final} final",
                    name=member_name(owner),
                    total=len(group),
                    self_scored=self_scored,
                    proposed=proposed,
                    final=final,
                )
            )
        )
        buttons.append(Button(member_name(owner), "committee.person", str(owner_id)))
    if not by_owner:
        blocks.append(Text(ctx.t("No key results to score in this cycle yet.")))
    if buttons:
        blocks.append(Actions(tuple(buttons[:10])))
    blocks.append(Context(ctx.t("One person side by side: /okr committee @alice")))
    return Message(summary=title, blocks=tuple(blocks))


def person_button(ctx: Ctx, value: str) -> Outcome:
    subject = (
        workspaces.get_member(
            session=ctx.session, workspace_id=ctx.workspace_id, member_id=int(value)
        )
        if value.isdigit() and len(value) < 10
        else None
    )
    if subject is None:
        raise UserError("That button has expired. Type /okr to start again.")
    return show(ctx, g.CommitteeShow(g.PersonRef(f"@{subject.handle}")))


def person_view(ctx: Ctx, subject: Member, team: Team) -> Message:
    """A person's key results with every score, the feedback and the pack, side by side."""
    cycle = ctx.scoring_cycle(team)
    data = load_pack(ctx.session, subject, cycle)
    kr_ids = [item.kr.id for item in data.krs if item.kr.id is not None]
    proposals = ends.committee_scores_for(
        session=ctx.session, workspace_id=ctx.workspace_id, kr_ids=kr_ids
    )
    feedback = ends.list_feedback(
        session=ctx.session,
        workspace_id=ctx.workspace_id,
        cycle_id=cycle.id,
        subject_ids=[subject.id or -1],
    )
    people = _names(
        ctx,
        {p.member_id for ps in proposals.values() for p in ps} | {f.giver_id for f in feedback},
    )
    is_manager = team.manager_id == ctx.member_id
    title = ctx.t("Scores of {name} · {cycle}", name=member_name(subject), cycle=cycle.name)
    blocks: list[Block] = [Header(title), Context(ctx.t("For the scoring committee."))]
    buttons: list[Button] = []
    for item in data.krs:
        kr = item.kr
        suggested = math.suggested_score(kr_progress(kr))
        progress = kr_progress(kr)
        row = item.score
        parts = [
            ctx.t("progress {p}", p=ctx.tr.percent(progress) if progress is not None else "–"),
            ctx.t("suggested {s}", s=_score(ctx, suggested)),
            ctx.t("self {s}", s=_score(ctx, row.self_score if row else None)),
        ]
        if row is not None and row.reviewed_score is not None:
            parts.append(ctx.t("final {s}", s=_score(ctx, row.reviewed_score)))
        blocks.append(Divider())
        blocks.append(Text(f"KR{kr.number} {kr.title}: " + " · ".join(parts)))
        for proposal in proposals.get(kr.id or -1, []):
            line = f"{member_name(people.get(proposal.member_id))}: {_score(ctx, proposal.score)}"
            if proposal.reason:
                line += f" · “{proposal.reason}”"
            blocks.append(Context(line))
        for answer in feedback:
            if answer.kr_id == kr.id and answer.rating is not None:
                blocks.append(
                    Context(
                        _feedback_line(
                            ctx, answer.rating, answer.comment, people.get(answer.giver_id)
                        )
                    )
                )
        if row is not None and row.self_score is not None and row.reviewed_score is None:
            buttons.append(
                Button(ctx.t("Propose for {ref}", ref=kr_ref(kr)), "committee.propose", kr_ref(kr))
            )
            if is_manager:
                value = _mean(proposals.get(kr.id or -1, [])) or row.self_score
                buttons.append(
                    Button(
                        ctx.t("Confirm {ref} at {s}", ref=kr_ref(kr), s=_score(ctx, value)),
                        "committee.confirm",
                        kr_ref(kr),
                        ButtonStyle.PRIMARY,
                    )
                )
    other = [f for f in feedback if f.rating is not None and f.kr_id not in kr_ids]
    waiting = [f for f in feedback if f.rating is None]
    if other or waiting:
        blocks.append(Divider())
        blocks.append(Text(ctx.t("Collaborators' feedback")))
        for answer in other:
            blocks.append(
                Context(
                    _feedback_line(
                        ctx, answer.rating or 0, answer.comment, people.get(answer.giver_id)
                    )
                )
            )
        if waiting:
            blocks.append(
                Context(
                    ctx.t(
                        "Waiting for: {names}",
                        names=ctx.tr.list([member_name(people.get(f.giver_id)) for f in waiting]),
                    )
                )
            )
    blocks.append(Divider())
    blocks.append(Text(ctx.t("From the review pack")))
    for section in sections(ctx.tr, data, ctx.score_scale)[1:]:
        blocks.append(Context(f"{section.title}: " + " / ".join(section.lines)))
    if buttons:
        blocks.append(Actions(tuple(buttons[:10])))
    blocks.append(
        Context(
            ctx.t(
                'Propose with a reason: /okr committee propose KR12 0.6 "why" · '
                "the manager confirms: /okr committee confirm KR12"
            )
        )
    )
    return Message(summary=title, blocks=tuple(blocks))


def _feedback_line(ctx: Ctx, rating: int, comment: str, giver: Member | None) -> str:
    line = ctx.t(
        "Feedback from {name}: {rating}", name=member_name(giver), rating=ctx.t("{n}/5", n=rating)
    )
    return line + (f" · “{comment}”" if comment else "")


# --- proposing ------------------------------------------------------------------------


def _judged_kr(ctx: Ctx, kr: KeyResult) -> tuple[Member, Team, Score]:
    """The owner, their team and the score row of a KR the actor may judge."""
    owner_id = kr_owner_id(ctx, kr)
    owner = (
        workspaces.get_member(
            session=ctx.session, workspace_id=ctx.workspace_id, member_id=owner_id
        )
        if owner_id is not None
        else None
    )
    team = sits_on(ctx.session, ctx.workspace_id, ctx.member_id, owner_id) if owner_id else None
    if owner is None or team is None:
        raise UserError("Only the scoring committee of {ref}'s owner can score it.", ref=kr_ref(kr))
    row = okrs.scores_for(
        session=ctx.session, workspace_id=ctx.workspace_id, kr_ids=[kr.id or -1]
    ).get(kr.id or -1)
    if row is None or row.self_score is None:
        raise UserError("The owner scores {ref} first; review it after that.", ref=kr_ref(kr))
    return owner, team, row


def propose(ctx: Ctx, cmd: g.CommitteePropose) -> Outcome:
    kr = resolve_kr(ctx, cmd.kr)
    return _propose(ctx, kr, cmd.value, cmd.reason.strip())


def _propose(ctx: Ctx, kr: KeyResult, value: float, reason: str) -> Outcome:
    owner, team, row = _judged_kr(ctx, kr)
    if not reason:
        raise UserError(
            'A committee proposal needs a reason: /okr committee propose {ref} {s} "why".',
            ref=kr_ref(kr),
            s=_score(ctx, value),
        )
    ends.save_committee_score(
        session=ctx.session,
        workspace_id=ctx.workspace_id,
        kr_id=kr.id or -1,
        member_id=ctx.member_id,
        score=value,
        reason=reason,
        now=ctx.now,
    )
    text = ctx.t(
        "Proposed {s} for {ref} ({name}'s self score: {own}).",
        s=_score(ctx, value),
        ref=kr_ref(kr),
        name=member_name(owner),
        own=_score(ctx, row.self_score),
    )
    outcome = Outcome(
        replies=[Message(summary=text, blocks=(Text(text),)), person_view(ctx, owner, team)]
    )
    manager = (
        workspaces.get_member(
            session=ctx.session, workspace_id=ctx.workspace_id, member_id=team.manager_id
        )
        if team.manager_id is not None
        else None
    )
    if manager is not None and manager.id != ctx.member_id:
        tr = ctx.translator_for(manager)
        note = tr.t(
            "{who} proposes {s} for {ref} {title} ({name}): {reason}",
            who=member_name(ctx.member),
            s=score_text(value, ctx.score_scale),
            ref=kr_ref(kr),
            title=kr.title,
            name=member_name(owner),
            reason=reason,
        )
        outcome.deliveries.append(
            Delivery(
                to=ToUser(manager.external_id),
                message=Message(
                    summary=note,
                    blocks=(
                        Text(note),
                        Actions((Button(member_name(owner), "committee.person", str(owner.id)),)),
                    ),
                ),
                key=f"committee:kr{kr.id}:member{ctx.member_id}:{ctx.now.strftime('%Y%m%dT%H%M%S%f')}",
            )
        )
    return outcome


def propose_form(ctx: Ctx, value: str) -> Outcome:
    kr = _kr_from(ctx, value)
    _owner, _team, row = _judged_kr(ctx, kr)
    return Outcome(
        replies=[
            Form(
                form_id=PROPOSE_FORM,
                title=ctx.t("Propose a score"),
                submit_label=ctx.t("Propose"),
                inputs=(
                    Input(
                        "score",
                        ctx.t(
                            "Score for {ref} (self score {s})",
                            ref=kr_ref(kr),
                            s=_score(ctx, row.self_score),
                        ),
                        placeholder="0.6" if ctx.score_scale != 10 else "6",
                    ),
                    Input("reason", ctx.t("Why"), InputKind.MULTILINE),
                ),
                context=kr_ref(kr),
            )
        ]
    )


def _kr_from(ctx: Ctx, value: str) -> KeyResult:
    try:
        ref = g.parse_ref(value)
    except g.ParseError:
        raise UserError("That button has expired. Type /okr to start again.") from None
    return resolve_kr(ctx, ref)


def submit_proposal(
    ctx: Ctx, values: Mapping[str, str | list[str] | None], context: str
) -> Outcome:
    kr = _kr_from(ctx, context)

    def text(name: str) -> str:
        return g.form_field(values, name)

    errors: list[tuple[str, str]] = []
    score: float | None = None
    try:
        parsed = g.parse(f"score {kr_ref(kr)} {text('score') or '?'}", today=ctx.today)
        if isinstance(parsed, g.Score):
            score = parsed.value
        else:
            errors.append(("score", ctx.t("Give a score from 0 to 1 (or 0 to 10).")))
    except g.ParseError as error:
        errors.append(("score", parse_error_text(ctx.tr, error)))
    reason = text("reason")
    if not reason:
        errors.append(("reason", ctx.t("Say why: the committee's reasons reach the person.")))
    elif len(reason) > g.TEXT_LIMIT:
        errors.append(
            (
                "reason",
                ctx.t(
                    "At most {limit} characters, please; this has {length}.",
                    limit=g.TEXT_LIMIT,
                    length=len(reason),
                ),
            )
        )
    if errors or score is None:
        return Outcome(replies=[FormErrors(tuple(errors))])
    return _propose(ctx, kr, score, reason)


# --- confirming -----------------------------------------------------------------------


def confirm(ctx: Ctx, cmd: g.CommitteeConfirm) -> Outcome:
    kr = resolve_kr(ctx, cmd.kr)
    return _confirm(ctx, kr, cmd.value, cmd.reason.strip())


def confirm_button(ctx: Ctx, value: str) -> Outcome:
    return _confirm(ctx, _kr_from(ctx, value), None, "")


def _confirm(ctx: Ctx, kr: KeyResult, value: float | None, reason: str) -> Outcome:
    owner, team, row = _judged_kr(ctx, kr)
    if team.manager_id != ctx.member_id:
        raise UserError(
            "The committee proposes; {team}'s manager confirms the committee's score.",
            team=team.name,
        )
    proposals = ends.committee_scores_for(
        session=ctx.session, workspace_id=ctx.workspace_id, kr_ids=[kr.id or -1]
    ).get(kr.id or -1, [])
    final = value if value is not None else (_mean(proposals) or row.self_score)
    assert final is not None
    people = _names(ctx, {p.member_id for p in proposals})
    reasons = [(member_name(people.get(p.member_id)), p.reason) for p in proposals if p.reason]
    changed = row.self_score is None or abs(row.self_score - final) > 1e-9
    if changed and not reason and not reasons:
        raise UserError(
            'Changing the owner\'s score needs a reason: /okr committee confirm {ref} {s} "why".',
            ref=kr_ref(kr),
            s=_score(ctx, final),
        )
    okrs.save_review_score(
        session=ctx.session,
        workspace_id=ctx.workspace_id,
        kr_id=kr.id or -1,
        reviewer_id=ctx.member_id,
        score=final,
        reason=(reason or "; ".join(f"{who}: {why}" for who, why in reasons))[:1000],
        now=ctx.now,
    )
    text = ctx.t(
        "{ref} is final at {s} (self score {own}).",
        ref=kr_ref(kr),
        s=both_text(final, ctx.score_scale),
        own=_score(ctx, row.self_score),
    )
    outcome = Outcome(
        replies=[Message(summary=text, blocks=(Text(text),)), person_view(ctx, owner, team)],
        deliveries=scores.after_review(
            ctx,
            kr,
            owner.id,
            row.self_score,
            final,
            reason,
            reasons=[(who, why) for who, why in reasons if why != reason],
        ),
    )
    return outcome
