"""Fake Slack and Feishu that enforce the platforms' posting limits, slowly, with faults.

`LimitedSlack` and `LimitedFeishu` are the ordinary fakes (the real SDK clients
talk to them over HTTP) with three things added for sending at volume:

- limits enforced as the platform states them: Slack's chat.postMessage one
  message a second per channel; Feishu's message create 50 a second per app
  and 5 a second per user or group. Each limit is a token bucket holding one
  second's worth plus one (so the arrival jitter of a sender that keeps the
  rate is not punished). A request over a limit is refused with 429 and the
  platform's wait header: Slack's Retry-After, Feishu's x-ogw-ratelimit-reset
  with x-ogw-ratelimit-limit naming the limit;
- a latency per request (uniform in `latency`, seconds), so a sender that
  sends one request at a time is as slow as it would be against the platform;
- injected faults: a fraction of requests refused with a 429 (as if another
  app had used the limit) or a 5xx, from a seeded random generator. On the
  limited Slack every Web API method and the file upload URLs fail so, and a
  share of the 5xx (`lost_5xx`) come after the request took effect, as when
  Slack's answer is lost on the way back.

`speed` compresses time: limits are `speed` times higher per real second and
latencies and waits `speed` times shorter, so a sender whose clock runs
`speed` times faster sees exactly the platform's limits. Header values stay
whole seconds of the compressed clock.

Only messages the fake accepted are in `accepted` (recipient, key, time).
"""

from __future__ import annotations

import json
import math
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.feishu_api import FakeFeishu
from tests.fakes.slack_api import FakeSlack, _json, _parse

SLACK_PER_CHANNEL = 1.0  # chat.postMessage: one message a second per channel
FEISHU_PER_APP = 50.0  # message create: 50 a second per app
FEISHU_PER_CHAT = 5.0  # and 5 a second to one user or one group


class Buckets:
    """Token buckets by name, on a clock that may run `speed` times faster than real time."""

    def __init__(self, speed: float = 1.0) -> None:
        self.speed = speed
        self._lock = threading.Lock()
        self._tokens: dict[str, float] = {}
        self._at: dict[str, float] = {}
        self._start = time.monotonic()

    def now(self) -> float:
        return (time.monotonic() - self._start) * self.speed

    def admit(self, limits: list[tuple[str, float]]) -> tuple[float, float] | None:
        """Take a token from every bucket, or none: (seconds to wait, the limit hit) if refused."""
        with self._lock:
            now = self.now()
            short: tuple[float, float] | None = None
            levels: dict[str, float] = {}
            for name, rate in limits:
                capacity = max(rate, 1.0) + 1.0
                tokens = self._tokens.get(name, capacity)
                tokens = min(capacity, tokens + (now - self._at.get(name, now)) * rate)
                levels[name] = tokens
                self._tokens[name], self._at[name] = tokens, now
                if tokens < 1.0:
                    wait = (1.0 - tokens) / rate
                    if short is None or wait > short[0]:
                        short = (wait, rate)
            if short is not None:
                return short
            for name, tokens in levels.items():
                self._tokens[name] = tokens - 1.0
            return None


@dataclass
class Volume:
    """What a limited fake saw: requests, refusals by cause, and accepted messages."""

    requests: int = 0
    limited: int = 0  # 429s for exceeding a limit
    injected_429: int = 0
    injected_5xx: int = 0
    accepted: list[tuple[str, str, float]] = field(default_factory=list)  # (to, key, at)

    def accepted_keys(self) -> Counter[str]:
        return Counter(key for _to, key, _at in self.accepted)


class _Pressure:
    """Latency and injected faults, shared by both fakes."""

    def __init__(
        self,
        *,
        speed: float,
        latency: tuple[float, float],
        fail_429: float,
        fail_5xx: float,
        seed: int,
    ) -> None:
        self.buckets = Buckets(speed)
        self.speed = speed
        self.latency = latency
        self.fail_429 = fail_429
        self.fail_5xx = fail_5xx
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self.volume = Volume()

    def delay(self) -> None:
        with self._lock:
            seconds = self._random.uniform(*self.latency)
        time.sleep(seconds / self.speed)

    def fault(self) -> str | None:
        with self._lock:
            self.volume.requests += 1
            roll = self._random.random()
        if roll < self.fail_429:
            with self._lock:
                self.volume.injected_429 += 1
            return "429"
        if roll < self.fail_429 + self.fail_5xx:
            with self._lock:
                self.volume.injected_5xx += 1
            return "5xx"
        return None

    def roll(self) -> float:
        with self._lock:
            return self._random.random()

    def refused(self) -> None:
        with self._lock:
            self.volume.limited += 1

    def accept(self, to: str, key: str) -> None:
        with self._lock:
            self.volume.accepted.append((to, key, self.buckets.now()))


