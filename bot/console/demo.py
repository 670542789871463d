"""A ready-made workspace for the terminal trial: Demo Co. and the sample OKRs.

The data follows the sample OKRs of the method notes (a sales head's growth
objective, the South China leads aligned under it, R&D aligned sideways, a
marketing team) with two weeks of history, so the first `/okr` already has
trends, a confidence drop, plans, an open help request and a kudos to show.
Everything goes through the repository functions, as the app's own writes do.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from handlers.okr.weeks import cycle_for, local_date, previous_week, week_of, week_start
from storage.models import KRKind, Objective, ObjectiveKind, TaskStatus
from storage.repos import collab, okrs, rhythm, workspaces

PLATFORM = "console"
EXTERNAL_ID = "demo"
NAME = "Demo Co."
TIMEZONE = "Asia/Shanghai"


@dataclass(frozen=True, slots=True)
class DemoWorkspace:
    """The seeded workspace; refs map this module's short keys to what people type."""

    workspace_id: int
    external_id: str
    handles: tuple[str, ...]
    created: bool  # False when the demo was already there and left as it was
    objectives: Mapping[str, str]  # author handle -> "O1"
    key_results: Mapping[str, str]  # key -> "KR3"


@dataclass(frozen=True, slots=True)
class _Person:
    handle: str
    name: str
    team: str
    manager: bool = False
    locale: str | None = None
    timezone: str | None = None


@dataclass(frozen=True, slots=True)
class _Checkin:
    weeks_ago: int  # 0 is the current week
    value: float
    confidence: int
    note: str = ""


@dataclass(frozen=True, slots=True)
class _KR:
    key: str
    title: str
    owner: str
    start: float
    target: float
    unit: str
    before: float  # the value before the first check-in below
    checkins: tuple[_Checkin, ...] = ()
    milestone: bool = False


@dataclass(frozen=True, slots=True)
class _Objective:
    author: str
    title: str
    krs: tuple[_KR, ...]
    team: str | None = None  # set for a team objective
    kind: ObjectiveKind = ObjectiveKind.COMMITTED
    parent_objective: str | None = None  # author of the parent objective
    parent_kr: str | None = None  # key of the parent key result


@dataclass(frozen=True, slots=True)
class _Task:
    owner: str
    title: str
    kr: str
    due_weekday: int  # ISO weekday in the current week
    helpers: tuple[str, ...] = ()
    done: bool = False


# (name, channel, locale); every team keeps the default Monday/Friday rhythm.
_TEAMS = (("Sales", "sales", "zh"), ("R&D", "rnd", "zh"), ("Marketing", "marketing", "en"))

_PEOPLE = (
    _Person("chen", "Chen Jing", "Sales", manager=True, locale="zh", timezone=TIMEZONE),
    _Person("li", "Li Na", "Sales"),
    _Person("wang", "Wang Fang", "Sales"),
    _Person("zhao", "Zhao Lei", "R&D", manager=True),
    _Person("mei", "Mei Lin", "Marketing", manager=True),
    _Person("alice", "Alice Smith", "Marketing", locale="en"),
    _Person("bob", "Bob Jones", "Marketing"),
)

