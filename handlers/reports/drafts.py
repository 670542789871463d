"""Drafting OKRs together (共创): a draft's rounds, its tallies and what each round posts.

Three rounds, each ending at `ROUND_CLOSES` team time on a working day fixed
when the draft starts: proposals (each member's objective ideas with their key
results), a vote for up to `OBJECTIVE_PICKS` objectives, and a vote for up to
`KR_PICKS` key results of each winning objective. Which round is open is read
from the clock, so the results a round posts are the same whenever they are
built: a vote after its deadline is refused. The top `WINNERS` objectives win
(and the top `KR_WINNERS` key results of each); ideas tied at the cut all go
on, and the manager keeps what the team agreed when finalising.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlmodel import Session

from handlers.i18n import Translator
from handlers.okr.calendar import TeamCalendar
from handlers.views import (
    Actions,
    Block,
    Button,
    ButtonStyle,
    Context,
    Divider,
    Header,
    Message,
    Text,
)
from storage.models import Cycle, Draft, DraftIdea, DraftVote, IdeaKind, Member, Team
from storage.repos import ends, okrs, workspaces

ROUND_CLOSES = "18:00"  # every round ends at this local time
REMIND_AT = "10:00"  # and whoever has not taken part is reminded that morning
PROPOSAL_DAYS = 2  # working days for proposals
VOTE_DAYS = 1  # working days for each vote
OBJECTIVE_PICKS = 3
KR_PICKS = 4
WINNERS = 3
KR_WINNERS = 4


class Stage(StrEnum):
    PROPOSING = "proposing"
    OBJECTIVES = "objectives"  # voting on the objectives
    KRS = "krs"  # voting on the key results of the winners
    CLOSED = "closed"  # every vote is in: the manager finalises
    FINALISED = "finalised"
    CANCELLED = "cancelled"


ROUNDS = (Stage.PROPOSING, Stage.OBJECTIVES, Stage.KRS)
DEADLINES = {
    Stage.PROPOSING: "proposals_until",
    Stage.OBJECTIVES: "objectives_until",
    Stage.KRS: "krs_until",
}


def stage_at(draft: Draft, at: datetime) -> Stage:
    if draft.cancelled_at is not None:
        return Stage.CANCELLED
    if draft.finalised_at is not None:
        return Stage.FINALISED
    if at < draft.proposals_until:
        return Stage.PROPOSING
    if at < draft.objectives_until:
        return Stage.OBJECTIVES
    if at < draft.krs_until:
        return Stage.KRS
    return Stage.CLOSED


def deadline(draft: Draft, stage: Stage) -> datetime:
    value: datetime = getattr(draft, DEADLINES[stage])
    return value


def round_deadlines(team: Team, today: date) -> tuple[datetime, datetime, datetime]:
    """When each round of a draft started on `today` ends: at ROUND_CLOSES team time,
    after PROPOSAL_DAYS working days for the proposals and VOTE_DAYS for each vote."""
    calendar = TeamCalendar(team)
    zone = ZoneInfo(team.timezone)
    closes = time.fromisoformat(ROUND_CLOSES)
    proposals = calendar.add_working_days(today, PROPOSAL_DAYS)
    objectives = calendar.add_working_days(proposals, VOTE_DAYS)
    krs = calendar.add_working_days(objectives, VOTE_DAYS)
    return (
        datetime.combine(proposals, closes, tzinfo=zone).astimezone(UTC),
        datetime.combine(objectives, closes, tzinfo=zone).astimezone(UTC),
        datetime.combine(krs, closes, tzinfo=zone).astimezone(UTC),
    )


@dataclass(frozen=True, slots=True)
class DraftState:
    """A draft with its ideas, votes and people, read once."""

    draft: Draft
    team: Team
    cycle: Cycle
    objectives: tuple[DraftIdea, ...]
    krs: tuple[DraftIdea, ...]
    votes: tuple[DraftVote, ...]
    member_ids: tuple[int, ...]
    people: dict[int, Member]

    def label(self, idea: DraftIdea) -> str:
        """How people refer to an idea: "#2" for an objective, "#2.1" for its first key result."""
        if idea.kind == IdeaKind.OBJECTIVE.value:
            return f"#{idea.number}"
        parent = next((o for o in self.objectives if o.id == idea.parent_id), None)
        siblings = [k for k in self.krs if k.parent_id == idea.parent_id]
        index = next(i for i, k in enumerate(siblings, start=1) if k.id == idea.id)
        return f"#{parent.number if parent else 0}.{index}"

    def by_label(self, label: str) -> DraftIdea | None:
        for idea in (*self.objectives, *self.krs):
            if self.label(idea) == f"#{label.lstrip('#')}":
                return idea
        return None

    def krs_of(self, objective: DraftIdea) -> list[DraftIdea]:
        return [k for k in self.krs if k.parent_id == objective.id]

    def counts(self) -> Counter[int]:
        return Counter(v.idea_id for v in self.votes)

    def votes_of(self, member_id: int, ideas: Sequence[DraftIdea]) -> list[DraftIdea]:
        ids = {v.idea_id for v in self.votes if v.member_id == member_id}
        return [i for i in ideas if i.id in ids]

    def author(self, idea: DraftIdea) -> str | None:
        """The idea's author as people see them, or None while the draft is anonymous."""
        if self.draft.anonymous:
            return None
        member = self.people.get(idea.author_id)
        return member.display_name or member.handle if member else "?"


