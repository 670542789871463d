"""Drafting OKRs together (共创), on the commands side: start, propose, vote, finalise.

A team's manager starts a draft of the next cycle's OKRs in the team's channel
(or names the team); members propose objectives with key results (typed, or in
a form), vote on the objectives, then on the key results of the winners. The
rounds end on their own at fixed times (`handlers.moments.drafting`); the
manager may close one early. Finalising creates the chosen objectives as the
team's, in the next cycle, aligned to the parent the team chose, and asks each
member to write their own and align them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from handlers import grammar as g
from handlers.i18n import Translator, negotiate, translator
from handlers.okr.weeks import next_cycle_for
from handlers.reports import drafts
from handlers.reports.drafts import DraftState, Stage
from handlers.usecases.context import (
    Ctx,
    UserError,
    kr_owner_id,
    member_mention,
    member_name,
    resolve_kr,
    resolve_objective,
    resolve_person,
    resolve_team,
)
from handlers.usecases.help import parse_error_text
from handlers.usecases.okrs import kr_cycle_id, new_objective_form
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
    ToChannel,
    ToUser,
)
from storage.models import Draft, DraftIdea, IdeaKind, KeyResult, KRKind, Objective, Team
from storage.repos import ends, okrs, workspaces

PROPOSE_FORM = "draft.propose"
KR_FIELDS = 4


# --- finding the draft ------------------------------------------------------------------


def _team(ctx: Ctx, name: str | None) -> Team:
    """The team named, else the one whose channel this is, else the one the actor runs."""
    if name:
        return resolve_team(ctx, name)
    teams = workspaces.teams_of_member(
        session=ctx.session, workspace_id=ctx.workspace_id, member_id=ctx.member_id
    )
    if ctx.channel_id:
        for team in teams:
            if team.channel_external_id == ctx.channel_id:
                return team
    managed = [t for t in teams if t.manager_id == ctx.member_id]
    return (managed or teams or [resolve_team(ctx, None)])[0]


def _open_draft(ctx: Ctx, team: Team) -> Draft | None:
    found = ends.open_drafts(
        session=ctx.session, workspace_id=ctx.workspace_id, team_ids=[team.id or -1]
    )
    return found[-1] if found else None


def _mine(ctx: Ctx) -> DraftState:
    """The open draft of the actor's team (the channel's, else any of theirs)."""
    teams = workspaces.teams_of_member(
        session=ctx.session, workspace_id=ctx.workspace_id, member_id=ctx.member_id
    )
    if ctx.channel_id:
        teams.sort(key=lambda t: t.channel_external_id != ctx.channel_id)
    for team in teams:
        draft = _open_draft(ctx, team)
        if draft is not None:
            return drafts.load(ctx.session, draft)
    raise UserError(
        "Your team is not drafting OKRs now. Its manager starts a draft: /okr draft start"
    )


def _by_id(ctx: Ctx, value: str) -> DraftState:
    draft = (
        ends.get_draft(session=ctx.session, workspace_id=ctx.workspace_id, draft_id=int(value))
        if value.isdigit() and len(value) < 10
        else None
    )
    if draft is None:
        raise UserError("That button has expired. Type /okr draft to see where the draft is.")
    return drafts.load(ctx.session, draft)


def _member_of(ctx: Ctx, state: DraftState) -> None:
    if ctx.member_id not in state.member_ids:
        raise UserError("Only members of {team} take part in its draft.", team=state.team.name)


def _manager_of(ctx: Ctx, state: DraftState) -> None:
    if state.team.manager_id not in (None, ctx.member_id):
        raise UserError("Only the manager of {team} can do that.", team=state.team.name)


def _stage(ctx: Ctx, state: DraftState) -> Stage:
    return drafts.stage_at(state.draft, ctx.now)


def _post(ctx: Ctx, state: DraftState, message: Message, key: str) -> list[Delivery]:
    """A post to the team: in its channel, else a message to each member."""
    team = state.team
    if team.channel_external_id:
        return [Delivery(to=ToChannel(team.channel_external_id), message=message, key=key)]
    return [
        Delivery(to=ToUser(member.external_id), message=message, key=f"{key}:member{member.id}")
        for member_id in state.member_ids
        if (member := state.people.get(member_id)) is not None
    ]


# --- status -----------------------------------------------------------------------------


def status(ctx: Ctx, cmd: g.DraftStatus) -> Outcome:
    try:
        state = _mine(ctx)
    except UserError:
        text = ctx.t(
            "No draft is open. A team's manager starts one in the team's channel, "
            "in the cycle's last two weeks or whenever the team is ready: /okr draft start"
        )
        return Outcome(replies=[Message(summary=text, blocks=(Text(text),))])
    return Outcome(replies=[_status_view(ctx, state)])


def status_button(ctx: Ctx, value: str) -> Outcome:
    return Outcome(replies=[_status_view(ctx, _by_id(ctx, value))])


def _status_view(ctx: Ctx, state: DraftState) -> Message:
    stage = _stage(ctx, state)
    if stage == Stage.PROPOSING:
        view = drafts.opened_message(ctx.tr, state)
        mine = [i for i in state.objectives if i.author_id == ctx.member_id]
        extra = (
            [Context(ctx.t("Your ideas: {labels}", labels=", ".join(state.label(i) for i in mine)))]
            if mine
            else []
        )
        return replace(view, blocks=(*view.blocks, *extra), in_channel=False)
    if stage == Stage.OBJECTIVES:
        view = drafts.objectives_vote_message(ctx.tr, state)
        picked = state.votes_of(ctx.member_id, state.objectives)
    elif stage == Stage.KRS:
        view = drafts.krs_vote_message(ctx.tr, state)
        picked = state.votes_of(ctx.member_id, list(state.krs))
    else:
        return replace(drafts.results_message(ctx.tr, state), in_channel=False)
    note = (
        ctx.t("Your votes: {labels}", labels=", ".join(state.label(i) for i in picked))
        if picked
        else ctx.t("You have not voted yet.")
    )
    return replace(view, blocks=(*view.blocks, Context(note)), in_channel=False)


# --- starting ---------------------------------------------------------------------------


def start(ctx: Ctx, cmd: g.DraftStart) -> Outcome:
    team = _team(ctx, cmd.team)
    return _start(ctx, team, cmd.anonymous, cmd.parent)


def start_button(ctx: Ctx, value: str) -> Outcome:
    team = (
        workspaces.get_team(session=ctx.session, workspace_id=ctx.workspace_id, team_id=int(value))
        if value.isdigit() and len(value) < 10
        else None
    )
    if team is None:
        raise UserError("That button has expired. Type /okr draft start to begin.")
    return _start(ctx, team, False, None)


def _start(ctx: Ctx, team: Team, anonymous: bool, parent: g.Ref | None) -> Outcome:
    if team.manager_id is not None and team.manager_id != ctx.member_id:
        raise UserError("Only the manager of {team} starts its draft.", team=team.name)
    if _open_draft(ctx, team) is not None:
        raise UserError(
            "{team} is drafting already: /okr draft shows where it stands.", team=team.name
        )
    parent_objective: Objective | None = None
    parent_kr: KeyResult | None = None
    if parent is not None and parent.kind == "O":
        parent_objective = resolve_objective(ctx, parent)
    elif parent is not None:
        parent_kr = resolve_kr(ctx, parent)
    cycle = ctx.cycle_at(next_cycle_for(ctx.kind_of(team), ctx.today))
    proposals, objectives, krs = drafts.round_deadlines(team, ctx.today)
    draft = ends.create_draft(
        session=ctx.session,
        workspace_id=ctx.workspace_id,
        team_id=team.id or -1,
        cycle_id=cycle.id or -1,
        started_by=ctx.member_id,
        anonymous=anonymous,
        parent_objective_id=parent_objective.id if parent_objective else None,
        parent_kr_id=parent_kr.id if parent_kr else None,
        proposals_until=proposals,
        objectives_until=objectives,
        krs_until=krs,
        now=ctx.now,
    )
    state = drafts.load(ctx.session, draft)
    text = ctx.t(
        "Started drafting {cycle} with {team}. Proposals close {deadline}.",
        cycle=cycle.name,
        team=team.name,
        deadline=_local(ctx, team, proposals),
    )
    posted = drafts.opened_message(_team_translator(ctx, team), state)
    return Outcome(
        replies=[Message(summary=text, blocks=(Text(text),))],
        deliveries=_post(ctx, state, posted, f"draft{draft.id}:opened"),
    )


def _team_translator(ctx: Ctx, team: Team) -> Translator:
    """Posts to the team speak the team's language."""
    return translator(negotiate(team.locale, ctx.workspace_locale))


