"""Exporting: a workspace's OKRs and their history as tables, in the reader's language.

The first sheet is the import layout itself (one row per key result, with the
same keys, owners and alignment an import reads), so an export imports back
to the same OKRs; the read-only columns after it (progress, confidence,
scores) and the other sheets (check-ins, plans, help requests, kudos) are the
history people take with them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from handlers.i18n import N_, Translator
from handlers.okr.math import kr_progress
from handlers.okr.weeks import week_key
from handlers.transfer import layout
from handlers.transfer.layout import Col
from handlers.views import Cell, Sheet, Spreadsheet
from storage.models import Cycle, KeyResult, KRKind, Member, Objective, Source, Team
from storage.repos import collab, history, okrs, transfer, workspaces


class ExportError(ValueError):
    """The export names something that is not there; `msgid` says what, translated later."""

    def __init__(self, msgid: str, **params: object) -> None:
        super().__init__(msgid)
        self.msgid = msgid
        self.params = params


_TASK_STATUS = {
    "planned": N_("planned"),
    "done": N_("done"),
    "dropped": N_("dropped"),
    "carried_over": N_("carried over"),
}
_HELP_STATUS = {
    "open": N_("open"),
    "accepted": N_("accepted"),
    "declined": N_("declined"),
    "done": N_("done"),
    "cancelled": N_("cancelled"),
}


@dataclass(frozen=True, slots=True)
class Scope:
    cycle: str | None = None  # a cycle's name; None: every cycle
    team: str | None = None  # a team's name; None: the whole workspace


def _number(value: float | None) -> Cell:
    if value is None:
        return None
    return float(int(value)) if value == int(value) else value


def _when(value: datetime | date | None) -> Cell:
    return value.isoformat() if value is not None else None


def export_workbook(
    *, session: Session, workspace_id: int, tr: Translator, scope: Scope, title: str = ""
) -> Spreadsheet:
    """The workspace's OKRs and history in `scope`, as the sheets of one workbook."""
    locale = tr.locale
    cycles = okrs.list_cycles(session=session, workspace_id=workspace_id)
    chosen: list[Cycle] = cycles
    if scope.cycle:
        chosen = [c for c in cycles if c.name.casefold() == scope.cycle.strip().casefold()]
        if not chosen:
            names = ", ".join(c.name for c in cycles) or "—"
            raise ExportError(
                "There is no cycle {name}; the cycles are: {names}.", name=scope.cycle, names=names
            )
    team: Team | None = None
    member_ids: list[int] | None = None
    if scope.team:
        team = workspaces.find_team(session=session, workspace_id=workspace_id, name=scope.team)
        if team is None or team.id is None:
            raise ExportError("There is no team called {name}.", name=scope.team)
        member_ids = workspaces.team_member_ids(
            session=session, workspace_id=workspace_id, team_id=team.id
        )
    members = {m.id: m for m in workspaces.list_members(session=session, workspace_id=workspace_id)}
    teams = {t.id: t for t in workspaces.list_teams(session=session, workspace_id=workspace_id)}
    first_team: dict[int, str] = {}
    for t in sorted(teams.values(), key=lambda t: t.id or 0):
        assert t.id is not None
        for mid in workspaces.team_member_ids(
            session=session, workspace_id=workspace_id, team_id=t.id
        ):
            first_team.setdefault(mid, t.name)
    cycle_names = {c.id: c.name for c in cycles}
    objectives: list[Objective] = []
    for cycle in chosen:
        assert cycle.id is not None
        found = okrs.list_objectives(
            session=session,
            workspace_id=workspace_id,
            cycle_id=cycle.id,
            owner_member_ids=member_ids,
            owner_team_ids=[team.id] if team is not None and team.id is not None else None,
        )
        objectives.extend(found)
    objectives.sort(key=lambda o: o.number)
    objective_ids = [o.id for o in objectives if o.id is not None]
    krs = (
        okrs.list_key_results(
            session=session, workspace_id=workspace_id, objective_ids=objective_ids
        )
        if objective_ids
        else []
    )
    kr_ids = [kr.id for kr in krs if kr.id is not None]
    okeys = transfer.keys_of(
        session=session,
        workspace_id=workspace_id,
        source=Source.FILE.value,
        kind="O",
        ids=objective_ids,
    )
    kkeys = transfer.keys_of(
        session=session, workspace_id=workspace_id, source=Source.FILE.value, kind="KR", ids=kr_ids
    )
    checkins = history.checkins_of(session=session, workspace_id=workspace_id, kr_ids=kr_ids)
    scores = okrs.scores_for(session=session, workspace_id=workspace_id, kr_ids=kr_ids)
    latest_confidence: dict[int, int] = {}
    for c in checkins:
        if c.confidence is not None:
            latest_confidence[c.kr_id] = c.confidence
    parent_krs = (
        {
            kr.id: kr
            for kr in okrs.list_key_results(
                session=session,
                workspace_id=workspace_id,
                ids=[o.parent_kr_id for o in objectives if o.parent_kr_id is not None],
            )
        }
        if any(o.parent_kr_id for o in objectives)
        else {}
    )
    parent_objectives = (
        {
            o.id: o
            for o in okrs.list_objectives(
                session=session,
                workspace_id=workspace_id,
                ids=[
                    o.parent_objective_id for o in objectives if o.parent_objective_id is not None
                ],
            )
        }
        if any(o.parent_objective_id for o in objectives)
        else {}
    )
    all_okeys = dict(okeys)
    all_okeys.update(
        transfer.keys_of(
            session=session,
            workspace_id=workspace_id,
            source=Source.FILE.value,
            kind="O",
            ids=[i for i in parent_objectives if i is not None],
        )
    )
    all_kkeys = dict(kkeys)
    all_kkeys.update(
        transfer.keys_of(
            session=session,
            workspace_id=workspace_id,
            source=Source.FILE.value,
            kind="KR",
            ids=[i for i in parent_krs if i is not None],
        )
    )

    def okey(o: Objective) -> str:
        return all_okeys.get(o.id or 0) or f"O{o.number}"

    def kkey(kr: KeyResult) -> str:
        return all_kkeys.get(kr.id or 0) or f"KR{kr.number}"

    def handle(member_id: int | None) -> str:
        member: Member | None = members.get(member_id) if member_id is not None else None
        return member.handle if member is not None else ""

    by_objective: dict[int, list[KeyResult]] = {}
    for kr in krs:
        by_objective.setdefault(kr.objective_id, []).append(kr)
    okr_rows: list[tuple[Cell, ...]] = []
    for objective in objectives:
        aligned = ""
        if (
            objective.parent_objective_id is not None
            and objective.parent_objective_id in parent_objectives
        ):
            aligned = okey(parent_objectives[objective.parent_objective_id])
        elif objective.parent_kr_id is not None and objective.parent_kr_id in parent_krs:
            aligned = kkey(parent_krs[objective.parent_kr_id])
        if objective.owner_team_id is not None:
            owning = teams.get(objective.owner_team_id)
            team_name = owning.name if owning is not None else ""
        else:
            team_name = (
                team.name
                if team is not None
                else first_team.get(objective.owner_member_id or 0, "")
            )
        base: dict[Col, Cell] = {
            Col.OBJECTIVE_KEY: okey(objective),
            Col.OBJECTIVE: objective.title,
            Col.OWNER: handle(objective.owner_member_id),
            Col.TYPE: layout.kind_word(objective.kind, tr),
            Col.ALIGNED: aligned,
            Col.CYCLE: cycle_names.get(objective.cycle_id, ""),
            Col.TEAM: team_name,
        }
        for kr in by_objective.get(objective.id or 0, []) or [None]:  # type: ignore[list-item]  # an objective without KRs is one row
            values = dict(base)
            if kr is not None:
                milestone = kr.kind == KRKind.MILESTONE.value
                progress = kr_progress(
                    start=kr.start_value,
                    target=kr.target_value,
                    current=kr.current_value,
                    milestone=milestone,
                )
                score = scores.get(kr.id or 0)
                held = (
                    not milestone
                    and kr.target_value is not None
                    and kr.target_value == kr.start_value
                )
                values.update(
                    {
                        Col.KEY: kkey(kr),
                        Col.KR: kr.title,
                        Col.START: None if milestone else _number(kr.start_value),
                        Col.TARGET: (
                            tr.t("milestone")
                            if milestone
                            else (
                                f"≥ {_text(kr.target_value)}" if held else _number(kr.target_value)
                            )
                        ),
                        Col.CURRENT: (
                            layout.done_word(kr.current_value >= 1, tr)
                            if milestone
                            else _number(kr.current_value)
                        ),
                        Col.UNIT: kr.unit,
                        Col.WEIGHT: _number(kr.weight),
                        Col.KR_OWNER: handle(kr.owner_member_id),
                        Col.PROGRESS: round(progress * 100, 1) if progress is not None else None,
                        Col.CONFIDENCE: _number(latest_confidence.get(kr.id or 0)),
                        Col.SELF_SCORE: _number(score.self_score) if score else None,
                        Col.REVIEWED_SCORE: _number(score.reviewed_score) if score else None,
                        Col.SCORE_REASON: score.reason if score else None,
                    }
                )
            okr_rows.append(tuple(values.get(c.col) for c in layout.COLUMNS))
    okr_sheet = Sheet(
        name=tr.t("OKRs"),
        header=tuple(layout.header(c.col, locale) for c in layout.COLUMNS),
        rows=tuple(okr_rows),
    )
    kr_by_id = {kr.id: kr for kr in krs}
    checkin_sheet = Sheet(
        name=tr.t("Check-ins"),
        header=(
            layout.header(Col.KEY, locale),
            layout.header(Col.KR, locale),
            tr.t("Week"),
            tr.t("Value"),
            tr.t("Confidence"),
            tr.t("Note"),
            tr.t("Links"),
            tr.t("By"),
            tr.t("Updated at"),
        ),
        rows=tuple(
            (
                kkey(kr_by_id[c.kr_id]),
                kr_by_id[c.kr_id].title,
                c.week,
                _number(c.value),
                _number(c.confidence),
                c.note,
                " ".join(c.links),
                handle(c.member_id),
                _when(c.updated_at),
            )
            for c in checkins
            if c.kr_id in kr_by_id
        ),
    )
    first_week, last_week = _weeks(chosen)
    tasks = history.tasks_between(
        session=session,
        workspace_id=workspace_id,
        first_week=first_week,
        last_week=last_week,
        owner_member_ids=member_ids,
    )
    helpers = (
        okrs_helpers(session, workspace_id, [t.id for t in tasks if t.id is not None])
        if tasks
        else {}
    )
    all_krs = (
        {
            kr.id: kr
            for kr in okrs.list_key_results(
                session=session,
                workspace_id=workspace_id,
                ids={t.kr_id for t in tasks if t.kr_id is not None},
            )
        }
        if any(t.kr_id for t in tasks)
        else {}
    )
    plan_sheet = Sheet(
        name=tr.t("Plans"),
        header=(
            tr.t("Task"),
            tr.t("Week"),
            tr.t("Title"),
            layout.header(Col.KEY, locale),
            layout.header(Col.OWNER, locale),
            tr.t("Helpers"),
            tr.t("Due"),
            tr.t("Status"),
        ),
        rows=tuple(
            (
                f"T{t.number}",
                t.week,
                t.title,
                kkey(all_krs[t.kr_id]) if t.kr_id in all_krs else None,
                handle(t.owner_member_id),
                " ".join(handle(h) for h in helpers.get(t.id or 0, [])),
                _when(t.due_date),
                tr.t(_TASK_STATUS.get(t.status, t.status)),
            )
            for t in tasks
        ),
    )
    start = min((c.start_date for c in chosen), default=None)
    end = max((c.end_date for c in chosen), default=None)
    requests = [
        r
        for r in collab.list_help_requests(
            session=session, workspace_id=workspace_id, member_ids=member_ids
        )
        if start is None or end is None or start <= r.created_at.date() <= end
    ]
    help_krs = (
        {
            kr.id: kr
            for kr in okrs.list_key_results(
                session=session,
                workspace_id=workspace_id,
                ids={r.kr_id for r in requests if r.kr_id},
            )
        }
        if any(r.kr_id for r in requests)
        else {}
    )
    help_sheet = Sheet(
        name=tr.t("Help requests"),
        header=(
            tr.t("Request"),
            tr.t("From"),
            tr.t("To"),
            layout.header(Col.KEY, locale),
            tr.t("Text"),
            tr.t("Status"),
            tr.t("Answer"),
            tr.t("Asked at"),
            tr.t("Resolved at"),
        ),
        rows=tuple(
            (
                f"H{r.number}",
                handle(r.requester_id),
                handle(r.helper_id),
                kkey(help_krs[r.kr_id]) if r.kr_id in help_krs else None,
                r.text,
                tr.t(_HELP_STATUS.get(r.status, r.status)),
                r.thanks,
                _when(r.created_at),
                _when(r.resolved_at),
            )
            for r in requests
        ),
    )
    kudos = history.kudos_between(
        session=session,
        workspace_id=workspace_id,
        first_week=first_week,
        last_week=last_week,
        member_ids=member_ids,
    )
    kudos_krs = (
        {
            kr.id: kr
            for kr in okrs.list_key_results(
                session=session, workspace_id=workspace_id, ids={k.kr_id for k in kudos if k.kr_id}
            )
        }
        if any(k.kr_id for k in kudos)
        else {}
    )
    kudos_sheet = Sheet(
        name=tr.t("Kudos"),
        header=(
            tr.t("From"),
            tr.t("To"),
            layout.header(Col.KEY, locale),
            tr.t("Week"),
            tr.t("Text"),
        ),
        rows=tuple(
            (
                handle(k.from_member_id),
                handle(k.to_member_id),
                kkey(kudos_krs[k.kr_id]) if k.kr_id in kudos_krs else None,
                k.week,
                k.text,
            )
            for k in kudos
        ),
    )
    parts = ["okrs", *(p for p in (team.name if team else None, scope.cycle) if p)]
    filename = "-".join(_safe(p) for p in parts) + ".xlsx"
    return Spreadsheet(
        filename=filename,
        title=title or tr.t("OKR export"),
        sheets=(okr_sheet, checkin_sheet, plan_sheet, help_sheet, kudos_sheet),
    )


def okrs_helpers(session: Session, workspace_id: int, task_ids: list[int]) -> dict[int, list[int]]:
    from storage.repos import rhythm

    found: dict[int, list[int]] = {}
    for start in range(0, len(task_ids), 5000):
        found.update(
            rhythm.helpers_of(
                session=session, workspace_id=workspace_id, task_ids=task_ids[start : start + 5000]
            )
        )
    return found


def _weeks(cycles: list[Cycle]) -> tuple[str, str]:
    if not cycles:
        return "0000-W00", "0000-W00"
    return week_key(min(c.start_date for c in cycles)), week_key(max(c.end_date for c in cycles))


def _text(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if value == int(value) else str(value)


def _safe(name: str) -> str:
    kept = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in name.strip())
    return kept.strip("-") or "export"
