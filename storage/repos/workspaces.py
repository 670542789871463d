"""Workspaces, members and teams."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from sqlalchemy import func
from sqlalchemy import select as select_columns
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from storage.models import Member, Team, TeamMember, TeamRole, Workspace, team_name_key
from storage.repos._util import id_in, insert_ignore
from storage.repos.okrs import slices


def get_or_create_workspace(
    *,
    session: Session,
    platform: str,
    external_id: str,
    name: str = "",
    default_locale: str = "en",
    default_timezone: str = "UTC",
) -> Workspace:
    """The workspace, created on first contact.

    Two first events of a new workspace may arrive at once (two processes, or
    two worker threads): the insert does nothing when the other one won, and
    both read the same row. On SQLite the transaction holds the write lock
    from its start (storage.db), so the insert after the read never fails.
    """
    found = find_workspace(session=session, platform=platform, external_id=external_id)
    if found is not None:
        return found
    new = Workspace(
        platform=platform,
        external_id=external_id,
        name=name,
        default_locale=default_locale,
        default_timezone=default_timezone,
    )
    insert_ignore(session, Workspace, new.model_dump(exclude={"id"}))
    found = find_workspace(session=session, platform=platform, external_id=external_id)
    assert found is not None, "the workspace was just inserted or found to exist"
    return found


def find_workspace(*, session: Session, platform: str, external_id: str) -> Workspace | None:
    return session.exec(
        select(Workspace).where(
            Workspace.platform == platform, Workspace.external_id == external_id
        )
    ).first()


def list_workspaces(*, session: Session) -> list[Workspace]:
    """Every workspace, for operators choosing one (import, export, forget)."""
    return list(session.exec(select(Workspace).order_by(col(Workspace.id))).all())


def get_workspace(*, session: Session, workspace_id: int) -> Workspace | None:
    return session.get(Workspace, workspace_id)


_HANDLE_JUNK = re.compile(r"[\s@#,;:|\"'“”]+")


def _base_handle(display_name: str, external_id: str) -> str:
    base = _HANDLE_JUNK.sub("", display_name.split(" ")[0] if display_name else "").lower()
    return (base or external_id.lower())[:48]


def _free_handle(*, session: Session, workspace_id: int, base: str) -> str:
    taken = set(
        session.exec(
            select(Member.handle).where(
                Member.workspace_id == workspace_id, col(Member.handle).startswith(base)
            )
        ).all()
    )
    if base not in taken:
        return base
    n = 2
    while f"{base}{n}" in taken:
        n += 1
    return f"{base}{n}"


def upsert_member(
    *,
    session: Session,
    workspace_id: int,
    external_id: str,
    display_name: str = "",
    handle: str | None = None,
    locale: str | None = None,
    timezone: str | None = None,
) -> Member:
    """Find a member by platform id, creating them on first sight.

    An existing member's display name follows the platform; their locale and
    timezone are only filled in when unset, because the member may have chosen
    them with `settings`.
    """
    member = get_member_by_external(
        session=session, workspace_id=workspace_id, external_id=external_id
    )
    if member is None:
        created = _create_member(
            session=session,
            workspace_id=workspace_id,
            external_id=external_id,
            base=(handle or _base_handle(display_name, external_id)).lower(),
            display_name=display_name or handle or external_id,
            locale=locale,
            timezone=timezone,
        )
        if created is not None:
            return created
        # Someone else's first contact with this person won the race: use theirs.
        member = get_member_by_external(
            session=session, workspace_id=workspace_id, external_id=external_id
        )
        assert member is not None
    if display_name and display_name != member.display_name:
        member.display_name = display_name
    if locale and not member.locale:
        member.locale = locale
    if timezone and not member.timezone:
        member.timezone = timezone
    session.add(member)
    return member


_HANDLE_TRIES = 5


def _create_member(
    *,
    session: Session,
    workspace_id: int,
    external_id: str,
    base: str,
    display_name: str,
    locale: str | None,
    timezone: str | None,
) -> Member | None:
    """Insert a new member with a free handle; None when the person appeared meanwhile.

    A concurrent insert can take the same person (the caller then reads that
    row) or the handle just found free (then the next free one is tried). Each
    try runs in a savepoint, so a lost race leaves the transaction usable.
    """
    for _ in range(_HANDLE_TRIES):
        member = Member(
            workspace_id=workspace_id,
            external_id=external_id,
            handle=_free_handle(session=session, workspace_id=workspace_id, base=base),
            display_name=display_name,
            locale=locale,
            timezone=timezone,
        )
        try:
            with session.begin_nested():
                session.add(member)
                session.flush()
        except IntegrityError:
            existing = get_member_by_external(
                session=session, workspace_id=workspace_id, external_id=external_id
            )
            if existing is not None:
                return None
            continue
        return member
    raise RuntimeError(f"no free handle for {external_id!r} after {_HANDLE_TRIES} tries")


def get_member(*, session: Session, workspace_id: int, member_id: int) -> Member | None:
    member = session.get(Member, member_id)
    return member if member is not None and member.workspace_id == workspace_id else None


def get_member_by_external(
    *, session: Session, workspace_id: int, external_id: str
) -> Member | None:
    return session.exec(
        select(Member).where(Member.workspace_id == workspace_id, Member.external_id == external_id)
    ).first()


def find_member(*, session: Session, workspace_id: int, name: str) -> Member | None:
    """Look a member up by handle, then by display name, ignoring case."""
    key = name.lstrip("@＠").strip().lower()
    if not key:
        return None
    by_handle = session.exec(
        select(Member).where(Member.workspace_id == workspace_id, func.lower(Member.handle) == key)
    ).first()
    if by_handle is not None:
        return by_handle
    return session.exec(
        select(Member).where(
            Member.workspace_id == workspace_id, func.lower(Member.display_name) == key
        )
    ).first()


def list_members(
    *, session: Session, workspace_id: int, ids: Iterable[int] | None = None
) -> list[Member]:
    query = select(Member).where(Member.workspace_id == workspace_id)
    if ids is None:
        return list(session.exec(query.order_by(col(Member.id))).all())
    found: list[Member] = []
    for part in slices(ids, session=session):
        found.extend(session.exec(query.where(id_in(session, col(Member.id), part))).all())
    return sorted(found, key=lambda m: m.id or 0)


def update_member(
    *, session: Session, member: Member, locale: str | None = None, timezone: str | None = None
) -> Member:
    if locale is not None:
        member.locale = locale
    if timezone is not None:
        member.timezone = timezone
    session.add(member)
    return member


def create_team(
    *,
    session: Session,
    workspace_id: int,
    name: str,
    channel_external_id: str | None = None,
    manager_id: int | None = None,
    timezone: str = "UTC",
    locale: str = "en",
) -> Team:
    team = Team(
        workspace_id=workspace_id,
        name=name,
        name_key=team_name_key(name),
        channel_external_id=channel_external_id,
        manager_id=manager_id,
        timezone=timezone,
        locale=locale,
    )
    session.add(team)
    session.flush()
    if manager_id is not None:
        add_team_member(
            session=session,
            workspace_id=workspace_id,
            team_id=_id(team),
            member_id=manager_id,
            role=TeamRole.MANAGER,
        )
    return team


def _id(row: Team | Member) -> int:
    assert row.id is not None, "row must be flushed before its id is used"
    return row.id


def get_team(*, session: Session, workspace_id: int, team_id: int) -> Team | None:
    team = session.get(Team, team_id)
    return team if team is not None and team.workspace_id == workspace_id else None


def find_team(*, session: Session, workspace_id: int, name: str) -> Team | None:
    """The team whose name folds like `name` (storage.models.team_name_key); "#" is ignored."""
    key = team_name_key(name.strip().lstrip("#＃"))
    return session.exec(
        select(Team).where(Team.workspace_id == workspace_id, Team.name_key == key)
    ).first()


def list_teams(*, session: Session, workspace_id: int) -> list[Team]:
    return list(
        session.exec(
            select(Team).where(Team.workspace_id == workspace_id).order_by(col(Team.id))
        ).all()
    )


def list_all_teams(*, session: Session) -> list[Team]:
    """Every team of every workspace; for the scheduler, which serves them all."""
    return list(session.exec(select(Team).order_by(col(Team.id))).all())


def teams_of_member(*, session: Session, workspace_id: int, member_id: int) -> list[Team]:
    return list(
        session.exec(
            select(Team)
            .join(TeamMember, col(TeamMember.team_id) == col(Team.id))
            .where(TeamMember.workspace_id == workspace_id, TeamMember.member_id == member_id)
            .order_by(col(Team.id))
        ).all()
    )


def teams_of_members(
    *, session: Session, workspace_id: int, member_ids: Iterable[int]
) -> dict[int, list[Team]]:
    """Each of these members' teams, by team id: `teams_of_member` for many at once."""
    found: dict[int, list[Team]] = {}
    for part in slices(member_ids, session=session):
        rows = session.execute(
            select_columns(col(TeamMember.member_id), Team)
            .join(Team, col(TeamMember.team_id) == col(Team.id))
            .where(
                col(TeamMember.workspace_id) == workspace_id,
                id_in(session, col(TeamMember.member_id), part),
            )
            .order_by(col(TeamMember.member_id), col(Team.id))
        )
        for member_id, team in rows:
            found.setdefault(member_id, []).append(team)
    return found


