"""An objective's page and a key result's page: where they stand, what aligns to them, and
their check-in history with its notes and links."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from handlers.pages.nodes import KRLine, Node, Owner, kr_line, owner_of
from handlers.pages.team import charts_for
from handlers.pages.tree import branch_nodes
from handlers.pages.viewer import NotFound, Viewer
from handlers.present import exact_value_text, value_text
from handlers.views import Chart
from storage.models import Cycle
from storage.repos import pages
from storage.repos.okrs import KRFacts
from storage.repos.pages import CheckinEntry, PersonName


@dataclass(frozen=True, slots=True)
class CheckinItem:
    week: str
    kr_id: int
    kr_number: int | None
    kr_title: str
    who: Owner | None
    value: str
    change: str
    confidence: int | None
    note: str
    links: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Parent:
    """What an objective aligns to: an objective, or a key result (and its objective)."""

    objective_id: int
    objective_number: int
    title: str
    kr_id: int | None = None
    kr_number: int | None = None


@dataclass(frozen=True, slots=True)
class ObjectivePage:
    objective: Node
    cycle: Cycle | None
    parent: Parent | None
    aligned: tuple[Node, ...]
    checkins: tuple[CheckinItem, ...]


@dataclass(frozen=True, slots=True)
class KRPage:
    kr: KRLine
    objective_id: int
    objective_number: int
    objective_title: str
    objective_owner: Owner | None
    start: str
    target: str
    current: str
    weight: str
    milestone: bool
    charts: tuple[Chart, ...]
    checkins: tuple[CheckinItem, ...]
    aligned: tuple[Node, ...]  # objectives aligned to this key result


def safe_links(links: Iterable[str]) -> tuple[str, ...]:
    """Only http(s) links are shown as links; anything else stays out of an href."""
    return tuple(link for link in links if link.lower().startswith(("https://", "http://")))


def checkin_items(
    v: Viewer,
    entries: Iterable[CheckinEntry],
    krs: Mapping[int, KRFacts],
    people: Mapping[int, PersonName],
) -> tuple[CheckinItem, ...]:
    items: list[CheckinItem] = []
    for e in entries:
        kr = krs.get(e.kr_id)
        who = people.get(e.member_id)
        change = e.value - e.previous_value
        items.append(
            CheckinItem(
                week=e.week,
                kr_id=e.kr_id,
                kr_number=kr.number if kr is not None else None,
                kr_title=kr.title if kr is not None else "",
                who=Owner("person", who.id, who.name) if who is not None else None,
                value=value_text(v.tr, kr, e.value) if kr is not None else v.tr.number(e.value),
                change=v.tr.signed(change)
                if change and (kr is None or kr.kind != "milestone")
                else "",
                confidence=e.confidence,
                note=e.note,
                links=safe_links(e.links),
            )
        )
    return tuple(items)


def load_objective(v: Viewer, objective_id: int) -> ObjectivePage:
    session, ws = v.session, v.ws
    row = pages.objectives_by_id(session=session, workspace_id=ws, ids=[objective_id]).get(
        objective_id
    )
    if row is None:
        raise NotFound(f"objective {objective_id}")
    node = branch_nodes(v, [row])[0]
    parent: Parent | None = None
    if row.parent_objective_id is not None:
        found = pages.objectives_by_id(
            session=session, workspace_id=ws, ids=[row.parent_objective_id]
        ).get(row.parent_objective_id)
        if found is not None:
            parent = Parent(found.id, found.number, found.title)
    elif row.parent_kr_id is not None:
        kr = pages.key_results_by_id(session=session, workspace_id=ws, ids=[row.parent_kr_id]).get(
            row.parent_kr_id
        )
        if kr is not None:
            parent = Parent(kr.objective_id, kr.objective_number, kr.title, kr.id, kr.number)
    aligned = pages.aligned_to(session=session, workspace_id=ws, objective_ids=[objective_id])
    krs = {
        k.id: k
        for k in pages.key_results_of(
            session=session, workspace_id=ws, objective_ids=[objective_id]
        )
    }
    entries = pages.checkins_of(session=session, workspace_id=ws, kr_ids=krs)
    people = pages.people(session=session, workspace_id=ws, ids={e.member_id for e in entries})
    cycle = next((c for c in v.cycles() if c.id == row.cycle_id), None)
    return ObjectivePage(
        objective=node,
        cycle=cycle,
        parent=parent,
        aligned=tuple(branch_nodes(v, aligned, parent=row)),
        checkins=checkin_items(v, entries, krs, people),
    )


def load_kr(v: Viewer, kr_id: int) -> KRPage:
    session, ws = v.session, v.ws
    kr = pages.key_results_by_id(session=session, workspace_id=ws, ids=[kr_id]).get(kr_id)
    objective = (
        pages.objectives_by_id(session=session, workspace_id=ws, ids=[kr.objective_id]).get(
            kr.objective_id
        )
        if kr is not None
        else None
    )
    if kr is None or objective is None:
        raise NotFound(f"key result {kr_id}")
    entries = pages.checkins_of(session=session, workspace_id=ws, kr_ids=[kr_id])
    named = {e.member_id for e in entries}
    for who in (kr.owner_member_id, objective.owner_member_id):
        if who is not None:
            named.add(who)
    people = pages.people(session=session, workspace_id=ws, ids=named)
    teams = pages.team_names(session=session, workspace_id=ws)
    latest = pages.latest_checkins_of(
        session=session, workspace_id=ws, kr_ids=[kr_id], up_to_week=v.week
    )
    before = pages.latest_checkins_of(
        session=session, workspace_id=ws, kr_ids=[kr_id], up_to_week=v.week, skip=1
    )
    line = kr_line(v.tr, kr, latest=latest.get(kr_id), before=before.get(kr_id), people=people)
    cycle = next((c for c in v.cycles() if c.id == objective.cycle_id), None)
    charts = charts_for(v, cycle, [kr_id], [kr], name=f"kr{kr_id}") if cycle is not None else ()
    aligned = [
        o
        for o in pages.aligned_to(session=session, workspace_id=ws, objective_ids=[objective.id])
        if o.parent_kr_id == kr_id
    ]
    milestone = kr.kind == "milestone"
    return KRPage(
        kr=line,
        objective_id=objective.id,
        objective_number=objective.number,
        objective_title=objective.title,
        objective_owner=owner_of(objective, people, teams),
        start=exact_value_text(v.tr, kr, kr.start_value),
        target=exact_value_text(v.tr, kr, kr.target_value)
        if kr.target_value is not None
        else v.tr.t("no target yet"),
        current=exact_value_text(v.tr, kr, kr.current_value),
        weight=v.tr.number(kr.weight),
        milestone=milestone,
        charts=charts,
        checkins=checkin_items(v, entries, {kr_id: kr}, people),
        aligned=tuple(branch_nodes(v, aligned, parent=objective)),
    )
