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
Each mutant runs only the test files that guard the code it changes (those
of them the copy has). First the same files run once with no mutant: a test
that fails already is left out of every run, or it would catch everything.
`--jobs N` runs N mutants at once (only on an idle machine); `--check` only
checks that every mutant still applies to the code, in a second.
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
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
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


OUTBOX = (
    "tests/outbox/test_outbox_repo.py",
    "tests/outbox/test_outbox_sender.py",
    "tests/outbox/test_outbox_workers.py",
    "tests/outbox/test_exactly_once.py",
)
SLACK_SEND = ("tests/outbox/test_exactly_once.py", "tests/slack/test_sender.py")
TICK = (
    "tests/outbox/test_outbox_repo.py",
    "tests/outbox/test_outbox_app.py",
    "tests/moments/test_tick_blocking.py",
    "tests/storage/test_lease.py",
)
SLACK_IN = (
    "tests/slack/test_scenarios.py",
    "tests/slack/test_real_traffic.py",
    "tests/slack/test_sender.py",
)
FEISHU_IN = (
    "tests/feishu/test_feishu_translate.py",
    "tests/feishu/test_feishu_webhook.py",
    "tests/feishu/test_real_traffic.py",
    "tests/feishu/test_feishu_scenarios.py",
)
CALENDAR = ("tests/okr", "tests/moments/test_rhythm_flows.py", "tests/moments/test_time.py")
TENANCY = ("tests/storage/test_repo_workspaces.py", "tests/storage/test_tenancy.py")

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
        TICK,
    ),
    Mutant(
        "tick.catch-up-keeps-everything",
        "handlers/moments/ticker.py",
        "            if oldest is not None and item.at < oldest:",
        "            if oldest is not None and item.at < oldest - catch_up:",
        TICK,
    ),
    # --- the receivers ----------------------------------------------------------------
    Mutant(
        "slack.double-click-window-ignored",
        "bot/slack/translate.py",
        'moment = int(float(action.get("action_ts") or 0) // DOUBLE_CLICK_SECONDS)',
        "moment = 0",
        SLACK_IN,
    ),
    Mutant(
        "slack.another-bots-messages-answered",
        "bot/slack/translate.py",
        'if event.get("bot_id") or event.get("bot_profile") or event.get("app_id"):',
        'if event.get("bot_profile") or event.get("app_id"):',
        SLACK_IN,
    ),
    Mutant(
        "slack.entities-left-escaped",
        "bot/slack/translate.py",
        'text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")',
        'text = text.replace("&lt;", "<").replace("&gt;", ">")',
        SLACK_IN,
    ),
    Mutant(
        "feishu.bot-messages-answered",
        "bot/feishu/receive.py",
        'if sender.sender_type not in (None, "user"):',
        'if sender.sender_type not in (None, "user", "app"):',
        FEISHU_IN,
    ),
    Mutant(
        "feishu.repush-handled-again",
        "bot/feishu/receive.py",
        "            if any(key in self._ids for key in keys):",
        "            if all(key in self._ids for key in keys):",
        FEISHU_IN,
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
        CALENDAR,
    ),
    # --- the repositories -------------------------------------------------------------
    Mutant(
        "repos.request-from-another-workspace",
        "storage/repos/changes.py",
        "            ChangeRequest.workspace_id == workspace_id, ChangeRequest.id == request_id",
        "            ChangeRequest.id == request_id",
        TENANCY,
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
        TENANCY,
    ),
    # --- added: the outbox ------------------------------------------------------------
    Mutant(
        "outbox.claim-without-lease",
        "storage/repos/outbox.py",
        "        candidate.claimed_until = now + claim_for",
        "        candidate.claimed_until = now",
        OUTBOX,
    ),
    Mutant(
        "outbox.failures-never-counted",
        "storage/repos/outbox.py",
        'values["attempts"] = OutboxMessage.attempts + 1',
        'values["attempts"] = OutboxMessage.attempts',
        OUTBOX,
    ),
    Mutant(
        "outbox.requeue-every-workspace",
        "storage/repos/outbox.py",
        "        conditions.append(OutboxMessage.workspace_id == workspace_id)\n    result",
        "        pass\n    result",
        (*OUTBOX, "tests/process/test_operator_cli.py"),
    ),
    Mutant(
        "outbox.rate-never-spent",
        "bot/outbox.py",
        "self._tokens[bucket.name] = self._refill(bucket, now) - 1.0",
        "self._tokens[bucket.name] = self._refill(bucket, now)",
        OUTBOX,
    ),
    Mutant(
        "outbox.pause-ignored",
        "bot/outbox.py",
        "            wait = max(wait, self._paused_until.get(bucket.name, now) - now)",
        "            pass",
        OUTBOX,
    ),
    # --- added: the tick --------------------------------------------------------------
    Mutant(
        "tick.chunk-drops-its-last",
        "handlers/moments/ticker.py",
        "chunk = deliveries[start : start + ENQUEUE_CHUNK]",
        "chunk = deliveries[start : start + ENQUEUE_CHUNK - 1]",
        TICK,
    ),
    Mutant(
        "tick.follow-up-from-the-moved-clock",
        "handlers/moments/ticker.py",
        "self._follow_up_checkins(list(by_workspace), since=now - FOLLOW_UP_MARGIN)",
        "self._follow_up_checkins(list(by_workspace), since=self.clock.now())",
        TICK,
    ),
    # --- added: the receivers ---------------------------------------------------------
    Mutant(
        "slack.signatures-unchecked",
        "bot/slack/app.py",
        "            token_verification_enabled=False,",
        "            token_verification_enabled=False,\n            request_verification_enabled=False,",
        SLACK_IN,
    ),
    Mutant(
        "slack.retries-get-new-ids",
        "bot/slack/translate.py",
        'return f"ev:{found}" if found else None',
        "return None",
        SLACK_IN,
    ),
    Mutant(
        "feishu.durable-key-is-the-event-id",
        "bot/feishu/receive.py",
        "self._command(where, parsed, message.message_id or event_id, message.chat_id)",
        "self._command(where, parsed, event_id or message.message_id, message.chat_id)",
        FEISHU_IN,
    ),
    Mutant(
        "feishu.stale-signature-accepted",
        "bot/feishu/receive.py",
        "        if abs(now - int(timestamp)) > FRESH_SECONDS:",
        "        if False:",
        FEISHU_IN,
    ),
    Mutant(
        "feishu.replayed-nonce-accepted",
        "bot/feishu/receive.py",
        "        if not self._nonces.first(nonce) or not self._first_use(nonce, now):",
        "        if False:",
        FEISHU_IN,
    ),
    Mutant(
        "dispatch.duplicates-handled",
        "handlers/dispatch.py",
        "if event.event_id and not events.claim_event(",
        "if False and not events.claim_event(",
        SLACK_IN + FEISHU_IN,
    ),
    Mutant(
        # Duplicates recorded, but told apart only by what this process has seen.
        "dispatch.duplicates-known-until-restart",
        "handlers/dispatch.py",
        "                if event.event_id and not events.claim_event(\n"
        "                    session=session, platform=event.actor.platform, event_id=event.event_id\n"
        "                ):",
        "                seen = self.__dict__.setdefault('_seen', set())\n"
        "                duplicate = event.event_id in seen\n"
        "                seen.add(event.event_id)\n"
        "                if event.event_id and (events.claim_event(\n"
        "                    session=session, platform=event.actor.platform, event_id=event.event_id\n"
        "                ) or True) and duplicate:",
        SLACK_IN,
    ),
    # --- added: the renderers ---------------------------------------------------------
    Mutant(
        "slack.bar-full-at-97-percent",
        "bot/slack/render.py",
        "        cells = min(max(cells, 1), BAR_CELLS - 1)",
        "        cells = max(cells, 1)",
        ("tests/slack/test_render.py",),
    ),
    Mutant(
        "feishu.bar-empty-at-3-percent",
        "bot/feishu/render.py",
        "        cells = min(max(cells, 1), BAR_CELLS - 1)",
        "        cells = min(cells, BAR_CELLS - 1)",
        ("tests/feishu/test_feishu_render.py",),
    ),
    Mutant(
        "console.bar-empty-at-4-percent",
        "bot/console/render.py",
        "        cells = min(max(cells, 1), BAR_CELLS - 1)",
        "        cells = min(cells, BAR_CELLS - 1)",
        ("tests/console/test_console_render.py",),
    ),
    # --- added: the calendar ----------------------------------------------------------
    Mutant(
        "calendar.friday-task-due-on-saturday",
        "handlers/okr/calendar.py",
        "        return _add_working_days(self.own, self.country, day, 1)",
        "        return day + timedelta(days=1)",
        CALENDAR,
    ),
    Mutant(
        "calendar.own-holidays-worked",
        "handlers/okr/calendar.py",
        "    if day.isoformat() in own:\n        return False",
        "    if day.isoformat() in own:\n        pass",
        CALENDAR,
    ),
    Mutant(
        "storage.writers-begin-deferred",
        "storage/db.py",
        '        connection.exec_driver_sql("BEGIN IMMEDIATE")',
        '        connection.exec_driver_sql("BEGIN")',
        (
            "tests/storage/test_sqlite_writers.py",
            "tests/storage/test_concurrency.py",
            "tests/outbox/test_outbox_repo.py",
        ),
    ),
    # --- added: the repositories ------------------------------------------------------
    Mutant(
        "repos.second-checkin-wipes-note",
        "storage/repos/rhythm.py",
        "        if note:\n            row.note = note",
        "        if True:\n            row.note = note",
        ("tests/commands/test_usecases_rhythm.py",),
    ),
    Mutant(
        "repos.help-request-from-another-workspace",
        "storage/repos/collab.py",
        "            HelpRequest.workspace_id == workspace_id, HelpRequest.number == number",
        "            HelpRequest.number == number",
        TENANCY,
    ),
    Mutant(
        "repos.key-result-by-id-from-another-workspace",
        "storage/repos/okrs.py",
        "    return kr if kr is not None and kr.workspace_id == workspace_id else None",
        "    return kr",
        TENANCY,
    ),
    Mutant(
        "repos.tasks-from-another-workspace",
        "storage/repos/rhythm.py",
        "PlanTask.workspace_id == workspace_id, col(PlanTask.id).in_(part)",
        "col(PlanTask.id).in_(part)",
        TENANCY,
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


def present(root: Path, tests: tuple[str, ...]) -> list[str]:
    """The mutant's tests that the copy has (main's tests lack files added since)."""
    return [t for t in tests if (root / t.split("::")[0]).exists()]


def pytest_env(root: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(root),
        "PYTHONDONTWRITEBYTECODE": "1",
        "OKRBOT_TEST_DATABASE": "sqlite",
    }


def baseline(root: Path, mutants: list[Mutant]) -> list[str]:
    """The tests that fail with no mutant at all (main's tests on this code, say):
    they are left out of every mutant's run, or they would catch everything."""
    tests = sorted({t for m in mutants for t in present(root, m.tests)})
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rfE", *tests],
        cwd=root,
        env=pytest_env(root),
        capture_output=True,
        text=True,
        timeout=TIMEOUT * 3,
    )
    failing = []
    for line in done.stdout.splitlines():
        if line.startswith(("FAILED ", "ERROR ")):
            failing.append(line.split(" ", 2)[1])
    return failing


