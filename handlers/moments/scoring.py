"""End of cycle: owners score their KRs, the manager reviews, the team gets the summary.

1. In the cycle's last week each owner is asked to score each KR, with the
   suggested score and the committed / aspirational reading beside it.
2. Each self score reaches the manager with the team's review queue: every
   KR's self score side by side, to confirm or adjust with a reason.
3. Each review reaches the owner (with the reason). A reviewed score is final:
   both the owner's and the manager's are kept.
4. When every KR of the team is reviewed, the team gets the cycle summary with
   each objective's score from its KRs' weights.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from handlers.i18n import Translator
from handlers.moments.base import MomentJob
from handlers.moments.teammonth import team_krs
from handlers.okr import math
from handlers.okr.weeks import week_key
from handlers.usecases.context import Ctx, UserError, kr_ref
from handlers.usecases.present import kr_progress
from handlers.views import (
    Actions,
    Block,
    Button,
    Context,
    Delivery,
    Divider,
    Header,
    Message,
    Outcome,
    Text,
    ToChannel,
    ToUser,
)
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


# --- the moment: asking owners in the last week -------------------------------------


def in_last_week(job: MomentJob) -> bool:
    cycle = job.cycle()
    return job.week == week_key(cycle.end_date) and not job.calendar.is_holiday(job.today)


def prompts(job: MomentJob) -> list[Delivery]:
    cycle = job.cycle()
    members = job.present_members()
    krs_of = job.krs_by_owner(members)
    scores = okrs.scores_for(
        session=job.session,
        workspace_id=job.ws,
        kr_ids=[kr.id for krs in krs_of.values() for kr in krs if kr.id is not None],
    )
    out: list[Delivery] = []
    for member in members:
        krs = krs_of.get(member.id or -1, [])
        if not krs:
            continue
        tr = job.member_tr(member)
        title = tr.t("Time to score cycle {cycle}", cycle=cycle.name)
        blocks: list[Block] = [
            Header(title),
            Text(
                tr.t(
                    "The cycle ends {date}. Score each of your key results from 0 to 1; "
                    "your manager reviews the scores next.",
                    date=tr.date(cycle.end_date),
                )
            ),
        ]
        for kr in krs:
            blocks.append(_kr_line(tr, kr, kr.objective_kind, scores.get(kr.id or -1)))
        blocks.append(
            Context(tr.t('Score one: /okr score KR{n} 0.7 "what it reached"', n=krs[0].number))
        )
        out.append(
            Delivery(
                to=ToUser(member.external_id),
                message=Message(summary=title, blocks=tuple(blocks)),
                key=f"selfscore:member{member.id}:{cycle.name}",
            )
        )
    return out


def _objectives_of(
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


def _kr_line(
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
    return Text(f"KR{kr.number} {kr.title} ({kind_text}): " + " · ".join(parts))


# --- the manager's queue -------------------------------------------------------------


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


def _team_rows(session: Session, team: Team, cycle_id: int | None) -> list[QueueRow]:
    krs = [
        kr for kr in team_krs(session=session, team=team, cycle_id=cycle_id) if kr.owner_member_id
    ]
    objectives = _objectives_of(session, team.workspace_id, krs)
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
    rows = _team_rows(session, team, cycle.id)
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
        blocks.append(Text(f"KR{row.kr.number} {row.kr.title}: " + " · ".join(parts)))
    if buttons:
        blocks.append(Actions(tuple(buttons[:10])))
    blocks.append(
        Context(tr.t('Adjust one with a reason: /okr score KR12 0.6 "why" · /okr score queue'))
    )
    return Message(summary=title, blocks=tuple(blocks))


def show_queue(ctx: Ctx) -> Outcome:
    teams = [
        t
        for t in workspaces.teams_of_member(
            session=ctx.session, workspace_id=ctx.workspace_id, member_id=ctx.member_id
        )
        if t.manager_id == ctx.member_id
    ]
    if not teams:
        raise UserError("Only a team's manager has a score review queue.")
    cycle = ctx.current_cycle()
    return Outcome(replies=[queue_message(ctx.tr, ctx.session, team, cycle) for team in teams])


def confirm(ctx: Ctx, ref_kr: KeyResult) -> float:
    """The owner's self score of this KR, which the manager confirms as is."""
    row = okrs.scores_for(
        session=ctx.session, workspace_id=ctx.workspace_id, kr_ids=[ref_kr.id or -1]
    ).get(ref_kr.id or -1)
    if row is None or row.self_score is None:
        raise UserError("The owner scores {ref} first; review it after that.", ref=kr_ref(ref_kr))
    return row.self_score


