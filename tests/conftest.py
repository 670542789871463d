"""Shared fixtures: a fresh migrated database per test and an app on a manual clock.

The database is SQLite unless OKRBOT_TEST_DATABASE=postgres (see tests/databases.py).
Tests marked `sqlite_only("why")` are skipped on PostgreSQL and `postgres_only("why")`
on SQLite, each with its reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from bot.console.demo import DemoWorkspace, seed_demo
from handlers.app import OkrApp
from handlers.clock import ManualClock
from handlers.events import Actor, ButtonPressed, Command, FormSubmitted, MentionedUser
from handlers.views import Form, Message, Outcome
from storage.db import SessionFactory, make_engine
from tests.databases import Databases, database_kind

# Wednesday of ISO week 2026-W48, 10:00 in Shanghai.
WEDNESDAY = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


@dataclass
class Harness:
    """Drives the real OkrApp the way an adapter would, as any member of a workspace."""

    app: OkrApp
    sessions: SessionFactory
    clock: ManualClock
    platform: str = "console"
    workspace: str = "demo"

    def actor(self, user: str, *, locale: str | None = None, workspace: str | None = None) -> Actor:
        return Actor(
            platform=self.platform,
            workspace_id=workspace or self.workspace,
            user_id=user,
            display_name=user.title(),
            locale=locale,
        )

    def say(
        self,
        user: str,
        text: str,
        *,
        mentions: dict[str, MentionedUser] | None = None,
        event_id: str | None = None,
        workspace: str | None = None,
        locale: str | None = None,
    ) -> Outcome:
        return self.app.handle(
            Command(
                actor=self.actor(user, locale=locale, workspace=workspace),
                text=text,
                mentions=mentions or {},
                event_id=event_id,
            )
        )

    def press(self, user: str, action: str, value: str = "") -> Outcome:
        return self.app.handle(ButtonPressed(actor=self.actor(user), action=action, value=value))

    def submit(self, user: str, form: Form, values: dict[str, str | list[str] | None]) -> Outcome:
        return self.app.handle(
            FormSubmitted(
                actor=self.actor(user), form_id=form.form_id, values=values, context=form.context
            )
        )


def text_of(outcome: Outcome) -> str:
    """Every visible string of the replies, one per line, for assertions."""
    from bot.console.render import render_view

    return "\n".join(render_view(view) for view in outcome.replies)


def words_of(outcome: Outcome) -> str:
    """Every text of the replies' blocks, unwrapped, one per line: for exact assertions."""
    lines: list[str] = []
    for view in outcome.replies:
        if isinstance(view, Message):
            lines.append(view.summary)
            for block in view.blocks:
                for name in ("text", "label", "caption"):
                    value = getattr(block, name, None)
                    if isinstance(value, str) and value:
                        lines.append(value)
                for label, value in getattr(block, "items", ()):
                    lines.append(f"{label}: {value}")
                lines.extend(b.label for b in getattr(block, "buttons", ()))
    return "\n".join(lines)


def first_message(outcome: Outcome) -> Message:
    message = outcome.replies[0]
    assert isinstance(message, Message), f"expected a message, got {message!r}"
    return message


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sqlite_only(reason): only meaningful on SQLite; skipped on PostgreSQL"
    )
    config.addinivalue_line(
        "markers", "postgres_only(reason): only meaningful on PostgreSQL; skipped on SQLite"
    )


def pytest_report_header(config: pytest.Config) -> str:
    return f"okrbot test database: {database_kind()}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    kind = database_kind()
    unwanted = "postgres_only" if kind == "sqlite" else "sqlite_only"
    for item in items:
        marker = item.get_closest_marker(unwanted)
        if marker is not None:
            reason = marker.args[0] if marker.args else marker.kwargs.get("reason", "")
            if not reason:
                raise pytest.UsageError(f"{item.nodeid}: {unwanted} needs a reason")
            item.add_marker(pytest.mark.skip(reason=f"{unwanted}: {reason}"))


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    found = Databases(tmp_path_factory.mktemp("databases"))
    yield found
    found.close()


@pytest.fixture
def database_url(databases: Databases) -> Iterator[str]:
    """A fresh database at the newest schema, of the kind this run tests."""
    url = databases.migrated()
    yield url
    databases.drop(url)


@pytest.fixture
def empty_database_url(databases: Databases) -> Iterator[str]:
    """A fresh database without any table, of the kind this run tests."""
    url = databases.empty()
    yield url
    databases.drop(url)


@pytest.fixture
def sessions(database_url: str) -> Iterator[SessionFactory]:
    engine = make_engine(database_url)
    yield SessionFactory(engine)
    engine.dispose()


@pytest.fixture
def harness(sessions: SessionFactory) -> Harness:
    clock = ManualClock(WEDNESDAY)
    app = OkrApp(sessions=sessions, clock=clock, default_timezone="Asia/Shanghai")
    return Harness(app=app, sessions=sessions, clock=clock)


@pytest.fixture
def demo(harness: Harness) -> DemoWorkspace:
    """The demo workspace (console, "demo"), seeded at the harness's clock."""
    with harness.sessions.begin() as session:
        return seed_demo(session=session, now=harness.clock.now())
