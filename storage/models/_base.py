"""Helpers shared by the model modules."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlalchemy.ext.mutable import MutableList
from sqlmodel import Field

from storage.types import UTCDateTime


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


def workspace_fk() -> Any:
    return Field(foreign_key="workspace.id", index=True, ondelete="CASCADE")