# --- notifications from the score command ----------------------------------------------


def _stamp(now: datetime) -> str:
    return now.strftime("%Y%m%dT%H%M%S%f")


def after_self_score(ctx: Ctx, kr: KeyResult, value: float) -> list[Delivery]:
    """Tell the owner's manager, with the team's queue."""
    team = team_of_owner(ctx.session, ctx.workspace_id, ctx.member_id)
    if team is None or team.manager_id is None:
        return []
    manager = workspaces.get_member(
        session=ctx.session, workspace_id=ctx.workspace_id, member_id=team.manager_id
    )
    if manager is None:
        return []
    tr = ctx.translator_for(manager)
    cycle = _cycle_of(ctx, kr)
    text = tr.t(
        "{who} scored KR{n} {title}: {s}",
        who=ctx.member.display_name,
        n=kr.number,
        title=kr.title,
        s=score_text(value),
    )
    queue = queue_message(tr, ctx.session, team, cycle)
    return [
        Delivery(
            to=ToUser(manager.external_id),
            message=Message(summary=text, blocks=(Text(text), Divider(), *queue.blocks)),
            key=f"selfscored:kr{kr.id}:{_stamp(ctx.now)}",
        )
    ]


def after_review(
    ctx: Ctx, kr: KeyResult, owner_id: int | None, before: float | None, value: float, reason: str
) -> list[Delivery]:
    """Tell the owner; when the whole team is reviewed, post the cycle summary."""
    out: list[Delivery] = []
    owner = (
        workspaces.get_member(
            session=ctx.session, workspace_id=ctx.workspace_id, member_id=owner_id
        )
        if owner_id is not None
        else None
    )
    if owner is not None and owner.id != ctx.member_id:
        tr = ctx.translator_for(owner)
        if before is not None and abs(before - value) < 1e-9:
            text = tr.t(
                "{who} confirmed your score of KR{n} {title}: {s}. It is final.",
                who=ctx.member.display_name,
                n=kr.number,
                title=kr.title,
                s=score_text(value),
            )
        else:
            text = tr.t(
                "{who} adjusted your score of KR{n} {title} from {old} to {new}. It is final.",
                who=ctx.member.display_name,
                n=kr.number,
                title=kr.title,
                old=score_text(before),
                new=score_text(value),
            )
        blocks: list[Block] = [Text(text)]
        if reason:
            blocks.append(Context(tr.t("Reason: {reason}", reason=reason)))
        out.append(
            Delivery(
                to=ToUser(owner.external_id),
                message=Message(summary=text, blocks=tuple(blocks)),
                key=f"reviewed:kr{kr.id}:{_stamp(ctx.now)}",
            )
        )
    if owner_id is not None:
        team = team_of_owner(ctx.session, ctx.workspace_id, owner_id)
        if team is not None and team.manager_id == ctx.member_id:
            out.extend(_summary_when_done(ctx, team, _cycle_of(ctx, kr)))
    return out


def _cycle_of(ctx: Ctx, kr: KeyResult) -> Cycle:
    objective = okrs.get_objective_by_id(
        session=ctx.session, workspace_id=ctx.workspace_id, objective_id=kr.objective_id
    )
    if objective is not None:
        found = okrs.get_cycle(
            session=ctx.session, workspace_id=ctx.workspace_id, cycle_id=objective.cycle_id
        )
        if found is not None:
            return found
    return ctx.current_cycle()


def _summary_when_done(ctx: Ctx, team: Team, cycle: Cycle) -> list[Delivery]:
    rows = _team_rows(ctx.session, team, cycle.id)
    if not rows or any(r.score is None or r.score.reviewed_score is None for r in rows):
        return []
    workspace = workspaces.get_workspace(session=ctx.session, workspace_id=ctx.workspace_id)
    from handlers.i18n import negotiate, translator

    tr = translator(negotiate(team.locale, workspace.default_locale if workspace else None))
    message = summary_message(tr, team, cycle, rows)
    if team.channel_external_id:
        to: ToUser | ToChannel = ToChannel(team.channel_external_id)
    else:
        to = ToUser(ctx.member.external_id)
    return [Delivery(to=to, message=message, key=f"cycle-summary:team{team.id}:{cycle.name}")]


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
            blocks.append(Context(f"KR{r.kr.number} {r.kr.title}: " + " · ".join(parts)))
    blocks.append(Context(tr.t("Thank you all for an honest cycle. On to the next one!")))
    return Message(summary=title, blocks=tuple(blocks))
