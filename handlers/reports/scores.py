"""End-of-cycle scores as people read them: the manager's review queue and the cycle summary.

A KR's line shows the suggested score (from its progress), the committed or
aspirational reading, the owner's self score and the final one; the summary
adds each objective's score from its KRs' weights.
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


def score_text(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


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
    tr: Translator, kr: KeyResult | KRFacts, kind: str, row: Score | None
) -> Context | Text:
    suggested = math.suggested_score(kr_progress(kr))
    parts = [tr.t("suggested {s}", s=score_text(suggested))]
    if suggested is not None:
        parts.append(reading_text(tr, kind, suggested))
    if row is not None and row.self_score is not None:
        parts.append(tr.t("self {s}", s=score_text(row.self_score)))
    if row is not None and row.reviewed_score is not None:
        parts.append(tr.t("final {s}", s=score_text(row.reviewed_score)))
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


def team_rows(session: Session, team: Team, cycle_id: int | None) -> list[QueueRow]:
    krs = [
        kr for kr in team_krs(session=session, team=team, cycle_id=cycle_id) if kr.owner_member_id
    ]
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


def queue_message(tr: Translator, session: Session, team: Team, cycle: Cycle) -> Message:
    rows = team_rows(session, team, cycle.id)
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
            tr.t("suggested {s}", s=score_text(suggested)),
            tr.t("self {s}", s=score_text(self_score)),
        ]
        if row.score is not None and row.score.reviewed_score is not None:
            parts.append(tr.t("final {s}", s=score_text(row.score.reviewed_score)))
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


def summary_message(tr: Translator, team: Team, cycle: Cycle, rows: Sequence[QueueRow]) -> Message:
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
                tr.t("self {s}", s=score_text(r.score.self_score)),
                tr.t("final {s}", s=score_text(r.score.reviewed_score)),
            ]
            if r.score.reason:
                parts.append(f"“{r.score.reason}”")
            name = f"KR{r.kr.number} {r.kr.title}"
            blocks.append(Context(tr.t("{kr}: {details}", kr=name, details=" · ".join(parts))))
    blocks.append(Context(tr.t("Thank you all for an honest cycle. On to the next one!")))
    return Message(summary=title, blocks=tuple(blocks))
