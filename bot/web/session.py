"""The web view's session: a signed, HTTP-only, SameSite cookie that expires.

The cookie holds ids only (workspace, member), the form token that guards
every POST, and the language chosen in the web view. It is signed with
OKRBOT_WEB_SECRET and carries its own time of signing, so a changed or an old
cookie is simply not a session: the person signs in again.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer

SESSION_COOKIE = "okrbot_session"
SIGNIN_COOKIE = "okrbot_signin"  # the OAuth state while a sign-in is under way
SIGNIN_SECONDS = 600


@dataclass(frozen=True, slots=True)
class Session:
    workspace_id: int
    member_id: int
    csrf: str
    locale: str | None = None
    trial: bool = False  # `okrbot web --trial`: may switch to the demo's other people

    def with_locale(self, locale: str | None) -> Session:
        return replace(self, locale=locale)

    def as_member(self, member_id: int) -> Session:
        return replace(self, member_id=member_id)

    def form_token_ok(self, sent: str | None) -> bool:
        return sent is not None and hmac.compare_digest(sent.encode(), self.csrf.encode())


def new_session(
    *, workspace_id: int, member_id: int, locale: str | None = None, trial: bool = False
) -> Session:
    return Session(workspace_id, member_id, secrets.token_urlsafe(24), locale, trial)


class Codec:
    """Signs and reads the session and sign-in cookies; `clock` gives seconds (time.time).

    Each cookie carries the second it was signed at, inside the signature, and is
    refused once older than its lifetime.
    """

    def __init__(
        self, secret: str, *, max_age: float, clock: Callable[[], float] = time.time
    ) -> None:
        self.max_age = max_age
        self._clock = clock
        self._sessions = URLSafeSerializer(secret, salt="okrbot.session")
        self._signins = URLSafeSerializer(secret, salt="okrbot.signin")

    def dump(self, session: Session) -> str:
        data = [session.workspace_id, session.member_id, session.csrf, session.locale]
        return str(self._sessions.dumps([int(self._clock()), *data, session.trial]))

    def load(self, cookie: str | None) -> Session | None:
        data = self._loads(self._sessions, cookie, self.max_age)
        try:
            workspace_id, member_id, csrf, locale, trial = data
        except (TypeError, ValueError):
            return None
        if not (isinstance(workspace_id, int) and isinstance(member_id, int)):
            return None
        if not isinstance(csrf, str) or not (locale is None or isinstance(locale, str)):
            return None
        return Session(workspace_id, member_id, csrf, locale, bool(trial))

    def dump_signin(self, state: dict[str, str]) -> str:
        return str(self._signins.dumps([int(self._clock()), state]))

    def load_signin(self, cookie: str | None) -> dict[str, str] | None:
        found = self._loads(self._signins, cookie, SIGNIN_SECONDS)
        data = found[0] if isinstance(found, list) and len(found) == 1 else None
        if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
            return None
        return data

    def _loads(self, serializer: URLSafeSerializer, cookie: str | None, max_age: float) -> Any:
        """What the cookie holds after its signing time, or None: absent, changed, expired."""
        if not cookie:
            return None
        try:
            data = serializer.loads(cookie)
        except BadSignature:
            return None
        if not isinstance(data, list) or not data or not isinstance(data[0], int):
            return None
        age = self._clock() - data[0]
        # A few seconds "from the future" is another replica's clock, not an attack.
        return data[1:] if -5 <= age <= max_age else None
