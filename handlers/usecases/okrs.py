"""Reading and shaping OKRs: my OKRs, show, new, kr, align, score."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from handlers import grammar as g
from handlers.links import page_link
from handlers.okr import math, quality
from handlers.okr.weeks import kr_cycle_for
from handlers.present import (
    exact_value_text,
    kr_block,
    kr_progress,
    kr_ref,
    objective_blocks,
    objective_ref,
    value_text,
    warning_blocks,
)
from handlers.reports.scores import score_text
from handlers.usecases import changes, scores
from handlers.usecases.context import (
    Ctx,
    UserError,
    can_act_for,
    kr_owner_id,
    member_mention,
    member_name,
    resolve_kr,
    resolve_objective,
    resolve_person,
    resolve_team,
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
    Fields,
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
from storage.models import Cycle, KeyResult, KRKind, Member, Objective, ObjectiveKind
from storage.repos import okrs, rhythm, workspaces

# --- reading -----------------------------------------------------------------


def okr_blocks(ctx: Ctx, objectives: Sequence[Objective]) -> list[Block]:
    """Blocks for a list of objectives with their KRs, owners and alignment."""
    session, ws = ctx.session, ctx.workspace_id
    ids = [o.id for o in objectives if o.id is not None]
    krs = okrs.list_key_results(session=session, workspace_id=ws, objective_ids=ids)
    kr_ids = [kr.id for kr in krs if kr.id is not None]
    latest = rhythm.checkins_for_week(
        session=session, workspace_id=ws, week=ctx.week, kr_ids=kr_ids
    )
    earlier = rhythm.last_checkins_before(
        session=session, workspace_id=ws, week=ctx.week, kr_ids=kr_ids
    )
    last = {**earlier, **latest}
    people = {
        m.id: m
        for m in workspaces.list_members(
            session=session,
            workspace_id=ws,
            ids={o.owner_member_id for o in objectives if o.owner_member_id}
            | {kr.owner_member_id for kr in krs if kr.owner_member_id},
        )
        if m.id is not None
    }
    blocks: list[Block] = []
    for objective in objectives:
        if blocks:
            blocks.append(Divider())
        mine = [kr for kr in krs if kr.objective_id == objective.id]
        blocks.extend(
            objective_blocks(
                ctx.tr,
                objective,
                mine,
                owner_text=owner_text(ctx, objective, people),
                parent_text=parent_text(ctx, objective),
                last_checkins=last,
                kr_owners=people,
            )
        )
    return blocks


def owner_text(ctx: Ctx, objective: Objective, people: dict[int, Member] | None = None) -> str:
    if objective.owner_team_id is not None:
        team = workspaces.get_team(
            session=ctx.session, workspace_id=ctx.workspace_id, team_id=objective.owner_team_id
        )
        return ctx.t("team {name}", name=team.name if team else "?")
    owner = (people or {}).get(objective.owner_member_id or -1) or workspaces.get_member(
        session=ctx.session,
        workspace_id=ctx.workspace_id,
        member_id=objective.owner_member_id or -1,
    )
    return ctx.t("owner {name}", name=member_name(owner))


def parent_text(ctx: Ctx, objective: Objective) -> str | None:
    if objective.parent_objective_id is not None:
        parent = okrs.get_objective_by_id(
            session=ctx.session,
            workspace_id=ctx.workspace_id,
            objective_id=objective.parent_objective_id,
        )
        return f"{objective_ref(parent)} {parent.title}" if parent else None
    if objective.parent_kr_id is not None:
        kr = okrs.get_key_result_by_id(
            session=ctx.session, workspace_id=ctx.workspace_id, kr_id=objective.parent_kr_id
        )
        return f"{kr_ref(kr)} {kr.title}" if kr else None
    return None


def member_objectives(ctx: Ctx, member: Member) -> list[Objective]:
    """A person's objectives this cycle, and those of the teams they belong to."""
    assert member.id is not None
    teams = workspaces.teams_of_member(
        session=ctx.session, workspace_id=ctx.workspace_id, member_id=member.id
    )
    return okrs.list_objectives(
        session=ctx.session,
        workspace_id=ctx.workspace_id,
        cycle_id=ctx.current_cycle().id,
        owner_member_ids=[member.id],
        owner_team_ids=[t.id for t in teams if t.id is not None],
    )


def my_okrs(ctx: Ctx) -> Outcome:
    return Outcome(replies=[person_view(ctx, ctx.member, own=True)])


