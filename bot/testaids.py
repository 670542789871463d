"""Test aids for real-process tests of `okrbot run`; never needed in production.

Both are switched on by settings that `.env.example` lists as test aids:

- `OKRBOT_TEST_CLOCK_FILE`: the bot's clock reads the current instant from
  this file (one ISO 8601 timestamp with its offset) on every call, so a test
  can move two running processes through a hundred scheduled moments in
  seconds. Leases and the tick interval stay in real time. The terminal trial
  reads the real time it opens at from it too.
- `OKRBOT_TEST_RECORDER`: a stand-in platform connection whose sender appends
  one JSON line per send attempt to this file instead of posting anywhere. It
  serves the outbox rows of every platform that no real connection serves.
  `OKRBOT_TEST_SEND_SECONDS` makes each send take that long, like a real API.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from bot.delivery import Bucket, Outgoing, PlatformSender
from bot.http import Route
from handlers.views import ToOkr, ToUser

RECORDED_PLATFORMS = ("slack", "feishu", "console")


class FileClock:
    """The instant written in a file, read on every call."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._last: datetime | None = None

    def now(self) -> datetime:
        try:
            text = self.path.read_text(encoding="utf-8").strip()
            instant = datetime.fromisoformat(text)
        except (OSError, ValueError):
            # Caught mid-write by a test: the previous instant is still the truth.
            if self._last is None:
                raise
            return self._last
        if instant.tzinfo is None:
            raise ValueError(f"{self.path} holds {text!r}, which needs a UTC offset")
        self._last = instant.astimezone(UTC)
        return self._last


class RecordingSender:
    """Appends every send attempt to a file: the key, the recipient, the summary, who sent it."""

    def __init__(self, platform: str, path: Path, *, seconds: float = 0.0) -> None:
        self.platform = platform
        self.path = path
        self.seconds = seconds
        self._lock = threading.Lock()

    def buckets(self, item: Outgoing) -> Sequence[Bucket]:
        return ()

    def send(self, item: Outgoing) -> str:
        if item.done.ref is not None:
            return item.done.ref  # it arrived (found after a crash); nothing follows a post here
        return self._record("send", item)

    def update(self, item: Outgoing) -> str:
        return self._record("update", item)

    def find(self, item: Outgoing) -> str | None:
        """A send in doubt arrived if its line is in the file (the stand-in's history)."""
        for raw in self.path.read_text(encoding="utf-8").splitlines() if self.path.exists() else []:
            if raw.strip() and json.loads(raw).get("key") == item.key:
                return f"recorded:{item.key}"
        return None

    def _record(self, action: str, item: Outgoing) -> str:
        if self.seconds:
            time.sleep(self.seconds)
        line = {
            "action": action,
            "platform": item.platform,
            "workspace": item.workspace,
            "key": item.key,
            "to": (
                f"user:{item.to.user_id}"
                if isinstance(item.to, ToUser)
                else f"okr:{item.to.kr_id}"
                if isinstance(item.to, ToOkr)
                else f"channel:{item.to.channel_id}"
            ),
            "summary": item.message.summary,
            "replaces": item.ref,
            "pid": os.getpid(),
        }
        data = (json.dumps(line, ensure_ascii=False) + "\n").encode()
        with self._lock:
            # One write with O_APPEND: lines of two processes never interleave.
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, data)
            finally:
                os.close(fd)
        return f"recorded:{item.key}"


class RecordingConnection:
    """A platform connection that only sends, into a RecordingSender."""

    def __init__(self, platform: str, path: Path, *, seconds: float = 0.0) -> None:
        self.platform = platform
        self._sender = RecordingSender(platform, path, seconds=seconds)

    def check(self) -> None:
        return None

    def routes(self) -> Mapping[str, Route]:
        return {}

    def sender(self) -> PlatformSender:
        return self._sender

    def start(self) -> None:
        return None

    def stop(self) -> None:
        return None
