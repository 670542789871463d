"""A store app's app_ticket: pushed by Feishu every hour, kept in the database.

The newest ticket is read from the database the first time it is needed (a
restarted process, another replica) and kept in memory after; each push
replaces it in both.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime

from storage.db import SessionFactory
from storage.repos import tickets

log = logging.getLogger(__name__)


class TicketBox:
    def __init__(self, *, sessions: SessionFactory, app_id: str) -> None:
        self.sessions = sessions
        self.app_id = app_id
        self._ticket: str | None = None
        self._lock = threading.Lock()

    def get(self) -> str | None:
        with self._lock:
            if self._ticket is not None:
                return self._ticket
        with self.sessions.begin() as session:
            found = tickets.ticket_of(session=session, app_id=self.app_id)
        with self._lock:
            if self._ticket is None:
                self._ticket = found
            return self._ticket

    def put(self, ticket: str, *, at: datetime) -> None:
        with self.sessions.begin() as session:
            tickets.save_ticket(session=session, app_id=self.app_id, ticket=ticket, at=at)
        with self._lock:
            self._ticket = ticket
        log.info("Feishu pushed a new app_ticket for app %s: kept", self.app_id)