def _whole_seconds(wait: float) -> str:
    return str(max(1, math.ceil(wait)))


class _UnderPressure:
    """What both limited fakes add to theirs: latency, faults, limits, and what got through."""

    def __init__(
        self,
        *,
        speed: float = 1.0,
        latency: tuple[float, float] = (0.03, 0.08),
        fail_429: float = 0.0,
        fail_5xx: float = 0.0,
        seed: int = 1,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.pressure = _Pressure(
            speed=speed, latency=latency, fail_429=fail_429, fail_5xx=fail_5xx, seed=seed
        )

    @property
    def volume(self) -> Volume:
        return self.pressure.volume


class LimitedSlack(_UnderPressure, FakeSlack):
    """FakeSlack with latency and faults on every call, and Slack's per-channel post rate."""

    def __init__(self, *, lost_5xx: float = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.lost_5xx = lost_5xx

    def _answer(
        self, path: str, headers: dict[str, str], raw: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        bare = path.split("?")[0]
        if bare.startswith("/response/") or bare in ("/api/auth.test", "/api/users.info"):
            return super()._answer(path, headers, raw)
        pressure = self.pressure
        pressure.delay()
        lower = {k.lower(): v for k, v in headers.items()}
        args = _parse(lower.get("content-type", ""), raw) if bare.startswith("/api/") else {}
        channel = str(args.get("channel"))
        fault = pressure.fault()
        if fault == "5xx":
            if pressure.roll() < self.lost_5xx:
                super()._answer(path, headers, raw)  # it happened; the answer is lost
            return _json(503, {"ok": False, "error": "service_unavailable"})
        if fault == "429":
            return _json(429, {"ok": False, "error": "ratelimited"}, {"retry-after": "1"})
        if bare == "/api/chat.postMessage":
            refused = pressure.buckets.admit([(f"channel:{channel}", SLACK_PER_CHANNEL)])
            if refused is not None:
                pressure.refused()
                retry = {"retry-after": _whole_seconds(refused[0])}
                return _json(429, {"ok": False, "error": "ratelimited"}, retry)
        status, answer_headers, body = super()._answer(path, headers, raw)
        if status == 200 and bare == "/api/chat.postMessage":
            metadata = args.get("metadata") or {}
            payload = metadata.get("event_payload") if isinstance(metadata, dict) else None
            key = payload.get("key") if isinstance(payload, dict) else None
            # Slack has no idempotency key: a message is known by its metadata, or by its text.
            pressure.accept(channel, str(key or f"{channel}:{args.get('text', '')}"))
        return status, answer_headers, body


class LimitedFeishu(_UnderPressure, FakeFeishu):
    """FakeFeishu whose message create keeps the app's and each chat's rate, slowly, with faults."""

    def answer(
        self, method: str, path: str, query: dict[str, str], raw: bytes, headers: dict[str, str]
    ) -> tuple[int, Any, dict[str, str]]:
        if not (path == "/open-apis/im/v1/messages" and method == "POST"):
            return super().answer(method, path, query, raw, headers)
        pressure = self.pressure
        pressure.delay()
        fault = pressure.fault()
        if fault == "5xx":
            return 500, {"code": 1500, "msg": "internal error"}, {}
        try:
            body = json.loads(raw)
            to = f"{query.get('receive_id_type', '')}:{body.get('receive_id', '')}"
        except ValueError:
            to = ""
        if fault == "429":
            return self._too_many(1.0, FEISHU_PER_CHAT)
        refused = pressure.buckets.admit(
            [(f"app:{self.app_id}", FEISHU_PER_APP), (f"chat:{to}", FEISHU_PER_CHAT)]
        )
        if refused is not None:
            pressure.refused()
            return self._too_many(*refused)
        status, answer, answer_headers = super().answer(method, path, query, raw, headers)
        if status == 200:
            pressure.accept(to, str(body.get("uuid") or ""))
        return status, answer, answer_headers

    def _too_many(self, wait: float, limit: float) -> tuple[int, Any, dict[str, str]]:
        return (
            429,
            {"code": 99991400, "msg": "request trigger frequency limit"},
            {
                "x-ogw-ratelimit-limit": f"{limit:g}",
                "x-ogw-ratelimit-reset": _whole_seconds(wait),
            },
        )