_OBJECTIVES = (
    _Objective(
        "chen",
        "Grow revenue 50% with better quality and sustainability",
        (
            _KR(
                "a-revenue", "A-business revenue +80%", "chen", 0, 80, "%", 24,
                (
                    _Checkin(2, 30, 7, "两个省会城市新签约"),
                    _Checkin(1, 35, 7, "长沙、成都大单落地"),
                ),
            ),
            _KR(
                "a-share", "A-business market share 20% → 40%", "chen", 20, 40, "%", 24,
                (_Checkin(2, 25, 6), _Checkin(1, 27, 6, "竞品降价，份额仍在上升")),
            ),
            _KR(
                "b-revenue", "B-business revenue flat in the core regions", "chen", 100, 100, "%",
                97, (_Checkin(2, 97, 8), _Checkin(1, 98, 8, "核心区域守住了")),
            ),
            _KR(
                "c-revenue", "C-business revenue +30%, mid-market to 50% of the mix", "chen",
                0, 30, "%", 8,
                (_Checkin(2, 10, 6), _Checkin(1, 12, 6, "中型客户占比升到 41%")),
            ),
        ),
    ),
    _Objective(
        "li",
        "South China revenue +80%",
        (
            _KR(
                "sc-revenue", "South China A-business revenue +100%", "li", 0, 100, "%", 30,
                (_Checkin(2, 36, 7), _Checkin(1, 40, 7, "深圳两家大客户签约")),
            ),
            _KR(
                "sc-share", "South China A-business share 60%", "li", 30, 60, "%", 38,
                (_Checkin(2, 40, 6), _Checkin(1, 41, 6)),
            ),
        ),
        parent_objective="chen",
    ),
    _Objective(
        "wang",
        "Win the A-business in South China",
        (
            _KR(
                "leads", "Bring in 5 front-line enterprise sales leads", "wang", 0, 5, "leads", 1,
                (_Checkin(2, 1, 6), _Checkin(1, 2, 7, "新招一位制造业销售负责人")),
            ),
            _KR(
                "playbooks", "Sales playbooks for 4 industries", "wang", 0, 4, "playbooks", 0,
                (
                    _Checkin(2, 1, 7, "制造业手册完成"),
                    _Checkin(1, 1, 7, "零售手册开始写"),
                    # The early warning the Friday digest should surface.
                    _Checkin(0, 1, 4, "零售行业案例不够，进度落后"),
                ),
            ),
        ),
        parent_kr="sc-revenue",
    ),
    _Objective(
        "zhao",
        "Ship the product the sales team can grow with",
        (
            _KR("portal", "Release the partner portal", "zhao", 0, 1, "", 0, milestone=True),
            # Lower is better: the target sits below the start.
            _KR(
                "page-load", "Page load under 1.5 s for 95% of customers", "zhao", 3, 1.5, "s",
                2.8,
                (
                    _Checkin(2, 2.6, 6, "Image CDN live in Guangzhou"),
                    _Checkin(1, 2.4, 7, "CDN rollout done in South China"),
                ),
            ),
        ),
        parent_objective="chen",  # horizontal: R&D supports the sales head's objective
    ),
    _Objective(
        "alice",
        "Raise brand awareness in target markets",
        (
            _KR(
                "followers", "Followers in target countries", "alice", 0, 10_000, "followers",
                3_100,
                (
                    _Checkin(2, 3_600, 6, "Started the Brazil campaign"),
                    _Checkin(1, 4_200, 7, "Two Reels took off in Brazil"),
                ),
            ),
            _KR(
                "engagement", "Engagement rate", "alice", 0, 2, "%", 0.9,
                (_Checkin(2, 1.0, 6), _Checkin(1, 1.1, 6, "Polls work better than plain posts")),
            ),
        ),
        kind=ObjectiveKind.ASPIRATIONAL,
    ),
    _Objective(
        "mei",
        "Make Demo Co. the name buyers know",
        (
            _KR(
                "inbound", "Qualified inbound leads per month", "mei", 120, 300, "leads", 150,
                (_Checkin(2, 165, 7), _Checkin(1, 180, 8, "Webinar brought 40 qualified leads")),
            ),
        ),
        team="Marketing",
    ),
)  # fmt: skip

_TASKS = (
    _Task("alice", "Publish three Reels for the Brazil campaign", "followers", 3, done=True),
    _Task("alice", "Giveaway with a lifestyle influencer in Mexico", "followers", 5, ("bob",)),
    _Task("bob", "Two customer case studies for the landing page", "inbound", 4),
    _Task("mei", "Review the webinar funnel with Sales", "inbound", 4, ("chen",)),
    _Task("chen", "省会城市渠道复盘", "a-share", 3, done=True),
    _Task("li", "拜访深圳两家重点客户", "sc-revenue", 2, done=True),
    _Task("wang", "零售行业销售手册初稿", "playbooks", 4, ("li",)),
    _Task("zhao", "Partner portal: partner sign-up flow", "portal", 5),
)


