"""The migrations build exactly the schema the models describe, on the database under test."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Constraint, Index, inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, select

from storage import migrate
from storage.db import make_engine
from storage.models import Checkin, Cycle, KeyResult, Member, Objective, Workspace
from tests.databases import Databases

MakeEngine = Callable[[str], Engine]


@pytest.fixture
def new_engine(databases: Databases) -> Iterator[MakeEngine]:
    """Engines on new empty databases, by name within the test."""
    made: dict[str, Engine] = {}

    def make(name: str = "okrbot") -> Engine:
        engine = make_engine(databases.empty())
        made[name] = engine
        return engine

    yield make
    for engine in made.values():
        url = engine.url.render_as_string(hide_password=False)
        engine.dispose()
        databases.drop(url)


@pytest.fixture
def engine(new_engine: MakeEngine) -> Engine:
    return new_engine("okrbot")


@pytest.fixture
def upgraded(engine: Engine) -> Engine:
    migrate.upgrade(engine=engine)
    return engine


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def test_upgrade_from_an_empty_file_creates_every_model_table(engine: Engine) -> None:
    assert _tables(engine) == set()
    migrate.upgrade(engine=engine)
    assert _tables(engine) == set(SQLModel.metadata.tables)
    assert migrate.current_revision(engine=engine) == migrate.head_revision()


def test_models_and_migrations_do_not_drift(upgraded: Engine) -> None:
    with upgraded.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)
    assert differences == [], (
        "the models and the migrations disagree; generate a migration with "
        "storage.migrate.new_revision and review it"
    )


def _model_names() -> dict[str, set[str]]:
    """Every index and constraint name the models declare, per table."""
    names: dict[str, set[str]] = {}
    for table in SQLModel.metadata.tables.values():
        found = names.setdefault(table.name, set())
        items: list[Constraint | Index] = [*table.constraints, *table.indexes]
        for item in items:
            assert isinstance(item.name, str), f"{table.name} has an unnamed {item!r}"
            found.add(item.name)
    return names


def _database_names(engine: Engine) -> dict[str, set[str]]:
    """Every index and constraint name the database has, per table."""
    inspector = inspect(engine)
    names: dict[str, set[str]] = {}
    for table in _tables(engine):
        found = names.setdefault(table, set())
        found.add(str(inspector.get_pk_constraint(table)["name"]))
        found.update(str(fk["name"]) for fk in inspector.get_foreign_keys(table))
        found.update(str(uq["name"]) for uq in inspector.get_unique_constraints(table))
        found.update(str(ck["name"]) for ck in inspector.get_check_constraints(table))
        found.update(
            str(ix["name"])
            for ix in inspector.get_indexes(table)
            # PostgreSQL also lists the index behind each unique constraint.
            if "duplicates_constraint" not in ix
        )
    return names


def test_every_model_constraint_has_a_portable_name() -> None:
    for table, names in _model_names().items():
        for name in names:
            # PostgreSQL shortens longer names, and they would differ from SQLite's.
            assert len(name) <= 63, f"{table}: {name} is too long for PostgreSQL"
            assert name.startswith(("pk_", "fk_", "uq_", "ck_", "ix_")), f"{table}: {name}"
    assert "ck_objective_objective_owner" in _model_names()["objective"]
    assert "ck_checkin_confidence" in _model_names()["checkin"]


def test_the_tables_sort_without_a_foreign_key_cycle() -> None:
    # objective.parent_kr_id is created with ALTER (use_alter), so SQLAlchemy
    # can order the tables without warning about objective <-> keyresult.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ordered = [table.name for table in SQLModel.metadata.sorted_tables]
    assert ordered.index("objective") < ordered.index("keyresult")
    parent_kr = SQLModel.metadata.tables["objective"].c.parent_kr_id
    (foreign_key,) = parent_kr.foreign_keys
    assert foreign_key.use_alter
    assert foreign_key.ondelete == "SET NULL"
    assert foreign_key.constraint is not None
    assert foreign_key.constraint.name == "fk_objective_parent_kr_id_keyresult"


def test_the_migrations_name_constraints_as_the_models_do(upgraded: Engine) -> None:
    assert _database_names(upgraded) == _model_names()


@pytest.mark.sqlite_only("PRAGMA foreign_keys is SQLite's; PostgreSQL always enforces them")
def test_upgrade_leaves_sqlite_foreign_keys_on(upgraded: Engine) -> None:
    # The migration turns them off while it rebuilds tables; pooled connections
    # handed back afterwards must enforce them again.
    with upgraded.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_ensure_current_names_the_fix_on_an_empty_database(engine: Engine) -> None:
    assert migrate.pending(engine=engine)
    with pytest.raises(migrate.SchemaBehind) as caught:
        migrate.ensure_current(engine=engine)
    message = str(caught.value)
    assert "okrbot db upgrade" in message
    assert migrate.head_revision() in message
    assert caught.value.current is None

    migrate.upgrade(engine=engine)
    assert not migrate.pending(engine=engine)
    migrate.ensure_current(engine=engine)


def test_ensure_current_refuses_a_revision_from_a_newer_okrbot(upgraded: Engine) -> None:
    with upgraded.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(migrate.SchemaUnknown, match="9999"):
        migrate.ensure_current(engine=upgraded)


@pytest.mark.sqlite_only("only a brand-new SQLite file is migrated on the spot")
def test_ensure_ready_upgrades_only_a_fresh_sqlite_file_when_asked(
    new_engine: MakeEngine,
) -> None:
    refused = new_engine("refused")
    with pytest.raises(migrate.SchemaBehind):
        migrate.ensure_ready(engine=refused, auto_upgrade=False)
    assert _tables(refused) == set()

    fresh = new_engine("fresh")
    migrate.ensure_ready(engine=fresh, auto_upgrade=True)
    assert not migrate.pending(engine=fresh)

    # Tables without a recorded revision are someone else's data: never touch them.
    foreign = new_engine("foreign")
    with foreign.begin() as connection:
        connection.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY)"))
    with pytest.raises(migrate.SchemaBehind):
        migrate.ensure_ready(engine=foreign, auto_upgrade=True)


def test_downgrade_to_base_then_upgrade_again(upgraded: Engine) -> None:
    migrate.downgrade(engine=upgraded, revision="base")
    assert _tables(upgraded) == set()
    assert migrate.current_revision(engine=upgraded) is None

    migrate.upgrade(engine=upgraded)
    assert _tables(upgraded) == set(SQLModel.metadata.tables)
    assert not migrate.pending(engine=upgraded)


def test_utc_datetimes_come_back_aware(upgraded: Engine) -> None:
    # Given in UTC+8 to prove the value is converted, not just relabelled.
    created = datetime(2026, 11, 23, 17, 30, 15, 123456, tzinfo=timezone(timedelta(hours=8)))
    with Session(upgraded) as session:
        session.add(Workspace(platform="slack", external_id="T1", created_at=created))
        session.commit()

    with Session(upgraded) as session:
        stored = session.exec(select(Workspace)).one().created_at

    assert stored.tzinfo is UTC
    assert stored == created
    assert stored.hour == 9


def _key_result(session: Session) -> KeyResult:
    workspace = Workspace(platform="slack", external_id="T1")
    session.add(workspace)
    session.flush()
    assert workspace.id is not None
    member = Member(workspace_id=workspace.id, external_id="U1", handle="ann")
    cycle = Cycle(
        workspace_id=workspace.id,
        name="2026-Q4",
        start_date=date(2026, 10, 1),
        end_date=date(2026, 12, 31),
    )
    session.add_all([member, cycle])
    session.flush()
    assert cycle.id is not None
    objective = Objective(
        workspace_id=workspace.id,
        number=1,
        cycle_id=cycle.id,
        title="Delight customers",
        owner_member_id=member.id,
    )
    session.add(objective)
    session.flush()
    assert objective.id is not None
    key_result = KeyResult(
        workspace_id=workspace.id,
        number=1,
        objective_id=objective.id,
        title="NPS to 50",
        owner_member_id=member.id,
    )
    session.add(key_result)
    session.flush()
    return key_result


def _checkin(key_result: KeyResult, *, confidence: int | None) -> Checkin:
    assert key_result.id is not None
    assert key_result.owner_member_id is not None
    return Checkin(
        workspace_id=key_result.workspace_id,
        kr_id=key_result.id,
        member_id=key_result.owner_member_id,
        week="2026-W48",
        value=10.0,
        previous_value=0.0,
        confidence=confidence,
    )


def test_checkin_confidence_within_one_to_ten_is_stored(upgraded: Engine) -> None:
    with Session(upgraded) as session:
        key_result = _key_result(session)
        session.add(_checkin(key_result, confidence=10))
        session.commit()


@pytest.mark.parametrize("confidence", [0, 11])
def test_checkin_confidence_outside_one_to_ten_is_rejected(
    upgraded: Engine, confidence: int
) -> None:
    with Session(upgraded) as session:
        key_result = _key_result(session)
        session.add(_checkin(key_result, confidence=confidence))
        with pytest.raises(IntegrityError, match="confidence"):
            session.commit()


@pytest.mark.sqlite_only("batch table rebuilds and PRAGMA foreign_keys are SQLite's")
def test_foreign_keys_can_be_suspended_for_table_rebuilds(tmp_path: Path) -> None:
    """Batch migrations rebuild tables; with foreign keys on, the DROP would cascade."""
    from storage.db import set_sqlite_foreign_keys

    engine = make_engine(f"sqlite:///{tmp_path / 'fk.db'}")
    try:
        with engine.connect() as connection:
            set_sqlite_foreign_keys(connection, enabled=False)
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 0
            connection.rollback()
            set_sqlite_foreign_keys(connection, enabled=True)
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        engine.dispose()
