"""Command latency over HTTP: the running bot against a bare Bolt app, side by side.

Two processes serve signed Slack slash commands on 127.0.0.1 the same way
(bot.server's uvicorn/ASGI stack, a Bolt `App`, the same Web API client):

- **okrbot**: `okrbot run` in HTTP mode on a copy of a generated company,
  its Slack Web API being the fake of tests/fakes/slack_api.py;
- **floor**: bench/floor.py, whose `/okr` listener only acks static text.

One client sends the same commands to both, alternating which goes first in
each round so machine noise hits both alike: `/okr` and `/okr checkin KR… v`
from members spread over the company. For each it times the HTTP ack (what
Slack waits for, 3 s at most) and, for okrbot, the arrival of the real answer
at the fake's response_url (what the person waits for). Every answer is
checked to be the command's success message, not an error.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlmodel import col

from bench.generate import PLATFORM, WORKSPACE, user_id
from bench.probe import WEDNESDAY_NOON, _percentiles
from bot.settings import Settings, env_name
from handlers.i18n import translator
from storage.db import make_engine
from storage.models import Member, Workspace
from tests.bot_process import REPO, BotProcess, wait_for
from tests.fakes.slack_api import (
    GOOD_TOKEN,
    SIGNING_SECRET,
    FakeSlack,
    FakeUser,
    SlackDriver,
    http_post,
)

KINDS = ("okr", "checkin")
SIDES = ("okrbot", "floor")
CYCLE = "2026-Q4"  # the quarter of the generated company's current week
START_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class Ask:
    kind: str
    member: int
    text: str
    expected: tuple[str, ...]  # the answer's fallback text when the command succeeded


def _asks(people: list[int]) -> Iterator[Ask]:
    """`/okr` then a check-in, for each person; KR numbers follow member order (3i+1..3i+3)."""
    for n, i in enumerate(people):
        tr = translator("zh" if i % 5 == 4 else "en")
        yield Ask("okr", i, "", (tr.t("Your OKRs · {cycle}", cycle=CYCLE),))
        ref = f"KR{3 * i + 3}"
        done = (
            tr.t("Checked in {ref}.", ref=ref),
            tr.t("Updated this week's check-in of {ref}.", ref=ref),  # a database used before
        )
        yield Ask("checkin", i, f"checkin {ref} {10 + n % 7}", done)


def _members(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            count = connection.execute(
                select(func.count())
                .select_from(Member)
                .join(Workspace, col(Workspace.id) == col(Member.workspace_id))
                .where(col(Workspace.platform) == PLATFORM, col(Workspace.external_id) == WORKSPACE)
            ).scalar_one()
    finally:
        engine.dispose()
    return int(count)


def _absolute(url: str) -> str:
    """A SQLite URL that still points at the same file from another working directory."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        path = Path(parsed.database)
        if not path.is_absolute():
            return parsed.set(database=str(path.resolve())).render_as_string(hide_password=False)
    return url


class FloorProcess:
    """`python -m bench.floor`: started, its port read from its log, always stopped."""

    def __init__(self, env: dict[str, str], workdir: Path) -> None:
        self.env = env
        self.workdir = workdir
        self.log_path = workdir / "floor.log"
        self.popen: subprocess.Popen[bytes] | None = None
        self.port = 0

    def start(self, *, timeout: float = START_SECONDS) -> FloorProcess:
        with self.log_path.open("ab") as log:
            self.popen = subprocess.Popen(
                [sys.executable, "-m", "bench.floor"],
                env=self.env,
                cwd=self.workdir,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )
        wait_for("the bare Bolt app to serve", self._serving, timeout=timeout)
        return self

    def _serving(self) -> bool:
        assert self.popen is not None
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        if self.popen.poll() is not None:
            raise RuntimeError(f"the bare Bolt app exited with {self.popen.returncode}:\n{text}")
        for line in text.splitlines():
            if line.startswith("floor is serving on http://"):
                self.port = int(line.rsplit(":", 1)[1])
                return True
        return False

    def stop(self) -> None:
        if self.popen is None or self.popen.poll() is not None:
            return
        self.popen.terminate()
        try:
            self.popen.wait(10)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(5)


def _stop_bot(bot: BotProcess) -> None:
    if not bot.alive():
        return
    with suppress(AssertionError):  # terminate() kills it after the timeout
        bot.terminate(timeout=10)


@contextmanager
def _servers(url: str, fake: FakeSlack) -> Iterator[tuple[BotProcess, FloorProcess]]:
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="okrbot-http-")))
        clock = workdir / "clock.txt"
        # The generated company's Wednesday: the week is half done, as the in-process probe sees it.
        clock.write_text(WEDNESDAY_NOON.isoformat(), encoding="utf-8")
        settings = {env_name(name) for name in Settings.model_fields}
        env = {k: v for k, v in os.environ.items() if k not in settings}
        env.update(
            SLACK_BOT_TOKEN=GOOD_TOKEN,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=fake.api_url,
            PYTHONPATH=str(REPO),
            LOG_LEVEL="INFO",  # the bot names its port in an INFO line
        )
        bot_env = {
            **env,
            "DATABASE_URL": _absolute(url),
            "OKRBOT_TEST_CLOCK_FILE": str(clock),
        }
        bot = BotProcess(env=bot_env, log_path=workdir / "okrbot.log", cwd=workdir)
        stack.callback(_stop_bot, bot)
        floor = FloorProcess(env, workdir)
        stack.callback(floor.stop)
        try:
            bot.start(timeout=START_SECONDS)
            floor.start()
        except AssertionError as error:
            raise RuntimeError(str(error)) from None
        yield bot, floor


