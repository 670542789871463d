from __future__ import annotations

import logging
import textwrap
from collections.abc import Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.numbers import format_decimal
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.i18n import (
    Translator,
    load_translations,
    negotiate,
    po_path,
    translator,
)
from handlers.i18n.extract import (
    UNTRANSLATED_KINDS,
    catalog_problems,
    extract_msgids,
    read_catalog,
    update_catalog,
)

PO_HEADER = textwrap.dedent(
    """\
    msgid ""
    msgstr ""
    "Language: zh\\n"
    "Plural-Forms: nplurals=1; plural=0;\\n"
    "Content-Type: text/plain; charset=utf-8\\n"

    """
)


def write_po(localedir: Path, body: str) -> Path:
    path = po_path("zh", localedir)
    path.parent.mkdir(parents=True)
    path.write_text(PO_HEADER + textwrap.dedent(body), encoding="utf-8")
    return path


@pytest.fixture
def zh(tmp_path: Path) -> Translator:
    """A zh Translator over a small catalog written for the test."""
    write_po(
        tmp_path,
        """\
        msgid "Saved {kr}."
        msgstr "已保存「{kr}」。"

        msgid "{n} key result"
        msgid_plural "{n} key results"
        msgstr[0] "{n} 个关键结果"

        #, fuzzy
        msgid "Weekly digest"
        msgstr "每周摘要"

        msgid "Not yet translated"
        msgstr ""

        msgid "{n} task"
        msgid_plural "{n} tasks"
        msgstr[0] ""
        """,
    )
    return Translator("zh", load_translations("zh", tmp_path))


# --- negotiation -----------------------------------------------------------


@pytest.mark.parametrize(
    ("candidate", "expected"),
    [
        ("zh-CN", "zh"),
        ("zh_CN", "zh"),
        ("zh_cn", "zh"),  # Feishu's spelling
        ("zh-Hans", "zh"),
        ("zh-Hant-TW", "zh"),
        ("zh-TW", "zh"),
        ("ZH", "zh"),
        ("中文", "zh"),
        ("简体中文", "zh"),
        ("Chinese", "zh"),
        ("en-US", "en"),
        ("en_GB", "en"),
        ("en_US.UTF-8", "en"),
        ("English", "en"),
        ("fr-FR", "en"),
        ("", "en"),
        (None, "en"),
    ],
)
def test_negotiate_understands_platform_and_human_spellings(
    candidate: str | None, expected: str
) -> None:
    assert negotiate(candidate) == expected


def test_negotiate_takes_the_first_supported_candidate() -> None:
    assert negotiate(None, "ja-JP", "zh-CN", "en-US") == "zh"
    assert negotiate("de", "en-GB", "zh") == "en"
    assert negotiate() == "en"


def test_translator_is_shared_per_negotiated_locale() -> None:
    assert translator("zh-CN") is translator("zh")
    assert translator("zh-CN").locale == "zh"
    assert translator(None).locale == "en"


# --- formatting -------------------------------------------------------------


@pytest.mark.parametrize("locale", ["en", "zh"])
@pytest.mark.parametrize(
    ("value", "kwargs", "expected"),
    [
        (10000, {}, "10,000"),
        (6000.0, {}, "6,000"),
        (1.5, {}, "1.5"),
        (1.25, {}, "1.25"),
        (2.675, {}, "2.68"),  # half up, as written, not as the binary float
        (1234.5678, {"max_decimals": 0}, "1,235"),
        (0.125, {"max_decimals": 1}, "0.1"),
        (-0.001, {}, "0"),
        (-2500.5, {}, "-2,500.5"),
    ],
)
def test_number_groups_and_drops_trailing_zeros(
    locale: str, value: float, kwargs: dict[str, int], expected: str
) -> None:
    assert translator(locale).number(value, **kwargs) == expected


@settings(max_examples=300, deadline=None)
@given(
    value=st.decimals(
        min_value=-99_999, max_value=99_999, allow_nan=False, allow_infinity=False, places=4
    )
    | st.integers(min_value=-(10**14), max_value=10**14)
    | st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
    max_decimals=st.integers(min_value=0, max_value=3),
    locale=st.sampled_from(["en", "zh"]),
)
def test_number_reads_exactly_as_the_locales_pattern_writes_it(
    value: Decimal | int | float, max_decimals: int, locale: str
) -> None:
    # Numbers are formatted once per locale and kept: the first and the kept answer
    # must both be what Babel writes for the pattern, whatever came before.
    tr = translator(locale)
    rounded = Decimal(str(value)).quantize(Decimal(1).scaleb(-max_decimals), ROUND_HALF_UP) + 0
    if locale == "zh" and abs(rounded) >= 100_000:
        return  # read in 万/亿: test_chinese_counts_large_amounts…
    pattern = "#,##0" + ("." + "#" * max_decimals if max_decimals else "")
    expected = format_decimal(rounded, format=pattern, locale=locale)
    assert tr.number(value, max_decimals=max_decimals) == expected
    assert tr.number(value, max_decimals=max_decimals) == expected
    assert tr.number(value, max_decimals=max_decimals + 1) == format_decimal(
        Decimal(str(value)).quantize(Decimal(1).scaleb(-max_decimals - 1), ROUND_HALF_UP) + 0,
        format=pattern + ("." if not max_decimals else "") + "#",
        locale=locale,
    )


