"""End-of-cycle scores as people read them: the manager's review queue and the cycle summary.

A KR's line shows the suggested score (from its progress), the committed or
aspirational reading, the owner's self score and the final one; the summary
adds each objective's score from its KRs' weights, and each person's self
scores against the final ones. Scores are kept on 0..1 and shown on the
workspace's scale: 0.7, or 7/10 on the method's 10-point scale.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session

from handlers.i18n import Translator
from handlers.okr import math
from handlers.present import kr_progress, kr_ref
from handlers.reports.teammonth import team_krs
from handlers.views import Actions, Block, Button, Context, Divider, Header, Message, Text
from storage.models import Cycle, KeyResult, Member, Objective, Score, Team
from storage.repos import okrs, workspaces
from storage.repos.okrs import KRFacts


def score_text(value: float | None, scale: int = 1) -> str:
    """A score on the workspace's scale: "0.7", or "7/10" (two decimals' worth when needed)."""
    if value is None:
        return "–"
    if scale == 10:
        return f"{_trimmed(value * 10, 1)}/10"
    return f"{_trimmed(value, 2, keep_one=True)}"


def both_text(value: float | None, scale: int = 1) -> str:
    """A score on the 10-point scale with its 0–1 value beside it ("7/10 (0.7)"), where
    people compare it with the method's 0–1 readings; on 0–1, just the value."""
    if value is None or scale != 10:
        return score_text(value, scale)
    return f"{score_text(value, 10)} ({score_text(value, 1)})"


def _trimmed(value: float, decimals: int, *, keep_one: bool = False) -> str:
    """0.65 -> "0.65", 0.7 -> "0.7", 7.0 -> "7" ("1.0" when `keep_one` wants a decimal)."""
    text = f"{value:.{decimals}f}".rstrip("0")
    if text.endswith("."):
        text = text + "0" if keep_one else text[:-1]
    return text


def scored_in(kr: KeyResult | KRFacts, objective_cycle_id: int | None, cycle: Cycle) -> bool:
    """Whether the key result is scored at the end of `cycle`: its own cycle when it has
    one (a quarter of a yearly objective), else its objective's."""
    if kr.cycle_id is not None:
        return kr.cycle_id == cycle.id
    return objective_cycle_id == cycle.id


def team_scored_krs(session: Session, team: Team, cycle: Cycle) -> list[KeyResult]:
    """The key results of the team and its members scored at the end of `cycle`."""
    found: list[KeyResult] = []
    for outer in okrs.cycles_covering(
        session=session, workspace_id=team.workspace_id, start=cycle.start_date, end=cycle.end_date
    ):
        krs = team_krs(session=session, team=team, cycle_id=outer.id)
        found.extend(kr for kr in krs if scored_in(kr, outer.id, cycle))
    return sorted({kr.id: kr for kr in found}.values(), key=lambda kr: kr.number)


def objective_score_text(value: float) -> str:
    text = f"{value:.2f}"
    return text[:-1] if text.endswith("0") else text


def reading_text(tr: Translator, kind: str, score: float) -> str:
    reading = math.read_score(kind, math.clamp01(score))
    texts = {
        math.ScoreReading.MET: tr.t("delivered as committed"),
        math.ScoreReading.ACCEPTABLE: tr.t("acceptable for a committed OKR (0.8–0.9)"),
        math.ScoreReading.MISSED: tr.t("missed"),
        math.ScoreReading.TOO_EASY: tr.t("1.0 on an aspirational OKR: was it ambitious enough?"),
        math.ScoreReading.SUCCESS: tr.t("a success for an aspirational OKR (0.6–0.7 is the aim)"),
        math.ScoreReading.PARTIAL: tr.t("partly there"),
    }
    return texts.get(reading, str(reading))


def objectives_of(
    session: Session, ws: int, krs: Sequence[KeyResult | KRFacts]
) -> dict[int, Objective]:
    found: dict[int, Objective] = {}
    for objective_id in {kr.objective_id for kr in krs}:
        objective = okrs.get_objective_by_id(
            session=session, workspace_id=ws, objective_id=objective_id
        )
        if objective is not None:
            found[objective_id] = objective
    return found


