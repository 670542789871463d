"""The team rollup and the Friday celebration digest (周五庆功会), as messages.

The digest leads with the week's wins, names the people behind them and
still shows what is stuck. The rollup is the same week seen on demand
(`/okr team`). Both are functions of a `TeamWeek`; the digest moment posts
the digest on Friday (`handlers.moments.digest`), `/okr team digest` shows it now.
"""

from __future__ import annotations

from collections.abc import Sequence

from handlers.i18n import Translator
from handlers.links import page_link
from handlers.okr import math
from handlers.present import of_target, value_text
from handlers.reports.teamweek import KRRow, TeamWeek, kr_rows, person_rows
from handlers.views import Actions, Block, Button, Context, Divider, Header, Message, Progress, Text
from storage.models import KRKind, TaskStatus

# --- rendering -----------------------------------------------------------------

_STATUS_ICON = {"checked_in": "✅", "partial": "◐", "missing": "⏳", "away": "🌴", "no_krs": "·"}


def _status_text(tr: Translator, status: str) -> str:
    return {
        "checked_in": tr.t("checked in"),
        "partial": tr.t("partly checked in"),
        "missing": tr.t("not checked in yet"),
        "away": tr.t("away"),
        "no_krs": tr.t("no key results"),
    }[status]


def _risk_text(tr: Translator, reason: math.RiskReason) -> str:
    return {
        math.RiskReason.LOW_CONFIDENCE: tr.t("low confidence"),
        math.RiskReason.CONFIDENCE_DROP: tr.t("confidence dropped"),
        math.RiskReason.BEHIND_PACE: tr.t("behind pace"),
    }.get(reason, str(reason))


def _row_caption(tr: Translator, row: KRRow) -> str:
    kr = row.kr
    milestone = kr.kind == KRKind.MILESTONE.value
    parts: list[str] = []
    if milestone or kr.target_value is None:
        parts.append(value_text(tr, kr, row.value))
    else:
        parts.append(of_target(tr, kr, row.value))
    if row.checked_in and not milestone:  # a milestone reads done / not done, never "+1"
        parts.append(tr.t("{change} this week", change=tr.signed(row.change)))
    if row.confidence is not None:
        conf = tr.t("confidence {n}/10", n=row.confidence)
        if row.confidence_change:
            conf += f" ({'↑' if row.confidence_change > 0 else '↓'}{abs(row.confidence_change)})"
        parts.append(conf)
    if row.risks:
        parts.append("⚠ " + tr.list([_risk_text(tr, r) for r in row.risks]))
    return " · ".join(parts)


def _row_block(tr: Translator, row: KRRow) -> Progress:
    return Progress(
        label=f"KR{row.kr.number} {row.kr.title}",
        fraction=row.progress,
        caption=_row_caption(tr, row),
    )


def rollup_message(tr: Translator, data: TeamWeek, *, link: str | None = None) -> Message:
    """The team's week so far, person by person; `link` opens the team's page."""
    rows = kr_rows(data)
    people = person_rows(data, rows)
    expected = [p for p in people if p.status not in ("away", "no_krs")]
    checked = sum(1 for p in expected if p.status == "checked_in")
    title = tr.t("Team {name} · rollup · week {week}", name=data.team.name, week=data.week)
    blocks: list[Block] = [
        Header(title),
        Context(
            tr.t(
                "{checked} of {total} checked in · {away} away · cycle {cycle}",
                checked=checked,
                total=len(expected),
                away=sum(1 for p in people if p.status == "away"),
                cycle=data.cycle.name,
            )
        ),
    ]
    shown: set[int] = set()
    for person in people:
        blocks.append(Divider())
        blocks.append(
            Text(
                f"{_STATUS_ICON[person.status]} {person.member.display_name} · "
                + _status_text(tr, person.status)
            )
        )
        for row in person.krs:
            blocks.append(_row_block(tr, row))
            shown.add(row.kr.id or -1)
    others = [r for r in rows if (r.kr.id or -1) not in shown]
    if others:
        blocks.append(Divider())
        blocks.append(Text(tr.t("Other key results of the team's objectives")))
        blocks.extend(_row_block(tr, r) for r in others)
    partly = [p.member.display_name for p in people if p.status == "partial"]
    if partly:
        blocks.insert(2, Context(tr.t("Partly checked in: {names}", names=tr.list(partly))))
    blocks.extend(page_link(tr, link))
    at_risk = sum(1 for r in rows if r.risks)
    summary = tr.t(
        "{name}: {checked} of {total} checked in, {risk} key results at risk",
        name=data.team.name,
        checked=checked,
        total=len(expected),
        risk=at_risk,
    )
    return Message(summary=summary, blocks=tuple(blocks))


