"""The outbox table's rules, on the `sessions` database (SQLite, or PostgreSQL when asked)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from storage.db import SessionFactory, make_engine
from storage.repos import outbox, schedule, workspaces
from storage.repos.outbox import NewMessage

NOW = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)
CLAIM = timedelta(seconds=60)
ALL = ["pending", "sending", "sent", "dead"]


def _workspace(sessions: SessionFactory, external_id: str = "T1") -> int:
    with sessions.begin() as session:
        ws = workspaces.get_or_create_workspace(
            session=session, platform="slack", external_id=external_id
        )
        assert ws.id is not None
        return ws.id


def _put(sessions: SessionFactory, ws: int, *messages: NewMessage) -> int:
    with sessions.begin() as session:
        return outbox.enqueue(
            session=session, workspace_id=ws, platform="slack", messages=messages, now=NOW
        )


def _claim(sessions: SessionFactory, *, now: datetime = NOW, holder: str = "a") -> list[str]:
    with sessions.begin() as session:
        rows = outbox.claim_due(session=session, now=now, holder=holder, limit=50, claim_for=CLAIM)
        return [r.key for r in rows]


def _dm(user: str, key: str | None) -> NewMessage:
    return NewMessage(recipient_kind="user", recipient_id=user, view="{}", key=key)


def test_a_key_is_written_once_per_workspace_and_keyless_rows_never_collide(
    sessions: SessionFactory,
) -> None:
    ws, other = _workspace(sessions), _workspace(sessions, "T2")
    assert _put(sessions, ws, _dm("U1", "digest:team1:2026-W48")) == 1
    assert _put(sessions, ws, _dm("U1", "digest:team1:2026-W48")) == 0
    assert _put(sessions, other, _dm("U1", "digest:team1:2026-W48")) == 1
    assert _put(sessions, ws, _dm("U1", None), _dm("U1", None)) == 2
    with sessions.begin() as session:
        assert outbox.counts(session=session)["pending"] == 4


def test_a_batch_says_which_rows_were_new_and_keeps_its_order(sessions: SessionFactory) -> None:
    ws = _workspace(sessions)
    _put(sessions, ws, _dm("U2", "old"))
    batch = [_dm("U1", "a"), _dm("U2", "old"), _dm("U1", "b"), _dm("U3", "a"), _dm("U1", None)]
    with sessions.begin() as session:
        new = outbox.enqueue_each(
            session=session, workspace_id=ws, platform="slack", messages=batch, now=NOW
        )
    # A key already there, or twice in the batch, is written once: the first time.
    assert new == [True, False, True, False, True]
    with sessions.begin() as session:
        rows = outbox.claim_due(session=session, now=NOW, holder="a", limit=50, claim_for=CLAIM)
    assert [(r.recipient_id, r.key) for r in rows][:4] == [
        ("U2", "old"),
        ("U1", "a"),
        ("U1", "b"),
        ("U1", rows[3].key),
    ]
    assert rows[3].key.startswith("once:")


def test_a_claimed_row_is_not_claimed_again_until_its_claim_expires(
    sessions: SessionFactory,
) -> None:
    ws = _workspace(sessions)
    _put(sessions, ws, _dm("U1", "k1"), _dm("U2", "k2"))
    assert _claim(sessions, holder="a") == ["k1", "k2"]
    assert _claim(sessions, holder="b") == []
    assert _claim(sessions, now=NOW + CLAIM + timedelta(seconds=1), holder="b") == ["k1", "k2"]


def test_a_row_waits_while_an_earlier_row_to_the_same_recipient_waits_for_a_retry(
    sessions: SessionFactory,
) -> None:
    ws = _workspace(sessions)
    _put(sessions, ws, _dm("U1", "first"), _dm("U1", "second"), _dm("U2", "other"))
    with sessions.begin() as session:
        (first, _second, _other) = outbox.claim_due(
            session=session, now=NOW, holder="a", limit=50, claim_for=CLAIM
        )
        assert first.id is not None
        # The first fails; the others go back unsent.
        outbox.mark_retry(
            session=session,
            message_id=first.id,
            error="HTTP 503",
            next_attempt_at=NOW + timedelta(minutes=1),
        )
        outbox.release(session=session, holder="a")
    assert _claim(sessions) == ["other"]
    assert _claim(sessions, now=NOW + timedelta(minutes=1)) == ["first", "second"]


def test_dead_rows_are_counted_and_requeued(sessions: SessionFactory) -> None:
    ws = _workspace(sessions)
    _put(sessions, ws, _dm("U1", "k1"))
    with sessions.begin() as session:
        (row,) = outbox.claim_due(session=session, now=NOW, holder="a", limit=5, claim_for=CLAIM)
        assert row.id is not None
        assert outbox.mark_dead(session=session, message_id=row.id, error="channel_not_found")
    with sessions.begin() as session:
        assert outbox.counts(session=session)["dead"] == 1
        (dead,) = outbox.recent(session=session, states=["dead"], limit=5)
        assert dead.last_error == "channel_not_found"
        assert outbox.requeue_dead(session=session, now=NOW) == 1
    assert _claim(sessions) == ["k1"]


def test_the_reference_of_a_sent_row_is_found_by_its_key(sessions: SessionFactory) -> None:
    ws = _workspace(sessions)
    _put(sessions, ws, _dm("U1", "k1"))
    with sessions.begin() as session:
        assert outbox.find_ref(session=session, workspace_id=ws, key="k1") is None
        (row,) = outbox.claim_due(session=session, now=NOW, holder="a", limit=5, claim_for=CLAIM)
        assert row.id is not None
        # A sender whose claim was taken over cannot record its late result.
        assert not outbox.mark_sent(
            session=session, message_id=row.id, ref="ts-1", now=NOW, holder="b"
        )
        assert outbox.mark_sent(session=session, message_id=row.id, ref="ts-1", now=NOW, holder="a")
    with sessions.begin() as session:
        assert outbox.find_ref(session=session, workspace_id=ws, key="k1") == "ts-1"


def test_the_watermark_only_moves_forward(sessions: SessionFactory) -> None:
    with sessions.begin() as session:
        assert schedule.read_watermark(session=session) is None
        schedule.advance_watermark(session=session, to=NOW, ticked_at=NOW)
        schedule.advance_watermark(session=session, to=NOW - timedelta(hours=1))
    with sessions.begin() as session:
        assert schedule.read_watermark(session=session) == NOW
        state = schedule.get_state(session=session, name=schedule.RHYTHM)
        assert state is not None and state.last_tick_at == NOW


def test_rows_waiting_behind_a_retry_do_not_starve_other_recipients(
    sessions: SessionFactory,
) -> None:
    ws = _workspace(sessions)
    _put(sessions, ws, _dm("U1", "first"))
    with sessions.begin() as session:
        (first,) = outbox.claim_due(session=session, now=NOW, holder="a", limit=1, claim_for=CLAIM)
        assert first.id is not None
        outbox.mark_retry(
            session=session, message_id=first.id, error="503", next_attempt_at=NOW + CLAIM
        )
    _put(sessions, ws, *(_dm("U1", f"behind{n}") for n in range(5)), _dm("U2", "free"))
    with sessions.begin() as session:
        rows = outbox.claim_due(session=session, now=NOW, holder="a", limit=2, claim_for=CLAIM)
    assert [r.key for r in rows] == ["free"]


def test_a_claim_takes_every_workspace_in_turn_and_keeps_each_recipients_order(
    sessions: SessionFactory,
) -> None:
    busy, quiet, third = (
        _workspace(sessions, "T1"),
        _workspace(sessions, "T2"),
        _workspace(sessions, "T3"),
    )
    _put(sessions, busy, *(_dm(f"U{n % 40}", f"busy{n}") for n in range(200)))
    _put(sessions, quiet, _dm("U1", "quiet0"), _dm("U1", "quiet1"))
    _put(sessions, third, *(_dm("U9", f"third{n}") for n in range(30)))
    with sessions.begin() as session:
        rows = outbox.claim_due(session=session, now=NOW, holder="a", limit=10, claim_for=CLAIM)
        keys = [r.key for r in rows]
    # Each workspace's oldest first, in turn: the quiet one is not behind the busy backlog.
    assert keys[:3] == ["busy0", "quiet0", "third0"]
    assert keys[3:6] == ["busy1", "quiet1", "third1"]
    # The quiet workspace's unused share goes to the others; the claim stays within its limit.
    assert len(keys) == 10
    assert {k for k in keys if k.startswith("quiet")} == {"quiet0", "quiet1"}
    # Within a workspace (and so for one recipient), rows keep the order they were written.
    for prefix in ("busy", "third"):
        mine = [int(k.removeprefix(prefix)) for k in keys if k.startswith(prefix)]
        assert mine == sorted(mine) == list(range(len(mine)))


@pytest.mark.postgres_only("one process sends on SQLite")
def test_two_senders_claiming_at_once_take_different_rows(sessions: SessionFactory) -> None:
    """SKIP LOCKED lets a second sender pass over the rows the first holds."""
    ws = _workspace(sessions)
    _put(sessions, ws, *(_dm(f"U{n}", f"k{n}") for n in range(6)))
    with sessions.begin() as first, sessions.begin() as second:
        a = outbox.claim_due(session=first, now=NOW, holder="a", limit=3, claim_for=CLAIM)
        b = outbox.claim_due(session=second, now=NOW, holder="b", limit=6, claim_for=CLAIM)
        assert [r.key for r in a] == ["k0", "k1", "k2"]
        assert [r.key for r in b] == ["k3", "k4", "k5"]


@pytest.mark.postgres_only("one process sends on SQLite")
def test_a_second_sender_leaves_a_persons_later_rows_behind_the_one_the_first_holds(
    sessions: SessionFactory,
) -> None:
    ws = _workspace(sessions)
    _put(sessions, ws, _dm("U1", "first"), _dm("U1", "second"), _dm("U2", "other"))
    with sessions.begin() as first, sessions.begin() as second:
        a = outbox.claim_due(session=first, now=NOW, holder="a", limit=1, claim_for=CLAIM)
        b = outbox.claim_due(session=second, now=NOW, holder="b", limit=5, claim_for=CLAIM)
        assert [r.key for r in a] == ["first"]
        # U1's second message may not overtake the first, still in the other sender's hands.
        assert [r.key for r in b] == ["other"]


def _dead(sessions: SessionFactory, ws: int, key: str, attempts: int) -> None:
    _put(sessions, ws, _dm("U1", key))
    with sessions.begin() as session:
        (row,) = outbox.claim_due(session=session, now=NOW, holder="a", limit=5, claim_for=CLAIM)
        assert row.id is not None
        row.attempts = attempts - 1
        session.add(row)
        session.flush()
        assert outbox.mark_dead(session=session, message_id=row.id, error="HTTP 502", holder="a")


def test_a_requeued_dead_row_starts_its_attempts_afresh_in_its_workspace_only(
    sessions: SessionFactory,
) -> None:
    ours, theirs = _workspace(sessions, "T1"), _workspace(sessions, "T2")
    _dead(sessions, ours, "ours", attempts=8)
    _dead(sessions, theirs, "theirs", attempts=8)
    with sessions.begin() as session:
        assert outbox.requeue_dead(session=session, now=NOW, workspace_id=ours) == 1
    with sessions.read() as session:
        found = {
            r.key: (r.state, r.attempts)
            for r in outbox.recent(session=session, states=ALL, limit=5)
        }
    assert found == {"ours": ("pending", 0), "theirs": ("dead", 8)}


def test_only_the_holder_of_a_claim_gives_it_back_or_records_it(sessions: SessionFactory) -> None:
    ws = _workspace(sessions)
    _put(sessions, ws, _dm("U1", "a1"), _dm("U2", "a2"), _dm("U3", "b1"))
    with sessions.begin() as session:
        a = outbox.claim_due(session=session, now=NOW, holder="a", limit=2, claim_for=CLAIM)
        (b,) = outbox.claim_due(session=session, now=NOW, holder="b", limit=5, claim_for=CLAIM)
        ids = {r.key: r.id for r in (*a, b)}
    with sessions.begin() as session:
        # A stopping sender "a" gives back its own claims, keeping one still in flight.
        assert outbox.release(session=session, holder="a", keep=[ids["a2"]]) == 1
        # It cannot record, retry or bury a row another sender holds.
        b_id = ids["b1"]
        assert b_id is not None
        assert not outbox.mark_sent(session=session, message_id=b_id, ref="x", now=NOW, holder="a")
        assert not outbox.mark_dead(session=session, message_id=b_id, error="e", holder="a")
        assert not outbox.mark_retry(
            session=session, message_id=b_id, error="e", next_attempt_at=NOW, holder="a"
        )
    with sessions.read() as session:
        found = {
            r.key: (r.state, r.claimed_by)
            for r in outbox.recent(session=session, states=ALL, limit=5)
        }
    assert found == {"a1": ("pending", None), "a2": ("sending", "a"), "b1": ("sending", "b")}


def test_a_claim_taken_over_after_it_expired_is_no_longer_the_old_holders(
    sessions: SessionFactory,
) -> None:
    ws = _workspace(sessions)
    _put(sessions, ws, _dm("U1", "k1"))
    with sessions.begin() as session:
        (row,) = outbox.claim_due(session=session, now=NOW, holder="a", limit=5, claim_for=CLAIM)
        row_id = row.id
        assert row_id is not None
    assert _claim(sessions, now=NOW + CLAIM + timedelta(seconds=1), holder="b") == ["k1"]
    with sessions.begin() as session:
        # The old holder comes back from a pause: its record of the send is refused.
        assert not outbox.mark_sent(
            session=session, message_id=row_id, ref="late", now=NOW, holder="a"
        )
        assert outbox.mark_sent(session=session, message_id=row_id, ref="ok", now=NOW, holder="b")
    with sessions.read() as session:
        assert outbox.find_ref(session=session, workspace_id=ws, key="k1") == "ok"


def test_senders_claiming_at_the_same_moment_never_take_the_same_row(database_url: str) -> None:
    """Four senders, each on its own connection, claim together until nothing is left."""
    engines = [make_engine(database_url) for _ in range(4)]
    try:
        factories = [SessionFactory(engine) for engine in engines]
        ws = _workspace(factories[0])
        _put(factories[0], ws, *(_dm(f"U{n}", f"k{n}") for n in range(40)))
        start = threading.Barrier(len(factories), timeout=10)
        taken: dict[str, list[str]] = {}

        def sender(n: int) -> None:
            start.wait()
            mine = taken.setdefault(f"s{n}", [])
            while True:
                with factories[n].begin() as session:
                    rows = outbox.claim_due(
                        session=session, now=NOW, holder=f"s{n}", limit=3, claim_for=CLAIM
                    )
                    mine.extend(r.key for r in rows)
                if not rows:
                    return

        with ThreadPoolExecutor(len(factories)) as pool:
            list(pool.map(sender, range(len(factories)), timeout=60))
        claimed = [key for keys in taken.values() for key in keys]
        assert sorted(claimed) == sorted(f"k{n}" for n in range(40))  # each once, none lost
        with factories[0].read() as session:
            holders = {
                r.key: r.claimed_by for r in outbox.recent(session=session, states=ALL, limit=50)
            }
        assert all(key in taken[holder] for key, holder in holders.items() if holder)
    finally:
        for engine in engines:
            engine.dispose()
