"""The charts of a team's key results: this week's movement, and the cycle's trend.

The Friday digest shows the week: each KR where it was on Monday, where it is
now, against its target, coloured by its owner's confidence. The monthly review
shows progress and confidence by week over the cycle. The bot turns a `Chart`
into pictures sized for a phone, split when there is more than a phone can tell
apart (`bot/charts.py`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from handlers.i18n import Translator
from handlers.present import of_target, value_text
from handlers.reports.teammonth import progress_at
from handlers.reports.teamweek import TeamWeek, kr_rows
from handlers.views import Chart, Move, MoveWords, Series
from storage.models import Checkin, KeyResult
from storage.repos.history import CheckinPoint
from storage.repos.okrs import KRFacts
from storage.repos.rhythm import CheckinFacts

# Charts stay readable with this many lines; the text lists every KR.
CHART_MAX_SERIES = 8


def week_chart(tr: Translator, data: TeamWeek, *, name: str) -> Chart | None:
    """This week's movement of every KR of the team that has a target, in `tr`'s language."""
    moves = []
    for row in kr_rows(data):
        if row.progress is None or row.progress_before is None:
            continue  # no target: nothing to measure the way against
        value = (
            of_target(tr, row.kr, row.value)
            if row.kr.target_value is not None
            else value_text(tr, row.kr, row.value)
        )
        moves.append(
            Move(
                label=f"KR{row.kr.number} {row.kr.title}",
                before=round(100 * row.progress_before, 1),
                after=round(100 * row.progress, 1),
                confidence=row.confidence,
                value=value,
            )
        )
    if not moves:
        return None
    return Chart(
        title=tr.t("This week · {team} · {week}", team=data.team.name, week=data.week),
        moves=tuple(moves),
        words=MoveWords(
            before=tr.t("start of the week"),
            after=tr.t("now"),
            target=tr.t("target"),
            confidence=tr.t("confidence"),
            none=tr.t("no confidence yet"),
        ),
        filename=f"{name}-week.png",
    )


def cycle_charts(
    tr: Translator,
    krs: Sequence[KeyResult | KRFacts],
    checkins: Sequence[Checkin | CheckinFacts | CheckinPoint],
    weeks: Sequence[str],
    *,
    name: str,
) -> tuple[Chart, ...]:
    """Progress (%) and confidence (1–10) of each KR at the end of each week of the cycle."""
    if not krs or not weeks:
        return ()
    by_kr: dict[int, list[Checkin | CheckinFacts | CheckinPoint]] = defaultdict(list)
    by_week: dict[tuple[int, str], list[Checkin | CheckinFacts | CheckinPoint]] = defaultdict(list)
    for row in checkins:
        by_kr[row.kr_id].append(row)
        by_week[(row.kr_id, row.week)].append(row)
    progress_series: list[Series] = []
    confidence_series: list[Series] = []
    labels = [w.split("-")[1] for w in weeks]
    for kr in list(krs)[:CHART_MAX_SERIES]:
        mine = by_kr.get(kr.id or -1, [])
        value = mine[0].previous_value if mine else kr.current_value
        confidence: int | None = None
        progress_points: list[tuple[str, float]] = []
        confidence_points: list[tuple[str, float]] = []
        for week, label in zip(weeks, labels, strict=True):
            for row in by_week.get((kr.id or -1, week), ()):
                value = row.value
                confidence = row.confidence or confidence
            progress = progress_at(kr, value)
            if progress is not None:
                progress_points.append((label, round(100 * progress, 1)))
            if confidence is not None:
                confidence_points.append((label, float(confidence)))
        label = f"KR{kr.number} {kr.title}"
        if progress_points:
            progress_series.append(Series(label, tuple(progress_points)))
        if confidence_points:
            confidence_series.append(Series(label, tuple(confidence_points)))
    charts: list[Chart] = []
    if progress_series:
        charts.append(
            Chart(
                title=tr.t("Key result progress this cycle"),
                series=tuple(progress_series),
                y_label="%",
                filename=f"{name}-progress.png",
            )
        )
    if confidence_series:
        charts.append(
            Chart(
                title=tr.t("Confidence this cycle"),
                series=tuple(confidence_series),
                y_label=tr.t("confidence (1–10)"),
                filename=f"{name}-confidence.png",
            )
        )
    return tuple(charts)
