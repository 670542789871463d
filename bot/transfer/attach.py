"""Spreadsheets in replies become files before a platform sends them (as charts become pictures)."""

from __future__ import annotations

import dataclasses
from typing import TypeVar

from bot.transfer.files import xlsx_bytes
from handlers.views import Block, File, Home, Message, Spreadsheet

V = TypeVar("V", bound=Message | Home)


def prepare(view: V) -> V:
    """The view with every Spreadsheet block written as an .xlsx File block."""
    if not any(isinstance(block, Spreadsheet) for block in view.blocks):
        return view
    blocks: tuple[Block, ...] = tuple(
        File(filename=block.filename, title=block.title, data=xlsx_bytes(block))
        if isinstance(block, Spreadsheet)
        else block
        for block in view.blocks
    )
    return dataclasses.replace(view, blocks=blocks)


def files_of(view: Message | Home) -> list[File]:
    return [block for block in view.blocks if isinstance(block, File) and block.data]