def _local(ctx: Ctx, team: Team, at: datetime) -> str:
    local = at.astimezone(ZoneInfo(team.timezone))
    return f"{ctx.tr.weekday(local.isoweekday())} {ctx.tr.date(local.date())} {local:%H:%M}"


# --- proposing --------------------------------------------------------------------------


def _kr_spec(ctx: Ctx, text: str) -> g.KRSpec:
    parsed = g.parse(f"new x | {text}", today=ctx.today)
    assert isinstance(parsed, g.NewObjective) and len(parsed.krs) == 1
    return parsed.krs[0]


def propose(ctx: Ctx, cmd: g.DraftPropose) -> Outcome:
    state = _mine(ctx)
    if not cmd.title:
        return Outcome(replies=[_propose_form(ctx, state)])
    return _propose(ctx, state, cmd.title, [g.kr_spec_text(spec) for spec in cmd.krs])


def propose_button(ctx: Ctx, value: str) -> Outcome:
    state = _by_id(ctx, value)
    _member_of(ctx, state)
    if _stage(ctx, state) != Stage.PROPOSING:
        raise UserError("Proposals are closed for this draft: /okr draft shows the vote.")
    return Outcome(replies=[_propose_form(ctx, state)])


def _propose_form(ctx: Ctx, state: DraftState) -> Form:
    inputs = [
        Input(
            "title",
            ctx.t("Objective"),
            placeholder=ctx.t("Make Demo Co. the name buyers know"),
        )
    ]
    for i in range(1, KR_FIELDS + 1):
        inputs.append(
            Input(
                f"kr{i}",
                ctx.t("Key result {n}", n=i),
                required=False,
                placeholder=ctx.t("Qualified inbound leads: 300 -> 600 leads"),
            )
        )
    return Form(
        form_id=PROPOSE_FORM,
        title=ctx.t("Propose for {cycle}", cycle=state.cycle.name),
        submit_label=ctx.t("Propose"),
        inputs=tuple(inputs),
        context=str(state.draft.id),
    )


