"""One measurement in a fresh process, printed as JSON on stdout.

Each rhythm run gets its own process so its peak memory is its own (and not
the generator's), and it starts the way the bot starts: `bot.wiring.build`
on the database, then the run.

    python -m bench.probe rhythm URL friday|monday|review|cycle-end
    python -m bench.probe latency URL SAMPLES
    python -m bench.probe tree URL SAMPLES
"""

from __future__ import annotations

import json
import resource
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bench.generate import FRIDAY, MONDAY, PLATFORM, TEAM_SIZE, WORKSPACE, team_name, user_id
from bot.settings import load_settings
from bot.wiring import Runtime, build
from handlers.clock import ManualClock
from handlers.deliveries import enqueue
from handlers.events import Actor, Command
from handlers.i18n import translator
from handlers.moments.ticker import ENQUEUE_CHUNK
from handlers.views import Delivery, Message, ToChannel


def _local_midnight(day: date) -> datetime:
    """Midnight in Shanghai (UTC+8), where the generated teams are."""
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC) - timedelta(hours=8)


MONDAY_START = _local_midnight(MONDAY)
FRIDAY_START = _local_midnight(FRIDAY)
# Two Mondays with more to do: the first of the month (the monthly reviews of
# November) and the one of the cycle's last week (everyone's self-score prompt).
DAYS = {
    "friday": FRIDAY_START,
    "monday": MONDAY_START,
    "review": _local_midnight(MONDAY + timedelta(days=14)),
    "cycle-end": _local_midnight(MONDAY + timedelta(days=35)),
}
WEDNESDAY_NOON = MONDAY_START + timedelta(days=2, hours=12)


def _runtime(url: str, now: datetime) -> Runtime:
    return build(load_settings(database_url=url, _env_file=None), clock=ManualClock(now))


