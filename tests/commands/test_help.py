"""Help and usage text: what it shows must be something the grammar accepts."""

from __future__ import annotations

from datetime import date

import pytest

from handlers import grammar as g
from handlers.i18n import translator
from handlers.usecases.help import usage_lines
from tests.commands.test_reference_literal import shape

TODAY = date(2026, 11, 25)


@pytest.mark.parametrize("verb", sorted(g.USAGE))
def test_chinese_usage_lines_mean_the_same_commands_as_english(verb: str) -> None:
    english = usage_lines(translator("en"), verb)
    chinese = usage_lines(translator("zh"), verb)
    assert len(english) == len(chinese) > 0
    for en, zh in zip(english, chinese, strict=True):
        assert zh.startswith("/okr ") and en.startswith("/okr ")
        # The same command; titles and notes are written in each language.
        assert shape(g.parse(zh.removeprefix("/okr "), today=TODAY)) == shape(
            g.parse(en.removeprefix("/okr "), today=TODAY)
        )
    if verb != "my":
        assert any(not ch.isascii() for ch in chinese[0]), "Chinese readers see the Chinese verb"
