"""`okrbot import`, `okrbot export` and `okrbot forget`: what the operator runs and sees.

Every message is in the operator's language: `--lang`, else the language of
the file's headers, else the workspace's. Import exits 0 when everything was
applied (or, with --dry-run, would be) and 1, with every problem listed, when
nothing was.
"""

from __future__ import annotations

import argparse
import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from sqlmodel import Session

from bot.settings import Settings
from bot.transfer import files
from bot.transfer.people import directory_for
from bot.transfer.progress import Progress
from handlers.clock import Clock
from handlers.i18n import Translator, translator
from handlers.okr.weeks import local_date
from handlers.transfer import exporting, forgetting, importing
from storage.db import SessionFactory
from storage.models import Member, Source, Workspace
from storage.repos import workspaces

EXIT_PROBLEMS = 1
EXIT_FIX_SETUP = 2


class CommandError(Exception):
    """Something the operator must fix, already in their language."""


def add_commands(commands: Any, where: Callable[[argparse.ArgumentParser], None]) -> None:
    """The three subcommands on the `okrbot` parser; `where` adds --database-url and --trial."""
    langs = ("en", "zh")
    imp = commands.add_parser(
        "import", help="import OKRs from a .csv, .xlsx or .json file, or Feishu OKR"
    )
    imp.add_argument("file", nargs="?", metavar="FILE", help="the spreadsheet (see docs/import.md)")
    imp.add_argument(
        "--from",
        dest="source",
        choices=("feishu-okr",),
        help="import from Feishu OKR instead of a file",
    )
    imp.add_argument(
        "--period", metavar="NAME", help="the Feishu OKR period (default: the current one)"
    )
    imp.add_argument(
        "--dry-run", action="store_true", help="show what would change, change nothing"
    )
    imp.add_argument(
        "--workspace",
        metavar="NAME",
        help="the workspace, when there are several (name or PLATFORM:ID)",
    )
    imp.add_argument("--lang", choices=langs, help="the language of the messages")
    where(imp)
    exp = commands.add_parser("export", help="export OKRs and their history to CSV, .xlsx or JSON")
    exp.add_argument("--format", choices=("csv", "xlsx", "json"), default="xlsx")
    exp.add_argument("--output", metavar="PATH", help="where to write it ('-' for standard output)")
    exp.add_argument("--cycle", metavar="NAME", help="one cycle, such as 2026-Q4 (default: all)")
    exp.add_argument("--team", metavar="NAME", help="one team (default: the whole workspace)")
    exp.add_argument("--workspace", metavar="NAME", help="the workspace, when there are several")
    exp.add_argument("--lang", choices=langs, help="the language of the headers")
    where(exp)
    forget = commands.add_parser(
        "forget", help="remove a person's personal data, or a whole workspace"
    )
    forget.add_argument(
        "person", nargs="?", metavar="@PERSON", help="the person's handle, name or platform id"
    )
    forget.add_argument(
        "--workspace", metavar="NAME", help="the workspace; alone, forget the whole workspace"
    )
    forget.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    forget.add_argument("--lang", choices=langs, help="the language of the messages")
    where(forget)


# --- workspaces --------------------------------------------------------------------


def pick_workspace(
    session: Session,
    name: str | None,
    tr: Translator,
    *,
    settings: Settings | None = None,
    create: bool = False,
) -> Workspace:
    """The workspace `name` means (its name, its id or PLATFORM:ID), or the only one there is.

    With `create`, a database without any gets the configured platform's workspace.
    """
    found = workspaces.list_workspaces(session=session)
    if name:
        platform, _, external = name.partition(":")
        for ws in found:
            if (
                external and ws.platform == platform and ws.external_id == external
            ) or name.casefold() in (
                ws.name.casefold(),
                ws.external_id.casefold(),
            ):
                return ws
        raise CommandError(
            tr.t(
                "There is no workspace {name}; the workspaces are: {names}.",
                name=name,
                names=_names(found),
            )
        )
    if len(found) == 1:
        return found[0]
    if not found and create and settings is not None:
        made = platform_workspace(session, settings)
        if made is not None:
            return made
    if not found:
        raise CommandError(
            tr.t(
                "There is no workspace yet: connect Slack or Feishu (and run the bot once), or "
                "import into the trial with --trial."
            )
        )
    raise CommandError(
        tr.t(
            "There are several workspaces ({names}): choose one with --workspace.",
            names=_names(found),
        )
    )


