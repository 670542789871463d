"""The review pack (述职材料): one person's cycle, built from the data, for the review meeting.

Each key result from its start to where it ended, with its scores and its
confidence trend; the key tasks done with their result links; help given to
others' key results and help received; kudos; contributions to other teams'
objectives (alignment and help across teams); and the person's own answers
to "breakthroughs", "problems" and "lessons". The same content is a message
and a one-page document (`views.Page`) the bot draws as a picture and a PDF.
The team's meeting gets an agenda: who presents, in what order, who is invited.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlmodel import Session

from handlers.i18n import Translator
from handlers.okr import math
from handlers.okr.weeks import local_date
from handlers.present import kr_progress, value_text
from handlers.reports.committee import committee_of
from handlers.reports.scores import score_text, scored_in
from handlers.reports.teammonth import weeks_between
from handlers.views import (
    Block,
    Context,
    Divider,
    Header,
    Message,
    Page,
    PageSection,
    Progress,
    Text,
)
from storage.models import (
    Cycle,
    HelpRequest,
    HelpStatus,
    KeyResult,
    Kudos,
    Member,
    Objective,
    PlanTask,
    ReviewAnswer,
    Score,
    TaskStatus,
    Team,
)
from storage.repos import collab, ends, history, okrs, rhythm, workspaces


@dataclass(frozen=True, slots=True)
class PackKR:
    kr: KeyResult
    objective: Objective | None
    confidences: tuple[int, ...]
    score: Score | None


@dataclass(frozen=True, slots=True)
class PackTask:
    task: PlanTask
    kr: KeyResult | None
    helpers: tuple[Member, ...]


@dataclass(frozen=True, slots=True)
class PackHelp:
    """A help request seen from the person: `other` is whoever was on the other end."""

    request: HelpRequest
    other: Member | None
    other_team: str | None  # their team, when it is not one of the person's
    kr: KeyResult | None


@dataclass(frozen=True, slots=True)
class Contribution:
    """Work for another team's objective: `kind` is "aligned" (the person's objective
    supports it), "built_on" (theirs aligns to the person's) or "helped"."""

    kind: str
    team: str
    ref: str  # O3 / KR12 / H5
    title: str
    owner_id: int | None = None  # who answers for that objective on the other team


@dataclass(frozen=True, slots=True)
class ReviewPackData:
    member: Member
    cycle: Cycle
    teams: tuple[Team, ...]
    krs: tuple[PackKR, ...]
    tasks: tuple[PackTask, ...]  # done, in week order
    tasks_planned: int  # every task of the cycle, carried-over copies not counted twice
    given: tuple[PackHelp, ...]
    received: tuple[PackHelp, ...]
    kudos: tuple[tuple[Kudos, Member | None], ...]
    contributions: tuple[Contribution, ...]
    answers: ReviewAnswer | None
    names: dict[int, Member] = field(default_factory=dict)


def name(member: Member | None) -> str:
    return "?" if member is None else member.display_name or member.handle


def scored_krs(
    session: Session, ws: int, cycle: Cycle, owner_ids: Sequence[int]
) -> list[KeyResult]:
    """The key results these people own that are scored at the end of `cycle`."""
    found: dict[int, KeyResult] = {}
    for outer in okrs.cycles_covering(
        session=session, workspace_id=ws, start=cycle.start_date, end=cycle.end_date
    ):
        for kr in okrs.list_key_results(
            session=session, workspace_id=ws, owner_member_ids=owner_ids, cycle_id=outer.id
        ):
            if kr.id is not None and scored_in(kr, outer.id, cycle):
                found[kr.id] = kr
    return sorted(found.values(), key=lambda kr: kr.number)


def load_pack(session: Session, member: Member, cycle: Cycle) -> ReviewPackData:
    """Everything the pack shows about `member` in `cycle`, read from the data."""
    assert member.id is not None
    return load_packs(session, [member], cycle)[member.id]


class _Lookups:
    """The rows a batch of packs looks up one at a time (teams, objectives, key results),
    each read once for the whole batch: a team's people share most of them."""

    def __init__(self, session: Session, ws: int) -> None:
        self.session = session
        self.ws = ws
        self._teams_of: dict[int, list[Team]] = {}
        self._team: dict[int, Team | None] = {}
        self._team_members: dict[int, set[int]] = {}
        self._objective: dict[int, Objective | None] = {}
        self._kr: dict[int, KeyResult | None] = {}

    def read_teams_of(self, member_ids: Sequence[int]) -> None:
        wanted = [i for i in member_ids if i not in self._teams_of]
        found = workspaces.teams_of_members(
            session=self.session, workspace_id=self.ws, member_ids=wanted
        )
        for member_id in wanted:
            self._teams_of[member_id] = found.get(member_id, [])

    def teams_of(self, member_id: int) -> list[Team]:
        if member_id not in self._teams_of:
            self.read_teams_of([member_id])
        return self._teams_of[member_id]

    def team(self, team_id: int) -> Team | None:
        if team_id not in self._team:
            self._team[team_id] = workspaces.get_team(
                session=self.session, workspace_id=self.ws, team_id=team_id
            )
        return self._team[team_id]

    def team_members(self, team_id: int) -> set[int]:
        if team_id not in self._team_members:
            self._team_members[team_id] = set(
                workspaces.team_member_ids(
                    session=self.session, workspace_id=self.ws, team_id=team_id
                )
            )
        return self._team_members[team_id]

    def objective(self, objective_id: int) -> Objective | None:
        if objective_id not in self._objective:
            self._objective[objective_id] = okrs.get_objective_by_id(
                session=self.session, workspace_id=self.ws, objective_id=objective_id
            )
        return self._objective[objective_id]

    def kr(self, kr_id: int) -> KeyResult | None:
        if kr_id not in self._kr:
            self._kr[kr_id] = okrs.get_key_result_by_id(
                session=self.session, workspace_id=self.ws, kr_id=kr_id
            )
        return self._kr[kr_id]


def load_packs(
    session: Session, members: Sequence[Member], cycle: Cycle
) -> dict[int, ReviewPackData]:
    """The packs of these members of one workspace, by member id: the same as
    `load_pack` for each, in a number of reads that does not grow with the people."""
    if not members:
        return {}
    ws = members[0].workspace_id
    assert cycle.id is not None and all(m.workspace_id == ws for m in members)
    ids = [m.id for m in members if m.id is not None]
    lookups = _Lookups(session, ws)
    lookups.read_teams_of(ids)
    weeks = weeks_between(cycle.start_date, cycle.end_date)
    all_own_krs = scored_krs(session, ws, cycle, ids)
    objectives = {
        o.id: o
        for o in okrs.list_objectives(
            session=session, workspace_id=ws, ids={kr.objective_id for kr in all_own_krs}
        )
    }
    kr_ids = [kr.id for kr in all_own_krs if kr.id is not None]
    points_of: dict[int, list[int]] = {}
    for point in history.checkin_points_between(
        session=session, workspace_id=ws, kr_ids=kr_ids, first_week=weeks[0], last_week=weeks[-1]
    ):
        if point.confidence is not None:
            points_of.setdefault(point.kr_id, []).append(point.confidence)
    scores = okrs.scores_for(session=session, workspace_id=ws, kr_ids=kr_ids)
    tasks = rhythm.tasks_of_weeks(
        session=session, workspace_id=ws, weeks=weeks, member_ids=ids, include_helping=True
    )
    helpers = rhythm.helpers_of(
        session=session, workspace_id=ws, task_ids=[t.id for t in tasks if t.id is not None]
    )
    requests = collab.help_requests_of(session=session, workspace_id=ws, member_ids=ids)
    kudos = collab.kudos_between(
        session=session, workspace_id=ws, first_week=weeks[0], last_week=weeks[-1], member_ids=ids
    )
    people_ids = (
        {r.requester_id for r in requests}
        | {r.helper_id for r in requests}
        | {k.from_member_id for k in kudos}
        | {m for ms in helpers.values() for m in ms}
        | {t.owner_member_id for t in tasks}
    )
    people = {
        m.id: m
        for m in workspaces.list_members(session=session, workspace_id=ws, ids=people_ids)
        if m.id is not None
    }
    other_krs = {
        kr.id: kr
        for kr in okrs.list_key_results(
            session=session,
            workspace_id=ws,
            ids={r.kr_id for r in requests if r.kr_id} | {t.kr_id for t in tasks if t.kr_id},
        )
        if kr.id is not None
    }
    all_krs = {**other_krs, **{kr.id: kr for kr in all_own_krs if kr.id is not None}}
    answers = ends.review_answers(
        session=session, workspace_id=ws, cycle_id=cycle.id, member_ids=ids
    )
    out: dict[int, ReviewPackData] = {}
    for member in members:
        assert member.id is not None
        me = member.id
        teams = lookups.teams_of(me)
        zone = teams[0].timezone if teams else "UTC"
        colleagues = {i for team in teams for i in lookups.team_members(team.id or -1)} | {me}
        krs = [kr for kr in all_own_krs if kr.owner_member_id == me]
        wanted = {kr.objective_id for kr in krs}
        own_objectives: dict[int | None, Objective] = {
            i: o for i, o in objectives.items() if i in wanted
        }
        pack_krs = tuple(
            PackKR(
                kr=kr,
                objective=objectives.get(kr.objective_id),
                confidences=tuple(points_of.get(kr.id or -1, ())),
                score=scores.get(kr.id or -1),
            )
            for kr in krs
        )
        # Tasks: the person's own, done; a task carried over is one task, counted where it ended.
        owned = [t for t in tasks if t.owner_member_id == me]
        done = [t for t in owned if t.status == TaskStatus.DONE.value]
        helped_tasks = [
            t for t in tasks if t.owner_member_id != me and me in helpers.get(t.id or -1, ())
        ]
        mine = [
            r
            for r in requests
            if me in (r.requester_id, r.helper_id)
            and cycle.start_date <= local_date(r.created_at, zone) <= cycle.end_date
        ]

        def team_of(other_id: int | None, colleagues: set[int] = colleagues) -> str | None:
            """The other person's team name, when they are outside the person's teams."""
            if other_id is None or other_id in colleagues:
                return None
            found = lookups.teams_of(other_id)
            return found[0].name if found else None

        given = tuple(
            PackHelp(
                r, people.get(r.requester_id), team_of(r.requester_id), all_krs.get(r.kr_id or -1)
            )
            for r in mine
            if r.helper_id == me
        )
        received = tuple(
            PackHelp(r, people.get(r.helper_id), team_of(r.helper_id), all_krs.get(r.kr_id or -1))
            for r in mine
            if r.requester_id == me and r.helper_id != me
        )
        contributions = _contributions(
            lookups, member, krs, own_objectives, colleagues, team_of, given, helped_tasks, all_krs
        )
        their_kudos = [k for k in kudos if k.to_member_id == me]
        names = {
            i: people[i]
            for i in (
                {r.requester_id for r in mine}
                | {r.helper_id for r in mine}
                | {k.from_member_id for k in their_kudos}
                | {m for t in (*owned, *helped_tasks) for m in helpers.get(t.id or -1, ())}
                | {t.owner_member_id for t in helped_tasks}
            )
            if i in people
        }
        out[me] = ReviewPackData(
            member=member,
            cycle=cycle,
            teams=tuple(teams),
            krs=pack_krs,
            tasks=tuple(
                PackTask(
                    t,
                    all_krs.get(t.kr_id or -1),
                    tuple(people[m] for m in helpers.get(t.id or -1, []) if m in people),
                )
                for t in done
            ),
            tasks_planned=sum(1 for t in owned if t.status != TaskStatus.CARRIED_OVER.value),
            given=given,
            received=received,
            kudos=tuple((k, people.get(k.from_member_id)) for k in their_kudos),
            contributions=contributions,
            answers=answers.get(me),
            names=names,
        )
    return out


def _contributions(
    lookups: _Lookups,
    member: Member,
    krs: Sequence[KeyResult],
    objectives: dict[int | None, Objective],
    colleagues: set[int],
    team_of: Callable[[int | None], str | None],
    given: Sequence[PackHelp],
    helped_tasks: Sequence[PlanTask],
    all_krs: dict[int, KeyResult],
) -> tuple[Contribution, ...]:
    found: list[Contribution] = []
    seen: set[tuple[str, str]] = set()

    def add(item: Contribution) -> None:
        if (item.kind, item.ref) not in seen:
            seen.add((item.kind, item.ref))
            found.append(item)

    def owner_team(objective: Objective) -> str | None:
        if objective.owner_team_id is not None:
            team = lookups.team(objective.owner_team_id)
            if team is None or team.id is None:
                return None
            return None if member.id in lookups.team_members(team.id) else team.name
        return team_of(objective.owner_member_id)

    def owner_of(objective: Objective) -> int | None:
        if objective.owner_member_id is not None:
            return objective.owner_member_id
        team = lookups.team(objective.owner_team_id or -1)
        return team.manager_id if team is not None else None

    for objective in [o for o in objectives.values() if o is not None]:
        parent: Objective | None = None
        parent_ref = ""
        if objective.parent_objective_id is not None:
            parent = lookups.objective(objective.parent_objective_id)
            parent_ref = f"O{parent.number}" if parent else ""
        elif objective.parent_kr_id is not None:
            kr = lookups.kr(objective.parent_kr_id)
            if kr is not None:
                parent = lookups.objective(kr.objective_id)
                parent_ref = f"KR{kr.number}"
        if parent is not None:
            team = owner_team(parent)
            if team:
                add(Contribution("aligned", team, parent_ref, parent.title, owner_of(parent)))
        for child in okrs.aligned_children(
            session=lookups.session,
            workspace_id=lookups.ws,
            objective_id=objective.id or -1,
            kr_ids=[kr.id for kr in krs if kr.id is not None and kr.objective_id == objective.id],
        ):
            team = owner_team(child)
            if team:
                add(
                    Contribution("built_on", team, f"O{child.number}", child.title, owner_of(child))
                )

    for item in given:
        if item.other_team and item.request.status in (
            HelpStatus.DONE.value,
            HelpStatus.ACCEPTED.value,
        ):
            title = item.kr.title if item.kr is not None else item.request.text
            add(Contribution("helped", item.other_team, f"H{item.request.number}", title))
    for task in helped_tasks:
        team = team_of(task.owner_member_id)
        if team:
            kr = all_krs.get(task.kr_id or -1)
            add(Contribution("helped", team, f"T{task.number}", kr.title if kr else task.title))
    return tuple(found)


# --- as people read it -----------------------------------------------------------------


def _status(tr: Translator, status: str) -> str:
    return {
        HelpStatus.OPEN.value: tr.t("asked"),
        HelpStatus.ACCEPTED.value: tr.t("accepted"),
        HelpStatus.DECLINED.value: tr.t("declined"),
        HelpStatus.DONE.value: tr.t("done"),
        HelpStatus.CANCELLED.value: tr.t("cancelled"),
    }.get(status, status)


def _trend(confidences: Sequence[int]) -> str:
    if not confidences:
        return ""
    direction = math.confidence_trend(confidences).direction
    arrow = {"up": " ↑", "down": " ↓", "flat": " →", "none": ""}[direction]
    return " → ".join(str(c) for c in confidences) + arrow


def kr_line(tr: Translator, item: PackKR, scale: int) -> tuple[str, float | None, str]:
    """(label, progress, caption) of one key result in the pack."""
    kr = item.kr
    progress = kr_progress(kr)
    parts = [
        tr.t(
            "{start} → {end}",
            start=value_text(tr, kr, kr.start_value),
            end=value_text(tr, kr, kr.current_value),
        )
    ]
    if kr.target_value is not None and kr.kind != "milestone":
        parts.append(tr.t("target {target}", target=value_text(tr, kr, kr.target_value)))
    trend = _trend(item.confidences)
    if trend:
        parts.append(tr.t("confidence {values}", values=trend))
    parts.append(tr.t("suggested {s}", s=score_text(math.suggested_score(progress), scale)))
    if item.score is not None and item.score.self_score is not None:
        parts.append(tr.t("self {s}", s=score_text(item.score.self_score, scale)))
    if item.score is not None and item.score.reviewed_score is not None:
        parts.append(tr.t("final {s}", s=score_text(item.score.reviewed_score, scale)))
    return f"KR{kr.number} {kr.title}", progress, " · ".join(parts)


def sections(tr: Translator, data: ReviewPackData, scale: int) -> list[PageSection]:
    """The pack's content, section by section, as plain lines."""
    out: list[PageSection] = []
    kr_lines: list[str] = []
    for item in data.krs:
        label, progress, caption = kr_line(tr, item, scale)
        shown = tr.percent(progress) if progress is not None else "–"
        kr_lines.append(
            tr.t("{kr} ({progress}): {caption}", kr=label, progress=shown, caption=caption)
        )
    out.append(
        PageSection(tr.t("Key results"), tuple(kr_lines) or (tr.t("No key results this cycle."),))
    )
    task_lines: list[str] = []
    for task in data.tasks:
        line = f"✅ T{task.task.number} {task.task.title}"
        if task.kr is not None:
            kr = f"KR{task.kr.number}"
            line = tr.t("{text} ({ref})", text=line, ref=kr)
        if task.helpers:
            line += " · " + tr.t("with {names}", names=tr.list([name(h) for h in task.helpers]))
        if task.task.links:
            line += " · " + " ".join(task.task.links)
        task_lines.append(line)
    task_lines.append(
        tr.t("{done} of {total} key tasks done", done=len(data.tasks), total=data.tasks_planned)
    )
    out.append(PageSection(tr.t("Key tasks done"), tuple(task_lines)))
    out.append(PageSection(tr.t("Help given"), _help_lines(tr, data.given, given=True)))
    out.append(PageSection(tr.t("Help received"), _help_lines(tr, data.received, given=False)))
    kudos_lines = tuple(
        "👏 " + tr.t("{name}: {text}", name=name(sender), text=kudos.text)
        for kudos, sender in data.kudos
    )
    out.append(PageSection(tr.t("Kudos"), kudos_lines or (tr.t("No kudos this cycle."),)))
    contribution_lines = tuple(_contribution_text(tr, c) for c in data.contributions)
    out.append(
        PageSection(
            tr.t("Contributions to other teams' objectives"),
            contribution_lines or (tr.t("None this cycle."),),
        )
    )
    answers = data.answers
    own: list[str] = []
    for label, text in (
        (tr.t("Breakthroughs"), answers.breakthroughs if answers else ""),
        (tr.t("Problems"), answers.problems if answers else ""),
        (tr.t("Lessons"), answers.lessons if answers else ""),
    ):
        own.append(tr.t("{label}: {text}", label=label, text=text or "–"))
    out.append(PageSection(tr.t("In their own words"), tuple(own)))
    return out


def _help_lines(tr: Translator, items: Sequence[PackHelp], *, given: bool) -> tuple[str, ...]:
    lines: list[str] = []
    for item in items:
        who = name(item.other)
        if item.other_team:
            who = tr.t("{name} ({team})", name=who, team=item.other_team)
        about = f" · KR{item.kr.number} {item.kr.title}" if item.kr is not None else ""
        text = (
            tr.t(
                "H{n} for {who}{about}: {text} · {status}",
                n=item.request.number,
                who=who,
                about=about,
                text=item.request.text,
                status=_status(tr, item.request.status),
            )
            if given
            else tr.t(
                "H{n} from {who}{about}: {text} · {status}",
                n=item.request.number,
                who=who,
                about=about,
                text=item.request.text,
                status=_status(tr, item.request.status),
            )
        )
        lines.append(text)
    return tuple(lines) or (tr.t("None this cycle."),)


def _contribution_text(tr: Translator, item: Contribution) -> str:
    if item.kind == "aligned":
        return tr.t(
            "Aligned to {team}'s {ref} {title}", team=item.team, ref=item.ref, title=item.title
        )
    if item.kind == "built_on":
        return tr.t(
            "{team}'s {ref} {title} aligns to this work",
            team=item.team,
            ref=item.ref,
            title=item.title,
        )
    return tr.t("Helped {team} on {title} ({ref})", team=item.team, ref=item.ref, title=item.title)


def pack_title(tr: Translator, data: ReviewPackData) -> str:
    return tr.t("Review pack · {name} · {cycle}", name=name(data.member), cycle=data.cycle.name)


def pack_page(tr: Translator, data: ReviewPackData, scale: int) -> Page:
    """The pack as one page: what the bot draws as a picture and a PDF."""
    return Page(
        title=pack_title(tr, data),
        subtitle=_subtitle(tr, data),
        sections=tuple(sections(tr, data, scale)),
        filename=f"review-pack-{data.member.handle}-{data.cycle.name}.png",
    )


def _subtitle(tr: Translator, data: ReviewPackData) -> str:
    teams = tr.list([t.name for t in data.teams])
    dates = f"{tr.date(data.cycle.start_date)} – {tr.date(data.cycle.end_date)}"
    return f"{teams} · {dates}" if teams else dates


def pack_message(tr: Translator, data: ReviewPackData, scale: int, *, page: bool) -> Message:
    """The pack as a message; with `page`, its one-page picture travels with it."""
    title = pack_title(tr, data)
    blocks: list[Block] = [Header(title), Context(_subtitle(tr, data))]
    for index, section in enumerate(sections(tr, data, scale)):
        blocks.append(Divider())
        blocks.append(Text(section.title))
        if index == 0:
            for item in data.krs:
                label, progress, caption = kr_line(tr, item, scale)
                blocks.append(Progress(label=label, fraction=progress, caption=caption))
            if not data.krs:
                blocks.extend(Context(line) for line in section.lines)
            continue
        blocks.extend(Context(line) for line in section.lines)
    if page:
        blocks.append(pack_page(tr, data, scale))
    return Message(summary=title, blocks=tuple(blocks))


# --- the meeting's agenda ----------------------------------------------------------------


def agenda_for(tr: Translator, session: Session, team: Team, cycle: Cycle) -> Message:
    """The team's review meeting for `cycle`, read from the data."""
    ws = team.workspace_id
    assert team.id is not None
    ids = workspaces.team_member_ids(session=session, workspace_id=ws, team_id=team.id)
    people = {
        m.id: m
        for m in workspaces.list_members(session=session, workspace_id=ws, ids=ids)
        if m.id is not None
    }
    covering = okrs.cycles_covering(
        session=session, workspace_id=ws, start=cycle.start_date, end=cycle.end_date
    )
    team_objectives: list[Objective] = []
    items: list[AgendaItem] = []
    invited: dict[int, tuple[Member, str]] = {}
    for outer in covering:
        team_objectives.extend(
            okrs.list_objectives(
                session=session, workspace_id=ws, cycle_id=outer.id, owner_team_ids=[team.id]
            )
        )
    packs = load_packs(
        session, [m for i, m in people.items() if i in set(ids) and i != team.manager_id], cycle
    )
    for member_id in ids:
        member = people.get(member_id)
        if member is None or member_id == team.manager_id:
            continue
        objectives = [
            o
            for outer in covering
            for o in okrs.list_objectives(
                session=session, workspace_id=ws, cycle_id=outer.id, owner_member_ids=[member_id]
            )
        ]
        data = packs[member_id]
        if not data.krs and not objectives:
            continue
        items.append(AgendaItem(member, tuple(objectives), len(data.krs)))
        for item in (*data.given, *data.received):
            if item.other_team and item.other is not None and item.other.id is not None:
                invited.setdefault(item.other.id, (item.other, item.other_team))
        for contribution in data.contributions:
            owner = contribution.owner_id
            if owner is not None and owner not in invited and owner not in people:
                found = workspaces.get_member(session=session, workspace_id=ws, member_id=owner)
                if found is not None:
                    invited[owner] = (found, contribution.team)
    items.sort(key=lambda i: (min((o.number for o in i.objectives), default=10**9), i.member.id))
    manager = people.get(team.manager_id or -1)
    return agenda_message(
        tr,
        team,
        cycle,
        manager,
        sorted(team_objectives, key=lambda o: o.number),
        items,
        list(invited.values()),
        committee_of(session, team),
    )


@dataclass(frozen=True, slots=True)
class AgendaItem:
    member: Member
    objectives: tuple[Objective, ...]
    kr_count: int


def agenda_message(
    tr: Translator,
    team: Team,
    cycle: Cycle,
    manager: Member | None,
    team_objectives: Sequence[Objective],
    items: Sequence[AgendaItem],
    invited: Sequence[tuple[Member, str]],
    committee: Sequence[Member],
) -> Message:
    """The review meeting in order: the team's objectives, each person, questions, scoring."""
    title = tr.t("Review meeting · {team} · {cycle}", team=team.name, cycle=cycle.name)
    blocks: list[Block] = [
        Header(title),
        Context(
            tr.t(
                "Each person presents their data, their contribution to the shared goals, key "
                "actions, breakthroughs, problems and lessons; collaborators ask questions. "
                "It is not a trial, and not a silent meeting."
            )
        ),
    ]
    step = 1
    if team_objectives:
        refs = ", ".join(f"O{o.number} {o.title}" for o in team_objectives)
        blocks.append(
            Text(
                tr.t(
                    "{n}. The team's objectives ({who}): {objectives}",
                    n=step,
                    who=name(manager),
                    objectives=refs,
                )
            )
        )
        step += 1
    for item in items:
        objectives = ", ".join(f"O{o.number} {o.title}" for o in item.objectives) or "–"
        blocks.append(
            Text(
                tr.tn(
                    "{step}. {name}: {objectives} · {n} key result",
                    "{step}. {name}: {objectives} · {n} key results",
                    item.kr_count,
                    step=step,
                    name=name(item.member),
                    objectives=objectives,
                )
            )
        )
        step += 1
    blocks.append(Text(tr.t("{n}. Questions from collaborators", n=step)))
    blocks.append(
        Text(
            tr.t(
                "{n}. Next: self scores by {date}, then the committee ({names})",
                n=step + 1,
                date=tr.date(cycle.end_date),
                names=tr.list([name(m) for m in committee]) or "–",
            )
        )
    )
    if invited:
        blocks.append(Divider())
        blocks.append(
            Context(
                tr.t(
                    "Invited: {people}",
                    people=tr.list(
                        [tr.t("{name} ({team})", name=name(m), team=t) for m, t in invited]
                    ),
                )
            )
        )
    return Message(summary=title, blocks=tuple(blocks))