def person_view(ctx: Ctx, member: Member, *, own: bool) -> Message:
    cycle = ctx.current_cycle()
    objectives = member_objectives(ctx, member)
    title = (
        ctx.t("Your OKRs · {cycle}", cycle=cycle.name)
        if own
        else ctx.t("{name}'s OKRs · {cycle}", name=member_name(member), cycle=cycle.name)
    )
    blocks: list[Block] = [Header(title)]
    if not objectives:
        blocks.append(
            Text(
                ctx.t("No objectives yet this cycle.")
                + (
                    " "
                    + ctx.t(
                        "Write one: /okr new Objective | KR title: 0 -> 100 unit | ... "
                        "(or /okr new to open a form)."
                    )
                    if own
                    else ""
                )
            )
        )
    blocks.extend(okr_blocks(ctx, objectives))
    blocks.extend(page_link(ctx.tr, ctx.links.person(member.id)))
    if own:
        blocks.append(
            Actions(
                (
                    Button(ctx.t("Check in"), "checkin.open", "", ButtonStyle.PRIMARY),
                    Button(ctx.t("This week's plan"), "plan.list"),
                    Button(ctx.t("New objective"), "objective.new"),
                )
            )
        )
    summary = title if objectives else ctx.t("No objectives yet this cycle.")
    return Message(summary=summary, blocks=tuple(blocks))


def show_person(ctx: Ctx, cmd: g.ShowPerson) -> Outcome:
    member = resolve_person(ctx, cmd.person)
    return Outcome(replies=[person_view(ctx, member, own=member.id == ctx.member_id)])


def show_team(ctx: Ctx, cmd: g.ShowTeam) -> Outcome:
    team = resolve_team(ctx, cmd.name)
    ids = workspaces.team_member_ids(
        session=ctx.session, workspace_id=ctx.workspace_id, team_id=team.id or -1
    )
    objectives = okrs.list_objectives(
        session=ctx.session,
        workspace_id=ctx.workspace_id,
        cycle_id=ctx.team_cycle(team).id,
        owner_member_ids=ids,
        owner_team_ids=[team.id or -1],
    )
    title = ctx.t("Team {name} · OKRs", name=team.name)
    blocks: list[Block] = [Header(title)]
    if not objectives:
        blocks.append(Text(ctx.t("No objectives yet this cycle.")))
    blocks.extend(okr_blocks(ctx, objectives))
    blocks.extend(page_link(ctx.tr, ctx.links.team(team.id)))
    return Outcome(replies=[Message(summary=title, blocks=tuple(blocks))])


def show_ref(ctx: Ctx, cmd: g.ShowRef) -> Outcome:
    if cmd.ref.kind == "O":
        return Outcome(replies=[objective_view(ctx, resolve_objective(ctx, cmd.ref))])
    if cmd.ref.kind == "KR":
        return Outcome(replies=[kr_view(ctx, resolve_kr(ctx, cmd.ref))])
    # Tasks and help requests are shown by the modules that own them.
    from handlers.usecases import collab, plan

    if cmd.ref.kind == "T":
        return plan.show_task(ctx, cmd.ref)
    return collab.show_request(ctx, cmd.ref)


def objective_view(ctx: Ctx, objective: Objective) -> Message:
    blocks = okr_blocks(ctx, [objective])
    krs = okrs.list_key_results(
        session=ctx.session, workspace_id=ctx.workspace_id, objective_ids=[objective.id or -1]
    )
    children = okrs.aligned_children(
        session=ctx.session,
        workspace_id=ctx.workspace_id,
        objective_id=objective.id or -1,
        kr_ids=[kr.id for kr in krs if kr.id is not None],
    )
    if children:
        blocks.append(Divider())
        blocks.append(Text(ctx.t("Aligned to this objective:")))
        for child in children:
            blocks.append(Context(f"O{child.number} {child.title} · {owner_text(ctx, child)}"))
    blocks.extend(page_link(ctx.tr, ctx.links.objective(objective.id)))
    return Message(summary=f"O{objective.number} {objective.title}", blocks=tuple(blocks))