@pytest.mark.parametrize("locale", ["en", "zh"])
@pytest.mark.parametrize(
    ("fraction", "expected"),
    [(0, "0%"), (0.6, "60%"), (0.625, "63%"), (0.615, "62%"), (1.2, "120%"), (-0.1, "-10%")],
)
def test_percent_is_whole_and_rounds_half_up(locale: str, fraction: float, expected: str) -> None:
    assert translator(locale).percent(fraction) == expected


@pytest.mark.parametrize(
    ("value", "expected"), [(500, "+500"), (-200, "-200"), (1234.5, "+1,234.5"), (0, "0")]
)
def test_signed_always_shows_the_direction(value: float, expected: str) -> None:
    assert translator("en").signed(value) == expected
    assert translator("zh").signed(value) == expected


def test_date_is_month_and_day_in_each_locale() -> None:
    assert translator("en").date(date(2026, 11, 27)) == "Nov 27"
    assert translator("zh").date(date(2026, 11, 27)) == "11月27日"


@pytest.mark.parametrize(
    ("iso_weekday", "en", "zh"), [(1, "Mon", "周一"), (5, "Fri", "周五"), (7, "Sun", "周日")]
)
def test_weekday_uses_iso_numbering(iso_weekday: int, en: str, zh: str) -> None:
    assert translator("en").weekday(iso_weekday) == en
    assert translator("zh").weekday(iso_weekday) == zh


def test_weekday_refuses_numbers_outside_the_week() -> None:
    with pytest.raises(ValueError):
        translator("en").weekday(0)


@pytest.mark.parametrize(
    ("items", "en", "zh"),
    [
        (["a", "b", "c"], "a, b and c", "a、b 和 c"),
        (["a", "b"], "a and b", "a 和 b"),
        (["张三", "李四", "王五"], "张三, 李四 and 王五", "张三、李四和王五"),
        (["@bob", "李四"], "@bob and 李四", "@bob 和李四"),
        (["a"], "a", "a"),
        ([], "", ""),
    ],
)
def test_list_joins_like_a_sentence(items: list[str], en: str, zh: str) -> None:
    assert translator("en").list(items) == en
    assert translator("zh").list(items) == zh


# --- messages ---------------------------------------------------------------


def test_english_is_the_msgid_with_params_filled_in() -> None:
    tr = translator("en")
    assert tr.t("Saved {kr}.", kr="Followers") == "Saved Followers."
    assert tr.tn("{n} key result", "{n} key results", 1) == "1 key result"
    assert tr.tn("{n} key result", "{n} key results", 3) == "3 key results"


def test_zh_catalog_translates_and_fills_params(zh: Translator) -> None:
    assert zh.t("Saved {kr}.", kr="粉丝数") == "已保存「粉丝数」。"
    assert zh.tn("{n} key result", "{n} key results", 1) == "1 个关键结果"
    assert zh.tn("{n} key result", "{n} key results", 4) == "4 个关键结果"


def test_tn_lets_the_caller_format_n(zh: Translator) -> None:
    assert zh.tn("{n} key result", "{n} key results", 12000, n="12,000") == "12,000 个关键结果"


def test_fuzzy_and_untranslated_entries_fall_back_to_english(zh: Translator) -> None:
    assert zh.t("Weekly digest") == "Weekly digest"
    assert zh.t("Not yet translated") == "Not yet translated"
    # English plural rules, not zh's single form pointing at the English singular.
    assert zh.tn("{n} task", "{n} tasks", 3) == "3 tasks"
    assert zh.t("Never catalogued") == "Never catalogued"


def test_missing_param_leaves_the_placeholder_and_warns(
    zh: Translator, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="handlers.i18n"):
        assert zh.t("Saved {kr}.") == "已保存「{kr}」。"
        assert translator("en").t("{who} moved {n:,}", who="Ana") == "Ana moved {n:,}"
    assert "kr" in caplog.text
    assert "n" in caplog.text


def test_malformed_message_is_shown_unformatted_and_warns(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="handlers.i18n"):
        assert translator("en").t("Use { and {0}", x=1) == "Use { and {0}"
    assert caplog.records


def test_shipped_zh_catalog_serves_each_of_its_translations() -> None:
    tr = translator("zh")
    checked = 0
    for message in list(read_catalog("zh"))[1:]:
        ids, forms = _forms(message.id), _forms(message.string)
        if message.fuzzy or not all(forms):
            continue
        # No params: placeholders stay visible, so the text equals the msgstr.
        if len(ids) == 2:
            assert tr.tn(ids[0], ids[1], 5, n="{n}") == forms[0]
        else:
            assert tr.t(ids[0]) == forms[0]
        checked += 1
    if not checked:
        pytest.skip("the zh catalog has no translations yet")