def _name(data: TeamWeek, member_id: int | None) -> str:
    member = data.people.get(member_id or -1)
    return member.display_name if member else "?"


def digest_message(tr: Translator, data: TeamWeek, *, link: str | None = None) -> Message:
    """Wins first, naming people; then planned vs done, drops, what is stuck, who is missing.

    `link` opens the team's page, with its charts and the company tree around it."""
    rows = kr_rows(data)
    people = person_rows(data, rows)
    title = tr.t(
        "🎉 Friday celebration · {name} · week {week}", name=data.team.name, week=data.week
    )
    blocks: list[Block] = [Header(title)]

    wins: list[str] = []
    for row in rows:
        if row.reached_this_week:
            wins.append(
                tr.t(
                    "🏆 {who} reached the target of KR{n} {title}!",
                    who=_name(data, row.kr.owner_member_id),
                    n=row.kr.number,
                    title=row.kr.title,
                )
            )
    movers = sorted(
        (r for r in rows if r.progress_delta > 0 and not r.reached_this_week),
        key=lambda r: r.progress_delta,
        reverse=True,
    )[:3]
    for row in movers:
        wins.append(
            tr.t(
                "📈 {who} moved KR{n} {title}: {change} ({before} → {after})",
                who=_name(data, row.kr.owner_member_id),
                n=row.kr.number,
                title=row.kr.title,
                change=_change_text(tr, row),
                before=tr.percent(math.clamp01(row.progress_before or 0.0)),
                after=tr.percent(math.clamp01(row.progress or 0.0)),
            )
        )
    done_tasks = [t for t in data.tasks if t.status == TaskStatus.DONE.value]
    for task in done_tasks[:8]:
        wins.append(
            tr.t(
                "✅ {who} finished T{n} {title}",
                who=_name(data, task.owner_member_id),
                n=task.number,
                title=task.title,
            )
        )
    if len(done_tasks) > 8:
        wins.append(tr.t("✅ … and {n} more tasks done", n=len(done_tasks) - 8))
    for request in data.helped:
        line = tr.t(
            "🤝 {helper} helped {requester}: {text}",
            helper=_name(data, request.helper_id),
            requester=_name(data, request.requester_id),
            text=request.text,
        )
        if request.thanks:
            line += f" — “{request.thanks}”"
        wins.append(line)
    for kudo in data.kudos:
        wins.append(
            tr.t(
                "👏 {giver} → {receiver}: {text}",
                giver=_name(data, kudo.from_member_id),
                receiver=_name(data, kudo.to_member_id),
                text=kudo.text,
            )
        )
    blocks.append(Text(tr.t("Wins this week")))
    if wins:
        blocks.extend(Text(w) for w in wins)
    else:
        blocks.append(
            Context(tr.t("A quiet week. Every small step counts: check in and share what moved."))
        )

    objective_bars = _objective_bars(data, rows)
    if objective_bars:
        blocks.append(Divider())
        blocks.append(Text(tr.t("Objectives (weighted by their key results)")))
        blocks.extend(objective_bars)

    planned = [t for t in data.tasks if t.status != TaskStatus.CARRIED_OVER.value]
    blocks.append(Divider())
    blocks.append(Text(tr.t("Planned vs done")))
    if planned:
        fraction = len(done_tasks) / len(planned)
        blocks.append(
            Progress(
                label=tr.t("Key tasks"),
                fraction=fraction,
                caption=tr.t("{done} of {total} done", done=len(done_tasks), total=len(planned)),
            )
        )
    else:
        blocks.append(Context(tr.t("No key tasks were planned this week.")))

    drops = [r for r in rows if r.confidence_change is not None and r.confidence_change <= -2]
    if drops:
        blocks.append(Divider())
        blocks.append(Text(tr.t("Confidence drops")))
        for row in drops:
            assert row.confidence is not None and row.confidence_change is not None
            blocks.append(
                Context(
                    tr.t(
                        "KR{n} {title} ({who}): {old} → {new}",
                        n=row.kr.number,
                        title=row.kr.title,
                        who=_name(data, row.kr.owner_member_id),
                        old=row.confidence - row.confidence_change,
                        new=row.confidence,
                    )
                    + (f" · {row.note}" if row.note else "")
                )
            )

    stuck: list[str] = []
    for row in rows:
        if row.risks and row.change == 0 and row not in drops:
            stuck.append(
                tr.t(
                    "KR{n} {title} ({who}): {why}",
                    n=row.kr.number,
                    title=row.kr.title,
                    who=_name(data, row.kr.owner_member_id),
                    why=tr.list([_risk_text(tr, r) for r in row.risks]),
                )
            )
    for task in data.tasks:
        if task.status == TaskStatus.PLANNED.value and task.due_date and task.due_date < data.today:
            stuck.append(
                tr.t(
                    "T{n} {title} ({who}) was due {date}",
                    n=task.number,
                    title=task.title,
                    who=_name(data, task.owner_member_id),
                    date=tr.date(task.due_date),
                )
            )
    for request in data.open_requests:
        stuck.append(
            tr.t(
                "H{n}: {requester} is waiting for {helper}: {text}",
                n=request.number,
                requester=_name(data, request.requester_id),
                helper=_name(data, request.helper_id),
                text=request.text,
            )
        )
    if stuck:
        blocks.append(Divider())
        blocks.append(Text(tr.t("Stuck or waiting")))
        blocks.extend(Context(s) for s in stuck)

    missing = [p.member.display_name for p in people if p.status == "missing"]
    partly = [p.member.display_name for p in people if p.status == "partial"]
    if missing or partly:
        blocks.append(Divider())
    if missing:
        blocks.append(Text(tr.t("Not checked in yet: {names}", names=tr.list(missing))))
    if partly:
        blocks.append(Text(tr.t("Partly checked in: {names}", names=tr.list(partly))))
    blocks.extend(page_link(tr, link))
    blocks.append(Actions((Button(tr.t("Team rollup"), "team.rollup", data.team.name),)))
    summary = tr.t(
        "{name}: {wins} wins, {done} of {total} key tasks done",
        name=data.team.name,
        wins=len(wins),
        done=len(done_tasks),
        total=len(planned),
    )
    return Message(summary=summary, blocks=tuple(blocks))


def _objective_bars(data: TeamWeek, rows: Sequence[KRRow]) -> list[Block]:
    """Each objective's progress: its KRs' progress, weighted."""
    bars: list[Block] = []
    for objective in data.objectives:
        mine = [(r.kr.weight, r.progress) for r in rows if r.kr.objective_id == objective.id]
        progress = math.objective_progress(mine)
        if progress is not None:
            bars.append(Progress(label=f"O{objective.number} {objective.title}", fraction=progress))
    return bars


def _change_text(tr: Translator, row: KRRow) -> str:
    kr = row.kr
    if kr.kind == KRKind.MILESTONE.value:
        return tr.t("done")
    change = tr.signed(row.change)
    if kr.unit == "%":
        return f"{change}%"
    return f"{change} {kr.unit}".strip()