def peak_rss_mb() -> float:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Statements:
    """Counts the statements an engine sends (one per execute, an executemany is one):
    the round trips to the database, which PostgreSQL pays for and SQLite hardly does."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.count = 0

    def _seen(self, *_args: Any) -> None:
        self.count += 1

    def __enter__(self) -> Statements:
        event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *_exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)


def rhythm(url: str, moment: str) -> dict[str, Any]:
    """Everything due on one local day: the Friday (check-in prompts at 15:00, the
    reminder at 16:00, digests at 17:00, nudges) or a Monday (planning at 09:30,
    nudges; on `review` the monthly reviews, on `cycle-end` the self-score prompts).

    Then the same deliveries written to the outbox as a tick writes them (in
    chunks, one transaction each), timed apart and rolled back, so the database
    stays as generated for the next run."""
    since = DAYS[moment]
    until = since + timedelta(hours=23, minutes=59)
    runtime = _runtime(url, until)
    try:
        # What a long-running bot has loaded already: both message catalogs.
        translator("en").t("away")
        translator("zh").t("away")
        with Statements(runtime.engine) as statements:
            started, cpu = time.perf_counter(), time.process_time()
            deliveries = runtime.app.run_due(since=since, until=until)
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        rss = peak_rss_mb()
        write = _write(runtime, deliveries, until)
    finally:
        runtime.close()
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "statements": statements.count,
        "rss_mb": rss,
        "deliveries": len(deliveries),
        "channel_posts": sum(1 for d in deliveries if isinstance(d.to, ToChannel)),
        "blocks": sum(_blocks(d) for d in deliveries),
        "write": write,
    }


def _write(runtime: Runtime, deliveries: list[Delivery], now: datetime) -> dict[str, Any]:
    """The outbox rows of `deliveries`, written in tick-sized chunks and then rolled back."""
    from storage.repos import workspaces

    with runtime.sessions.begin() as session:
        ids = {
            (w.platform, w.external_id): w.id
            for w in workspaces.list_workspaces(session=session)
            if w.id is not None
        }
    by_workspace: dict[int, list[Delivery]] = {}
    for delivery in deliveries:
        by_workspace.setdefault(ids[(delivery.platform, delivery.workspace)], []).append(delivery)
    with Statements(runtime.engine) as statements:
        started, cpu = time.perf_counter(), time.process_time()
        written = 0
        with runtime.engine.connect() as connection:
            outer = connection.begin()
            for ws_id, mine in by_workspace.items():
                for start in range(0, len(mine), ENQUEUE_CHUNK):
                    chunk = mine[start : start + ENQUEUE_CHUNK]
                    with Session(bind=connection, join_transaction_mode="create_savepoint") as s:
                        written += len(
                            enqueue(
                                s,
                                workspace_id=ws_id,
                                platform=chunk[0].platform,
                                workspace=chunk[0].workspace,
                                deliveries=chunk,
                                only_new=True,
                                now=now,
                            )
                        )
                        s.commit()
            outer.rollback()
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "statements": statements.count,
        "rows": written,
    }


def _blocks(delivery: Delivery) -> int:
    return len(delivery.message.blocks) if isinstance(delivery.message, Message) else 0


def latency(url: str, samples: int) -> dict[str, Any]:
    """`/okr`, `/okr checkin KR… value` and the team rollup through OkrApp.handle, in-process."""
    runtime = _runtime(url, WEDNESDAY_NOON)
    try:
        with runtime.sessions.begin() as session:
            from storage.repos import workspaces

            found = workspaces.find_workspace(
                session=session, platform=PLATFORM, external_id=WORKSPACE
            )
            assert found is not None and found.id is not None
            members = len(workspaces.list_members(session=session, workspace_id=found.id))
        app = runtime.app
        # Spread the askers over the company so no one page of the database stays hot.
        stride = max(1, members // samples) if samples else 1
        people = [(i * stride) % members for i in range(samples)]

        def say(i: int, text: str) -> None:
            actor = Actor(
                platform=PLATFORM,
                workspace_id=WORKSPACE,
                user_id=user_id(i),
                display_name=f"Member {i}",
            )
            outcome = app.handle(Command(actor=actor, text=text))
            first = outcome.replies[0] if outcome.replies else None
            if not isinstance(first, Message) or first.summary.startswith("Sorry"):
                raise RuntimeError(f"{text!r} did not succeed: {first!r}")

        def run(make: Callable[[int, int], str]) -> dict[str, float]:
            for n, i in enumerate(people[: min(5, len(people))]):
                say(i, make(n, i))  # warm-up: the first call of each kind loads code
            times: list[float] = []
            for n, i in enumerate(people):
                text = make(n, i)
                started = time.perf_counter()
                say(i, text)
                times.append(time.perf_counter() - started)
            return _percentiles(times)

        # KR numbers follow member order: member i owns KR 3i+1 .. 3i+3.
        return {
            "okr": run(lambda _n, _i: ""),
            "checkin": run(lambda n, i: f"checkin KR{3 * i + 3} {10 + n % 7}"),
            "rollup": run(lambda _n, i: f"team {team_name(i // TEAM_SIZE)}"),
            "rss_mb": peak_rss_mb(),
        }
    finally:
        runtime.close()


def _percentiles(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    cuts = statistics.quantiles(ordered, n=100, method="inclusive") if len(ordered) > 1 else []

    def at(p: int) -> float:
        return (cuts[p - 1] if cuts else ordered[0]) * 1000

    return {"p50": at(50), "p95": at(95), "p99": at(99), "n": float(len(ordered))}


def tree(url: str, samples: int) -> dict[str, Any]:
    """The web view's company tree over HTTP (bench.web), with the process's peak memory."""
    from bench import web

    runtime = _runtime(url, WEDNESDAY_NOON)
    try:
        result = web.measure(runtime, samples)
    finally:
        runtime.close()
    return {**result, "peak_mb": peak_rss_mb()}


def main(argv: list[str]) -> int:
    kind, url, arg = argv
    if kind == "tree":
        result = tree(url, int(arg))
    else:
        result = rhythm(url, arg) if kind == "rhythm" else latency(url, int(arg))
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
