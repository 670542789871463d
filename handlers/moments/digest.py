"""The Friday digest moment: the team's week posted to its channel with the cycle's charts.

Posted at the team's digest time (default Friday 17:00); check-ins that come
after it update the posted digest in place (`handlers.moments.followups`).
"""

from __future__ import annotations

from collections.abc import Sequence

from handlers.moments.base import MomentJob
from handlers.okr.weeks import week_start
from handlers.reports.charts import CHART_MAX_SERIES, cycle_charts
from handlers.reports.digest import digest_message
from handlers.reports.teammonth import team_krs, weeks_between
from handlers.views import Chart, Delivery, Message
from storage.repos.okrs import KRFacts


def post(job: MomentJob) -> list[Delivery]:
    """The team's Friday digest, with the cycle's charts after its text."""
    data = job.data.team_week(job.team, job.week, job.cycle(), job.today)
    message = digest_message(job.team_tr(), data)
    charts = team_charts(job, name="digest", krs=data.krs)
    message = Message(summary=message.summary, blocks=(*message.blocks, *charts))
    return job.channel_post(message, "digest")


def team_charts(
    job: MomentJob, *, name: str, krs: Sequence[KRFacts] | None = None
) -> tuple[Chart, ...]:
    """The team's cycle charts up to the job's week, in the team's language.

    `krs` are the team's KRs when the caller has them already (the digest does).
    """
    cycle = job.cycle()
    shown = (
        krs if krs is not None else team_krs(session=job.session, team=job.team, cycle_id=cycle.id)
    )
    weeks = weeks_between(cycle.start_date, week_start(job.week))
    if not weeks:
        return ()
    # Only the cycle's weeks: the charts never show what came before them.
    checkins = job.data.checkins_between(
        job.ws,
        [kr.id for kr in shown[:CHART_MAX_SERIES] if kr.id is not None],
        weeks[0],
        job.week,
        per_team=CHART_MAX_SERIES,
    )
    return cycle_charts(job.team_tr(), shown, checkins, weeks, name=name)
