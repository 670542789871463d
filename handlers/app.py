"""The product's single entry point for adapters and the scheduler."""

from __future__ import annotations

from datetime import datetime

from handlers.clock import Clock
from handlers.events import Event
from handlers.views import Delivery, Outcome
from storage.db import SessionFactory


class OkrApp:
    """Handles neutral events and produces scheduled deliveries.

    Adapters call `handle` for every inbound event; the scheduler (or the
    terminal trial when its clock moves) calls `run_due` for the rhythm's
    moments that fell due in a time window.
    """

    def __init__(self, *, sessions: SessionFactory, clock: Clock) -> None:
        self.sessions = sessions
        self.clock = clock

    def handle(self, event: Event) -> Outcome:
        raise NotImplementedError

    def run_due(self, *, since: datetime, until: datetime) -> list[Delivery]:
        """Monday prompts, Friday check-in prompts and digests due in (since, until]."""
        raise NotImplementedError