def _names(found: list[Workspace]) -> str:
    return (
        ", ".join(f"{ws.name or ws.external_id} ({ws.platform}:{ws.external_id})" for ws in found)
        or "—"
    )


def platform_workspace(session: Session, settings: Settings) -> Workspace | None:
    """The configured platform's workspace, created as the bot would on first contact."""
    if settings.slack_bot_token is not None:
        from bot.slack.app import make_client

        info = make_client(settings).auth_test()
        return workspaces.get_or_create_workspace(
            session=session,
            platform="slack",
            external_id=str(info["team_id"]),
            name=str(info.get("team") or ""),
            default_locale=settings.default_locale,
            default_timezone=settings.default_timezone,
        )
    if settings.feishu_app_id is not None:
        from bot.feishu.client import FeishuApi, default_locale

        tenant_key, name = FeishuApi(settings).tenant()
        return workspaces.get_or_create_workspace(
            session=session,
            platform="feishu",
            external_id=tenant_key,
            name=name,
            default_locale=default_locale(settings),
            default_timezone=settings.default_timezone,
        )
    return None


def _has_chinese(texts: tuple[str, ...]) -> bool:
    return any("CJK" in unicodedata.name(ch, "") for text in texts for ch in text)


# --- import -------------------------------------------------------------------------


def run_import(
    args: argparse.Namespace,
    *,
    sessions: SessionFactory,
    settings: Settings,
    clock: Clock,
    out: IO[str] | None = None,
    err: IO[str] | None = None,
    terminal: bool | None = None,
) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    tr = translator(args.lang or settings.default_locale)
    notes: list[importing.Problem] = []
    table: importing.Table | None = None
    if args.source is None:
        if not args.file:
            raise CommandError(tr.t("Name the file to import, or use --from feishu-okr."))
        try:
            table, notes = files.read_table(Path(args.file))
        except importing.TableError as error:
            out.write(error.problem.text(tr) + "\n")
            out.write(tr.t("Nothing was imported.") + "\n")
            return EXIT_PROBLEMS
        if args.lang is None and _has_chinese(table.header):
            tr = translator("zh")
    elif args.file:
        raise CommandError(tr.t("Import a file or --from feishu-okr, not both."))
    with sessions.begin() as session:
        workspace = pick_workspace(session, args.workspace, tr, settings=settings, create=True)
        if args.lang is None and table is None:
            tr = translator(workspace.default_locale)
        source = Source.FILE.value
        if table is None:
            from bot.feishu.okr import feishu_okr_table

            if workspace.platform != "feishu" or settings.feishu_app_id is None:
                raise CommandError(
                    tr.t(
                        "Feishu OKR can only be imported into a Feishu workspace with FEISHU_APP_ID set."
                    )
                )
            members = workspaces.list_members(session=session, workspace_id=workspace.id or 0)
            try:
                table = feishu_okr_table(
                    settings, period=args.period, known=[m.external_id for m in members]
                )
            except importing.TableError as error:
                out.write(error.problem.text(tr) + "\n")
                out.write(tr.t("Nothing was imported.") + "\n")
                return EXIT_PROBLEMS
            source = Source.FEISHU_OKR.value
        directory = directory_for(settings, workspace)
        now = clock.now()
        plan = importing.plan_import(
            session=session,
            workspace=workspace,
            table=table,
            today=local_date(now, workspace.default_timezone),
            directory=directory,
            source=source,
        )
        for note in [*notes, *plan.notes]:
            out.write(tr.t("Note: {what}", what=note.text(tr)) + "\n")
        if plan.errors:
            for problem in plan.errors:
                out.write(problem.text(tr) + "\n")
            out.write(
                tr.tn(
                    "{n} problem: nothing was imported. Fix it and import the file again.",
                    "{n} problems: nothing was imported. Fix them and import the file again.",
                    len(plan.errors),
                )
                + "\n"
            )
            session.rollback()
            return EXIT_PROBLEMS
        if args.dry_run:
            for line in describe(plan, tr):
                out.write(line + "\n")
            out.write(_summary(plan.summary(), tr, dry=True) + "\n")
            session.rollback()
            return 0
        is_terminal = err.isatty() if terminal is None else terminal
        total = sum(len(o.krs) or len(o.rows) for o in plan.objectives)
        progress = Progress(total=total, label=tr.t("Importing"), stream=err, terminal=is_terminal)
        summary = importing.apply_import(
            session=session, plan=plan, workspace=workspace, now=now, progress=progress.update
        )
        progress.close(total)
    out.write(_summary(summary, tr, dry=False) + "\n")
    for team in summary.teams_added:
        out.write(
            tr.t(
                "Team {team} was created without a channel: set one with /okr settings team {team} channel #channel.",
                team=team,
            )
            + "\n"
        )
    return 0


