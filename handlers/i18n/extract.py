"""Keep the translated catalogs in step with the messages marked in the code.

    python -m handlers.i18n.extract --update   # merge msgids into each .po
    python -m handlers.i18n.extract --check    # list what is missing; exit 1 if any

`--update` keeps existing translations, adds new msgids untranslated and drops
msgids no longer in the code. A `# TRANSLATORS: ...` comment on the line
before a message is carried into the .po for the translator.
"""

from __future__ import annotations

import argparse
import string
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir, extract_from_file
from babel.messages.pofile import read_po, write_po

from handlers.i18n import DOMAIN, LOCALE_DIR, SOURCE_LOCALE, SUPPORTED, po_path

MsgId = str | tuple[str, str]

# `tr.t(msgid, ...)`, `tr.tn(singular, plural, n, ...)`, and the ways of naming a
# msgid that is translated later: the `N_` marker, `UserError(msgid, ...)`,
# whose msgid the error handler passes to `tr.t`, and an import's problems.
KEYWORDS = {
    "t": None,
    "tn": (1, 2),
    "N_": None,
    "UserError": None,
    # An import's problems and refusals name their msgid first (handlers.transfer).
    "problem": None,
    "TableError": None,
    "ExportError": None,
}
COMMENT_TAGS = ("TRANSLATORS:",)
ROOT = Path(__file__).resolve().parents[2]
SOURCE_DIRS = (ROOT / "handlers", ROOT / "bot")
# Python files, and the web view's templates, whose messages are `t("...")` calls.
METHODS = [("**.py", "python"), ("**/templates/**.html", "jinja2.ext:babel_extract")]


def _keep_directory(path: str) -> bool:
    # Babel's default also skips "_private" packages, which hold messages too.
    name = Path(path).name
    return not (name.startswith(".") or name == "__pycache__")


def _extracted(paths: Iterable[Path | str]) -> Iterator[tuple[str, int, MsgId, list[str]]]:
    """(file, line, msgid, translator comments) for every marked message under `paths`."""
    for path in map(Path, paths):
        if path.is_dir():
            results: Iterable[tuple[str, int, str | tuple[str, ...], list[str], str | None]]
            results = extract_from_dir(
                path,
                method_map=METHODS,
                keywords=KEYWORDS,
                comment_tags=COMMENT_TAGS,
                strip_comment_tags=True,
                directory_filter=_keep_directory,
            )
            base = path
        else:
            found = extract_from_file(
                "python",
                path,
                keywords=KEYWORDS,
                comment_tags=COMMENT_TAGS,
                strip_comment_tags=True,
            )
            results = ((path.name, *item) for item in found)
            base = path.parent
        for filename, lineno, message, comments, _context in results:
            yield _location(base / filename), lineno, _msgid(message), comments


def _location(path: Path) -> str:
    resolved = path.resolve()
    if resolved.is_relative_to(ROOT):
        return resolved.relative_to(ROOT).as_posix()
    return resolved.as_posix()


def extract_msgids(paths: Iterable[Path | str] = SOURCE_DIRS) -> set[MsgId]:
    """Every msgid marked with `t` / `tn` in the Python files under `paths`.

    Plural messages come back as (singular, plural). A call whose first
    argument is not a string literal (a variable, an f-string) is not a
    message and is skipped, as gettext tools do.
    """
    return {message for _location, _lineno, message, _comments in _extracted(paths)}


def build_template(paths: Iterable[Path | str] = SOURCE_DIRS) -> Catalog:
    template = Catalog(domain=DOMAIN, project="okrbot", fuzzy=False)
    for location, lineno, message, comments in _extracted(paths):
        template.add(message, locations=[(location, lineno)], auto_comments=comments)
    return template


def read_catalog(locale: str, localedir: Path = LOCALE_DIR) -> Catalog:
    with po_path(locale, localedir).open("rb") as fileobj:
        return read_po(fileobj, locale=locale, domain=DOMAIN)


def write_catalog(catalog: Catalog, path: Path) -> None:
    buffer = BytesIO()
    # Sorted and without line numbers, so the .po only changes when messages do.
    write_po(buffer, catalog, sort_output=True, ignore_obsolete=True, include_lineno=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())


@dataclass(frozen=True)
class UpdateReport:
    locale: str
    added: list[MsgId]
    removed: list[MsgId]
    untranslated: list[MsgId]