class _Calendar:
    """Instants in the demo's weeks, never later than the seeding moment."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.week = week_of(now, TIMEZONE)

    def week_ago(self, weeks: int) -> str:
        key = self.week
        for _ in range(weeks):
            key = previous_week(key)
        return key

    def at(self, weeks_ago: int, iso_weekday: int, hhmm: str) -> datetime:
        day = week_start(self.week_ago(weeks_ago)) + timedelta(days=iso_weekday - 1)
        local = datetime.combine(day, time.fromisoformat(hhmm), tzinfo=ZoneInfo(TIMEZONE))
        return min(local.astimezone(UTC), self.now)


def seed_demo(
    *,
    session: Session,
    now: datetime,
    default_locale: str = "en",
    platform: str = PLATFORM,
    external_id: str = EXTERNAL_ID,
) -> DemoWorkspace:
    """Create Demo Co. as of `now`, or return it untouched when it already exists.

    `platform` and `external_id` put the same company in another workspace, so
    tests can check that two workspaces with colliding names stay apart.
    """
    workspace = workspaces.get_or_create_workspace(
        session=session,
        platform=platform,
        external_id=external_id,
        name=NAME,
        default_locale=default_locale,
        default_timezone=TIMEZONE,
    )
    assert workspace.id is not None
    ws = workspace.id
    created = not workspaces.list_members(session=session, workspace_id=ws)
    if created:
        _seed(session=session, workspace_id=ws, clock=_Calendar(now))
    return _describe(session=session, workspace_id=ws, created=created, external_id=external_id)


def _seed(*, session: Session, workspace_id: int, clock: _Calendar) -> None:
    ws = workspace_id
    members: dict[str, int] = {}
    for person in _PEOPLE:
        member = workspaces.upsert_member(
            session=session,
            workspace_id=ws,
            external_id=person.handle,  # console members are known by their handle
            handle=person.handle,
            display_name=person.name,
            locale=person.locale,
            timezone=person.timezone,
        )
        assert member.id is not None
        members[person.handle] = member.id

    teams: dict[str, int] = {}
    for name, channel, locale in _TEAMS:
        manager = next(p.handle for p in _PEOPLE if p.team == name and p.manager)
        team = workspaces.create_team(
            session=session,
            workspace_id=ws,
            name=name,
            channel_external_id=channel,
            manager_id=members[manager],
            timezone=TIMEZONE,
            locale=locale,
        )
        assert team.id is not None
        teams[name] = team.id
    for person in _PEOPLE:
        if not person.manager:  # create_team already made the managers members
            workspaces.add_team_member(
                session=session,
                workspace_id=ws,
                team_id=teams[person.team],
                member_id=members[person.handle],
            )

    bounds = cycle_for("quarter", local_date(clock.now, TIMEZONE))
    cycle = okrs.get_or_create_cycle(
        session=session,
        workspace_id=ws,
        name=bounds.name,
        kind=bounds.kind,
        start=bounds.start,
        end=bounds.end,
    )
    assert cycle.id is not None

    objectives: dict[str, Objective] = {}
    krs: dict[str, int] = {}
    for spec in _OBJECTIVES:
        objective = okrs.create_objective(
            session=session,
            workspace_id=ws,
            cycle_id=cycle.id,
            title=spec.title,
            kind=spec.kind,
            owner_member_id=None if spec.team else members[spec.author],
            owner_team_id=teams[spec.team] if spec.team else None,
        )
        assert objective.id is not None
        objectives[spec.author] = objective
        for kr_spec in spec.krs:
            kr = okrs.create_key_result(
                session=session,
                workspace_id=ws,
                objective_id=objective.id,
                title=kr_spec.title,
                owner_member_id=members[kr_spec.owner],
                kind=KRKind.MILESTONE if kr_spec.milestone else KRKind.NUMERIC,
                start=kr_spec.start,
                target=kr_spec.target,
                current=kr_spec.before,
                unit=kr_spec.unit,
                # Written weeks ago: the history below is older than this week.
                now=clock.now - timedelta(weeks=3),
            )
            assert kr.id is not None
            krs[kr_spec.key] = kr.id
            for checkin in sorted(kr_spec.checkins, key=lambda c: -c.weeks_ago):
                rhythm.save_checkin(
                    session=session,
                    workspace_id=ws,
                    kr=kr,
                    member_id=members[kr_spec.owner],
                    week=clock.week_ago(checkin.weeks_ago),
                    value=checkin.value,
                    confidence=checkin.confidence,
                    note=checkin.note,
                    links=[],
                    now=clock.at(checkin.weeks_ago, 5, "15:30"),
                )
        parent_id = objectives[spec.parent_objective].id if spec.parent_objective else None
        if parent_id is not None or spec.parent_kr is not None:
            okrs.set_alignment(
                session=session,
                objective=objective,
                parent_objective_id=parent_id,
                parent_kr_id=krs[spec.parent_kr] if spec.parent_kr else None,
                now=clock.now,
            )

    for task_spec in _TASKS:
        task = rhythm.create_task(
            session=session,
            workspace_id=ws,
            week=clock.week,
            title=task_spec.title,
            owner_member_id=members[task_spec.owner],
            kr_id=krs[task_spec.kr],
            due_date=week_start(clock.week) + timedelta(days=task_spec.due_weekday - 1),
            helper_ids=[members[h] for h in task_spec.helpers],
            now=clock.at(0, 1, "09:45"),
        )
        if task_spec.done:
            rhythm.set_task_status(
                session=session,
                task=task,
                status=TaskStatus.DONE,
                now=clock.at(0, task_spec.due_weekday, "18:00"),
            )

    collab.create_help_request(
        session=session,
        workspace_id=ws,
        requester_id=members["wang"],
        helper_id=members["mei"],
        text="Could Marketing share retail customer stories for the playbook?",
        kr_id=krs["playbooks"],
        now=clock.at(1, 4, "11:00"),
    )
    collab.add_kudos(
        session=session,
        workspace_id=ws,
        from_member_id=members["mei"],
        to_member_id=members["alice"],
        text="The Brazil Reels brought 600 new followers in a week. Brilliant!",
        week=clock.week_ago(1),
        kr_id=krs["followers"],
        now=clock.at(1, 5, "17:05"),
    )
    session.flush()


def _describe(
    *, session: Session, workspace_id: int, created: bool, external_id: str = EXTERNAL_ID
) -> DemoWorkspace:
    members = workspaces.list_members(session=session, workspace_id=workspace_id)
    by_title_o = {
        o.title: f"O{o.number}"
        for o in okrs.list_objectives(session=session, workspace_id=workspace_id)
    }
    by_title_kr = {
        kr.title: f"KR{kr.number}"
        for kr in okrs.list_key_results(session=session, workspace_id=workspace_id)
    }
    return DemoWorkspace(
        workspace_id=workspace_id,
        external_id=external_id,
        handles=tuple(m.handle for m in members),
        created=created,
        objectives={s.author: by_title_o[s.title] for s in _OBJECTIVES if s.title in by_title_o},
        key_results={
            kr.key: by_title_kr[kr.title]
            for s in _OBJECTIVES
            for kr in s.krs
            if kr.title in by_title_kr
        },
    )