def describe(plan: importing.Plan, tr: Translator) -> list[str]:
    """What applying the plan would do, one line per objective or key result that changes."""
    lines: list[str] = []
    for objective in plan.objectives:
        ref = f"O{objective.objective.number}" if objective.objective is not None else ""
        if objective.state == "created":
            lines.append(
                tr.t(
                    "+ objective {title} ({cycle}) with {n} key results",
                    title=objective.title,
                    cycle=objective.cycle,
                    n=len(objective.krs),
                )
            )
        elif objective.state == "updated":
            lines.append(
                tr.t(
                    "~ {ref} {title}: {fields}",
                    ref=ref,
                    title=objective.title,
                    fields=", ".join(sorted(objective.changes)),
                )
            )
        for kr in objective.krs:
            if kr.state == "created" and objective.state != "created":
                lines.append(tr.t("  + key result {title}", title=kr.row.kr))
            elif kr.state == "updated" and kr.kr is not None:
                fields = ", ".join(
                    f"{k.removesuffix('_value').removesuffix('_member_id')}"
                    for k in sorted(kr.changes)
                )
                lines.append(
                    tr.t(
                        "  ~ KR{number} {title}: {fields}",
                        number=kr.kr.number,
                        title=kr.row.kr,
                        fields=fields,
                    )
                )
    return lines


def _summary(summary: importing.Summary, tr: Translator, *, dry: bool) -> str:
    text = tr.t(
        "created {created}, updated {updated}, unchanged {unchanged}, skipped {skipped} "
        "(key results; objectives: {objectives_created} created, {objectives_updated} updated)",
        created=summary.created,
        updated=summary.updated,
        unchanged=summary.unchanged,
        skipped=summary.skipped,
        objectives_created=summary.objectives_created,
        objectives_updated=summary.objectives_updated,
    )
    if summary.people_added:
        text += " · " + tr.tn("{n} person added", "{n} people added", summary.people_added)
    return tr.t("Would import: {what}", what=text) if dry else tr.t("Imported: {what}", what=text)


# --- export -------------------------------------------------------------------------


def run_export(
    args: argparse.Namespace,
    *,
    sessions: SessionFactory,
    settings: Settings,
    clock: Clock,
    out: IO[str] | None = None,
) -> int:
    out = out or sys.stdout
    tr = translator(args.lang or settings.default_locale)
    with sessions.begin() as session:
        workspace = pick_workspace(session, args.workspace, tr)
        assert workspace.id is not None
        tr = translator(args.lang or workspace.default_locale)
        try:
            book = exporting.export_workbook(
                session=session,
                workspace_id=workspace.id,
                tr=tr,
                scope=exporting.Scope(cycle=args.cycle, team=args.team),
            )
        except exporting.ExportError as error:
            raise CommandError(tr.t(error.msgid, **error.params)) from None
    suffix = "." + args.format
    target = (
        args.output
        or f"okrbot-export-{local_date(clock.now(), workspace.default_timezone).isoformat()}{suffix}"
    )
    if target == "-":
        if args.format == "xlsx":
            raise CommandError(
                tr.t("An .xlsx file cannot go to standard output; name a file with --output.")
            )
        if args.format == "json":
            out.write(files.json_text(book) + "\n")
        else:
            import csv

            writer = csv.writer(out)
            for row in files.sheet_rows(book.sheets[0]):
                writer.writerow(["" if v is None else v for v in row])
        return 0
    path = Path(target)
    if args.format == "xlsx":
        path.write_bytes(files.xlsx_bytes(book))
        written = [path]
    elif args.format == "json":
        path.write_text(files.json_text(book), encoding="utf-8")
        written = [path]
    else:
        written = files.write_csv(book, path)
    rows = len(book.sheets[0].rows)
    out.write(
        tr.tn(
            "Exported {n} row of OKRs to {paths}.",
            "Exported {n} rows of OKRs to {paths}.",
            rows,
            paths=", ".join(map(str, written)),
        )
        + "\n"
    )
    return 0


