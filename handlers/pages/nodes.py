"""An objective as a page shows it: owner, progress, confidence colour and trend, its KRs.

Built from plain rows (storage.repos.pages) for one objective or twenty
thousand at once; the pure part (`node`, `kr_line`, `is_sideways`) is shared by
the tree, the team and person pages and an objective's own page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from handlers.i18n import Translator
from handlers.okr import math
from handlers.present import kind_text, kr_caption, kr_progress
from storage.repos.okrs import KRFacts
from storage.repos.pages import ObjectiveRow, PersonName
from storage.repos.rhythm import CheckinFacts


class Tone(StrEnum):
    """The colour of a confidence: on track, to watch, at risk; none before a check-in."""

    GOOD = "good"
    WATCH = "watch"
    RISK = "risk"
    NONE = "none"


class Trend(StrEnum):
    UP = "up"
    DOWN = "down"
    FLAT = "flat"
    NONE = "none"


GOOD_AT_OR_ABOVE = 7


def tone_of(confidence: int | None) -> Tone:
    if confidence is None:
        return Tone.NONE
    if confidence <= math.LOW_CONFIDENCE_AT_OR_BELOW:
        return Tone.RISK
    return Tone.GOOD if confidence >= GOOD_AT_OR_ABOVE else Tone.WATCH


def trend_of(change: float | None) -> Trend:
    if change is None:
        return Trend.NONE
    return Trend.UP if change > 0 else Trend.DOWN if change < 0 else Trend.FLAT


@dataclass(frozen=True, slots=True)
class Owner:
    """Who owns an objective or KR, and which page is theirs ("person" or "team")."""

    kind: str
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class KRLine:
    id: int
    number: int
    title: str
    owner: Owner | None
    progress: float | None
    caption: str
    confidence: int | None
    tone: Tone
    trend: Trend
    last_week: str | None  # the week of its latest check-in


@dataclass(slots=True)
class Node:
    """An objective in the tree; `children` are those shown, `aligned` how many there are."""

    id: int
    number: int
    title: str
    kind: str  # committed | aspirational, translated
    owner: Owner | None
    progress: float | None
    confidence: int | None  # the weakest of its KRs' latest confidences
    tone: Tone
    trend: Trend
    krs: tuple[KRLine, ...]
    aligned: int = 0
    sideways: bool = False  # aligned across teams rather than up its own line
    parent_kr: int | None = None  # the number of the parent KR it aligns to
    matched: bool = False
    open: bool = False
    children: list[Node] = field(default_factory=list)

    @property
    def hidden(self) -> int:
        """Aligned objectives not shown under it (a link or a click brings them)."""
        return max(0, self.aligned - len(self.children))


def kr_line(
    tr: Translator,
    kr: KRFacts,
    *,
    latest: CheckinFacts | None,
    before: CheckinFacts | None,
    people: Mapping[int, PersonName],
) -> KRLine:
    confidence = latest.confidence if latest is not None else None
    change = (
        confidence - before.confidence
        if confidence is not None and before is not None and before.confidence is not None
        else None
    )
    owner = people.get(kr.owner_member_id or -1)
    return KRLine(
        id=kr.id,
        number=kr.number,
        title=kr.title,
        owner=Owner("person", owner.id, owner.name) if owner is not None else None,
        progress=kr_progress(kr),
        caption=kr_caption(tr, kr),  # the confidence is shown on its own, in colour
        confidence=confidence,
        tone=tone_of(confidence),
        trend=trend_of(change),
        last_week=latest.week if latest is not None else None,
    )


def owner_of(
    objective: ObjectiveRow, people: Mapping[int, PersonName], teams: Mapping[int, str]
) -> Owner | None:
    if objective.owner_team_id is not None:
        name = teams.get(objective.owner_team_id)
        return Owner("team", objective.owner_team_id, name) if name is not None else None
    person = people.get(objective.owner_member_id or -1)
    return Owner("person", person.id, person.name) if person is not None else None


def node(
    tr: Translator,
    objective: ObjectiveRow,
    krs: Sequence[KRFacts],
    *,
    latest: Mapping[int, CheckinFacts],
    before: Mapping[int, CheckinFacts],
    people: Mapping[int, PersonName],
    teams: Mapping[int, str],
) -> Node:
    lines = tuple(
        kr_line(tr, kr, latest=latest.get(kr.id), before=before.get(kr.id), people=people)
        for kr in krs
    )
    confidences = [line.confidence for line in lines if line.confidence is not None]
    changes = [
        latest[kr.id].confidence - before[kr.id].confidence  # type: ignore[operator]  # both checked
        for kr in krs
        if kr.id in latest
        and kr.id in before
        and latest[kr.id].confidence is not None
        and before[kr.id].confidence is not None
    ]
    weakest = min(confidences) if confidences else None
    return Node(
        id=objective.id,
        number=objective.number,
        title=objective.title,
        kind=kind_text(tr, objective.kind),
        owner=owner_of(objective, people, teams),
        progress=math.objective_progress([(kr.weight, kr_progress(kr)) for kr in krs]),
        confidence=weakest,
        tone=tone_of(weakest),
        trend=trend_of(sum(changes) / len(changes) if changes else None),
        krs=lines,
    )


def teams_behind(objective: ObjectiveRow, memberships: Mapping[int, set[int]]) -> frozenset[int]:
    """The teams an objective speaks for: its team, or its owner's teams."""
    if objective.owner_team_id is not None:
        return frozenset({objective.owner_team_id})
    return frozenset(memberships.get(objective.owner_member_id or -1, ()))


def is_sideways(
    child: ObjectiveRow, parent: ObjectiveRow, memberships: Mapping[int, set[int]]
) -> bool:
    """An alignment across departments (R&D to the sales head's objective), not up one's
    own line: the two owners share no team. Unknown when either has none."""
    mine, theirs = teams_behind(child, memberships), teams_behind(parent, memberships)
    return bool(mine) and bool(theirs) and not (mine & theirs)