def kr_view(ctx: Ctx, kr: KeyResult) -> Message:
    objective = okrs.get_objective_by_id(
        session=ctx.session, workspace_id=ctx.workspace_id, objective_id=kr.objective_id
    )
    owner = workspaces.get_member(
        session=ctx.session, workspace_id=ctx.workspace_id, member_id=kr_owner_id(ctx, kr) or -1
    )
    history = rhythm.checkin_history(
        session=ctx.session, workspace_id=ctx.workspace_id, kr_id=kr.id or -1, limit=8
    )
    blocks: list[Block] = [
        kr_block(ctx.tr, kr, checkin=history[-1] if history else None),
        Fields(
            (
                (ctx.t("Owner"), member_name(owner)),
                (
                    ctx.t("Objective"),
                    f"O{objective.number} {objective.title}" if objective else "?",
                ),
                (ctx.t("Start"), exact_value_text(ctx.tr, kr, kr.start_value)),
                (
                    ctx.t("Target"),
                    exact_value_text(ctx.tr, kr, kr.target_value)
                    if kr.target_value is not None
                    else ctx.t("no target yet"),
                ),
            )
        ),
    ]
    if history:
        blocks.append(Text(ctx.t("Check-ins:")))
        for row in reversed(history):
            conf = ctx.t("confidence {n}/10", n=row.confidence) if row.confidence else ""
            line = ctx.t("{week}: {value}", week=row.week, value=value_text(ctx.tr, kr, row.value))
            if conf:
                line += f" · {conf}"
            if row.note:
                line += f" · {row.note}"
            blocks.append(Context(line))
    else:
        blocks.append(Context(ctx.t("No check-ins yet.")))
    blocks.extend(page_link(ctx.tr, ctx.links.kr(kr.id)))
    return Message(summary=f"KR{kr.number} {kr.title}", blocks=tuple(blocks))


# --- writing -----------------------------------------------------------------


def new_objective_form(ctx: Ctx) -> Outcome:
    inputs = [
        Input(
            "title",
            ctx.t("Objective"),
            placeholder=ctx.t("Raise brand awareness in target markets"),
        ),
        Input(
            "kind",
            ctx.t("Kind"),
            InputKind.SELECT,
            initial=ObjectiveKind.COMMITTED.value,
            options=(
                Option(ctx.t("committed"), ObjectiveKind.COMMITTED.value),
                Option(ctx.t("aspirational"), ObjectiveKind.ASPIRATIONAL.value),
            ),
        ),
    ]
    for i in range(1, 6):
        inputs.append(
            Input(
                f"kr{i}",
                ctx.t("Key result {n}", n=i),
                required=i == 1,
                placeholder=ctx.t("Followers in target countries: 0 -> 10000 followers"),
            )
        )
    form = Form(
        form_id="objective.new",
        title=ctx.t("New objective"),
        submit_label=ctx.t("Create"),
        inputs=tuple(inputs),
    )
    return Outcome(replies=[form])


def create_objective(ctx: Ctx, cmd: g.NewObjective, cycle: Cycle | None = None) -> Outcome:
    """`cycle` puts the objective in a cycle other than today's (the next one, when drafted)."""
    cycle = cycle or ctx.current_cycle()
    owner_member_id: int | None = ctx.member_id
    owner_team_id: int | None = None
    if cmd.team:
        team = resolve_team(ctx, cmd.team)
        members = workspaces.team_member_ids(
            session=ctx.session, workspace_id=ctx.workspace_id, team_id=team.id or -1
        )
        if ctx.member_id not in members:
            raise UserError("Only members of {team} can write its objectives.", team=team.name)
        owner_member_id, owner_team_id = None, team.id
        if cycle.id == ctx.current_cycle().id:
            cycle = ctx.team_cycle(team)
    assert cycle.id is not None
    objective = okrs.create_objective(
        session=ctx.session,
        workspace_id=ctx.workspace_id,
        cycle_id=cycle.id,
        title=cmd.title,
        kind=ObjectiveKind(cmd.kind),
        owner_member_id=owner_member_id,
        owner_team_id=owner_team_id,
    )
    warnings: list[quality.QualityWarning] = []
    if owner_member_id is not None:
        count = okrs.count_member_objectives(
            session=ctx.session,
            workspace_id=ctx.workspace_id,
            cycle_id=cycle.id,
            member_id=owner_member_id,
        )
        warnings += quality.objective_warnings(
            owner_objective_count=count, kr_count=len(cmd.krs), ref=objective_ref(objective)
        )
    else:
        warnings += quality.objective_warnings(
            owner_objective_count=1, kr_count=len(cmd.krs), ref=objective_ref(objective)
        )
    notes: list[Block] = []
    for spec in cmd.krs:
        kr = _add_kr(ctx, objective, spec)
        warnings += _kr_warnings(kr)
        notes += _direction_blocks(ctx, kr)
    view = objective_view(ctx, objective)
    blocks = (
        Text(ctx.t("Created {ref}.", ref=objective_ref(objective))),
        *view.blocks,
        *notes,
        *warning_blocks(ctx.tr, warnings),
    )
    return Outcome(
        replies=[
            Message(summary=ctx.t("Created {ref}.", ref=objective_ref(objective)), blocks=blocks)
        ]
    )


