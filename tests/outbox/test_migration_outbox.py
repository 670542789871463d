"""An install made before the outbox keeps all its data when it is upgraded, and works after."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, inspect, select, text

from bot.console.demo import seed_demo
from handlers.app import OkrApp
from handlers.clock import ManualClock
from handlers.events import Actor, Command
from storage import migrate
from storage.db import SessionFactory, make_engine
from storage.models import OutboxMessage

WEDNESDAY = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
DIGEST_AT = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def test_upgrading_from_0001_with_data_keeps_every_row(empty_database_url: str) -> None:
    engine = make_engine(empty_database_url)
    # The demo is written with today's models, then the schema goes back to 0001
    # (downgrades keep the rows): an install from 0001 with its data.
    migrate.upgrade(engine=engine)
    sessions = SessionFactory(engine)
    with sessions.begin() as session:
        seed_demo(session=session, now=WEDNESDAY)
    migrate.downgrade(engine=engine, revision="0001")
    assert "outbox" not in inspect(engine).get_table_names()
    old_tables = sorted(set(inspect(engine).get_table_names()) - {"alembic_version"})
    # Later revisions may add columns; the rows' 0001 columns must survive as they were.
    old_columns = {t: [c["name"] for c in inspect(engine).get_columns(t)] for t in old_tables}

    def snapshot() -> dict[str, list[tuple[object, ...]]]:
        with engine.connect() as connection:
            return {
                table: sorted(
                    tuple(row)
                    for row in connection.execute(
                        text(
                            "SELECT "
                            + ", ".join(f'"{c}"' for c in old_columns[table])
                            + f' FROM "{table}"'
                        )
                    )
                )
                for table in old_tables
            }

    before = snapshot()
    assert sum(len(rows) for rows in before.values()) > 50
    migrate.upgrade(engine=engine)
    assert migrate.current_revision(engine=engine) == migrate.head_revision()
    assert snapshot() == before

    # The upgraded install works: its people act, and its rhythm goes to the outbox.
    clock = ManualClock(WEDNESDAY)
    app = OkrApp(sessions=sessions, clock=clock, default_timezone="Asia/Shanghai")
    actor = Actor(platform="console", workspace_id="demo", user_id="alice", display_name="Alice")
    outcome = app.handle(Command(actor=actor, text="", event_id="after-upgrade"))
    assert "Your OKRs" in outcome.replies[0].summary  # type: ignore[union-attr]  # a Message
    app.tick(until=DIGEST_AT - timedelta(minutes=1), catch_up=timedelta(hours=2), own_clocks=())
    app.tick(until=DIGEST_AT, catch_up=timedelta(hours=2), own_clocks=())
    with sessions.begin() as session:
        digests = session.execute(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.key.startswith("digest:"))  # type: ignore[attr-defined]  # a column
        ).scalar_one()
    assert digests == 3
    engine.dispose()
