"""Small helpers shared by the repository modules."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Integer, Table, any_, bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, SQLModel


def id_in(session: Session, column: Any, ids: Sequence[int]) -> Any:
    """SQL: `column IN ids`, for a list of row ids that may be thousands long.

    On PostgreSQL the list is one array parameter (`column = ANY(:ids)`): as an
    IN list, each id is a parameter that SQLAlchemy renders, psycopg parses and
    the server plans, which costs more than reading the rows (a Friday of 10,000
    members sends 240,000 of them). SQLite gets the plain IN list.
    """
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, list(ids), type_=postgresql.ARRAY(Integer)))
    return column.in_(list(ids))


def insert_ignore(session: Session, model: type[SQLModel], values: dict[str, Any]) -> None:
    """INSERT that silently does nothing when a unique key already exists."""
    table: Table = model.__table__  # type: ignore[attr-defined]  # set by SQLModel for tables
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        stmt: Any = postgresql.insert(table).values(**values).on_conflict_do_nothing()
    elif dialect == "sqlite":
        stmt = sqlite.insert(table).values(**values).on_conflict_do_nothing()
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise NotImplementedError(f"unsupported database: {dialect}")
    session.execute(stmt)


def insert_new(session: Session, model: type[SQLModel], values: dict[str, Any]) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING: True when this call's row went in."""
    table: Table = model.__table__  # type: ignore[attr-defined]  # set by SQLModel for tables
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        stmt: Any = postgresql.insert(table).values(**values).on_conflict_do_nothing()
    elif dialect == "sqlite":
        stmt = sqlite.insert(table).values(**values).on_conflict_do_nothing()
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise NotImplementedError(f"unsupported database: {dialect}")
    # RETURNING, not rowcount: an ORM session reports -1 rows for a Core insert on psycopg.
    first = next(iter(table.primary_key.columns))
    return bool(session.execute(stmt.returning(first)).all())
