"""A workspace that removes the app: its outbox parks, nothing is lost, a reinstall resumes.

Also the storage under the webhook's replay check (nonces) and team names as
they compare, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import col, select

from handlers.views import Message, to_json
from storage import migrate
from storage.db import SessionFactory, make_engine
from storage.models import OutboxMessage, Team, Workspace
from storage.repos import installs, nonces, outbox, workspaces

T0 = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)
HOLDER = "test-sender"


def _workspace(sessions: SessionFactory, external_id: str = "T0AWAY") -> int:
    with sessions.begin() as session:
        found = workspaces.get_or_create_workspace(
            session=session, platform="slack", external_id=external_id
        )
    assert found.id is not None
    return found.id


def _queue(sessions: SessionFactory, workspace_id: int, *keys: str) -> None:
    view = json.dumps(to_json(Message(summary="hi")))
    with sessions.begin() as session:
        outbox.enqueue(
            session=session,
            workspace_id=workspace_id,
            platform="slack",
            messages=[outbox.NewMessage("channel", "C0X", view, key=key) for key in keys],
            now=T0,
        )


def _states(sessions: SessionFactory, workspace_id: int) -> dict[str, str]:
    with sessions.begin() as session:
        rows = session.exec(
            select(OutboxMessage)
            .where(OutboxMessage.workspace_id == workspace_id)
            .order_by(col(OutboxMessage.id))
        ).all()
        return {row.key: row.state for row in rows}


def _uninstall(sessions: SessionFactory, at: datetime, external_id: str = "T0AWAY") -> int:
    with sessions.begin() as session:
        return installs.uninstall(
            session=session, platform="slack", external_id=external_id, at=at
        ).rows


def test_an_uninstall_parks_pending_rows_keeps_the_rest_and_nothing_claims_them(
    sessions: SessionFactory,
) -> None:
    away, other = _workspace(sessions), _workspace(sessions, "T0STAYS")
    _queue(sessions, away, "sent-before", "waiting", "also-waiting")
    _queue(sessions, other, "elsewhere")
    with sessions.begin() as session:
        (first,) = outbox.claim_due(
            session=session, now=T0, holder=HOLDER, limit=1, claim_for=timedelta(minutes=1)
        )
        assert first.id is not None
        outbox.mark_sent(session=session, message_id=first.id, ref="C0X:1", now=T0)

    assert _uninstall(sessions, T0) == 2
    assert _states(sessions, away) == {
        "sent-before": "sent",
        "waiting": "parked",
        "also-waiting": "parked",
    }
    _queue(sessions, away, "written-while-away")
    assert _states(sessions, away)["written-while-away"] == "parked"
    with sessions.begin() as session:
        claimed = outbox.claim_due(
            session=session,
            now=T0 + timedelta(days=7),
            holder=HOLDER,
            limit=50,
            claim_for=timedelta(minutes=1),
        )
        assert [row.key for row in claimed] == ["elsewhere"]
        assert outbox.counts(session=session)["parked"] == 3


def test_a_send_that_fails_after_the_uninstall_parks_instead_of_retrying_or_dying(
    sessions: SessionFactory,
) -> None:
    away = _workspace(sessions)
    _queue(sessions, away, "in-flight-1", "in-flight-2")
    with sessions.begin() as session:
        claimed = outbox.claim_due(
            session=session, now=T0, holder=HOLDER, limit=2, claim_for=timedelta(minutes=1)
        )
    assert _uninstall(sessions, T0) == 0  # both were being sent: left to their sender
    with sessions.begin() as session:
        assert claimed[0].id is not None and claimed[1].id is not None
        outbox.mark_retry(
            session=session,
            message_id=claimed[0].id,
            error="token_revoked",
            next_attempt_at=T0,
            holder=HOLDER,
        )
        outbox.mark_dead(
            session=session, message_id=claimed[1].id, error="token_revoked", holder=HOLDER
        )
    assert _states(sessions, away) == {"in-flight-1": "parked", "in-flight-2": "parked"}


def test_a_reinstall_resumes_the_parked_rows_due_now_but_an_older_sign_does_not(
    sessions: SessionFactory,
) -> None:
    away = _workspace(sessions)
    _queue(sessions, away, "a", "b")
    _uninstall(sessions, T0)
    with sessions.begin() as session:
        stale = installs.reinstall(
            session=session,
            platform="slack",
            external_id="T0AWAY",
            at=T0 - timedelta(seconds=5),
            now=T0,
        )
    assert not stale.changed and set(_states(sessions, away).values()) == {"parked"}

    later = T0 + timedelta(days=3)
    with sessions.begin() as session:
        back = installs.reinstall(
            session=session, platform="slack", external_id="T0AWAY", at=later, now=later
        )
        assert installs.is_installed(session=session, platform="slack", external_id="T0AWAY")
    assert back.changed and back.rows == 2
    assert _states(sessions, away) == {"a": "pending", "b": "pending"}
    with sessions.begin() as session:
        claimed = outbox.claim_due(
            session=session, now=later, holder=HOLDER, limit=10, claim_for=timedelta(minutes=1)
        )
        assert [(row.key, row.attempts) for row in claimed] == [("a", 0), ("b", 0)]


def test_the_sign_of_an_unknown_workspace_changes_nothing(sessions: SessionFactory) -> None:
    assert _uninstall(sessions, T0, external_id="T0NEVERSEEN") == 0
    with sessions.begin() as session:
        assert session.exec(select(Workspace)).all() == []


def test_a_nonce_is_good_once_within_its_window_and_forgotten_after(
    sessions: SessionFactory,
) -> None:
    keep = timedelta(minutes=10)

    def use(nonce: str, at: datetime) -> bool:
        with sessions.begin() as session:
            return nonces.first_use(
                session=session, platform="feishu", nonce=nonce, now=at, keep=keep
            )

    assert use("n-1", T0) is True
    assert use("n-1", T0 + timedelta(minutes=4)) is False
    assert use("n-2", T0 + timedelta(minutes=4)) is True
    assert use("n-1", T0 + timedelta(minutes=11)) is True  # long refused for its timestamp


def test_team_names_are_unique_by_their_fold(sessions: SessionFactory) -> None:
    ws = _workspace(sessions)
    with sessions.begin() as session:
        workspaces.create_team(session=session, workspace_id=ws, name="Équipe")
    with pytest.raises(sa.exc.IntegrityError), sessions.begin() as session:
        workspaces.create_team(session=session, workspace_id=ws, name="ÉQUIPE")
    with sessions.begin() as session:
        found = workspaces.find_team(session=session, workspace_id=ws, name="  équipe ")
        assert found is not None and found.name == "Équipe"
        assert found.name_key == "équipe"


def test_the_migration_keeps_every_team_reachable_when_old_names_fold_alike(
    tmp_path: Path,
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    try:
        migrate.upgrade(engine=engine, revision="0006")
        with engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO workspace (platform, external_id, name, default_locale, "
                    "default_timezone, cycle_kind, created_at) VALUES "
                    "('slack', 'T0OLD', '', 'en', 'UTC', 'quarter', '2026-01-01')"
                )
            )
            for name in ("Équipe", "équipe", "Growth"):
                connection.execute(
                    sa.text(
                        "INSERT INTO team (workspace_id, name, timezone, locale, plan_weekday, "
                        "plan_time, checkin_weekday, checkin_time, digest_weekday, digest_time, "
                        "remind_weekday, remind_time, cutoff_weekday, cutoff_time, "
                        "review_weekday, review_time, holidays, created_at) VALUES "
                        "(1, :name, 'UTC', 'en', 1, '09:30', 5, '15:00', 5, '17:00', 5, '16:00', "
                        "3, '23:59', 1, '10:00', '[]', '2026-01-01')"
                    ),
                    {"name": name},
                )
        migrate.upgrade(engine=engine)
        sessions = SessionFactory(engine)
        with sessions.begin() as session:
            teams = session.exec(select(Team).order_by(col(Team.id))).all()
            assert [(t.name, t.name_key) for t in teams] == [
                ("Équipe", "équipe"),
                ("équipe (2)", "équipe (2)"),
                ("Growth", "growth"),
            ]
    finally:
        engine.dispose()