def submit_proposal(
    ctx: Ctx, values: Mapping[str, str | list[str] | None], context: str
) -> Outcome:
    state = _by_id(ctx, context)

    def text(name: str) -> str:
        return g.form_field(values, name)

    errors: list[tuple[str, str]] = []
    title = text("title")
    if not title:
        errors.append(("title", ctx.t("Write the objective: where should the team go?")))
    elif len(title) > g.TITLE_LIMIT:
        error = g.too_long("title_too_long", "draft", title, g.TITLE_LIMIT)
        errors.append(("title", parse_error_text(ctx.tr, error)))
    krs: list[str] = []
    for i in range(1, KR_FIELDS + 1):
        line = text(f"kr{i}")
        if not line:
            continue
        try:
            krs.append(g.kr_spec_text(_kr_spec(ctx, line)))
        except g.ParseError as error:
            errors.append((f"kr{i}", parse_error_text(ctx.tr, error)))
    if errors:
        return Outcome(replies=[FormErrors(tuple(errors))])
    return _propose(ctx, state, title, krs)


def _propose(ctx: Ctx, state: DraftState, title: str, krs: list[str]) -> Outcome:
    _member_of(ctx, state)
    if _stage(ctx, state) != Stage.PROPOSING:
        raise UserError("Proposals are closed for this draft: /okr draft shows the vote.")
    idea = ends.add_idea(
        session=ctx.session,
        workspace_id=ctx.workspace_id,
        draft_id=state.draft.id or -1,
        kind=IdeaKind.OBJECTIVE.value,
        author_id=ctx.member_id,
        text=title,
        parent_id=None,
        now=ctx.now,
    )
    for kr in krs:
        ends.add_idea(
            session=ctx.session,
            workspace_id=ctx.workspace_id,
            draft_id=state.draft.id or -1,
            kind=IdeaKind.KR.value,
            author_id=ctx.member_id,
            text=kr,
            parent_id=idea.id,
            now=ctx.now,
        )
    text = ctx.tr.tn(
        "Proposed #{number} {title} with {n} key result.",
        "Proposed #{number} {title} with {n} key results.",
        len(krs),
        number=idea.number,
        title=title,
    )
    if state.draft.anonymous:
        text += " " + ctx.t("The team sees it without your name.")
    return Outcome(replies=[Message(summary=text, blocks=(Text(text),))])