def _forms(value: str | Sequence[str] | None) -> tuple[str, ...]:
    if value is None:
        return ("",)
    return (value,) if isinstance(value, str) else tuple(value)


def _translation(catalog: Catalog, msgid: str) -> str | Sequence[str] | None:
    message = catalog.get(msgid)
    assert message is not None, f"{msgid!r} is not in the catalog"
    return message.string


# --- extraction and catalog upkeep ------------------------------------------


def write_source(directory: Path, name: str, code: str) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_text(textwrap.dedent(code), encoding="utf-8")


def test_extract_finds_marked_literals_only(tmp_path: Path) -> None:
    write_source(
        tmp_path / "src" / "_private",
        "mod.py",
        """\
        def show(tr, ctx, name, n):
            tr.t("Saved {kr}.", kr=name)
            ctx.t("Hello")
            tr.tn("{n} key result", "{n} key results", n)
            tr.t(name)
            tr.t(f"not {name}")
            raise UserError("There is no objective {ref}.", ref=name)

        LABELS = {"done": N_("done")}
        """,
    )
    assert extract_msgids([tmp_path / "src"]) == {
        "Saved {kr}.",
        "Hello",
        ("{n} key result", "{n} key results"),
        "There is no objective {ref}.",
        "done",
    }


def test_update_keeps_translations_adds_new_and_drops_obsolete(tmp_path: Path) -> None:
    write_source(
        tmp_path / "src",
        "mod.py",
        """\
        def show(tr, n):
            tr.t("Saved {kr}.")
            # TRANSLATORS: a count of key results in a digest
            tr.tn("{n} key result", "{n} key results", n)
            tr.t("Brand new")
        """,
    )
    po = write_po(
        tmp_path / "locales",
        """\
        msgid "Saved {kr}."
        msgstr "已保存「{kr}」。"

        msgid "Gone from the code"
        msgstr "已删除"
        """,
    )

    report = update_catalog("zh", paths=[tmp_path / "src"], localedir=tmp_path / "locales")

    assert report.added == ["Brand new", ("{n} key result", "{n} key results")]
    assert report.removed == ["Gone from the code"]
    catalog = read_catalog("zh", tmp_path / "locales")
    assert _translation(catalog, "Saved {kr}.") == "已保存「{kr}」。"
    assert _translation(catalog, "Brand new") == ""
    assert catalog.get("Gone from the code") is None
    assert "a count of key results in a digest" in po.read_text(encoding="utf-8")
    written = po.read_bytes()
    update_catalog("zh", paths=[tmp_path / "src"], localedir=tmp_path / "locales")
    assert po.read_bytes() == written, "a second update must not change the file"


def test_catalog_problems_name_each_kind(tmp_path: Path) -> None:
    write_po(
        tmp_path,
        """\
        msgid "ok {a}"
        msgstr "好 {a}"

        msgid "lost {a}"
        msgstr "丢了"

        msgid "renamed {a}"
        msgstr "改名 {b}"

        msgid "broken {a}"
        msgstr "坏了 {a"

        #, fuzzy
        msgid "guess"
        msgstr "猜"

        msgid "todo"
        msgstr ""
        """,
    )
    problems = catalog_problems(
        ["ok {a}", "lost {a}", "renamed {a}", "broken {a}", "guess", "todo", "absent"],
        read_catalog("zh", tmp_path),
    )
    assert {(p.kind, p.msgid) for p in problems} == {
        ("placeholders differ", "lost {a}"),
        ("placeholders differ", "renamed {a}"),
        ("malformed", "broken {a}"),
        ("fuzzy", "guess"),
        ("untranslated", "todo"),
        ("missing", "absent"),
    }


# --- the shipped catalog against the code -----------------------------------
# These go red when someone adds or changes a message; that is their job. Fix:
#     python -m handlers.i18n.extract --update   then translate the new entries.

FIX_HINT = (
    "run `python -m handlers.i18n.extract --update`, then translate in "
    "handlers/i18n/locales/zh/LC_MESSAGES/okrbot.po"
)


def test_every_message_in_the_code_has_a_zh_translation() -> None:
    problems = catalog_problems(extract_msgids(), read_catalog("zh"))
    untranslated = [str(p) for p in problems if p.kind in UNTRANSLATED_KINDS]
    assert not untranslated, (
        f"{len(untranslated)} msgid(s) have no zh translation; {FIX_HINT}:\n  "
        + "\n  ".join(untranslated)
    )


def test_every_zh_translation_keeps_the_placeholders_of_its_msgid() -> None:
    problems = catalog_problems(extract_msgids(), read_catalog("zh"))
    wrong = [str(p) for p in problems if p.kind not in UNTRANSLATED_KINDS]
    assert not wrong, "zh translations that would show wrongly:\n  " + "\n  ".join(wrong)
