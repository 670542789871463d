"""Planted bugs: does the suite notice a small, realistic break of each rule?

Each mutant below changes one line of the code (the outbox, the tick, the
receivers, the renderers, the calendar, the repositories) the way a hurried
change might. For each, a copy of the project gets that one change and the
tests that guard the code run against it; a mutant is *caught* when they fail.

    python -m bench.mutants                 # every mutant, against this checkout's tests
    python -m bench.mutants --tests-from main   # the same code, with main's tests
    python -m bench.mutants --only outbox.release-any-holder

The copy lives in a temporary folder; this checkout is never changed. With
`--tests-from REF` the tests/ folder of that git revision replaces the
copy's, so the catch rate of two suites can be compared on the same bugs.
Not collected by pytest (it is not a test module) and not part of CI.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TIMEOUT = 600.0


@dataclass(frozen=True)
class Mutant:
    name: str
    path: str
    old: str
    new: str
    tests: tuple[str, ...]


OUTBOX = ("tests/outbox",)
SLACK_SEND = ("tests/outbox/test_exactly_once.py", "tests/slack/test_sender.py")

MUTANTS = [
    # --- the outbox -------------------------------------------------------------------
    Mutant(
        "outbox.requeue-keeps-attempts",
        "storage/repos/outbox.py",
        ".values(state=PENDING, attempts=0, next_attempt_at=now)",
        ".values(state=PENDING, next_attempt_at=now)",
        OUTBOX,
    ),
    Mutant(
        "outbox.release-any-holder",
        "storage/repos/outbox.py",
        "conditions: list[Any] = [OutboxMessage.state == SENDING, OutboxMessage.claimed_by == holder]",
        "conditions: list[Any] = [OutboxMessage.state == SENDING]",
        OUTBOX,
    ),
    Mutant(
        "outbox.claim-ignores-expiry",
        "storage/repos/outbox.py",
        "and_(row.state == SENDING, row.claimed_until < now),",
        "and_(row.state == SENDING, row.claimed_until > now),",
        OUTBOX,
    ),
    Mutant(
        "outbox.order-reversed",
        "storage/repos/outbox.py",
        "        earlier.id < row.id,",
        "        earlier.id > row.id,",
        OUTBOX,
    ),
    Mutant(
        "outbox.mark-by-anyone",
        "storage/repos/outbox.py",
        "    if holder is not None:\n        conditions.append(OutboxMessage.claimed_by == holder)",
        "    if holder is None:\n        conditions.append(OutboxMessage.claimed_by == holder)",
        OUTBOX,
    ),
    Mutant(
        "outbox.takeover-not-in-doubt",
        "storage/repos/outbox.py",
        "if candidate.state == SENDING and candidate.doubt_since is None:",
        "if candidate.state == PENDING and candidate.doubt_since is None:",
        OUTBOX,
    ),
    Mutant(
        "outbox.rate-limit-uses-attempts",
        "bot/outbox.py",
        "self._retry(row, failure.reason, failure.retry_after or 0.0, report, count=False)",
        "self._retry(row, failure.reason, failure.retry_after or 0.0, report, count=True)",
        OUTBOX,
    ),
    Mutant(
        "outbox.backoff-without-ceiling",
        "bot/outbox.py",
        "delay = min(ceiling, base * 2 ** min(attempt - 1, 64))",
        "delay = base * 2 ** min(attempt - 1, 64)",
        OUTBOX,
    ),
    Mutant(
        "outbox.no-jitter",
        "bot/outbox.py",
        "return delay * (0.5 + jitter() / 2)",
        "return delay",
        OUTBOX,
    ),
    Mutant(
        "outbox.429-holds-every-bucket",
        "bot/outbox.py",
        "self.limiter.pause(limited_buckets(buckets, failure), failure.retry_after)",
        "self.limiter.pause(buckets, failure.retry_after)",
        OUTBOX,
    ),
    Mutant(
        "outbox.one-attempt-too-many",
        "bot/outbox.py",
        "if not failure.retryable or attempt >= self.max_attempts:",
        "if not failure.retryable or attempt > self.max_attempts:",
        OUTBOX,
    ),
    Mutant(
        "outbox.arrived-but-dead",
        "bot/outbox.py",
        "            if done.ref is not None:\n                # The message arrived",
        "            if done.ref is not None and failure.retryable:\n                # The message arrived",
        OUTBOX,
    ),
    Mutant(
        "outbox.no-reconcile",
        "bot/outbox.py",
        "if item.doubt_since is not None and item.done.ref is None and item.ref is None:",
        "if item.doubt_since is None and item.done.ref is None and item.ref is None:",
        OUTBOX,
    ),
    Mutant(
        "outbox.stop-gives-back-in-flight",
        "bot/outbox.py",
        "released = outbox.release(session=session, holder=self.holder, keep=in_flight)",
        "released = outbox.release(session=session, holder=self.holder)",
        OUTBOX,
    ),
    Mutant(
        "slack.uploads-start-over",
        "bot/slack/sender.py",
        "done = item.done.steps if item.done.ref == ref else 0",
        "done = 0",
        SLACK_SEND,
    ),
    Mutant(
        "slack.history-after-the-doubt",
        "bot/slack/sender.py",
        'oldest = f"{item.doubt_since.timestamp() - CLOCK_SKEW_SECONDS:.6f}"',
        'oldest = f"{item.doubt_since.timestamp() + CLOCK_SKEW_SECONDS:.6f}"',
        SLACK_SEND,
    ),
    Mutant(
        "slack.5xx-not-in-doubt",
        "bot/slack/sender.py",
        'return SendFailed(f"Slack answered {status} ({code})", retryable=True, maybe_sent=True)',
        'return SendFailed(f"Slack answered {status} ({code})", retryable=True)',
        SLACK_SEND,
    ),
    # --- the tick ---------------------------------------------------------------------
    Mutant(
        "tick.watermark-moves-back",
        "storage/repos/schedule.py",
        "    if current is None or to > current:",
        "    if current is None or to != current:",
        ("tests/outbox/test_outbox_repo.py", "tests/outbox/test_outbox_app.py"),
    ),
    Mutant(
        "tick.catch-up-keeps-everything",
        "handlers/moments/ticker.py",
        "            if oldest is not None and item.at < oldest:",
        "            if oldest is not None and item.at < oldest - catch_up:",
        ("tests/outbox/test_outbox_app.py", "tests/moments/test_tick_blocking.py"),
    ),
    # --- the receivers ----------------------------------------------------------------
    Mutant(
        "slack.double-click-window-ignored",
        "bot/slack/translate.py",
        'moment = int(float(action.get("action_ts") or 0) // DOUBLE_CLICK_SECONDS)',
        "moment = 0",
        ("tests/slack/test_scenarios.py", "tests/slack/test_acceptance.py"),
    ),
    Mutant(
        "slack.another-bots-dm-answered",
        "bot/slack/translate.py",
        'if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):',
        'if event.get("channel_type") != "im" or event.get("subtype"):',
        ("tests/slack/test_scenarios.py", "tests/slack/test_acceptance.py"),
    ),
    Mutant(
        "slack.entities-left-escaped",
        "bot/slack/translate.py",
        'text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")',
        'text = text.replace("&lt;", "<").replace("&gt;", ">")',
        ("tests/slack",),
    ),
    Mutant(
        "feishu.bot-messages-answered",
        "bot/feishu/receive.py",
        'if sender.sender_type not in (None, "user"):',
        'if sender.sender_type not in (None, "user", "app"):',
        ("tests/feishu",),
    ),
    Mutant(
        "feishu.repush-handled-again",
        "bot/feishu/receive.py",
        "            if any(key in self._ids for key in keys):",
        "            if all(key in self._ids for key in keys):",
        ("tests/feishu",),
    ),
    # --- the renderers ----------------------------------------------------------------
    Mutant(
        "slack.bar-empty-at-3-percent",
        "bot/slack/render.py",
        "        cells = min(max(cells, 1), BAR_CELLS - 1)",
        "        cells = min(cells, BAR_CELLS - 1)",
        ("tests/slack/test_render.py",),
    ),
    Mutant(
        "feishu.bar-full-at-97-percent",
        "bot/feishu/render.py",
        "        cells = min(max(cells, 1), BAR_CELLS - 1)",
        "        cells = max(cells, 1)",
        ("tests/feishu/test_feishu_render.py",),
    ),
    # --- the calendar -----------------------------------------------------------------
    Mutant(
        "calendar.make-up-weekend-off",
        "handlers/okr/calendar.py",
        "        return bool(_country(country, day.year).is_working_day(day))",
        "        return day.isoweekday() <= 5 and day not in _country(country, day.year)",
        ("tests/moments", "tests/okr"),
    ),
    # --- the repositories -------------------------------------------------------------
    Mutant(
        "repos.request-from-another-workspace",
        "storage/repos/changes.py",
        "            ChangeRequest.workspace_id == workspace_id, ChangeRequest.id == request_id",
        "            ChangeRequest.id == request_id",
        ("tests/storage/test_repo_workspaces.py", "tests/storage/test_tenancy.py"),
    ),
    Mutant(
        "repos.second-checkin-wipes-confidence",
        "storage/repos/rhythm.py",
        "        if confidence is not None:\n            row.confidence = confidence",
        "        if True:\n            row.confidence = confidence",
        ("tests/commands/test_usecases_rhythm.py",),
    ),
    Mutant(
        "repos.member-from-another-workspace",
        "storage/repos/workspaces.py",
        "def get_member(*, session: Session, workspace_id: int, member_id: int) -> Member | None:",
        "def get_member(*, session: Session, workspace_id: int, member_id: int) -> Member | None:"
        "\n    return session.get(Member, member_id)",
        ("tests/storage/test_repo_workspaces.py", "tests/storage/test_tenancy.py"),
    ),
]


def copy_project(into: Path, tests_from: str | None) -> None:
    ignore = shutil.ignore_patterns(".venv", ".git", "__pycache__", "*.pyc", ".mypy_cache")
    shutil.copytree(REPO, into, ignore=ignore, dirs_exist_ok=True)
    if tests_from is not None:
        shutil.rmtree(into / "tests")
        archive = subprocess.run(
            ["git", "-C", str(REPO), "archive", tests_from, "tests"],
            check=True,
            capture_output=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)


def apply(root: Path, mutant: Mutant) -> None:
    path = root / mutant.path
    source = path.read_text(encoding="utf-8")
    if source.count(mutant.old) != 1:
        raise SystemExit(f"{mutant.name}: the line to change is not in {mutant.path} once")
    path.write_text(source.replace(mutant.old, mutant.new), encoding="utf-8")


def caught(root: Path, mutant: Mutant) -> tuple[bool, float, str]:
    """Whether the mutant's tests fail on the copy; the seconds it took; the last line."""
    env = {**os.environ, "PYTHONPATH": str(root), "PYTHONDONTWRITEBYTECODE": "1"}
    started = time.monotonic()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *mutant.tests],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        return True, time.monotonic() - started, "timed out (counted as caught)"
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    return done.returncode != 0, time.monotonic() - started, lines[-1] if lines else ""


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.mutants")
    parser.add_argument("--tests-from", help="a git revision whose tests/ to run instead")
    parser.add_argument("--only", action="append", help="a mutant's name (repeatable)")
    args = parser.parse_args(argv)
    chosen = [m for m in MUTANTS if not args.only or m.name in args.only]
    results: list[tuple[Mutant, bool, float, str]] = []
    with tempfile.TemporaryDirectory(prefix="okrbot-mutants-") as workdir:
        base = Path(workdir) / "base"
        copy_project(base, args.tests_from)
        for mutant in chosen:
            root = Path(workdir) / mutant.name
            shutil.copytree(base, root)
            apply(root, mutant)
            found, seconds, last = caught(root, mutant)
            results.append((mutant, found, seconds, last))
            verdict = "caught  " if found else "SURVIVED"
            print(f"{verdict} {mutant.name:40} {seconds:6.1f} s  {last}", flush=True)
            shutil.rmtree(root)
    hits = sum(1 for _, found, _, _ in results if found)
    print(f"\n{hits} of {len(results)} caught ({100 * hits / max(len(results), 1):.0f} %)")
    for mutant, found, _, _ in results:
        if not found:
            print(f"  survived: {mutant.name} ({mutant.path})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