# --- forget -------------------------------------------------------------------------


def run_forget(
    args: argparse.Namespace,
    *,
    sessions: SessionFactory,
    settings: Settings,
    out: IO[str] | None = None,
    ask: Callable[[str], str] | None = None,
) -> int:
    out = out or sys.stdout
    tr = translator(args.lang or settings.default_locale)
    if not args.person and not args.workspace:
        raise CommandError(
            tr.t(
                "Name the person to forget (okrbot forget @alice), or the workspace with --workspace."
            )
        )
    with sessions.begin() as session:
        workspace = pick_workspace(session, args.workspace, tr)
        assert workspace.id is not None
        tr = translator(args.lang or workspace.default_locale)
        label = f"{workspace.name or workspace.external_id} ({workspace.platform}:{workspace.external_id})"
        member: Member | None = None
        if args.person:
            member = workspaces.find_member(
                session=session, workspace_id=workspace.id, name=args.person
            )
            if member is None:
                member = workspaces.get_member_by_external(
                    session=session, workspace_id=workspace.id, external_id=args.person.lstrip("@")
                )
            if member is None or member.external_id.startswith("forgotten:"):
                raise CommandError(
                    tr.t(
                        "There is nobody called {who} in {workspace}.",
                        who=args.person,
                        workspace=label,
                    )
                )
            question = tr.t(
                "Forget {name} (@{handle}) in {workspace}? Their name, handle, notes and texts and "
                "the direct messages to them are removed for good; their OKR numbers stay under "
                "“former member”. Type {handle} to confirm: ",
                name=member.display_name,
                handle=member.handle,
                workspace=label,
            )
            expected = member.handle
        else:
            question = tr.t(
                "Forget the whole workspace {workspace}: every objective, check-in, plan, person and "
                "message it has? This cannot be undone. Type {id} to confirm: ",
                workspace=label,
                id=workspace.external_id,
            )
            expected = workspace.external_id
        if not args.yes:
            if ask is None:
                if not sys.stdin.isatty():
                    raise CommandError(
                        tr.t("Nothing was removed: confirm on a terminal, or add --yes.")
                    )
                answer = input(question)
            else:
                answer = ask(question)
            if answer.strip().lstrip("@") != expected:
                out.write(tr.t("Nothing was removed.") + "\n")
                return EXIT_PROBLEMS
        if member is not None:
            assert member.id is not None
            done = forgetting.forget_person(
                session=session, workspace=workspace, member_id=member.id
            )
            out.write(tr.t("Forgot {name}. Removed:", name=expected) + "\n")
            for what, count in sorted(done.counts.items()):
                out.write(f"  {count} {tr.t(forgetting.KINDS.get(what, what))}\n")
            if not done.counts:
                out.write(
                    "  " + tr.t("their name and handle (they had written nothing else)") + "\n"
                )
        else:
            counts = forgetting.forget_workspace(session=session, workspace=workspace)
            out.write(
                tr.tn(
                    "Forgot workspace {workspace}: {n} row removed.",
                    "Forgot workspace {workspace}: {n} rows removed.",
                    sum(counts.values()),
                    workspace=label,
                )
                + "\n"
            )
    return 0