def _require_measurable(start: float, target: float | None, title: str) -> None:
    if target is not None and target == start:
        shown = f"{start:g}"
        raise UserError(
            "{title}: the target equals the start ({value}), so there is nothing to measure. "
            "Give a target different from the start, like 0 -> 100.",
            usage="kr",
            title=title,
            value=shown,
        )


def _direction_blocks(ctx: Ctx, kr: KeyResult) -> list[Block]:
    """Say so when a KR counts down, so nobody reads a fall as bad news."""
    if kr.kind == KRKind.MILESTONE.value or kr.target_value is None:
        return []
    if kr.target_value < kr.start_value:
        return [
            Context(
                ctx.t(
                    "↓ {ref}: lower is better (from {start} down to {target}).",
                    ref=kr_ref(kr),
                    start=value_text(ctx.tr, kr, kr.start_value),
                    target=value_text(ctx.tr, kr, kr.target_value),
                )
            )
        ]
    return []


def _add_kr(ctx: Ctx, objective: Objective, spec: g.KRSpec) -> KeyResult:
    if not spec.milestone:
        _require_measurable(spec.start, spec.target, spec.title)
    owner_id = resolve_person(ctx, spec.owner).id if spec.owner else None
    if owner_id is None:
        owner_id = objective.owner_member_id or ctx.member_id
    return okrs.create_key_result(
        cycle_id=kr_cycle_id(ctx, objective),
        session=ctx.session,
        workspace_id=ctx.workspace_id,
        objective_id=objective.id or -1,
        title=spec.title,
        owner_member_id=owner_id,
        kind=KRKind.MILESTONE if spec.milestone else KRKind.NUMERIC,
        start=spec.start,
        target=spec.target,
        unit=spec.unit,
        weight=spec.weight,
        now=ctx.now,
    )


def kr_cycle_id(ctx: Ctx, objective: Objective) -> int | None:
    """A yearly objective's key result runs for a quarter under "annual-quarterly":
    the quarter it is written in, or the year's first when written before the year."""
    team = (
        workspaces.get_team(
            session=ctx.session, workspace_id=ctx.workspace_id, team_id=objective.owner_team_id
        )
        if objective.owner_team_id is not None
        else None
    )
    kind = ctx.kind_of(team)
    if kind != "annual-quarterly":
        return None
    cycle = okrs.get_cycle(
        session=ctx.session, workspace_id=ctx.workspace_id, cycle_id=objective.cycle_id
    )
    if cycle is None:
        return None
    day = min(max(ctx.today, cycle.start_date), cycle.end_date)
    return ctx.cycle_at(kr_cycle_for(kind, day)).id


def _kr_warnings(kr: KeyResult) -> list[quality.QualityWarning]:
    return quality.kr_warnings(
        title=kr.title,
        target=kr.target_value,
        has_owner=kr.owner_member_id is not None,
        milestone=kr.kind == KRKind.MILESTONE.value,
        ref=kr_ref(kr),
    )


def _require_objective_owner(ctx: Ctx, objective: Objective) -> None:
    if objective.owner_team_id is not None:
        members = workspaces.team_member_ids(
            session=ctx.session, workspace_id=ctx.workspace_id, team_id=objective.owner_team_id
        )
        if ctx.member_id in members:
            return
    elif can_act_for(ctx, objective.owner_member_id):
        return
    raise UserError(
        "Only the owner of {ref} (or their manager) can change it.", ref=objective_ref(objective)
    )


def add_kr(ctx: Ctx, cmd: g.AddKR) -> Outcome:
    objective = resolve_objective(ctx, cmd.objective)
    _require_objective_owner(ctx, objective)
    kr = _add_kr(ctx, objective, cmd.spec)
    count = len(
        okrs.list_key_results(
            session=ctx.session, workspace_id=ctx.workspace_id, objective_ids=[objective.id or -1]
        )
    )
    warnings = _kr_warnings(kr) + quality.objective_warnings(
        owner_objective_count=1, kr_count=count, ref=objective_ref(objective)
    )
    text = ctx.t("Added {kr} to {o}.", kr=kr_ref(kr), o=objective_ref(objective))
    blocks = (
        Text(text),
        kr_block(ctx.tr, kr),
        *_direction_blocks(ctx, kr),
        *warning_blocks(ctx.tr, warnings),
    )
    return Outcome(replies=[Message(summary=text, blocks=blocks)])