def add_team_member(
    *,
    session: Session,
    workspace_id: int,
    team_id: int,
    member_id: int,
    role: TeamRole = TeamRole.MEMBER,
) -> bool:
    """Add a member to a team; False when they were already in it."""
    existing = session.get(TeamMember, (team_id, member_id))
    if existing is not None:
        if role == TeamRole.MANAGER and existing.role != TeamRole.MANAGER.value:
            existing.role = TeamRole.MANAGER.value
            session.add(existing)
        return False
    try:
        with session.begin_nested():
            session.add(
                TeamMember(
                    workspace_id=workspace_id, team_id=team_id, member_id=member_id, role=role.value
                )
            )
    except IntegrityError:
        # Joined a moment ago by a concurrent request.
        return False
    return True


def member_role(*, session: Session, workspace_id: int, team_id: int, member_id: int) -> str | None:
    """The member's role in the team, or None when they are not in it."""
    row = session.get(TeamMember, (team_id, member_id))
    return row.role if row is not None and row.workspace_id == workspace_id else None


def team_member_ids(*, session: Session, workspace_id: int, team_id: int) -> list[int]:
    return list(
        session.exec(
            select(TeamMember.member_id)
            .where(TeamMember.workspace_id == workspace_id, TeamMember.team_id == team_id)
            .order_by(col(TeamMember.member_id))
        ).all()
    )


