"""The Friday digest moment: the team's week posted to its channel with the week's chart.

Posted at the team's digest time (default Friday 17:00); check-ins that come
after it update the posted digest in place (`handlers.moments.followups`).
"""

from __future__ import annotations

from handlers.moments.base import MomentJob
from handlers.reports.charts import week_chart
from handlers.reports.digest import digest_message
from handlers.views import Delivery, Message


def post(job: MomentJob) -> list[Delivery]:
    """The team's Friday digest, with this week's movement of each KR after its text."""
    data = job.data.team_week(job.team, job.week, job.cycle(), job.today)
    tr = job.team_tr()
    message = digest_message(tr, data, link=job.links.team(job.team_id))
    chart = week_chart(tr, data, name="digest")
    if chart is not None:
        message = Message(summary=message.summary, blocks=(*message.blocks, chart))
    return job.channel_post(message, "digest")
