"""Real `okrbot run` processes for tests: started, watched and always cleaned up.

Each process listens on 127.0.0.1 on a port the OS picks, logs to a file, and
uses the test aids of bot/testaids.py: a clock read from a file the test
moves, and a recorder standing in for the chat platform (one JSON line per
send attempt).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.settings import Settings, env_name

REPO = Path(__file__).resolve().parents[1]
SERVING = re.compile(r"okrbot is serving on http://127\.0\.0\.1:(\d+) \(.*\) as (\S+)")


def wait_for(what: str, check: Callable[[], bool], *, timeout: float, every: float = 0.05) -> None:
    """Poll `check` until it is true; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


class ClockFile:
    """The instant every bot process of a test reads (OKRBOT_TEST_CLOCK_FILE)."""

    def __init__(self, path: Path, start: datetime) -> None:
        self.path = path
        self.set(start)

    def set(self, instant: datetime) -> None:
        assert instant.tzinfo is not None
        self.now = instant
        # Written aside and renamed: a reader never sees half a timestamp.
        aside = self.path.with_suffix(".tmp")
        aside.write_text(instant.isoformat(), encoding="utf-8")
        aside.replace(self.path)


@dataclass
class Recording:
    """What the stand-in platform received, from its file."""

    path: Path

    def lines(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        text = self.path.read_text(encoding="utf-8")
        return [json.loads(line) for line in text.splitlines() if line.strip()]

    def attempts(self) -> Counter[str]:
        """How many times each key was handed to the platform."""
        return Counter(line["key"] for line in self.lines())

    def keys(self) -> set[str]:
        return set(self.attempts())


@dataclass
class BotProcess:
    """One `okrbot run` subprocess."""

    env: dict[str, str]
    log_path: Path
    cwd: Path
    popen: subprocess.Popen[bytes] | None = None
    port: int = 0
    holder: str = ""
    _log_offset: int = field(default=0)

    def start(self, *, timeout: float = 90.0) -> BotProcess:
        # Starting imports Bolt, lark-oapi and matplotlib and migrates the database: a few
        # seconds alone, half a minute on a loaded 2-core machine. A process that dies is
        # reported at once, so the bound only matters for one that hangs.
        self._log_offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        with self.log_path.open("ab") as log:
            self.popen = subprocess.Popen(
                [sys.executable, "-m", "bot", "run", "--host", "127.0.0.1", "--port", "0"],
                env=self.env,
                cwd=self.cwd,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )
        wait_for(f"okrbot run to serve ({self.log_path})", self._serving, timeout=timeout)
        return self

    def _serving(self) -> bool:
        assert self.popen is not None
        if self.popen.poll() is not None:
            raise AssertionError(f"okrbot run exited with {self.popen.returncode}:\n{self.log()}")
        match = SERVING.search(self.log())
        if match is None:
            return False
        self.port, self.holder = int(match.group(1)), match.group(2)
        return True

    def log(self) -> str:
        """This run's log (since the last start)."""
        if not self.log_path.exists():
            return ""
        with self.log_path.open("rb") as file:
            file.seek(self._log_offset)
            return file.read().decode("utf-8", "replace")

    @property
    def pid(self) -> int:
        assert self.popen is not None
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def get(self, path: str, *, timeout: float = 5.0) -> tuple[int, dict[str, Any]]:
        url = f"http://127.0.0.1:{self.port}{path}"
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            body = error.read()
            is_json = error.headers.get("content-type", "").startswith("application/json")
            return error.code, json.loads(body) if is_json else {"text": body.decode()}

    def terminate(self, *, timeout: float = 10.0) -> int:
        """SIGTERM, then wait; the exit code (fails the test if it does not stop in time)."""
        assert self.popen is not None
        self.popen.send_signal(signal.SIGTERM)
        try:
            return self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(5)
            raise AssertionError(
                f"okrbot run did not stop within {timeout} s:\n{self.log()}"
            ) from None

    def kill(self) -> None:
        """kill -9: no clean-up at all, as a crash or an OOM kill."""
        if self.popen is not None and self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait(5)


class Bots:
    """Makes bot processes sharing one database, clock and recording; kills leftovers at the end."""

    def __init__(
        self, *, workdir: Path, database_url: str, clock: ClockFile, extra: dict[str, str]
    ) -> None:
        self.workdir = workdir
        self.recording = Recording(workdir / "sent.jsonl")
        env = {k: v for k, v in os.environ.items() if k not in _setting_names()}
        env.update(
            DATABASE_URL=database_url,
            OKRBOT_TEST_CLOCK_FILE=str(clock.path),
            OKRBOT_TEST_RECORDER=str(self.recording.path),
            OKRBOT_TICK_SECONDS="0.2",
            OKRBOT_LEASE="PT3S",
            PYTHONPATH=str(REPO),
            LOG_LEVEL="INFO",
        )
        env.update(extra)
        self.env = env
        self.made: list[BotProcess] = []

    def new(self, name: str = "bot", **extra: str) -> BotProcess:
        bot = BotProcess(
            env={**self.env, **extra}, log_path=self.workdir / f"{name}.log", cwd=self.workdir
        )
        self.made.append(bot)
        return bot

    def close(self) -> None:
        for bot in self.made:
            bot.kill()


def _setting_names() -> set[str]:
    return {env_name(name) for name in Settings.model_fields}