def team_memberships(
    *, session: Session, workspace_id: int, team_ids: Iterable[int]
) -> dict[int, list[int]]:
    """Member ids of each of these teams, in one read per few thousand teams."""
    found: dict[int, list[int]] = {}
    for part in slices(team_ids, session=session):
        rows = session.execute(
            select_columns(col(TeamMember.team_id), col(TeamMember.member_id))
            .where(
                col(TeamMember.workspace_id) == workspace_id,
                id_in(session, col(TeamMember.team_id), part),
            )
            .order_by(col(TeamMember.team_id), col(TeamMember.member_id))
        )
        for team_id, member_id in rows:
            found.setdefault(team_id, []).append(member_id)
    return found


def member_timezones_of_teams(
    *, session: Session, workspace_id: int, team_ids: Iterable[int]
) -> dict[int, set[str]]:
    """The timezones members of these teams set for themselves, by team."""
    found: dict[int, set[str]] = {}
    for part in slices(team_ids, session=session):
        rows = session.execute(
            select_columns(col(TeamMember.team_id), col(Member.timezone))
            .join(Member, col(Member.id) == col(TeamMember.member_id))
            .where(
                col(TeamMember.workspace_id) == workspace_id,
                id_in(session, col(TeamMember.team_id), part),
                col(Member.timezone).is_not(None),
            )
        )
        for team_id, zone in rows:
            found.setdefault(team_id, set()).add(zone)
    return found


def is_manager_of(*, session: Session, workspace_id: int, manager_id: int, member_id: int) -> bool:
    """True when `manager_id` manages a team that `member_id` belongs to."""
    managed = session.exec(
        select(TeamMember.team_id).where(
            TeamMember.workspace_id == workspace_id,
            TeamMember.member_id == manager_id,
            TeamMember.role == TeamRole.MANAGER.value,
        )
    ).all()
    if not managed:
        return False
    return (
        session.exec(
            select(TeamMember.member_id).where(
                TeamMember.workspace_id == workspace_id,
                col(TeamMember.team_id).in_(list(managed)),
                TeamMember.member_id == member_id,
            )
        ).first()
        is not None
    )


def update_team(*, session: Session, team: Team, changes: dict[str, object]) -> Team:
    """Apply validated changes to a team's settings."""
    allowed: Sequence[str] = (
        "channel_external_id",
        "timezone",
        "locale",
        "plan_weekday",
        "plan_time",
        "checkin_weekday",
        "checkin_time",
        "digest_weekday",
        "digest_time",
        "holidays",
        "manager_id",
        "remind_weekday",
        "remind_time",
        "cutoff_weekday",
        "cutoff_time",
        "review_weekday",
        "review_time",
        "holiday_country",
        "cycle_kind",
    )
    for key, value in changes.items():
        if key not in allowed:
            raise ValueError(f"not a team setting: {key}")
        setattr(team, key, value)
    session.add(team)
    return team
