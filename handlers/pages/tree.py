"""The company's alignment tree for a cycle (对齐): the crown, the trunk, the leaves.

Company objectives at the roots, the team and personal objectives aligned to
them below (to the objective or to one of its KRs), and sideways links between
departments marked as such. `load_tree` reads the whole cycle in a fixed
handful of queries and shows as much as a page can hold: everything for a
company of a few hundred objectives, the first levels for a larger one, each
further branch behind a link (`load_branch`, a handful of queries more).
A filter (a team, a person, words of a title) shows the matching objectives
with the path from the roots down to them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from handlers.okr.weeks import week_key
from handlers.pages.nodes import Node, is_sideways, node
from handlers.pages.viewer import NotFound, Viewer
from storage.models import Cycle
from storage.repos import pages
from storage.repos.okrs import KRFacts
from storage.repos.pages import ObjectiveRow, PersonName
from storage.repos.rhythm import CheckinFacts

# A page shows at most this many objectives, level by level from the roots: a small
# company's whole tree, a larger one's upper levels, each deeper branch on request.
NODE_BUDGET = 400
# Roots beyond this many go on further pages (a company whose people all write
# objectives aligned to nothing has as many roots as people).
ROOTS_PER_PAGE = 100
# The people filter lists everyone up to this many; a larger company filters by
# person from the person's page.
PEOPLE_CHOICES = 300
QUERY_LIMIT = 200


@dataclass(frozen=True, slots=True)
class Choice:
    id: int
    label: str


@dataclass(frozen=True, slots=True)
class TreePage:
    cycle: Cycle | None
    cycles: tuple[Choice, ...]
    roots: tuple[Node, ...]
    teams: tuple[Choice, ...]
    people: tuple[Choice, ...]  # empty for a company too large to list
    team_id: int | None
    person_id: int | None
    query: str
    objectives: int  # in the cycle
    matches: int  # objectives the filter matched (all of them without one)
    shown: int  # objectives on this page
    page: int = 1  # of the roots, ROOTS_PER_PAGE a page
    pages: int = 1


@dataclass(frozen=True, slots=True)
class _Cycle:
    """A cycle's objectives and key results, read whole, with who owns what."""

    objectives: dict[int, ObjectiveRow]
    krs_of: dict[int, list[KRFacts]]
    objective_of_kr: dict[int, int]
    latest: dict[int, CheckinFacts]
    before: dict[int, CheckinFacts]
    people: dict[int, PersonName]
    teams: dict[int, str]
    memberships: dict[int, set[int]]


def _read_cycle(v: Viewer, cycle: Cycle) -> _Cycle:
    assert cycle.id is not None
    session, ws = v.session, v.ws
    objectives = pages.cycle_objectives(session=session, workspace_id=ws, cycle_id=cycle.id)
    krs = pages.key_results_of_cycle(session=session, workspace_id=ws, cycle_id=cycle.id)
    # Check-ins up to this week: a later cycle's page looked at now shows nothing future.
    up_to = min(v.week, _week_of_end(cycle))
    latest = pages.latest_checkins_of_cycle(
        session=session, workspace_id=ws, cycle_id=cycle.id, up_to_week=up_to
    )
    before = pages.latest_checkins_of_cycle(
        session=session, workspace_id=ws, cycle_id=cycle.id, up_to_week=up_to, skip=1
    )
    krs_of: dict[int, list[KRFacts]] = defaultdict(list)
    for kr in krs:
        krs_of[kr.objective_id].append(kr)
    return _Cycle(
        objectives={o.id: o for o in objectives},
        krs_of=krs_of,
        objective_of_kr={kr.id: kr.objective_id for kr in krs},
        latest=latest,
        before=before,
        people=pages.people(session=session, workspace_id=ws),
        teams=pages.team_names(session=session, workspace_id=ws),
        memberships=pages.memberships(session=session, workspace_id=ws),
    )


def _week_of_end(cycle: Cycle) -> str:
    return week_key(cycle.end_date)