def add_kr(ctx: Ctx, cmd: g.DraftAddKR) -> Outcome:
    state = _mine(ctx)
    _member_of(ctx, state)
    if _stage(ctx, state) not in (Stage.PROPOSING, Stage.OBJECTIVES):
        raise UserError("Key result ideas are closed: the team is voting on them now.")
    objective = next((o for o in state.objectives if o.number == cmd.idea), None)
    if objective is None:
        raise UserError("There is no objective idea #{n} in this draft.", n=cmd.idea)
    kr = ends.add_idea(
        session=ctx.session,
        workspace_id=ctx.workspace_id,
        draft_id=state.draft.id or -1,
        kind=IdeaKind.KR.value,
        author_id=ctx.member_id,
        text=g.kr_spec_text(cmd.spec),
        parent_id=objective.id,
        now=ctx.now,
    )
    state = drafts.load(ctx.session, state.draft)
    text = ctx.t(
        "Added {label} {kr} to {objective}.",
        label=state.label(kr),
        kr=kr.text,
        objective=state.label(objective) + " " + objective.text,
    )
    return Outcome(replies=[Message(summary=text, blocks=(Text(text),))])


# --- voting -----------------------------------------------------------------------------


def _candidates(state: DraftState, stage: Stage) -> list[DraftIdea]:
    if stage == Stage.OBJECTIVES:
        return list(state.objectives)
    if stage == Stage.KRS:
        return [k for o in drafts.objective_winners(state) for k in state.krs_of(o)]
    return []


def _check_picks(ctx: Ctx, state: DraftState, stage: Stage, picked: list[DraftIdea]) -> None:
    if stage == Stage.OBJECTIVES and len(picked) > drafts.OBJECTIVE_PICKS:
        raise UserError("Pick at most {n} objectives; unpick one first.", n=drafts.OBJECTIVE_PICKS)
    if stage == Stage.KRS:
        for objective in drafts.objective_winners(state):
            mine = [k for k in picked if k.parent_id == objective.id]
            if len(mine) > drafts.KR_PICKS:
                raise UserError(
                    "Pick at most {n} key results of {label}; unpick one first.",
                    n=drafts.KR_PICKS,
                    label=state.label(objective),
                )


def _open_vote(ctx: Ctx, state: DraftState) -> tuple[Stage, list[DraftIdea]]:
    _member_of(ctx, state)
    stage = _stage(ctx, state)
    if stage == Stage.PROPOSING:
        raise UserError("The vote has not started: the team is still proposing.")
    if stage not in (Stage.OBJECTIVES, Stage.KRS):
        raise UserError("Voting is over for this draft.")
    return stage, _candidates(state, stage)


def vote(ctx: Ctx, cmd: g.DraftVote) -> Outcome:
    state = _mine(ctx)
    stage, candidates = _open_vote(ctx, state)
    picked: list[DraftIdea] = []
    for label in cmd.ideas:
        idea = state.by_label(label)
        if idea is None or idea not in candidates:
            raise UserError(
                "{label} is not on this vote. Vote for: {labels}",
                label="#" + label,
                labels=", ".join(state.label(i) for i in candidates) or "–",
            )
        picked.append(idea)
    _check_picks(ctx, state, stage, picked)
    return _save_votes(ctx, state, candidates, picked)


