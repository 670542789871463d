"""Which moments fell due, for which teams: the registry of moments and its planner.

`due_moments` walks every team's schedule (in the team's zone, and for
personal moments in each member's own zone) through a time window and asks
each due moment's module for its deliveries. Each delivery carries a key
unique to (kind, team or person, period), so whoever sends them can claim the
key first and never post twice, however often a window is replayed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlmodel import Session

from handlers.links import NO_LINKS, PageLinks
from handlers.moments import (
    checkins,
    collector,
    digest,
    drafting,
    feedback,
    meeting,
    nudges,
    planning,
    review,
    scoring,
)
from handlers.moments.base import Moment, MomentJob, daily, every_day, weekly
from handlers.moments.data import TickData
from handlers.okr.calendar import TeamCalendar
from handlers.okr.weeks import is_valid_timezone, occurrences_between
from handlers.reports.drafts import REMIND_AT, ROUND_CLOSES
from handlers.views import Delivery
from storage.models import Team
from storage.repos import workspaces

# The weekly moments at a team's own weekday and time (operators can trigger these).
MOMENTS = ("plan", "checkin", "remind", "digest")


def moment_kinds() -> tuple[Moment, ...]:
    """Every kind of moment, in the order their deliveries go out when due together."""
    return (
        Moment("plan", weekly("plan"), planning.prompts, personal=True),
        Moment("checkin", weekly("checkin"), checkins.prompts, personal=True),
        Moment("remind", weekly("remind"), checkins.remind, personal=True),
        Moment("digest", weekly("digest"), digest.post),
        Moment("nudge", daily("plan"), nudges.nudges, runs_on=nudges.is_working_day),
        Moment("review", weekly("review"), review.monthly_review, runs_on=review.is_first_of_month),
        Moment("selfscore", weekly("plan"), scoring.prompts, True, scoring.in_last_week),
        # The cycle's two ends: the review meeting, the committee, drafting the next cycle.
        Moment("questions", weekly("plan"), meeting.questions, True, meeting.week_before_last),
        Moment("packs", weekly("plan"), meeting.packs, True, meeting.last_week),
        Moment("committee", weekly("plan"), feedback.scoring_opens, False, meeting.last_week),
        Moment("feedbacknudge", daily("plan"), feedback.nudges, runs_on=feedback.is_working_day),
        Moment("draftsuggest", weekly("plan"), drafting.suggest, False, drafting.in_last_two_weeks),
        Moment("draftremind", every_day(REMIND_AT), drafting.reminders, runs_on=drafting.always),
        Moment(
            "draftclose", every_day(ROUND_CLOSES), drafting.close_rounds, runs_on=drafting.always
        ),
    )


def due_deliveries(
    *,
    session: Session,
    since: datetime,
    until: datetime,
    workspace_id: int | None = None,
    links: PageLinks = NO_LINKS,
) -> list[Delivery]:
    """What the teams' rhythm sends for moments in (since, until]: every workspace's, or one's.

    In the order the moments fell due.
    """
    due = due_moments(
        session=session, since=since, until=until, workspace_id=workspace_id, links=links
    )
    return [d.delivery for d in due]


@dataclass(frozen=True, slots=True)
class Due:
    """One delivery of a team moment, with the instant the moment fell due."""

    delivery: Delivery
    at: datetime
    moment: str
    team: str
    workspace_id: int


def due_moments(
    *,
    session: Session,
    since: datetime,
    until: datetime,
    workspace_id: int | None = None,
    team_id: int | None = None,
    moments: Sequence[str] | None = None,
    links: PageLinks = NO_LINKS,
) -> list[Due]:
    """Each delivery of the moments in (since, until], with when and whose moment it is.

    In the order the moments fell due; `moments` names some of them (default: all).
    The delivery's platform and workspace are those of the team's workspace.
    """
    found: dict[tuple[int, str], tuple[int, Due]] = {}
    teams = (
        workspaces.list_all_teams(session=session)
        if workspace_id is None
        else workspaces.list_teams(session=session, workspace_id=workspace_id)
    )
    kinds = moment_kinds()
    if team_id is not None:
        teams = [team for team in teams if team.id == team_id]
    zones_of = _member_zones(session, teams)
    # Teams mostly share zones and times: each distinct schedule is worked out once.
    occurrences: dict[tuple[int, str, str], list[datetime]] = {}
    jobs: list[tuple[int, Moment, MomentJob]] = []
    for team in teams:
        workspace = workspaces.get_workspace(session=session, workspace_id=team.workspace_id)
        assert workspace is not None and workspace.id is not None
        calendar = TeamCalendar(team)
        zones = [team.timezone, *zones_of.get(team.id or -1, [])]
        for order, moment in enumerate(kinds):
            if moments is not None and moment.name not in moments:
                continue
            for zone in zones if moment.personal else zones[:1]:
                for weekday, hhmm in moment.times(team):
                    schedule = (weekday, hhmm, zone)
                    if schedule not in occurrences:
                        occurrences[schedule] = occurrences_between(
                            start=since, end=until, weekday=weekday, hhmm=hhmm, tz=zone
                        )
                    for at in occurrences[schedule]:
                        job = MomentJob(
                            session=session,
                            workspace=workspace,
                            team=team,
                            at=at,
                            zone=zone,
                            calendar=calendar,
                            links=links,
                        )
                        if moment.runs_on is not None:
                            if not moment.runs_on(job):
                                continue
                        elif calendar.is_holiday(job.today):
                            continue
                        jobs.append((order, moment, job))
    # Every due team's data is read together, once, before any job builds its messages.
    data = TickData(
        session=session,
        due=[(job.team, moment.name, job.week, job.today) for _, moment, job in jobs],
    )
    with collector.paused():
        for order, moment, job in jobs:
            job.data = data
            workspace = job.workspace
            assert workspace.id is not None
            for delivery in moment.run(job):
                assert delivery.key is not None
                addressed = replace(
                    delivery, platform=workspace.platform, workspace=workspace.external_id
                )
                found.setdefault(
                    (workspace.id, delivery.key),
                    (order, Due(addressed, job.at, moment.name, job.team.name, workspace.id)),
                )
        ordered = sorted(found.values(), key=lambda item: (item[1].at, item[0]))
        return [due for _, due in ordered]


def _member_zones(session: Session, teams: Sequence[Team]) -> dict[int, list[str]]:
    """The other timezones each team's members set for themselves, read for all teams at once."""
    by_workspace: dict[int, list[Team]] = defaultdict(list)
    for team in teams:
        by_workspace[team.workspace_id].append(team)
    found: dict[int, list[str]] = {}
    for ws, group in by_workspace.items():
        zones = workspaces.member_timezones_of_teams(
            session=session, workspace_id=ws, team_ids=[t.id for t in group if t.id is not None]
        )
        for team in group:
            found[team.id or -1] = sorted(
                z
                for z in zones.get(team.id or -1, set())
                if z != team.timezone and is_valid_timezone(z)
            )
    return found