def kr_score_line(
    tr: Translator, kr: KeyResult | KRFacts, kind: str, row: Score | None, scale: int = 1
) -> Context | Text:
    suggested = math.suggested_score(kr_progress(kr))
    parts = [tr.t("suggested {s}", s=score_text(suggested, scale))]
    if suggested is not None:
        parts.append(reading_text(tr, kind, suggested))
    if row is not None and row.self_score is not None:
        parts.append(tr.t("self {s}", s=score_text(row.self_score, scale)))
    if row is not None and row.reviewed_score is not None:
        parts.append(tr.t("final {s}", s=score_text(row.reviewed_score, scale)))
    kind_text = tr.t("committed") if kind == "committed" else tr.t("aspirational")
    title = f"KR{kr.number} {kr.title}"
    name = tr.t("{name} ({details})", name=title, details=kind_text)
    return Text(tr.t("{kr}: {details}", kr=name, details=" · ".join(parts)))


def team_of_owner(session: Session, ws: int, owner_id: int) -> Team | None:
    """The owner's first team that has a manager other than the owner."""
    for team in workspaces.teams_of_member(session=session, workspace_id=ws, member_id=owner_id):
        if team.manager_id is not None and team.manager_id != owner_id:
            return team
    return None


@dataclass(frozen=True, slots=True)
class QueueRow:
    kr: KeyResult
    objective: Objective | None
    owner: Member | None
    score: Score | None


def team_rows(session: Session, team: Team, cycle: Cycle) -> list[QueueRow]:
    """The key results scored at the end of `cycle` of the team's members, with their scores."""
    krs = [kr for kr in team_scored_krs(session, team, cycle) if kr.owner_member_id]
    objectives = objectives_of(session, team.workspace_id, krs)
    scores = okrs.scores_for(
        session=session,
        workspace_id=team.workspace_id,
        kr_ids=[kr.id for kr in krs if kr.id is not None],
    )
    people = {
        m.id: m
        for m in workspaces.list_members(
            session=session,
            workspace_id=team.workspace_id,
            ids={kr.owner_member_id for kr in krs if kr.owner_member_id},
        )
    }
    return [
        QueueRow(
            kr=kr,
            objective=objectives.get(kr.objective_id),
            owner=people.get(kr.owner_member_id or -1),
            score=scores.get(kr.id or -1),
        )
        for kr in krs
        if kr.owner_member_id != team.manager_id
    ]


def queue_message(
    tr: Translator, session: Session, team: Team, cycle: Cycle, scale: int = 1
) -> Message:
    rows = team_rows(session, team, cycle)
    scored = sum(1 for r in rows if r.score is not None and r.score.self_score is not None)
    reviewed = sum(1 for r in rows if r.score is not None and r.score.reviewed_score is not None)
    title = tr.t("Score review · {team} · {cycle}", team=team.name, cycle=cycle.name)
    blocks: list[Block] = [
        Header(title),
        Context(
            tr.t(
                "{scored} of {total} self-scored · {reviewed} reviewed",
                scored=scored,
                total=len(rows),
                reviewed=reviewed,
            )
        ),
    ]
    buttons: list[Button] = []
    for row in rows:
        owner = row.owner.display_name if row.owner else "?"
        suggested = math.suggested_score(kr_progress(row.kr))
        self_score = row.score.self_score if row.score else None
        parts = [
            owner,
            tr.t("suggested {s}", s=score_text(suggested, scale)),
            tr.t("self {s}", s=score_text(self_score, scale)),
        ]
        if row.score is not None and row.score.reviewed_score is not None:
            parts.append(tr.t("final {s}", s=score_text(row.score.reviewed_score, scale)))
            if row.score.reason:
                parts.append(f"“{row.score.reason}”")
        elif self_score is not None:
            buttons.append(
                Button(tr.t("Confirm KR{n}", n=row.kr.number), "score.confirm", kr_ref(row.kr))
            )
        name = f"KR{row.kr.number} {row.kr.title}"
        blocks.append(Text(tr.t("{kr}: {details}", kr=name, details=" · ".join(parts))))
    if buttons:
        blocks.append(Actions(tuple(buttons[:10])))
    blocks.append(
        Context(tr.t('Adjust one with a reason: /okr score KR12 0.6 "why" · /okr score queue'))
    )
    return Message(summary=title, blocks=tuple(blocks))