_FIELD_COLUMNS = {
    "target": "target_value",
    "start": "start_value",
    "current": "current_value",
    "unit": "unit",
    "weight": "weight",
    "title": "title",
    "owner": "owner_member_id",
}


def edit_kr(ctx: Ctx, cmd: g.EditKR) -> Outcome:
    kr = resolve_kr(ctx, cmd.kr)
    if not can_act_for(ctx, kr_owner_id(ctx, kr)):
        raise UserError("Only the owner of {ref} (or their manager) can change it.", ref=kr_ref(kr))
    value: object = cmd.value
    if cmd.field == "owner":
        if not isinstance(cmd.value, g.PersonRef):
            raise UserError("Say who owns it with an @-mention.", usage="kr")
        value = resolve_person(ctx, cmd.value).id
    elif cmd.field in ("target", "start", "current", "weight"):
        if not isinstance(cmd.value, int | float):
            raise UserError("{field} needs a number.", usage="kr", field=cmd.field)
        if kr.kind == KRKind.MILESTONE.value and cmd.field in ("target", "start"):
            raise UserError("{ref} is a milestone: it is either done or not.", ref=kr_ref(kr))
        if cmd.field == "weight" and float(cmd.value) <= 0:
            raise UserError("A weight must be more than 0.", usage="kr")
        value = float(cmd.value)
    else:
        value = str(cmd.value).strip()
        if not value and cmd.field != "unit":
            raise UserError("{field} cannot be empty.", usage="kr", field=cmd.field)
    if cmd.field in ("target", "start") and kr.kind != KRKind.MILESTONE.value:
        assert isinstance(value, float)
        start = value if cmd.field == "start" else kr.start_value
        target = value if cmd.field == "target" else kr.target_value
        _require_measurable(start, target, kr.title)
    if cmd.field in ("target", "start", "weight"):
        hold = changes.kr_hold(ctx, kr, kr_owner_id(ctx, kr))
        if hold is not None:
            old = getattr(kr, _FIELD_COLUMNS[cmd.field])
            return changes.request(
                ctx,
                hold,
                kind="kr",
                change={
                    "kr_id": kr.id,
                    "kr_number": kr.number,
                    "field": cmd.field,
                    "value": value,
                    "old": old,
                },
                task=None,
            )
    okrs.update_key_result(
        session=ctx.session, kr=kr, changes={_FIELD_COLUMNS[cmd.field]: value}, now=ctx.now
    )
    text = ctx.t("Updated {ref}.", ref=kr_ref(kr))
    blocks = (
        Text(text),
        kr_block(ctx.tr, kr),
        *_direction_blocks(ctx, kr),
        *warning_blocks(ctx.tr, _kr_warnings(kr)),
    )
    return Outcome(replies=[Message(summary=text, blocks=blocks)])


def delete_kr(ctx: Ctx, cmd: g.DeleteKR) -> Outcome:
    kr = resolve_kr(ctx, cmd.kr)
    if not can_act_for(ctx, kr_owner_id(ctx, kr)):
        raise UserError("Only the owner of {ref} (or their manager) can change it.", ref=kr_ref(kr))
    # Archived, not deleted: its check-ins stay part of the team's history.
    okrs.update_key_result(session=ctx.session, kr=kr, changes={"archived": True}, now=ctx.now)
    text = ctx.t("Removed {ref} {title}.", ref=kr_ref(kr), title=kr.title)
    return Outcome(replies=[Message(summary=text, blocks=(Text(text),))])