def load(session: Session, draft: Draft) -> DraftState:
    ws = draft.workspace_id
    assert draft.id is not None
    team = workspaces.get_team(session=session, workspace_id=ws, team_id=draft.team_id)
    cycle = okrs.get_cycle(session=session, workspace_id=ws, cycle_id=draft.cycle_id)
    assert team is not None and team.id is not None and cycle is not None
    ideas = ends.list_ideas(session=session, workspace_id=ws, draft_ids=[draft.id])
    votes = ends.list_votes(session=session, workspace_id=ws, draft_ids=[draft.id])
    member_ids = workspaces.team_member_ids(session=session, workspace_id=ws, team_id=team.id)
    people = {
        m.id: m
        for m in workspaces.list_members(
            session=session, workspace_id=ws, ids={*member_ids, *(i.author_id for i in ideas)}
        )
        if m.id is not None
    }
    return DraftState(
        draft=draft,
        team=team,
        cycle=cycle,
        objectives=tuple(i for i in ideas if i.kind == IdeaKind.OBJECTIVE.value),
        krs=tuple(i for i in ideas if i.kind == IdeaKind.KR.value),
        votes=tuple(votes),
        member_ids=tuple(member_ids),
        people=people,
    )


def _top(ranked: Sequence[tuple[DraftIdea, int]], places: int) -> list[DraftIdea]:
    """The ideas in the first `places` with at least one vote, and any tied with the last."""
    voted = [(idea, n) for idea, n in ranked if n > 0]
    if len(voted) <= places:
        return [idea for idea, _ in voted]
    cut = voted[places - 1][1]
    return [idea for idea, n in voted if n >= cut]


def objective_tally(state: DraftState) -> list[tuple[DraftIdea, int]]:
    counts = state.counts()
    return sorted(
        ((idea, counts[idea.id or -1]) for idea in state.objectives),
        key=lambda p: (-p[1], p[0].number),
    )


def objective_winners(state: DraftState) -> list[DraftIdea]:
    return _top(objective_tally(state), WINNERS)


def tie_at_cut(ranked: Sequence[tuple[DraftIdea, int]], places: int) -> list[DraftIdea]:
    """The ideas tied across the cut (that all go on), or none when there is no such tie."""
    voted = [(idea, n) for idea, n in ranked if n > 0]
    if len(voted) <= places or voted[places][1] != voted[places - 1][1]:
        return []
    cut = voted[places - 1][1]
    return [idea for idea, n in voted if n == cut]


def kr_tally(state: DraftState, objective: DraftIdea) -> list[tuple[DraftIdea, int]]:
    counts = state.counts()
    return sorted(
        ((idea, counts[idea.id or -1]) for idea in state.krs_of(objective)),
        key=lambda p: (-p[1], p[0].number),
    )


def kr_winners(state: DraftState, objective: DraftIdea) -> list[DraftIdea]:
    """The key results the team chose for an objective; all its ideas if nobody voted."""
    ranked = kr_tally(state, objective)
    if not any(n for _, n in ranked):
        return [idea for idea, _ in ranked][:KR_WINNERS]
    return _top(ranked, KR_WINNERS)


