"""Helpers shared by the model modules, and the constraint naming convention.

Every model module imports this one before it defines a table, so the naming
convention below is on SQLModel.metadata before the first constraint is made.
With it, every index and constraint gets the same name on SQLite and on
PostgreSQL, and a later migration can drop or alter it by that name.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlalchemy.ext.mutable import MutableList
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime

# A CheckConstraint is given a short name ("confidence") and becomes
# "ck_<table>_<name>". Keep every result within PostgreSQL's 63 characters:
# it would shorten a longer one and the names would differ from SQLite's.
NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata.naming_convention = NAMING_CONVENTION


def utcnow() -> datetime:
    return datetime.now(UTC)


def utc_field(*, nullable: bool = False, default_now: bool = False, index: bool = False) -> Any:
    """A UTC-aware datetime column."""
    if default_now:
        return Field(
            default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=nullable, index=index)
        )
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


def json_list_field() -> Any:
    """A JSON list column that notices in-place appends (MutableList)."""
    return Field(
        default_factory=list, sa_column=Column(MutableList.as_mutable(JSON()), nullable=False)
    )


def json_dict_field() -> Any:
    """A JSON object column, written whole (no in-place change tracking)."""
    return Field(default_factory=dict, sa_column=Column(JSON(), nullable=False))


def workspace_fk() -> Any:
    return Field(foreign_key="workspace.id", index=True, ondelete="CASCADE")