def summary_message(
    tr: Translator, team: Team, cycle: Cycle, rows: Sequence[QueueRow], scale: int = 1
) -> Message:
    title = tr.t("Cycle {cycle} · {team} · scores", cycle=cycle.name, team=team.name)
    blocks: list[Block] = [Header(title)]
    by_objective: dict[int, list[QueueRow]] = {}
    for row in rows:
        by_objective.setdefault(row.kr.objective_id, []).append(row)
    for group in by_objective.values():
        objective = group[0].objective
        finals = [
            (r.kr.weight, r.score.reviewed_score if r.score is not None else None) for r in group
        ]
        o_score = math.objective_score(finals)
        blocks.append(Divider())
        if objective is not None:
            line = f"O{objective.number} {objective.title}"
            if o_score is not None:
                line += " · " + tr.t(
                    "score {s}: {reading}",
                    s=objective_score_text(o_score),
                    reading=reading_text(tr, objective.kind, o_score),
                )
            blocks.append(Text(line))
        for r in group:
            assert r.score is not None
            parts = [
                r.owner.display_name if r.owner else "?",
                tr.t("weight {w}", w=tr.number(r.kr.weight)),
                tr.t("self {s}", s=score_text(r.score.self_score, scale)),
                tr.t("final {s}", s=score_text(r.score.reviewed_score, scale)),
            ]
            if r.score.reason:
                parts.append(f"“{r.score.reason}”")
            name = f"KR{r.kr.number} {r.kr.title}"
            blocks.append(Context(tr.t("{kr}: {details}", kr=name, details=" · ".join(parts))))
    blocks.extend(_corrections(tr, rows, scale))
    blocks.append(Context(tr.t("Thank you all for an honest cycle. On to the next one!")))
    return Message(summary=title, blocks=tuple(blocks))


def _corrections(tr: Translator, rows: Sequence[QueueRow], scale: int) -> list[Block]:
    """Each person's self scores against the final ones, and how far they were corrected."""
    by_person: dict[int, list[QueueRow]] = {}
    for row in rows:
        score = row.score
        if row.owner is None or row.owner.id is None or score is None:
            continue
        if score.self_score is not None and score.reviewed_score is not None:
            by_person.setdefault(row.owner.id, []).append(row)
    if not by_person:
        return []
    blocks: list[Block] = [Divider(), Text(tr.t("Self scores against final scores"))]
    changes: list[float] = []
    for group in by_person.values():
        weights = [r.kr.weight for r in group]
        own = [r.score.self_score for r in group if r.score and r.score.self_score is not None]
        final = [
            r.score.reviewed_score for r in group if r.score and r.score.reviewed_score is not None
        ]
        own_mean = sum(w * v for w, v in zip(weights, own, strict=True)) / sum(weights)
        final_mean = sum(w * v for w, v in zip(weights, final, strict=True)) / sum(weights)
        changed = sum(1 for a, b in zip(own, final, strict=True) if abs(a - b) > 1e-9)
        changes.extend(abs(a - b) for a, b in zip(own, final, strict=True))
        owner = group[0].owner
        blocks.append(
            Context(
                tr.t(
                    "{name}: self {own} → final {final} ({change}) · {changed} of {total} corrected",
                    name=owner.display_name if owner else "?",
                    own=score_text(own_mean, scale),
                    final=score_text(final_mean, scale),
                    change=_signed_score(final_mean - own_mean, scale),
                    changed=changed,
                    total=len(group),
                )
            )
        )
    mean = sum(changes) / len(changes)
    blocks.append(
        Context(
            tr.t(
                "Self scores were corrected by {mean} on average; {changed} of {total} changed.",
                mean=score_text(mean, scale),
                changed=sum(1 for c in changes if c > 1e-9),
                total=len(changes),
            )
        )
    )
    return blocks


def _signed_score(value: float, scale: int) -> str:
    if abs(value) < 1e-9:
        return "±0"
    sign = "+" if value > 0 else "−"
    return sign + score_text(abs(value), scale)