def caught(root: Path, mutant: Mutant, deselect: Sequence[str] = ()) -> tuple[bool, float, str]:
    """Whether the mutant's tests fail on the copy; the seconds it took; the last line.

    A run that times out counts as caught (CI would fail it too) and says so;
    a mutant none of whose tests exist in the copy survives.
    """
    tests = present(root, mutant.tests)
    if not tests:
        return False, 0.0, "none of its tests exist here"
    skip = [f"--deselect={nodeid}" for nodeid in deselect]
    started = time.monotonic()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *skip, *tests],
            cwd=root,
            env=pytest_env(root),
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        return True, time.monotonic() - started, "timed out (counted as caught)"
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    if done.returncode in (4, 5):
        # A usage error or nothing collected: the tests never ran, so nothing caught it.
        return False, time.monotonic() - started, f"no tests ran (pytest exit {done.returncode})"
    # 1: a test failed; 2: collection failed (the mutant broke an import), also a failing CI.
    return done.returncode != 0, time.monotonic() - started, lines[-1] if lines else ""


def imports_the_copy(root: Path) -> None:
    """The copy's code, not this checkout's (installed editable), is what the tests import."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    found = subprocess.run(
        [sys.executable, "-c", "import bot.outbox; print(bot.outbox.__file__)"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not Path(found).resolve().is_relative_to(root.resolve()):
        raise SystemExit(f"the copy imports {found}, not its own code")


def run_one(
    workdir: Path, base: Path, mutant: Mutant, deselect: Sequence[str]
) -> tuple[Mutant, bool, float, str]:
    root = workdir / mutant.name
    shutil.copytree(base, root)
    try:
        apply(root, mutant)
        found, seconds, last = caught(root, mutant, deselect)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return mutant, found, seconds, last


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.mutants")
    parser.add_argument("--tests-from", help="a git revision whose tests/ to run instead")
    parser.add_argument("--only", action="append", help="a mutant's name (repeatable)")
    parser.add_argument("--jobs", type=int, default=1, help="mutants run at once (default 1)")
    parser.add_argument(
        "--check", action="store_true", help="only check that every mutant applies once"
    )
    parser.add_argument(
        "--no-baseline", action="store_true", help="skip the run without a mutant first"
    )
    args = parser.parse_args(argv)
    chosen = [m for m in MUTANTS if not args.only or m.name in args.only]
    if args.only and len(chosen) != len(set(args.only)):
        raise SystemExit(f"unknown mutants: {sorted(set(args.only) - {m.name for m in chosen})}")
    if len({m.name for m in MUTANTS}) != len(MUTANTS):
        raise SystemExit("two mutants share a name")
    results: list[tuple[Mutant, bool, float, str]] = []
    with tempfile.TemporaryDirectory(prefix="okrbot-mutants-") as tmp:
        workdir = Path(tmp)
        base = workdir / "base"
        copy_project(base, args.tests_from)
        if args.check:
            for mutant in chosen:
                source = (base / mutant.path).read_text(encoding="utf-8")
                if source.count(mutant.old) != 1:
                    raise SystemExit(f"{mutant.name}: not once in {mutant.path}")
            print(f"all {len(chosen)} mutants apply")
            return 0
        imports_the_copy(base)
        failing = [] if args.no_baseline else baseline(base, chosen)
        for nodeid in failing:
            print(f"fails with no mutant, left out: {nodeid}", flush=True)
        with ThreadPoolExecutor(max(1, args.jobs)) as pool:
            futures = [pool.submit(run_one, workdir, base, m, failing) for m in chosen]
            for future in as_completed(futures):
                mutant, found, seconds, last = future.result()
                results.append((mutant, found, seconds, last))
                verdict = "caught  " if found else "SURVIVED"
                print(f"{verdict} {mutant.name:45} {seconds:6.1f} s  {last}", flush=True)
    hits = sum(1 for _, found, _, _ in results if found)
    print(f"\n{hits} of {len(results)} caught ({100 * hits / max(len(results), 1):.0f} %)")
    for mutant, found, _, last in sorted(results, key=lambda r: r[0].name):
        if not found:
            print(f"  survived: {mutant.name} ({mutant.path}) {last}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