def update_catalog(
    locale: str,
    *,
    paths: Iterable[Path | str] = SOURCE_DIRS,
    localedir: Path = LOCALE_DIR,
) -> UpdateReport:
    """Merge the msgids found under `paths` into `locale`'s .po, creating it if needed."""
    template = build_template(paths)
    path = po_path(locale, localedir)
    if path.exists():
        catalog = read_catalog(locale, localedir)
    else:
        catalog = Catalog(locale=locale, domain=DOMAIN, project="okrbot", fuzzy=False)
    before = {_msgid(message.id) for message in catalog if message.id}
    # No fuzzy matching: a guessed translation of a similar msgid looks done
    # to a reviewer skimming the diff, and fuzzy entries are not shown anyway.
    catalog.update(template, no_fuzzy_matching=True, update_creation_date=False)
    after = {_msgid(message.id) for message in catalog if message.id}
    write_catalog(catalog, path)
    return UpdateReport(
        locale=locale,
        added=sorted(after - before, key=_sort_key),
        removed=sorted(before - after, key=_sort_key),
        untranslated=sorted(
            (_msgid(m.id) for m in catalog if m.id and not _translated(m.string)), key=_sort_key
        ),
    )


def placeholders(text: str) -> set[str]:
    """The `{field}` names in a str.format text; ValueError if it is malformed."""
    return {
        field.split(".", 1)[0].split("[", 1)[0]
        for _literal, field, _spec, _conversion in string.Formatter().parse(text)
        if field is not None
    }


@dataclass(frozen=True)
class Problem:
    """Why a msgid will not show translated: `kind` is one of PROBLEM_KINDS."""

    kind: str
    msgid: MsgId
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.kind}: {self.msgid!r}" + (f" -> {self.detail}" if self.detail else "")


# Kinds that mean "not translated yet" versus "translated wrongly".
UNTRANSLATED_KINDS = frozenset({"missing", "fuzzy", "untranslated"})
PROBLEM_KINDS = UNTRANSLATED_KINDS | {"malformed", "placeholders differ"}


def catalog_problems(msgids: Iterable[MsgId], catalog: Catalog) -> list[Problem]:
    """What keeps `catalog` from translating every one of `msgids`."""
    problems: list[Problem] = []
    for msgid in sorted(set(msgids), key=_sort_key):
        message = catalog.get(_sort_key(msgid))
        if message is None or message.pluralizable != isinstance(msgid, tuple):
            problems.append(Problem("missing", msgid))
        elif message.fuzzy:
            problems.append(Problem("fuzzy", msgid))
        elif not _translated(message.string):
            problems.append(Problem("untranslated", msgid))
        else:
            problems.extend(_placeholder_problems(msgid, message.string))
    return problems


def _placeholder_problems(msgid: MsgId, translation: str | Sequence[str] | None) -> list[Problem]:
    sources = msgid if isinstance(msgid, tuple) else (msgid,)
    forms = _forms(translation)
    try:
        expected = set().union(*map(placeholders, sources))
        found = set().union(*map(placeholders, forms))
    except ValueError as exc:
        return [Problem("malformed", msgid, f"{translation!r}: {exc}")]
    # Compared over all plural forms together: a language's "one" form may say
    # the number in words and drop {n}.
    if found != expected:
        return [Problem("placeholders differ", msgid, repr(translation))]
    return []


def _msgid(value: str | Sequence[str]) -> MsgId:
    return value if isinstance(value, str) else (value[0], value[1])


def _forms(translation: str | Sequence[str] | None) -> tuple[str, ...]:
    if translation is None:
        return ("",)
    return (translation,) if isinstance(translation, str) else tuple(translation)


def _translated(translation: str | Sequence[str] | None) -> bool:
    return all(_forms(translation))


def _sort_key(msgid: MsgId) -> str:
    return msgid[0] if isinstance(msgid, tuple) else msgid


def _report(lines: Sequence[str]) -> None:
    for line in lines:
        print(line)  # noqa: T201  # a developer tool that reports on the terminal


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m handlers.i18n.extract", description=__doc__)
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--update", action="store_true", help="merge msgids into the .po files")
    action.add_argument("--check", action="store_true", help="list untranslated msgids")
    parser.add_argument(
        "--locale",
        action="append",
        choices=[code for code in SUPPORTED if code != SOURCE_LOCALE],
        help="only this locale (repeatable); default: all translated locales",
    )
    args = parser.parse_args(argv)
    locales = args.locale or [code for code in SUPPORTED if code != SOURCE_LOCALE]

    if args.update:
        for locale in locales:
            report = update_catalog(locale)
            _report(
                [
                    f"{po_path(locale).relative_to(ROOT)}: {len(report.added)} added, "
                    f"{len(report.removed)} removed, {len(report.untranslated)} to translate",
                    *(f"  + {msgid!r}" for msgid in report.added),
                    *(f"  - {msgid!r}" for msgid in report.removed),
                ]
            )
        return 0

    msgids = extract_msgids()
    failed = False
    for locale in locales:
        problems = catalog_problems(msgids, read_catalog(locale))
        _report([f"{locale}: {len(problems)} problem(s)", *(f"  {p}" for p in problems)])
        failed = failed or bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