def align(ctx: Ctx, cmd: g.Align) -> Outcome:
    objective = resolve_objective(ctx, cmd.objective)
    _require_objective_owner(ctx, objective)
    if cmd.parent is None:
        okrs.set_alignment(
            session=ctx.session,
            objective=objective,
            parent_objective_id=None,
            parent_kr_id=None,
            now=ctx.now,
        )
        text = ctx.t("{ref} is no longer aligned.", ref=objective_ref(objective))
        return Outcome(replies=[Message(summary=text, blocks=(Text(text),))])
    parent_o: Objective | None
    parent_kr: KeyResult | None = None
    if cmd.parent.kind == "O":
        parent_o = resolve_objective(ctx, cmd.parent)
        parent_label = objective_ref(parent_o)
    else:
        parent_kr = resolve_kr(ctx, cmd.parent)
        if parent_kr.objective_id == objective.id:
            raise UserError(
                "{ref} cannot align to {parent}: that is one of its own key results. "
                "Align it to a parent objective or to another objective's key result.",
                usage="align",
                ref=objective_ref(objective),
                parent=kr_ref(parent_kr),
            )
        parent_o = okrs.get_objective_by_id(
            session=ctx.session, workspace_id=ctx.workspace_id, objective_id=parent_kr.objective_id
        )
        parent_label = kr_ref(parent_kr)
    if parent_o is None:
        raise UserError("There is no objective {ref}.", ref=parent_label)
    if _would_cycle(ctx, objective, parent_o):
        raise UserError(
            "{ref} cannot align to {parent}: {parent} already aligns to {ref}.",
            ref=objective_ref(objective),
            parent=parent_label,
        )
    okrs.set_alignment(
        session=ctx.session,
        objective=objective,
        parent_objective_id=parent_o.id if parent_kr is None else None,
        parent_kr_id=parent_kr.id if parent_kr is not None else None,
        now=ctx.now,
    )
    text = ctx.t("Aligned {ref} to {parent}.", ref=objective_ref(objective), parent=parent_label)
    outcome = Outcome(replies=[objective_view(ctx, objective)])
    outcome.replies.insert(0, Message(summary=text, blocks=(Text(text),)))
    # Alignment is agreed, not imposed: tell the parent's owner.
    parent_owner_id = (
        kr_owner_id(ctx, parent_kr) if parent_kr is not None else _objective_owner_id(ctx, parent_o)
    )
    if parent_owner_id is not None and parent_owner_id != ctx.member_id:
        owner = workspaces.get_member(
            session=ctx.session, workspace_id=ctx.workspace_id, member_id=parent_owner_id
        )
        if owner is not None:
            tr = ctx.translator_for(owner)
            note = tr.t(
                '{who} aligned {ref} "{title}" to your {parent}.',
                who=member_mention(ctx.member),
                ref=objective_ref(objective),
                title=objective.title,
                parent=parent_label,
            )
            outcome.deliveries.append(
                Delivery(
                    to=ToUser(owner.external_id),
                    message=Message(summary=note, blocks=(Text(note),)),
                    key=f"align:{objective.id}:{parent_label}:{ctx.now.isoformat()}",
                )
            )
    return outcome


def _objective_owner_id(ctx: Ctx, objective: Objective) -> int | None:
    """Who answers for an objective: its owner, or its team's manager."""
    if objective.owner_member_id is not None:
        return objective.owner_member_id
    if objective.owner_team_id is None:
        return None
    team = workspaces.get_team(
        session=ctx.session, workspace_id=ctx.workspace_id, team_id=objective.owner_team_id
    )
    return team.manager_id if team is not None else None


def _would_cycle(ctx: Ctx, child: Objective, parent: Objective) -> bool:
    """True when `parent` is `child` or sits below it in the alignment tree."""
    seen: set[int] = set()
    node: Objective | None = parent
    while node is not None and node.id not in seen:
        if node.id == child.id:
            return True
        seen.add(node.id or -1)
        if node.parent_objective_id is not None:
            node = okrs.get_objective_by_id(
                session=ctx.session,
                workspace_id=ctx.workspace_id,
                objective_id=node.parent_objective_id,
            )
        elif node.parent_kr_id is not None:
            kr = okrs.get_key_result_by_id(
                session=ctx.session, workspace_id=ctx.workspace_id, kr_id=node.parent_kr_id
            )
            node = (
                okrs.get_objective_by_id(
                    session=ctx.session, workspace_id=ctx.workspace_id, objective_id=kr.objective_id
                )
                if kr
                else None
            )
        else:
            node = None
    return False


# --- end-of-cycle scores -------------------------------------------------------


def _reading_text(ctx: Ctx, kind: str, score: float) -> str:
    reading = math.read_score(kind, score)
    texts = {
        math.ScoreReading.MET: ctx.t("delivered as committed"),
        math.ScoreReading.ACCEPTABLE: ctx.t("acceptable for a committed OKR (0.8–0.9)"),
        math.ScoreReading.MISSED: ctx.t("missed"),
        math.ScoreReading.TOO_EASY: ctx.t("1.0 on an aspirational OKR: was it ambitious enough?"),
        math.ScoreReading.SUCCESS: ctx.t("a success for an aspirational OKR (0.6–0.7 is the aim)"),
        math.ScoreReading.PARTIAL: ctx.t("partly there"),
    }
    return texts.get(reading, str(reading))


def score_list(ctx: Ctx) -> Outcome:
    objectives = member_objectives(ctx, ctx.member)
    title = ctx.t("Scoring · {cycle}", cycle=ctx.current_cycle().name)
    blocks: list[Block] = [Header(title)]
    if not objectives:
        blocks.append(Text(ctx.t("No objectives yet this cycle.")))
    for objective in objectives:
        blocks.extend(_score_blocks(ctx, objective))
    blocks.append(Context(ctx.t('Score a key result: /okr score KR12 0.7 "reason" (0–1 or 0–10).')))
    return Outcome(replies=[Message(summary=title, blocks=tuple(blocks))])