def vote_button(ctx: Ctx, value: str) -> Outcome:
    """A Vote button toggles that idea in the presser's votes."""
    draft_id, _, label = value.partition(":")
    state = _by_id(ctx, draft_id)
    stage, candidates = _open_vote(ctx, state)
    idea = state.by_label(label)
    if idea is None or idea not in candidates:
        raise UserError("That button has expired. Type /okr draft to see where the draft is.")
    picked = state.votes_of(ctx.member_id, candidates)
    picked = [i for i in picked if i.id != idea.id] if idea in picked else [*picked, idea]
    _check_picks(ctx, state, stage, picked)
    return _save_votes(ctx, state, candidates, picked)


def _save_votes(
    ctx: Ctx, state: DraftState, candidates: list[DraftIdea], picked: list[DraftIdea]
) -> Outcome:
    ends.set_votes(
        session=ctx.session,
        workspace_id=ctx.workspace_id,
        draft_id=state.draft.id or -1,
        member_id=ctx.member_id,
        among=[i.id for i in candidates if i.id is not None],
        idea_ids=[i.id for i in picked if i.id is not None],
        now=ctx.now,
    )
    text = (
        ctx.t("Your votes: {labels}", labels=", ".join(state.label(i) for i in picked))
        if picked
        else ctx.t("You have no votes in this round now.")
    )
    return Outcome(replies=[Message(summary=text, blocks=(Text(text),))])


# --- the manager's steps ----------------------------------------------------------------


def next_round(ctx: Ctx, cmd: g.DraftNext) -> Outcome:
    state = _mine(ctx)
    _manager_of(ctx, state)
    stage = _stage(ctx, state)
    if stage not in drafts.ROUNDS:
        raise UserError("Every round is over; finalise with /okr draft finish.")
    return _close(ctx, state, stage)


def _close(ctx: Ctx, state: DraftState, stage: Stage) -> Outcome:
    """End the open round now and post its results, as its deadline would."""
    ends.set_deadlines(
        session=ctx.session,
        workspace_id=ctx.workspace_id,
        draft_id=state.draft.id or -1,
        deadlines={drafts.DEADLINES[stage]: ctx.now},
    )
    state = drafts.load(ctx.session, state.draft)
    posted = drafts.round_message(_team_translator(ctx, state.team), state, stage)
    text = {
        Stage.PROPOSING: ctx.t("Proposals are closed; the vote on the objectives is open."),
        Stage.OBJECTIVES: ctx.t("The objectives are chosen; the vote on key results is open."),
        Stage.KRS: ctx.t("Voting is over; finalise with /okr draft finish."),
    }[stage]
    return Outcome(
        replies=[Message(summary=text, blocks=(Text(text),))],
        deliveries=_post(ctx, state, posted, drafts.round_key(state.draft, stage)),
    )


def cancel(ctx: Ctx, cmd: g.DraftCancel) -> Outcome:
    state = _mine(ctx)
    _manager_of(ctx, state)
    ends.close_draft(
        session=ctx.session,
        workspace_id=ctx.workspace_id,
        draft_id=state.draft.id or -1,
        cancelled_at=ctx.now,
    )
    text = ctx.t(
        "Stopped drafting {cycle} with {team}.", cycle=state.cycle.name, team=state.team.name
    )
    posted = Message(summary=text, blocks=(Text(text),), in_channel=True)
    return Outcome(
        replies=[Message(summary=text, blocks=(Text(text),))],
        deliveries=_post(ctx, state, posted, f"draft{state.draft.id}:cancelled"),
    )


def finish(ctx: Ctx, cmd: g.DraftFinish) -> Outcome:
    return _finish(ctx, _mine(ctx), cmd.keep)


def finish_button(ctx: Ctx, value: str) -> Outcome:
    return _finish(ctx, _by_id(ctx, value), ())