Timing = dict[str, list[float]]


def measure(
    url: str,
    samples: int,
    *,
    warmup: int = 10,
    timeout: float = 10.0,
    progress: Callable[[float], None] | None = None,
) -> dict[str, Any]:
    """`samples` rounds of `/okr` and `/okr checkin` to both servers; percentiles in ms."""
    members = _members(url)
    if members == 0:
        raise RuntimeError(f"no generated workspace {WORKSPACE} in {url}")
    rounds = warmup + samples
    stride = max(1, members // rounds)
    people = [(k * stride) % members for k in range(rounds)]
    users = {
        user_id(i): FakeUser(name=f"Member {i}", locale="zh-CN" if i % 5 == 4 else "en-US")
        for i in people
    }
    # The bot token belongs to the generated workspace, as auth.test tells the bot at start.
    fake = FakeSlack(users=users, token_teams={GOOD_TOKEN: WORKSPACE}).start()
    acks: dict[tuple[str, str], list[float]] = {(s, k): [] for s in SIDES for k in KINDS}
    answers: dict[str, list[float]] = {k: [] for k in KINDS}
    try:
        with _servers(url, fake) as (bot, floor):
            drivers = {
                "okrbot": SlackDriver(
                    http_post(f"http://127.0.0.1:{bot.port}/slack/events"), fake, team=WORKSPACE
                ),
                "floor": SlackDriver(
                    http_post(f"http://127.0.0.1:{floor.port}/slack/events"), fake, team=WORKSPACE
                ),
            }
            for n, ask in enumerate(_asks(people)):
                keep = n // len(KINDS) >= warmup
                # Alternate who goes first, round by round.
                order = SIDES if (n // len(KINDS)) % 2 == 0 else SIDES[::-1]
                for side in order:
                    ack, answer = _one(drivers[side], side, ask, fake, timeout=timeout)
                    if keep:
                        acks[(side, ask.kind)].append(ack)
                        if answer is not None:
                            answers[ask.kind].append(answer)
                if progress is not None:
                    progress((n + 1) / (rounds * len(KINDS)))
    finally:
        fake.stop()
    return {
        "members": members,
        "samples": samples,
        "ack": {f"{s}/{k}": _percentiles(t) for (s, k), t in acks.items()},
        "answer": {k: _percentiles(t) for k, t in answers.items()},
    }


def _one(
    driver: SlackDriver, side: str, ask: Ask, fake: FakeSlack, *, timeout: float
) -> tuple[float, float | None]:
    """One signed command: seconds to the ack, and for okrbot seconds to its answer."""
    started = time.monotonic()
    sent = driver.command(user_id(ask.member), ask.text)
    if sent.status != 200:
        raise RuntimeError(f"{side} answered {sent.status} to /okr {ask.text!r}: {sent.body!r}")
    if side == "floor":
        return sent.seconds, None
    path = driver.last_response_url.removeprefix(fake.base_url.rstrip("/"))
    try:
        call = fake.wait_until(
            lambda c: c.method == "response_url" and c.path == path, timeout=timeout
        )
    except AssertionError:
        raise RuntimeError(
            f"okrbot did not answer /okr {ask.text!r} within {timeout:.0f} s"
        ) from None
    text = str(call.args.get("text", ""))
    if text not in ask.expected:
        raise RuntimeError(
            f"/okr {ask.text!r} did not succeed: {text!r} (wanted {ask.expected[0]!r})"
        )
    return sent.seconds, call.at - started


def report(result: dict[str, Any] | None, *, database: str, late: str) -> list[str]:
    """The printed section: ack p50/p95/p99 on each side, the ratio, and okrbot's answer."""
    lines = [
        "",
        f"Command latency over HTTP ({database}; signed slash commands to `okrbot run` and to a "
        "bare Bolt app on the same uvicorn stack, one client, ms)",
        "",
    ]
    if result is None:
        return [*lines, f"did not finish ({late})"]
    lines[1] = lines[1].replace("(", f"(N={result['members']:,}, {result['samples']} each, ", 1)
    lines += [
        "| command | okrbot ack p50 / p95 / p99 | floor ack p50 / p95 / p99 "
        "| ratio p50 / p99 | okrbot answer p50 / p95 / p99 |",
        "|---|---:|---:|---:|---:|",
    ]
    names = {"okr": "`/okr`", "checkin": "`/okr checkin`"}

    def cell(p: dict[str, float]) -> str:
        return " / ".join(f"{p[q]:.1f}" for q in ("p50", "p95", "p99"))

    for kind in KINDS:
        ours, floor = result["ack"][f"okrbot/{kind}"], result["ack"][f"floor/{kind}"]
        ratio = f"{ours['p50'] / floor['p50']:.2f}x / {ours['p99'] / floor['p99']:.2f}x"
        lines.append(
            f"| {names[kind]} | {cell(ours)} | {cell(floor)} | {ratio} "
            f"| {cell(result['answer'][kind])} |"
        )
    return lines