def _score_blocks(ctx: Ctx, objective: Objective) -> list[Block]:
    krs = okrs.list_key_results(
        session=ctx.session, workspace_id=ctx.workspace_id, objective_ids=[objective.id or -1]
    )
    scores = okrs.scores_for(
        session=ctx.session, workspace_id=ctx.workspace_id, kr_ids=[kr.id for kr in krs if kr.id]
    )
    blocks: list[Block] = [Text(f"O{objective.number} {objective.title}")]
    weighted: list[tuple[float, float | None]] = []
    for kr in krs:
        row = scores.get(kr.id or -1)
        suggested = math.suggested_score(kr_progress(kr))
        final = None
        parts = [ctx.t("suggested {s}", s=_score(ctx, suggested))]
        if row is not None and row.self_score is not None:
            parts.append(ctx.t("self {s}", s=_score(ctx, row.self_score)))
            final = row.self_score
        if row is not None and row.reviewed_score is not None:
            parts.append(ctx.t("reviewed {s}", s=_score(ctx, row.reviewed_score)))
            final = row.reviewed_score
            if row.reason:
                parts.append(f"“{row.reason}”")
        weighted.append((kr.weight, final))
        name = f"KR{kr.number} {kr.title}"
        line = ctx.t("{kr}: {details}", kr=name, details=" · ".join(parts))
        blocks.append(Context(line))
    o_score = math.objective_score(weighted)
    if o_score is not None:
        blocks.append(
            Context(
                ctx.t(
                    "Objective score {s}: {reading}",
                    s=_objective_score(o_score),
                    reading=_reading_text(ctx, objective.kind, o_score),
                )
            )
        )
    return blocks


def _objective_score(value: float) -> str:
    """Two decimals when they matter: 0.98, but 1.0 and 0.8."""
    text = f"{value:.2f}"
    return text[:-1] if text.endswith("0") else text


def _score(ctx: Ctx, value: float | None) -> str:
    return score_text(value, ctx.score_scale)


def score_show(ctx: Ctx, cmd: g.ScoreShow) -> Outcome:
    if cmd.ref.kind == "KR":
        kr = resolve_kr(ctx, cmd.ref)
        found = okrs.get_objective_by_id(
            session=ctx.session, workspace_id=ctx.workspace_id, objective_id=kr.objective_id
        )
        if found is None:
            raise UserError("There is no key result {ref}.", ref=kr_ref(kr))
        objective = found
    else:
        objective = resolve_objective(ctx, cmd.ref)
    blocks = _score_blocks(ctx, objective)
    return Outcome(
        replies=[Message(summary=f"O{objective.number} {objective.title}", blocks=tuple(blocks))]
    )


def score(ctx: Ctx, cmd: g.Score) -> Outcome:
    kr = resolve_kr(ctx, cmd.kr)
    owner_id = kr_owner_id(ctx, kr)
    existing = okrs.scores_for(
        session=ctx.session, workspace_id=ctx.workspace_id, kr_ids=[kr.id or -1]
    ).get(kr.id or -1)
    deliveries: list[Delivery] = []
    if owner_id == ctx.member_id:
        if existing is not None and existing.reviewed_score is not None:
            raise UserError(
                "{ref}'s score is final: your manager reviewed it at {s}.",
                ref=kr_ref(kr),
                s=_score(ctx, existing.reviewed_score),
            )
        okrs.save_self_score(
            session=ctx.session,
            workspace_id=ctx.workspace_id,
            kr_id=kr.id or -1,
            member_id=ctx.member_id,
            score=cmd.value,
            now=ctx.now,
        )
        text = ctx.t(
            "Scored {ref} {s} (your own score; your manager reviews it).",
            ref=kr_ref(kr),
            s=_score(ctx, cmd.value),
        )
        deliveries.extend(scores.after_self_score(ctx, kr, cmd.value))
    elif can_act_for(ctx, owner_id):
        if existing is None or existing.self_score is None:
            raise UserError("The owner scores {ref} first; review it after that.", ref=kr_ref(kr))
        if abs(existing.self_score - cmd.value) > 1e-9 and not cmd.reason.strip():
            raise UserError(
                'Changing the owner\'s score needs a reason: /okr score {ref} {s} "why".',
                ref=kr_ref(kr),
                s=_score(ctx, cmd.value),
            )
        okrs.save_review_score(
            session=ctx.session,
            workspace_id=ctx.workspace_id,
            kr_id=kr.id or -1,
            reviewer_id=ctx.member_id,
            score=cmd.value,
            reason=cmd.reason.strip(),
            now=ctx.now,
        )
        text = ctx.t("Reviewed {ref}: {s}.", ref=kr_ref(kr), s=_score(ctx, cmd.value))
        deliveries.extend(
            scores.after_review(
                ctx, kr, owner_id, existing.self_score, cmd.value, cmd.reason.strip()
            )
        )
    else:
        raise UserError("Only the owner of {ref} (or their manager) can score it.", ref=kr_ref(kr))
    objective = okrs.get_objective_by_id(
        session=ctx.session, workspace_id=ctx.workspace_id, objective_id=kr.objective_id
    )
    blocks: list[Block] = [Text(text)]
    if objective is not None:
        blocks.extend(_score_blocks(ctx, objective))
    return Outcome(replies=[Message(summary=text, blocks=tuple(blocks))], deliveries=deliveries)