def _finish(ctx: Ctx, state: DraftState, keep: tuple[int, ...]) -> Outcome:
    _manager_of(ctx, state)
    outcome = Outcome()
    stage = _stage(ctx, state)
    if stage in (Stage.FINALISED, Stage.CANCELLED):
        raise UserError("This draft is over already.")
    if stage in (Stage.PROPOSING, Stage.OBJECTIVES):
        raise UserError(
            "The team has not voted on the key results yet. Close a round early with "
            "/okr draft next."
        )
    if stage == Stage.KRS:
        closed = _close(ctx, state, stage)
        outcome.deliveries.extend(closed.deliveries)
        state = drafts.load(ctx.session, state.draft)
    if keep:
        chosen = []
        for number in keep:
            idea = next((o for o in state.objectives if o.number == number), None)
            if idea is None:
                raise UserError("There is no objective idea #{n} in this draft.", n=number)
            chosen.append(idea)
    else:
        chosen = drafts.objective_winners(state)
    if not chosen:
        raise UserError("No objective was chosen. Keep some yourself: /okr draft finish #1 #2")
    created = _create(ctx, state, chosen)
    ends.close_draft(
        session=ctx.session,
        workspace_id=ctx.workspace_id,
        draft_id=state.draft.id or -1,
        finalised_at=ctx.now,
    )
    outcome.deliveries.extend(_announce(ctx, state, created))
    lines = [f"O{o.number} {o.title}" for o, _ in created]
    text = ctx.t(
        "Created {team}'s objectives for {cycle}: {objectives}.",
        team=state.team.name,
        cycle=state.cycle.name,
        objectives="; ".join(lines),
    )
    outcome.replies.append(Message(summary=text, blocks=(Text(text),)))
    return outcome


def _create(
    ctx: Ctx, state: DraftState, chosen: list[DraftIdea]
) -> list[tuple[Objective, list[KeyResult]]]:
    """The team's objectives from the chosen ideas, with their key results, aligned."""
    draft = state.draft
    out: list[tuple[Objective, list[KeyResult]]] = []
    for idea in chosen:
        objective = okrs.create_objective(
            session=ctx.session,
            workspace_id=ctx.workspace_id,
            cycle_id=state.cycle.id or -1,
            title=idea.text,
            owner_team_id=state.team.id,
        )
        if draft.parent_objective_id is not None or draft.parent_kr_id is not None:
            okrs.set_alignment(
                session=ctx.session,
                objective=objective,
                parent_objective_id=draft.parent_objective_id
                if draft.parent_kr_id is None
                else None,
                parent_kr_id=draft.parent_kr_id,
                now=ctx.now,
            )
        krs: list[KeyResult] = []
        for kr_idea in drafts.kr_winners(state, idea):
            spec = _kr_spec(ctx, kr_idea.text)
            owner = resolve_person(ctx, spec.owner).id if spec.owner else None
            if owner is None:
                owner = state.team.manager_id if draft.anonymous else kr_idea.author_id
            krs.append(
                okrs.create_key_result(
                    session=ctx.session,
                    workspace_id=ctx.workspace_id,
                    objective_id=objective.id or -1,
                    title=spec.title,
                    owner_member_id=owner,
                    kind=KRKind.MILESTONE if spec.milestone else KRKind.NUMERIC,
                    start=spec.start,
                    target=spec.target,
                    unit=spec.unit,
                    weight=spec.weight,
                    now=ctx.now,
                    cycle_id=kr_cycle_id(ctx, objective),
                )
            )
        out.append((objective, krs))
    return out


