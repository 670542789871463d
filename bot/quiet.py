"""Keeping the SDKs' own loggers quiet while a refused request is answered.

Bolt, slack_sdk and lark-oapi log requests they refuse, lark-oapi with a
full traceback, so anyone who can reach the URL could fill the log. Inside
`quiet(...)` the records of the named loggers (and their children) are
dropped for the current thread only: the adapter answers the refusal with one
WARNING line of its own, and every other request, thread and logger logs as
configured.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_state = threading.local()


class _DropWhileQuiet(logging.Filter):
    """Drops the records of the loggers this thread asked to keep quiet."""

    def filter(self, record: logging.LogRecord) -> bool:
        names: tuple[str, ...] = getattr(_state, "names", ())
        if names and any(record.name == n or record.name.startswith(n + ".") for n in names):
            _state.dropped = getattr(_state, "dropped", 0) + 1
            return False
        return True


_FILTER = _DropWhileQuiet()


def _install(names: tuple[str, ...]) -> None:
    # On the loggers (a record logged there directly) and on the handlers that
    # records of their children reach by propagation.
    for name in names:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
    for handler in logging.getLogger().handlers:
        if _FILTER not in handler.filters:
            handler.addFilter(_FILTER)


class Hushed:
    """What `quiet` kept out of the log."""

    dropped: int = 0


@contextmanager
def quiet(*names: str) -> Iterator[Hushed]:
    """Silence these loggers in this thread for the block; says how many records were dropped."""
    _install(names)
    hushed = Hushed()
    before_names: tuple[str, ...] = getattr(_state, "names", ())
    before = getattr(_state, "dropped", 0)
    _state.names = before_names + names
    try:
        yield hushed
    finally:
        _state.names = before_names
        hushed.dropped = getattr(_state, "dropped", 0) - before