def parent_of(
    objective: ObjectiveRow,
    objectives: Mapping[int, ObjectiveRow],
    objective_of_kr: Mapping[int, int],
) -> int | None:
    """The objective this one hangs under in the tree (its parent's, for a KR parent)."""
    if objective.parent_objective_id is not None:
        return (
            objective.parent_objective_id if objective.parent_objective_id in objectives else None
        )
    if objective.parent_kr_id is not None:
        parent = objective_of_kr.get(objective.parent_kr_id)
        return parent if parent in objectives else None
    return None


def load_tree(
    v: Viewer,
    *,
    cycle_id: int | None = None,
    team_id: int | None = None,
    person_id: int | None = None,
    query: str = "",
    page: int = 1,
    budget: int = NODE_BUDGET,
) -> TreePage:
    """The tree of a cycle (today's by default), filtered by a team, a person or words."""
    cycle = v.cycle(cycle_id)
    query = " ".join(query.split())[:QUERY_LIMIT]
    cycles = tuple(Choice(c.id or 0, c.name) for c in v.cycles())
    if cycle is None:
        if team_id is not None or person_id is not None:
            raise NotFound("nothing to filter")
        return TreePage(None, cycles, (), (), (), None, None, query, 0, 0, 0)
    data = _read_cycle(v, cycle)
    if team_id is not None and team_id not in data.teams:
        raise NotFound(f"team {team_id}")
    if person_id is not None and person_id not in data.people:
        raise NotFound(f"person {person_id}")

    objectives = data.objectives
    parents = {oid: parent_of(o, objectives, data.objective_of_kr) for oid, o in objectives.items()}
    children: dict[int | None, list[int]] = defaultdict(list)
    for oid in sorted(objectives, key=lambda i: objectives[i].number):
        children[parents[oid]].append(oid)

    filtering = team_id is not None or person_id is not None or bool(query)
    matched = _matches(data, team_id=team_id, person_id=person_id, query=query)
    if filtering:
        path: set[int] = set()
        for oid in matched:
            step = parents[oid]
            while step is not None and step not in path:
                path.add(step)
                step = parents[step]
        visible = matched | path
        opened = path | matched
    else:
        visible = set(objectives)
        opened = set(children[None])

    def build(oid: int) -> Node:
        o = objectives[oid]
        shown = node(
            v.tr,
            o,
            data.krs_of.get(oid, []),
            latest=data.latest,
            before=data.before,
            people=data.people,
            teams=data.teams,
        )
        shown.aligned = len(children[oid])
        shown.matched = filtering and oid in matched
        shown.open = oid in opened
        parent = parents[oid]
        if parent is not None:
            shown.sideways = is_sideways(o, objectives[parent], data.memberships)
        if o.parent_kr_id is not None and o.parent_kr_id in data.objective_of_kr:
            shown.parent_kr = _kr_number(data, o.parent_kr_id)
        return shown

    all_roots = [oid for oid in children[None] if oid in visible]
    pages = max(1, -(-len(all_roots) // ROOTS_PER_PAGE))
    page = min(max(1, page), pages)
    first = (page - 1) * ROOTS_PER_PAGE
    roots = [build(oid) for oid in all_roots[first : first + ROOTS_PER_PAGE]]
    # Level by level, so a big company's page shows its upper levels, not one deep branch.
    left = budget - len(roots)
    level = [(shown, shown.id) for shown in roots]
    while level and left > 0:
        below: list[tuple[Node, int]] = []
        for parent_node, oid in level:
            for child in children[oid]:
                if left <= 0:
                    break
                if child in visible:
                    built = build(child)
                    parent_node.children.append(built)
                    below.append((built, child))
                    left -= 1
        level = below
    people: tuple[Choice, ...] = ()
    if len(data.people) <= PEOPLE_CHOICES:
        people = tuple(
            Choice(p.id, p.name) for p in sorted(data.people.values(), key=lambda p: p.name)
        )
    return TreePage(
        cycle=cycle,
        cycles=cycles,
        roots=tuple(roots),
        teams=tuple(Choice(i, n) for i, n in sorted(data.teams.items(), key=lambda t: t[1])),
        people=people,
        team_id=team_id,
        person_id=person_id,
        query=query,
        objectives=len(objectives),
        matches=len(matched) if filtering else len(objectives),
        shown=_count(roots),
        page=page,
        pages=pages,
    )


def _kr_number(data: _Cycle, kr_id: int) -> int | None:
    for kr in data.krs_of.get(data.objective_of_kr[kr_id], []):
        if kr.id == kr_id:
            return kr.number
    return None


def _count(nodes: Iterable[Node]) -> int:
    return sum(1 + _count(n.children) for n in nodes)


def _matches(data: _Cycle, *, team_id: int | None, person_id: int | None, query: str) -> set[int]:
    found = set(data.objectives)
    if team_id is not None:
        members = {m for m, teams in data.memberships.items() if team_id in teams}
        found &= {
            oid
            for oid, o in data.objectives.items()
            if o.owner_team_id == team_id or o.owner_member_id in members
        }
    if person_id is not None:
        found &= {
            oid
            for oid, o in data.objectives.items()
            if o.owner_member_id == person_id
            or any(kr.owner_member_id == person_id for kr in data.krs_of.get(oid, []))
        }
    if query:
        words = query.casefold().split()

        def hit(oid: int) -> bool:
            titles = [data.objectives[oid].title, *(kr.title for kr in data.krs_of.get(oid, []))]
            text = " ".join(titles).casefold()
            return all(word in text for word in words)

        found = {oid for oid in found if hit(oid)}
    return found


def load_branch(v: Viewer, objective_id: int) -> tuple[Node, ...]:
    """The objectives aligned to one objective, each with its KRs and how many align to it.

    A fixed handful of queries: the tree's deeper levels come one branch at a time.
    """
    session, ws = v.session, v.ws
    parent = pages.objectives_by_id(session=session, workspace_id=ws, ids=[objective_id]).get(
        objective_id
    )
    if parent is None:
        raise NotFound(f"objective {objective_id}")
    rows = pages.aligned_to(session=session, workspace_id=ws, objective_ids=[objective_id])
    return tuple(branch_nodes(v, rows, parent=parent))


def branch_nodes(
    v: Viewer, rows: Sequence[ObjectiveRow], *, parent: ObjectiveRow | None = None
) -> list[Node]:
    """Nodes for these objectives, read together: KRs, check-ins, owners, aligned counts."""
    session, ws = v.session, v.ws
    if not rows:
        return []
    ids = [o.id for o in rows]
    krs = pages.key_results_of(session=session, workspace_id=ws, objective_ids=ids)
    kr_ids = [kr.id for kr in krs]
    latest = pages.latest_checkins_of(
        session=session, workspace_id=ws, kr_ids=kr_ids, up_to_week=v.week
    )
    before = pages.latest_checkins_of(
        session=session, workspace_id=ws, kr_ids=kr_ids, up_to_week=v.week, skip=1
    )
    counts = pages.aligned_counts(session=session, workspace_id=ws, objective_ids=ids)
    owners = {o.owner_member_id for o in rows if o.owner_member_id is not None}
    owners |= {kr.owner_member_id for kr in krs if kr.owner_member_id is not None}
    if parent is not None and parent.owner_member_id is not None:
        owners.add(parent.owner_member_id)
    people = pages.people(session=session, workspace_id=ws, ids=owners)
    teams = pages.team_names(session=session, workspace_id=ws)
    memberships = pages.memberships(session=session, workspace_id=ws, member_ids=owners)
    krs_of: dict[int, list[KRFacts]] = defaultdict(list)
    for kr in krs:
        krs_of[kr.objective_id].append(kr)
    parent_krs = (
        {
            kr.id: kr.number
            for kr in pages.key_results_of(
                session=session, workspace_id=ws, objective_ids=[parent.id]
            )
        }
        if parent is not None
        else {}
    )
    nodes: list[Node] = []
    for o in rows:
        shown = node(
            v.tr, o, krs_of.get(o.id, []), latest=latest, before=before, people=people, teams=teams
        )
        shown.aligned = counts.get(o.id, 0)
        if parent is not None:
            shown.sideways = is_sideways(o, parent, memberships)
            if o.parent_kr_id is not None:
                shown.parent_kr = parent_krs.get(o.parent_kr_id)
        nodes.append(shown)
    return nodes