def participants(state: DraftState, stage: Stage) -> set[int]:
    """Who has taken part in a round: proposed an idea, or voted in it."""
    if stage == Stage.PROPOSING:
        return {i.author_id for i in (*state.objectives, *state.krs)}
    if stage == Stage.OBJECTIVES:
        ids = {i.id for i in state.objectives}
    else:
        ids = {k.id for o in objective_winners(state) for k in state.krs_of(o)}
    return {v.member_id for v in state.votes if v.idea_id in ids}


# --- messages ---------------------------------------------------------------------------


def _when(tr: Translator, at: datetime, zone: str) -> str:
    local = at.astimezone(ZoneInfo(zone))
    return f"{tr.weekday(local.isoweekday())} {tr.date(local.date())} {local:%H:%M}"


def _idea_line(tr: Translator, state: DraftState, idea: DraftIdea, count: int | None = None) -> str:
    line = f"{state.label(idea)} {idea.text}"
    author = state.author(idea)
    if author:
        line = tr.t("{text} ({ref})", text=line, ref=author)
    if count is not None:
        line += " · " + tr.tn("{n} vote", "{n} votes", count)
    return line


def opened_message(tr: Translator, state: DraftState) -> Message:
    """Round one: what the team is asked to do, and by when."""
    draft, team = state.draft, state.team
    title = tr.t("Drafting {cycle} together · {team}", cycle=state.cycle.name, team=team.name)
    blocks: list[Block] = [
        Header(title),
        Text(
            tr.t(
                "Propose objectives and their key results by {deadline}. Then the team votes for "
                "up to {picks} objectives closest to the company's, and for up to {kr_picks} key "
                "results of each.",
                deadline=_when(tr, draft.proposals_until, team.timezone),
                picks=OBJECTIVE_PICKS,
                kr_picks=KR_PICKS,
            )
        ),
    ]
    if draft.anonymous:
        blocks.append(Context(tr.t("Ideas are shown without their authors' names.")))
    blocks.append(
        Actions((Button(tr.t("Propose"), "draft.propose", str(draft.id), ButtonStyle.PRIMARY),))
    )
    blocks.append(
        Context(
            tr.t("Or type: /okr draft propose Objective | Key result: 0 -> 100 unit | Another one")
        )
    )
    return Message(summary=title, blocks=tuple(blocks), in_channel=True)


def objectives_vote_message(tr: Translator, state: DraftState) -> Message:
    """Round one closed: the ideas, and the vote on the objectives."""
    draft, team = state.draft, state.team
    title = tr.t("Vote for {cycle}'s objectives · {team}", cycle=state.cycle.name, team=team.name)
    blocks: list[Block] = [
        Header(title),
        Context(
            tr.tn(
                "{n} objective idea from the team.",
                "{n} objective ideas from the team.",
                len(state.objectives),
            )
        ),
    ]
    for idea in state.objectives:
        blocks.append(Text(_idea_line(tr, state, idea)))
        for kr in state.krs_of(idea):
            blocks.append(Context(f"{state.label(kr)} {kr.text}"))
    if not state.objectives:
        blocks.append(Text(tr.t("Nobody proposed an objective.")))
    else:
        blocks.append(
            Text(
                tr.t(
                    "Pick up to {picks} objectives by {deadline}.",
                    picks=OBJECTIVE_PICKS,
                    deadline=_when(tr, draft.objectives_until, team.timezone),
                )
            )
        )
        blocks.append(
            Actions(
                tuple(
                    Button(
                        tr.t("Vote {label}", label=state.label(i)),
                        "draft.vote",
                        f"{draft.id}:{state.label(i)}",
                    )
                    for i in state.objectives[:20]
                )
            )
        )
        blocks.append(Context(tr.t("Or type: /okr draft vote #1 #3")))
    return Message(summary=title, blocks=tuple(blocks), in_channel=True)