def score_confirm(ctx: Ctx, ref: g.Ref) -> Outcome:
    """The manager's Confirm button: the owner's self score becomes the final score."""
    kr = resolve_kr(ctx, ref)
    outcome = score(ctx, g.Score(ref, scores.confirm(ctx, kr), ""))
    outcome.updated = scores.show_queue(ctx).replies[0]  # type: ignore[assignment]  # a Message
    return outcome


def submit_new_objective(
    ctx: Ctx, values: Mapping[str, str | list[str] | None], context: str = ""
) -> Outcome:
    """Create an objective from the form; each KR line uses the `new` line's KR syntax.

    A `context` of "cycle:ID" puts it in that cycle (the one a team drafted), and an
    "align" input aligns it to the objective chosen there.
    """
    cycle: Cycle | None = None
    if context.startswith("cycle:"):
        number = context.removeprefix("cycle:")
        cycle = (
            okrs.get_cycle(session=ctx.session, workspace_id=ctx.workspace_id, cycle_id=int(number))
            if number.isdigit() and len(number) < 10
            else None
        )
        if cycle is None:
            raise UserError("That form has expired. Type /okr to start again.")

    def text(name: str) -> str:
        return g.form_field(values, name)

    errors: list[tuple[str, str]] = []
    title = text("title")
    if not title:
        errors.append(("title", ctx.t("Write the objective: where do you want to go?")))
    elif len(title) > g.TITLE_LIMIT:
        error = g.too_long("title_too_long", "new", title, g.TITLE_LIMIT)
        errors.append(("title", parse_error_text(ctx.tr, error)))
    kind = text("kind") or ObjectiveKind.COMMITTED.value
    if kind not in (ObjectiveKind.COMMITTED.value, ObjectiveKind.ASPIRATIONAL.value):
        errors.append(("kind", ctx.t("Choose committed or aspirational.")))
    specs: list[g.KRSpec] = []
    for i in range(1, 6):
        line = text(f"kr{i}")
        if not line:
            continue
        try:
            parsed = g.parse(f"new x | {line}", today=ctx.today)
        except g.ParseError as error:
            errors.append((f"kr{i}", parse_error_text(ctx.tr, error)))
            continue
        assert isinstance(parsed, g.NewObjective)
        specs.extend(parsed.krs)
    if not specs and not any(name == "kr1" for name, _ in errors):
        errors.append(
            ("kr1", ctx.t("Add at least one key result: how will you know you got there?"))
        )
    parent: g.Ref | None = None
    if text("align"):
        try:
            parent = g.parse_ref(text("align"))
        except g.ParseError as error:
            errors.append(("align", parse_error_text(ctx.tr, error)))
    if errors:
        return Outcome(replies=[FormErrors(tuple(errors))])
    outcome = create_objective(
        ctx,
        g.NewObjective(title=title, kind=kind, team=None, krs=tuple(specs)),  # type: ignore[arg-type]  # kind checked above
        cycle,
    )
    if parent is not None:
        created = okrs.list_objectives(
            session=ctx.session,
            workspace_id=ctx.workspace_id,
            cycle_id=cycle.id if cycle is not None else ctx.current_cycle().id,
            owner_member_ids=[ctx.member_id],
        )
        newest = max(created, key=lambda o: o.number)
        aligned = align(ctx, g.Align(g.Ref("O", newest.number), parent))
        outcome.replies.extend(aligned.replies[:1])
        outcome.deliveries.extend(aligned.deliveries)
    return outcome