def _announce(
    ctx: Ctx, state: DraftState, created: list[tuple[Objective, list[KeyResult]]]
) -> list[Delivery]:
    """The team hears its OKRs; each member is asked to write and align their own; the
    parent's owner is told what aligns to their objective."""
    draft, team = state.draft, state.team
    tr = _team_translator(ctx, team)
    title = tr.t("{team}'s OKRs for {cycle}", team=team.name, cycle=state.cycle.name)
    blocks: list[Block] = [Header(title)]
    for objective, krs in created:
        blocks.append(Text(f"O{objective.number} {objective.title}"))
        for kr in krs:
            owner = state.people.get(kr.owner_member_id or -1)
            blocks.append(
                Context(f"KR{kr.number} {kr.title}" + (f" · {member_name(owner)}" if owner else ""))
            )
    blocks.append(Context(tr.t("Drafted together: proposed, voted on and agreed by the team.")))
    out = _post(
        ctx,
        state,
        Message(summary=title, blocks=tuple(blocks), in_channel=True),
        f"draft{draft.id}:final",
    )
    refs = [f"O{o.number}" for o, _ in created]
    first = f"O{created[0][0].number}"
    for member_id in state.member_ids:
        member = state.people.get(member_id)
        if member is None or not member.is_active:
            continue
        mtr = ctx.translator_for(member)
        text = mtr.t(
            "{team}'s OKRs for {cycle} are set ({refs}). Now write your own and align them "
            "to the team's; your manager agrees them with you.",
            team=team.name,
            cycle=state.cycle.name,
            refs=mtr.list(refs),
        )
        out.append(
            Delivery(
                to=ToUser(member.external_id),
                message=Message(
                    summary=text,
                    blocks=(
                        Text(text),
                        Actions(
                            (
                                Button(
                                    mtr.t("Write my OKRs"),
                                    "draft.own",
                                    str(draft.id),
                                    ButtonStyle.PRIMARY,
                                ),
                            )
                        ),
                        Context(
                            mtr.t(
                                "Or type them, then align: /okr align O20 to {first}",
                                first=first,
                            )
                        ),
                    ),
                ),
                key=f"draft{draft.id}:own:member{member.id}",
            )
        )
    parent_owner = _parent_owner(ctx, draft)
    if parent_owner is not None and parent_owner not in state.member_ids:
        owner = workspaces.get_member(
            session=ctx.session, workspace_id=ctx.workspace_id, member_id=parent_owner
        )
        if owner is not None:
            otr = ctx.translator_for(owner)
            note = otr.t(
                "{team} drafted its OKRs for {cycle} and aligned {refs} to yours. Agree them "
                "with {manager}.",
                team=team.name,
                cycle=state.cycle.name,
                refs=otr.list(refs),
                manager=member_mention(ctx.member),
            )
            out.append(
                Delivery(
                    to=ToUser(owner.external_id),
                    message=Message(summary=note, blocks=(Text(note),)),
                    key=f"draft{draft.id}:parent",
                )
            )
    return out


def _parent_owner(ctx: Ctx, draft: Draft) -> int | None:
    if draft.parent_kr_id is not None:
        kr = okrs.get_key_result_by_id(
            session=ctx.session, workspace_id=ctx.workspace_id, kr_id=draft.parent_kr_id
        )
        return kr_owner_id(ctx, kr) if kr is not None else None
    if draft.parent_objective_id is not None:
        objective = okrs.get_objective_by_id(
            session=ctx.session,
            workspace_id=ctx.workspace_id,
            objective_id=draft.parent_objective_id,
        )
        if objective is None:
            return None
        if objective.owner_member_id is not None:
            return objective.owner_member_id
        team = workspaces.get_team(
            session=ctx.session,
            workspace_id=ctx.workspace_id,
            team_id=objective.owner_team_id or -1,
        )
        return team.manager_id if team is not None else None
    return None


def own_button(ctx: Ctx, value: str) -> Outcome:
    """Write my OKRs: the objective form for the drafted cycle, with the team's to align to."""
    state = _by_id(ctx, value)
    team_objectives = okrs.list_objectives(
        session=ctx.session,
        workspace_id=ctx.workspace_id,
        cycle_id=state.cycle.id,
        owner_team_ids=[state.team.id or -1],
    )
    form = new_objective_form(ctx).replies[0]
    assert isinstance(form, Form)
    align = Input(
        "align",
        ctx.t("Aligned to"),
        InputKind.SELECT,
        required=False,
        initial=f"O{team_objectives[0].number}" if team_objectives else None,
        options=tuple(
            Option(f"O{o.number} {o.title}"[:75], f"O{o.number}") for o in team_objectives
        ),
    )
    return Outcome(
        replies=[
            replace(
                form,
                title=ctx.t("My OKRs for {cycle}", cycle=state.cycle.name),
                inputs=(*form.inputs[:2], align, *form.inputs[2:]),
                context=f"cycle:{state.cycle.id}",
            )
        ]
    )