def krs_vote_message(tr: Translator, state: DraftState) -> Message:
    """Round two closed: the objectives' counts, and the vote on their key results."""
    draft, team = state.draft, state.team
    title = tr.t(
        "Vote for the key results · {team} · {cycle}", team=team.name, cycle=state.cycle.name
    )
    ranked = objective_tally(state)
    winners = objective_winners(state)
    blocks: list[Block] = [Header(title), Text(tr.t("Objective votes"))]
    for idea, count in ranked:
        mark = "✅ " if idea in winners else ""
        blocks.append(Context(mark + _idea_line(tr, state, idea, count)))
    tied = tie_at_cut(ranked, WINNERS)
    if tied:
        blocks.append(
            Context(
                tr.t(
                    "{labels} are tied at the cut, so all of them go on; the manager keeps "
                    "what the team agrees when finalising.",
                    labels=tr.list([state.label(i) for i in tied]),
                )
            )
        )
    buttons: list[Button] = []
    for idea in winners:
        blocks.append(Divider())
        blocks.append(Text(f"{state.label(idea)} {idea.text}"))
        krs = state.krs_of(idea)
        if not krs:
            blocks.append(Context(tr.t("No key result ideas yet.")))
        for kr in krs:
            blocks.append(Context(f"{state.label(kr)} {kr.text}"))
            buttons.append(
                Button(
                    tr.t("Vote {label}", label=state.label(kr)),
                    "draft.vote",
                    f"{draft.id}:{state.label(kr)}",
                )
            )
    if not winners:
        blocks.append(Text(tr.t("No objective got a vote; the manager picks what to keep.")))
    else:
        blocks.append(
            Text(
                tr.t(
                    "Pick up to {picks} key results of each by {deadline}.",
                    picks=KR_PICKS,
                    deadline=_when(tr, draft.krs_until, team.timezone),
                )
            )
        )
    if buttons:
        blocks.append(Actions(tuple(buttons[:25])))
        blocks.append(Context(tr.t("Or type: /okr draft vote #1.1 #1.3")))
    return Message(summary=title, blocks=tuple(blocks), in_channel=True)


def results_message(tr: Translator, state: DraftState) -> Message:
    """Round three closed: what the team chose, for the manager to finalise."""
    draft, team = state.draft, state.team
    title = tr.t("What {team} chose for {cycle}", team=team.name, cycle=state.cycle.name)
    blocks: list[Block] = [Header(title)]
    for idea in objective_winners(state):
        count = state.counts()[idea.id or -1]
        blocks.append(Text(_idea_line(tr, state, idea, count)))
        chosen = kr_winners(state, idea)
        for kr, n in kr_tally(state, idea):
            mark = "✅ " if kr in chosen else ""
            blocks.append(Context(mark + _idea_line(tr, state, kr, n)))
        tied = tie_at_cut(kr_tally(state, idea), KR_WINNERS)
        if tied:
            blocks.append(
                Context(
                    tr.t(
                        "{labels} are tied at the cut, so all of them go on.",
                        labels=tr.list([state.label(i) for i in tied]),
                    )
                )
            )
    manager = state.people.get(team.manager_id or -1)
    blocks.append(
        Context(
            tr.t(
                "{name} finalises: /okr draft finish (or keep some: /okr draft finish #1 #3).",
                name=manager.display_name if manager else tr.t("The manager"),
            )
        )
    )
    blocks.append(
        Actions((Button(tr.t("Finalise"), "draft.finish", str(draft.id), ButtonStyle.PRIMARY),))
    )
    return Message(summary=title, blocks=tuple(blocks), in_channel=True)


def round_message(tr: Translator, state: DraftState, closed: Stage) -> Message:
    """What the end of a round posts."""
    if closed == Stage.PROPOSING:
        return objectives_vote_message(tr, state)
    if closed == Stage.OBJECTIVES:
        return krs_vote_message(tr, state)
    return results_message(tr, state)


def round_key(draft: Draft, closed: Stage) -> str:
    return f"draft{draft.id}:closed:{closed.value}"


def reminder_message(tr: Translator, state: DraftState, stage: Stage) -> Message:
    when = _when(tr, deadline(state.draft, stage), state.team.timezone)
    if stage == Stage.PROPOSING:
        text = tr.t(
            "Drafting {cycle} with {team}: proposals close {deadline}. What objective would you "
            "propose?",
            cycle=state.cycle.name,
            team=state.team.name,
            deadline=when,
        )
        button = Button(tr.t("Propose"), "draft.propose", str(state.draft.id), ButtonStyle.PRIMARY)
    else:
        text = tr.t(
            "Drafting {cycle} with {team}: the vote closes {deadline} and yours is not in yet.",
            cycle=state.cycle.name,
            team=state.team.name,
            deadline=when,
        )
        button = Button(
            tr.t("Show the vote"), "draft.status", str(state.draft.id), ButtonStyle.PRIMARY
        )
    return Message(summary=text, blocks=(Text(text), Actions((button,))))
