"""The one HTTP server's neutral request and response, and a platform connection's contract.

`okrbot run` serves every route on one uvicorn server. Routes are plain
synchronous functions of a request (they run on a worker thread, so a slow
one never stalls the others); each platform connection brings its own routes
(`POST /slack/events`, `POST /feishu/events`) and its sender.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from bot.delivery import PlatformSender


@dataclass(frozen=True, slots=True)
class HttpRequest:
    method: str
    path: str
    query: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)  # names in lower case
    body: bytes = b""


@dataclass(frozen=True, slots=True)
class HttpResponse:
    """A route's answer. `after`, when set, is work the route wants started only once
    the answer is sent (whoever serves the route calls it then, even if sending failed):
    an acknowledgement never waits behind the work it acknowledges."""

    status: int
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    after: Callable[[], None] | None = field(default=None, compare=False)


Route = Callable[[HttpRequest], HttpResponse]


class Connection(Protocol):
    """One platform as the running bot sees it (built in `bot/<platform>`)."""

    platform: str

    def check(self) -> None:
        """Verify the credentials with the platform at start.

        Raises bot.settings.SettingsError naming the setting to fix.
        """
        ...

    def routes(self) -> Mapping[str, Route]:
        """HTTP routes by path, for the HTTP / webhook receiving mode (empty otherwise)."""
        ...

    def sender(self) -> PlatformSender:
        """What sends this platform's outbox rows."""
        ...

    def start(self) -> None:
        """Start receiving in the background (Socket Mode, long connection); returns at once."""
        ...

    def stop(self) -> None:
        """Stop receiving; returns within a few seconds."""
        ...
