"""Fan-out: the Monday planning DMs of a generated company through the real outbox.

The scheduler's tick writes the Monday rows (`OkrApp.tick`, as `okrbot run`
does); the outbox sender (`bot.outbox.OutboxSender`) sends them through the
real platform senders and SDK clients (slack_sdk's WebClient, lark-oapi's
Client) to fakes on 127.0.0.1 that enforce the platforms' posting limits,
answer in 30-80 ms and refuse a fraction of requests with 429 or 5xx
(tests/fakes/limited.py). Each case runs in a process of its own, on its own
copy of the database:

    python -m bench.fanout URL slack|feishu WORKERS MARK_BATCH SPEED ROWS

"before" is the sender as it was (one worker, each row recorded in its own
transaction), "after" the process's defaults (OKRBOT_OUTBOX_WORKERS and
bot.wiring.MARK_BATCH). With SPEED > 1 the fake and the sender share a clock
that runs SPEED times faster: limits hold per compressed second, latencies
and waits are SPEED times shorter, so the same run takes 1/SPEED of the time.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlmodel import select

from bench.probe import MONDAY_START, peak_rss_mb
from bot.settings import Settings, load_settings
from bot.wiring import MARK_BATCH, build
from storage.db import make_engine
from storage.models import OutboxMessage
from storage.repos import outbox

# A slice of the requests are refused anyway, as a busy platform does.
FAIL_429 = 0.002
FAIL_5XX = 0.01
LATENCY = (0.03, 0.08)
# Feishu's message create: 50 a second per app (the limit the fan-out meets).
FEISHU_ALLOWED = 50.0
# Allowed rate of the Slack run: chat.postMessage is one message a second per
# channel, and each DM goes to its own channel; Slack states a workspace-wide
# posting limit without a number, so none is modelled and no fraction is given.
SLACK_ALLOWED: float | None = None


class FastClock:
    """A clock that runs `speed` times faster than real time from `start`."""

    def __init__(self, start: datetime, speed: float) -> None:
        self.start = start
        self.speed = speed
        self._t0 = time.monotonic()

    def now(self) -> datetime:
        return self.start + timedelta(seconds=(time.monotonic() - self._t0) * self.speed)


@dataclass(frozen=True, slots=True)
class Case:
    platform: str
    label: str  # "before" | "after"
    workers: int
    mark_batch: int
    rows: int  # stop once this many are sent (0: all)


def cases(rows: int, *, before_rows: int) -> list[Case]:
    workers = int(Settings.model_fields["outbox_workers"].default)
    found: list[Case] = []
    for platform in ("slack", "feishu"):
        found.append(Case(platform, "before", 1, 1, min(rows, before_rows)))
        found.append(Case(platform, "after", workers, MARK_BATCH, 0))
    return found


def run_case(
    url: str, platform: str, workers: int, mark_batch: int, speed: float, rows: int
) -> dict[str, Any]:
    """One fan-out: write the Monday rows with the tick, send them, count what arrived."""
    from bot import charts
    from bot.feishu.client import FeishuApi, send_uuid
    from bot.feishu.sender import FeishuSender
    from bot.outbox import OutboxSender
    from bot.slack.app import make_client
    from bot.slack.sender import SlackSender
    from tests.fakes.feishu_api import APP_ID, APP_SECRET
    from tests.fakes.limited import LimitedFeishu, LimitedSlack
    from tests.fakes.slack_api import GOOD_TOKEN

    if platform == "feishu":
        # The generated company lives on Slack; the same people on Feishu.
        engine = make_engine(url)
        with engine.begin() as connection:
            connection.execute(text("UPDATE workspace SET platform = 'feishu'"))
        engine.dispose()
    fake: LimitedSlack | LimitedFeishu
    if platform == "slack":
        # Slack's limits do not bind a DM fan-out: real time, so the SDK's own
        # Retry-After wait (RateLimitErrorRetryHandler) is the platform's.
        speed = 1.0
        fake = LimitedSlack(speed=speed, latency=LATENCY, fail_429=FAIL_429, fail_5xx=FAIL_5XX)
    else:
        fake = LimitedFeishu(speed=speed, latency=LATENCY, fail_429=FAIL_429, fail_5xx=FAIL_5XX)
    fake.start()
    monday_end = MONDAY_START + timedelta(hours=23, minutes=59)
    clock = FastClock(monday_end, speed)
    settings = load_settings(
        database_url=url,
        slack_bot_token=GOOD_TOKEN,
        slack_api_url=fake.api_url if isinstance(fake, LimitedSlack) else "https://slack.com/api/",
        feishu_app_id=APP_ID,
        feishu_app_secret=APP_SECRET,
        feishu_domain=fake.url if isinstance(fake, LimitedFeishu) else "feishu",
        _env_file=None,
    )
    runtime = build(settings, clock=clock)
    try:
        app = runtime.app
        app.tick(until=MONDAY_START, catch_up=None)  # a bot running since before Monday
        written = app.tick(until=monday_end, catch_up=None).written
        platform_sender = (
            SlackSender(make_client(settings))
            if platform == "slack"
            else FeishuSender(FeishuApi(settings))
        )
        sender = OutboxSender(
            sessions=runtime.sessions,
            senders=[platform_sender],
            clock=clock,
            sleep=lambda seconds: time.sleep(seconds / speed),
            holder="bench",
            claim_for=settings.lease,
            prepare=charts.prepare_outgoing,
            workers=workers,
            mark_batch=mark_batch,
        )
        target = rows or written
        started = time.monotonic()
        sender.start()
        sender.wake()
        deadline = started + max(120.0, 5 * target / (FEISHU_ALLOWED * speed))
        while time.monotonic() < deadline:
            time.sleep(0.1)
            with runtime.sessions.begin() as session:
                states = outbox.counts(session=session)
            if states["sent"] >= target or states["pending"] + states["sending"] == 0:
                break
        seconds = time.monotonic() - started
        sender.stop(timeout=30)
        with runtime.sessions.begin() as session:
            found = [
                (row.key, row.recipient_id, row.state)
                for row in session.exec(select(OutboxMessage))
            ]
    finally:
        runtime.close()
        fake.stop()
    volume = fake.volume
    accepted = volume.accepted_keys()
    sent = [(key, to) for key, to, state in found if state == "sent"]
    # A finished run answers for every row; a capped one for the rows it sent.
    considered = found if not rows else [(k, to, "sent") for k, to in sent]
    unsent = sum(1 for _k, _to, state in considered if state != "sent")
    if platform == "feishu":
        arrived = set(accepted)  # Feishu knows a message by its uuid
        missing = sum(1 for key, _to, _s in considered if send_uuid(key) not in arrived)
    else:
        expected = Counter(to for _k, to, _s in considered)
        got = Counter(key.partition(":")[0] for key in accepted)
        missing = sum(max(0, n - got[to]) for to, n in expected.items())
    return {
        "platform": platform,
        "workers": workers,
        "mark_batch": mark_batch,
        "speed": speed,
        "written": written,
        "rows": len(considered),
        "sent": len(sent),
        "seconds": seconds,
        "rate": len(sent) / (seconds * speed) if seconds else 0.0,
        "allowed": FEISHU_ALLOWED if platform == "feishu" else SLACK_ALLOWED,
        "limited": volume.limited,
        "injected_429": volume.injected_429,
        "injected_5xx": volume.injected_5xx,
        "requests": volume.requests,
        "lost": max(unsent, missing),
        "duplicated": sum(n - 1 for n in accepted.values() if n > 1),
        "rss_mb": peak_rss_mb(),
    }


Result = dict[str, Any] | None


def probe(timeout: float | None) -> Callable[..., Result]:
    """Runs one case in a process of its own; None when it ran past `timeout`."""

    def run_one(*args: str) -> Result:
        try:
            done = subprocess.run(
                [sys.executable, "-m", "bench.fanout", *args],
                check=True,
                capture_output=True,
                text=True,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            result = None
        else:
            result = json.loads(done.stdout.strip().splitlines()[-1])
        sys.stderr.write(f"\n  fan-out {' '.join(args[1:])}: {json.dumps(result)}\n")
        return result

    return run_one


def run(
    *,
    database: Callable[[str], str],
    rows: int,
    before_rows: int,
    speed: float,
    probe: Callable[..., Result],
    progress: Callable[[str], None],
) -> list[tuple[Case, Result]]:
    """Every case on a fresh copy of the database from `database(copy_name)`."""
    done: list[tuple[Case, Result]] = []
    for case in cases(rows, before_rows=before_rows):
        progress(f"fan-out {case.platform} {case.label} ({case.workers} workers)")
        url = database(f"fanout_{case.platform}_{case.label}")
        result = probe(
            url,
            case.platform,
            str(case.workers),
            str(case.mark_batch),
            f"{speed:g}",
            str(case.rows),
        )
        done.append((case, result))
    return done


def report(done: Sequence[tuple[Case, Result]], *, members: int, database: str) -> str:
    speeds = sorted({r["speed"] for _c, r in done if r is not None and r["speed"] != 1})
    clock = (
        f"Feishu's clock compressed x{speeds[0]:g}: limits, latencies and waits "
        "scaled alike, rates given per compressed second"
        if speeds
        else "real time"
    )
    lines = [
        f"Fan-out: Monday planning DMs of N={members:,} through the outbox ({database}; {clock}; "
        f"fakes answer in {LATENCY[0] * 1000:.0f}-{LATENCY[1] * 1000:.0f} ms, "
        f"{FAIL_429:.1%} injected 429s and {FAIL_5XX:.0%} 5xx)",
        "",
        "| platform | sender | rows | allowed | achieved | of allowed | 429s (limit + injected) "
        "| 5xx | lost | duplicated | wall |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for case, result in done:
        who = f"{case.label}: {case.workers} worker{'s' if case.workers > 1 else ''}"
        if result is None:
            lines.append(f"| {case.platform} | {who} | - | - | - | - | - | - | - | - | timed out |")
            continue
        allowed = result["allowed"]
        share = f"{result['rate'] / allowed:.0%}" if allowed else "-"
        limit = f"{allowed:g}/s per app" if allowed else "1/s per channel"
        lines.append(
            f"| {case.platform} | {who} | {result['rows']:,} | {limit} | "
            f"{result['rate']:.1f}/s | {share} | "
            f"{result['limited'] + result['injected_429']} "
            f"({result['limited']} + {result['injected_429']}) | {result['injected_5xx']} | "
            f"{result['lost']} | {result['duplicated']} | {result['seconds']:.1f} s |"
        )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    url, platform, workers, mark_batch, speed, rows = argv
    result = run_case(url, platform, int(workers), int(mark_batch), float(speed), int(rows))
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
