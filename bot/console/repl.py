"""The terminal trial: a chat client in a terminal, driving OkrApp with neutral events.

Each line is what a person would do in chat: a command (`/okr ...`), a button
press (`:press N`) or a form submit (`:form ...`). Lines starting with `:` are
the console's own controls: who you are (`:as`), and what time it is
(`:time`), which is how the weekly rhythm is tried without waiting a week.
"""

from __future__ import annotations

import contextlib
import logging
import re
import shutil
import sys
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot import pages
from bot.console.render import button_list, display_width, render_view
from bot.console.sender import ConsoleSender, for_terminal
from bot.delivery import Outgoing
from bot.outbox import OutboxSender, Prepare
from bot.transfer import attach
from handlers.app import OkrApp
from handlers.clock import ManualClock
from handlers.events import Actor, ButtonPressed, Command, Event, FormSubmitted
from handlers.i18n import Translator, negotiate, translator
from handlers.okr.weeks import next_occurrence
from handlers.usecases.context import member_timezone
from handlers.views import (
    Form,
    FormErrors,
    Home,
    InputKind,
    Message,
    Spreadsheet,
    ToOkr,
    ToUser,
    View,
)
from storage.db import SessionFactory
from storage.models import Member, Workspace
from storage.repos import schedule, workspaces

log = logging.getLogger(__name__)

PLATFORM = "console"
_SENDER = "console"  # the holder of the trial's outbox claims: one terminal sends


def clock_name(workspace: str) -> str:
    """The scheduler-state row that keeps a console workspace's clock (and rhythm watermark)."""
    return f"console-clock:{workspace}"


def resume_clock(*, app: OkrApp, clock: ManualClock, workspace: str) -> bool:
    """Set `clock` to where the trial stopped; on a first run, store its start instead.

    True when the clock was resumed. The stored time is also the watermark of
    the workspace's rhythm, so a restart shows no moment twice.
    """
    with app.sessions.begin() as session:
        stopped_at = schedule.read_watermark(session=session, name=clock_name(workspace))
    if stopped_at is not None:
        clock.set(stopped_at)
        return True
    app.tick(
        until=clock.now(),
        catch_up=None,
        name=clock_name(workspace),
        platform=PLATFORM,
        workspace=workspace,
    )
    return False


_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_WEEKDAYS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        ("mon", "monday", "周一", "星期一"),
        ("tue", "tues", "tuesday", "周二", "星期二"),
        ("wed", "wednesday", "周三", "星期三"),
        ("thu", "thur", "thurs", "thursday", "周四", "星期四"),
        ("fri", "friday", "周五", "星期五"),
        ("sat", "saturday", "周六", "星期六"),
        ("sun", "sunday", "周日", "周天", "星期日", "星期天"),
    ),
    start=1,
):
    _WEEKDAYS.update(dict.fromkeys(_names, _number))

_HHMM = re.compile(r"([0-9]{1,2}):([0-9]{2})")
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_RELATIVE = re.compile(r"\+\s*((?:[0-9]+\s*[wdhm]\s*)+)")
_RELATIVE_PART = re.compile(r"([0-9]+)\s*([wdhm])")
_UNITS = {"w": timedelta(weeks=1), "d": timedelta(days=1), "h": timedelta(hours=1)}
# name=value, the value bare or in quotes: the inverse of render.quote_value.
_FORM_PAIR = re.compile(r"""\s*([^\s=]+)=(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|([^\s"']*))(?=\s|$)""")


# A terminal in line mode keeps at most 4095 bytes of one line (Linux's
# N_TTY_BUF_SIZE less the newline) and silently drops the rest.
TERMINAL_LINE_LIMIT = 4095


@dataclass(frozen=True, slots=True)
class _Me:
    """The acting member as the console needs them for one line."""

    handle: str
    name: str
    locale: str | None
    timezone: str
    tr: Translator


class Console:
    """A read-eval-print loop over one workspace, acting as one member at a time."""

    def __init__(
        self,
        *,
        app: OkrApp,
        sessions: SessionFactory,
        clock: ManualClock,
        workspace: str,
        handle: str,
        stdin: TextIO,
        stdout: TextIO,
        color: bool = False,
        locale: str | None = None,
        default_locale: str = "en",
        default_timezone: str = "UTC",
        log_path: str | None = None,
        trial_database: str | None = None,
        resumed: bool = False,
        opened_on_monday: bool = False,
        image_dir: Path | None = None,
        prepare: Prepare = pages.prepare_outgoing,
    ) -> None:
        self.app = app
        self.sessions = sessions
        self.clock = clock
        self.workspace = workspace
        self.handle = handle
        self.stdin = stdin
        self.stdout = stdout
        self.color = color
        self.locale = locale  # what this "chat client" reports as everyone's language
        self.default_locale = default_locale
        self.default_timezone = default_timezone
        self.log_path = log_path
        self.trial_database = (
            trial_database  # shown in the banner, so people know what --fresh resets
        )
        self.resumed = resumed
        self.opened_on_monday = opened_on_monday  # the banner says why it is Monday morning
        # input() gives line editing, but only on the process's own terminal.
        self.interactive = stdin is sys.stdin and stdin.isatty() and stdout.isatty()
        self.width = (
            min(max(shutil.get_terminal_size().columns - 1, 40), 100) if stdout.isatty() else 78
        )
        # What each person last saw, so `:press` and `:form` act on their own screen.
        self._last_message: dict[str, Message] = {}
        self._last_form: dict[str, Form] = {}
        self.image_dir = image_dir
        # Everything but the direct reply goes through the outbox, as on a real platform;
        # the terminal sends what is due after each line instead of in a thread.
        self.outbox = OutboxSender(
            sessions=sessions,
            senders=[
                ConsoleSender(
                    write=self._print,
                    label=self._recipient_label,
                    shown=self._seen,
                    width=self.width,
                    color=color,
                    image_dir=image_dir,
                )
            ],
            clock=clock,
            sleep=lambda _seconds: None,  # the terminal has no rate limit to wait for
            holder=_SENDER,
            prepare=prepare,  # e.g. drawing charts into pictures, as the bot does
        )

    # --- the loop --------------------------------------------------------------

    def run(self) -> int:
        if self.interactive:
            with contextlib.suppress(ImportError):
                import readline  # noqa: F401  (gives input() line editing and history)
        self._banner()
        self._deliver()  # anything queued while the trial was closed (`okrbot trigger`)
        while True:
            try:
                line = self._read()
            except KeyboardInterrupt:
                self._say(self._me().tr.t("(Type :quit or press Ctrl-D to leave.)"))
                continue
            if line is None:
                return 0
            if self.interactive and len(line.encode("utf-8")) >= TERMINAL_LINE_LIMIT:
                # The terminal drops whatever is typed past its line limit: what
                # arrived is not what was meant, so run nothing and say why.
                limit = f"{TERMINAL_LINE_LIMIT:,}"
                self._say(
                    self._me().tr.t(
                        "That line reached the terminal's limit of {limit} bytes and was "
                        "probably cut off, so I did not run it. Shorten it, or pipe the "
                        "commands in from a file: okrbot console < commands.txt",
                        limit=limit,
                    )
                )
                continue
            try:
                if not self.execute(line):
                    return 0
            except KeyboardInterrupt:
                self._say(self._me().tr.t("(Interrupted.)"))

    def execute(self, line: str) -> bool:
        """Act on one line; False when the person asked to leave."""
        line = line.strip()
        if not line:
            return True
        try:
            if line.startswith((":", "：")):
                return self._meta(line[1:].strip())
            self._command(line)
        except Exception:
            # Whatever broke, the person keeps their session; the details are for the log.
            log.exception("console line failed: %r", line)
            self._polite_error()
        return True

    def _read(self) -> str | None:
        prompt = self._prompt()
        if self.interactive:
            try:
                return input(prompt)
            except EOFError:
                self.stdout.write("\n")
                return None
        # Piped input is not echoed by a terminal: write each line after its
        # prompt so the transcript reads like the session it was.
        self.stdout.write(prompt)
        line = self.stdin.readline()
        if not line:
            self.stdout.write("\n")
            self.stdout.flush()
            return None
        self.stdout.write(line if line.endswith("\n") else line + "\n")
        return line

    # --- talking to the app ----------------------------------------------------

    def _command(self, line: str) -> None:
        me = self._me()
        text = _command_text(line)
        if text is None:
            self._say(me.tr.t("Only /okr commands work here. Try /okr help."))
            return
        self._send(Command(actor=self._actor(me), text=text, event_id=_event_id()), me)

    def _send(self, event: Event, me: _Me) -> None:
        outcome = self.app.handle(event)
        for reply in outcome.replies:
            self._show(reply, seen_by=[me.handle])
        self._deliver()

    def _deliver(self) -> int:
        """Send what the outbox holds for this terminal now; how many were shown."""
        return self.outbox.drain().sent

    def _actor(self, me: _Me) -> Actor:
        return Actor(
            platform=PLATFORM,
            workspace_id=self.workspace,
            user_id=me.handle,
            display_name=me.name,
            locale=me.locale or self.locale,
        )

    # --- showing what the app said ---------------------------------------------

    def _show(self, view: View | FormErrors, *, seen_by: Sequence[str]) -> None:
        saved: list[Path] = []
        if isinstance(view, Message | Home):
            if self.image_dir is not None and any(isinstance(b, Spreadsheet) for b in view.blocks):
                # An export: written next to the trial's pictures, its path printed whole.
                for file in attach.files_of(attach.prepare(view)):
                    self.image_dir.mkdir(parents=True, exist_ok=True)
                    path = self.image_dir / file.filename
                    path.write_bytes(file.data)
                    saved.append(path)
            view = for_terminal(view)
        self._print(render_view(view, width=self.width, color=self.color))
        for path in saved:
            self._print(f"📎 {path}")
        self._remember(view, seen_by)

    def _remember(self, view: View | FormErrors, readers: Sequence[str]) -> None:
        for reader in readers:
            if isinstance(view, Message):
                self._last_message[reader] = view
            elif isinstance(view, Form):
                self._last_form[reader] = view

    def _recipient_label(self, item: Outgoing) -> str:
        with self.sessions.begin() as session:
            tr = self._me(session).tr
            if isinstance(item.to, ToOkr):
                return tr.t("to Feishu OKR")
            if isinstance(item.to, ToUser):
                member = self._member(session, item.to.user_id)
                who = member.display_name if member is not None else item.to.user_id
                handle = member.handle if member is not None else item.to.user_id
                return tr.t("DM to {name} (@{handle})", name=who, handle=handle)
        return tr.t("to #{channel}", channel=item.to.channel_id)

    def _seen(self, item: Outgoing, message: Message) -> None:
        if isinstance(item.to, ToUser):
            readers = [item.to.user_id]
        elif isinstance(item.to, ToOkr):
            return
        else:
            with self.sessions.begin() as session:
                readers = self._channel_readers(session, item.to.channel_id)
        self._remember(message, readers)

    def _channel_readers(self, session: Session, channel_id: str) -> list[str]:
        """Who sees a channel post: the members of the team that owns the channel."""
        workspace = self._workspace(session)
        assert workspace.id is not None
        for team in workspaces.list_teams(session=session, workspace_id=workspace.id):
            if team.channel_external_id == channel_id and team.id is not None:
                ids = workspaces.team_member_ids(
                    session=session, workspace_id=workspace.id, team_id=team.id
                )
                members = workspaces.list_members(
                    session=session, workspace_id=workspace.id, ids=ids
                )
                return [m.external_id for m in members]
        return [self.handle]

    # --- console commands -------------------------------------------------------

    def _meta(self, text: str) -> bool:
        verb, _, rest = text.partition(" ")
        verb, rest = verb.lower(), rest.strip()
        if verb in ("quit", "q", "exit"):
            return False
        actions = {
            "help": self._help,
            "who": self._who,
            "as": self._act_as,
            "time": self._time,
            "press": self._press,
            "form": self._form,
        }
        action = actions.get(verb)
        if action is None:
            self._say(self._me().tr.t("Unknown console command :{verb}. Type :help.", verb=verb))
        else:
            action(rest)
        return True

    def _help(self, _rest: str) -> None:
        tr = self._me().tr
        rows = (
            ("/okr …", tr.t("talk to the bot (okr … or just the words work too)")),
            (":who", tr.t("everyone in the workspace and their teams")),
            (":as HANDLE", tr.t("act as someone else")),
            (":time fri 17:30", tr.t("move the clock forward; what falls due is sent")),
            ("", tr.t("also: :time mon 09:30, :time 17:30, :time +2h, :time 2026-11-27 17:30")),
            (":press N", tr.t("press button [N] of the last message you saw")),
            (
                ":form name=value …",
                tr.t('submit the last form; put values with spaces in "quotes"'),
            ),
            (":quit", tr.t("leave (Ctrl-D works too)")),
        )
        self._say(tr.t("Console commands:"))
        self._table(rows)

    def _who(self, _rest: str) -> None:
        with self.sessions.begin() as session:
            workspace = self._workspace(session)
            assert workspace.id is not None
            members = workspaces.list_members(session=session, workspace_id=workspace.id)
            tr = self._me(session).tr
            rows: list[tuple[str, ...]] = []
            for member in members:
                assert member.id is not None
                teams = workspaces.teams_of_member(
                    session=session, workspace_id=workspace.id, member_id=member.id
                )
                team_names = [
                    tr.t("{team} (manager)", team=t.name) if t.manager_id == member.id else t.name
                    for t in teams
                ]
                mark = "→" if member.external_id == self.handle else " "
                rows.append(
                    (f"{mark} @{member.handle}", member.display_name, ", ".join(team_names))
                )
        if not rows:
            self._say(tr.t("Nobody is here yet: the first command you type creates you."))
            return
        self._table(rows)

    def _act_as(self, rest: str) -> None:
        name = rest.strip()
        with self.sessions.begin() as session:
            workspace = self._workspace(session)
            assert workspace.id is not None
            member = None
            if name:
                member = self._member(session, name.lstrip("@＠")) or workspaces.find_member(
                    session=session, workspace_id=workspace.id, name=name
                )
            if member is None:
                tr = self._me(session).tr
                members = workspaces.list_members(session=session, workspace_id=workspace.id)
                handles = ", ".join(f"@{m.handle}" for m in members)
                self._say(
                    tr.t(
                        "There is no @{name} here. Members: {handles}",
                        name=name.lstrip("@＠") or "?",
                        handles=handles or "—",
                    )
                )
                return
            self.handle = member.external_id
            me = self._me(session)
        self._say(me.tr.t("You are now {name} (@{handle}).", name=me.name, handle=member.handle))

    def _time(self, rest: str) -> None:
        me = self._me()
        now = self.clock.now()
        target = parse_time(rest, now=now, tz=me.timezone)
        if target is None:
            self._say(
                me.tr.t(
                    "I can't read that time. Try :time fri 17:30, :time mon 09:30, "
                    ":time +2h or :time 2026-11-27 17:30."
                )
            )
            return
        shown_now = format_clock(now, me.timezone)
        if target < now:
            self._say(me.tr.t("Time only moves forward here: it is already {now}.", now=shown_now))
            return
        if target == now:
            self._say(me.tr.t("It is already {now}.", now=shown_now))
            return
        self.clock.set(target)
        self._say(me.tr.t("The clock moves on to {when}.", when=format_clock(target, me.timezone)))
        # The trial's clock is its rhythm's watermark: what falls due on the way is
        # queued once and stored with the time, so a restart shows nothing twice.
        self.app.tick(
            until=target,
            catch_up=None,
            name=clock_name(self.workspace),
            platform=PLATFORM,
            workspace=self.workspace,
        )
        if not self._deliver():
            self._say(me.tr.t("Nothing fell due on the way."))

    def _press(self, rest: str) -> None:
        me = self._me()
        message = self._last_message.get(me.handle)
        buttons = button_list(message) if message is not None else []
        if not buttons:
            self._say(me.tr.t("The last message you saw has no buttons."))
            return
        if not rest.isdigit() or not 1 <= int(rest) <= len(buttons):
            self._say(me.tr.t("Press a button by its number, from 1 to {n}.", n=len(buttons)))
            return
        button = buttons[int(rest) - 1]
        event = ButtonPressed(
            actor=self._actor(me), action=button.action, value=button.value, event_id=_event_id()
        )
        self._send(event, me)

    def _form(self, rest: str) -> None:
        me = self._me()
        form = self._last_form.get(me.handle)
        if form is None:
            self._say(me.tr.t("There is no form to submit: none has been shown to you."))
            return
        try:
            given = dict(parse_form_line(rest))
        except ValueError:
            self._say(me.tr.t('I can\'t read that. Write name=value pairs, e.g. note="two words".'))
            return
        known = {field.name for field in form.inputs}
        unknown = [name for name in given if name not in known]
        if unknown:
            self._say(
                me.tr.t(
                    "The form has no {unknown}. Its inputs are: {known}",
                    unknown=", ".join(unknown),
                    known=", ".join(field.name for field in form.inputs),
                )
            )
            return
        values: dict[str, str | list[str] | None] = {}
        for field in form.inputs:
            raw = given.get(field.name, field.initial if field.initial is not None else "")
            values[field.name] = _input_value(field.kind, raw)
        event = FormSubmitted(
            actor=self._actor(me),
            form_id=form.form_id,
            values=values,
            context=form.context,
            event_id=_event_id(),
        )
        self._send(event, me)

    # --- who is acting, and where -----------------------------------------------

    def _workspace(self, session: Session) -> Workspace:
        # The app creates the workspace with the same defaults on its first event.
        return workspaces.get_or_create_workspace(
            session=session,
            platform=PLATFORM,
            external_id=self.workspace,
            default_locale=self.default_locale,
            default_timezone=self.default_timezone,
        )

    def _member(self, session: Session, external_id: str) -> Member | None:
        workspace = self._workspace(session)
        assert workspace.id is not None
        return workspaces.get_member_by_external(
            session=session, workspace_id=workspace.id, external_id=external_id
        )

    def _me(self, session: Session | None = None) -> _Me:
        if session is None:
            with self.sessions.begin() as own:
                return self._me(own)
        workspace = self._workspace(session)
        assert workspace.id is not None
        member = self._member(session, self.handle)
        if member is None:
            # Not created yet: the app adds them on their first command.
            locale = negotiate(self.locale, workspace.default_locale)
            return _Me(
                handle=self.handle,
                name=self.handle,
                locale=None,
                timezone=workspace.default_timezone,
                tr=translator(locale),
            )
        assert member.id is not None
        teams = workspaces.teams_of_member(
            session=session, workspace_id=workspace.id, member_id=member.id
        )
        return _Me(
            handle=member.external_id,
            name=member.display_name or member.handle,
            locale=member.locale,
            timezone=member_timezone(member, teams, workspace.default_timezone),
            tr=translator(negotiate(member.locale, self.locale, workspace.default_locale)),
        )

    # --- output -----------------------------------------------------------------

    def _prompt(self) -> str:
        try:
            me = self._me()
        except Exception:
            # A prompt without the clock beats a dead session.
            log.exception("could not build the prompt")
            return f"{self.handle}> "
        return f"[{format_clock(self.clock.now(), me.timezone)}] {me.handle}> "

    def _banner(self) -> None:
        with self.sessions.begin() as session:
            me = self._me(session)
            workspace = self._workspace(session)
            assert workspace.id is not None
            others = [
                m.handle
                for m in workspaces.list_members(session=session, workspace_id=workspace.id)
                if m.external_id != me.handle
            ]
        tr = me.tr
        title = (
            tr.t("okrbot terminal trial · {workspace}", workspace=workspace.name)
            if workspace.name
            else tr.t("okrbot terminal trial")
        )
        other_language = "en" if tr.locale == "zh" else "zh"
        self._print(self._paint(title, "1"))
        self._say(
            tr.t(
                "You are {name} (@{handle}). Type what you would type in chat:",
                name=me.name,
                handle=me.handle,
            )
        )
        self._table(
            (
                ("  /okr", tr.t("your OKRs and this week's plan")),
                ("  /okr help", tr.t("everything the bot understands")),
                (
                    f"  :as {others[0] if others else 'NAME'}",
                    tr.t("act as someone else (:who lists everyone)"),
                ),
                ("  :time fri 17:30", tr.t("move the clock: Friday's check-ins and digest go out")),
                (
                    f"  /okr settings language {other_language}",
                    tr.t("switch your replies to English")
                    if other_language == "en"
                    else tr.t("switch your replies to Chinese"),
                ),
            )
        )
        if self.opened_on_monday:
            self._say(
                tr.t(
                    "The trial's clock opens at {when}, this week's Monday morning, so the week "
                    "can be walked through in order; okrbot --now opens it at the real time.",
                    when=format_clock(self.clock.now(), me.timezone),
                )
            )
        closing = tr.t(":help lists the console commands; :quit leaves.")
        if self.trial_database and self.resumed:
            closing += " " + tr.t(
                "Continuing the trial in {path}; --fresh starts over.", path=self.trial_database
            )
        elif self.trial_database:
            closing += " " + tr.t("Your trial data lives in {path}.", path=self.trial_database)
        self._say(closing)

    def _table(self, rows: Sequence[tuple[str, ...]]) -> None:
        """Rows in columns, aligned by how wide terminals draw them (CJK counts double)."""
        if not rows:
            return
        widths = [max(display_width(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
        for row in rows:
            cells = [
                cell + " " * (width - display_width(cell))
                for cell, width in zip(row[:-1], widths, strict=True)
            ]
            self._print("  ".join([*cells, row[-1]]).rstrip())

    def _polite_error(self) -> None:
        tr = self._safe_translator()
        if self.log_path:
            self._say(
                tr.t(
                    "Sorry, something went wrong inside okrbot. Details are in {log}.",
                    log=self.log_path,
                )
            )
        else:
            self._say(tr.t("Sorry, something went wrong inside okrbot. Details are in the log."))

    def _safe_translator(self) -> Translator:
        try:
            return self._me().tr
        except Exception:
            # The database itself may be what failed: apologise in the default language.
            log.exception("could not look up the acting member")
            return translator(negotiate(self.locale, self.default_locale))

    def _say(self, text: str) -> None:
        self._print(self._paint(text, "2"))

    def _paint(self, text: str, sgr: str) -> str:
        return f"\x1b[{sgr}m{text}\x1b[0m" if self.color else text

    def _print(self, text: str) -> None:
        self.stdout.write(text + "\n")
        self.stdout.flush()


def _event_id() -> str:
    return f"console-{uuid.uuid4().hex}"


def _command_text(line: str) -> str | None:
    """The text after /okr, or None for a slash command that is not ours."""
    for prefix in ("/okr", "okr"):
        if line.lower() == prefix:
            return ""
        if line.lower().startswith(prefix) and line[len(prefix)].isspace():
            return line[len(prefix) :].strip()
    if line.startswith("/"):
        return None
    return line


def _input_value(kind: InputKind, raw: str) -> str | list[str] | None:
    if kind is InputKind.USERS:
        return [part.lstrip("@＠") for part in re.split(r"[\s,，]+", raw) if part]
    if not raw:
        return None
    if kind is InputKind.USER:
        return raw.lstrip("@＠")  # a console user id is the bare handle
    return raw


def parse_form_line(text: str) -> list[tuple[str, str]]:
    """`name=value name2="two words"` as pairs; ValueError when it cannot be read."""
    pairs: list[tuple[str, str]] = []
    position = 0
    text = text.rstrip()
    while position < len(text):
        match = _FORM_PAIR.match(text, position)
        if match is None:
            raise ValueError(f"cannot read {text[position:]!r}")
        name, quoted, single, bare = match.groups()
        if quoted is not None:
            value = re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), quoted)
        else:
            value = single if single is not None else bare
        pairs.append((name, value))
        position = match.end()
    return pairs


def format_clock(instant: datetime, tz: str) -> str:
    """`Fri 27 Nov 17:30 Asia/Shanghai`, the same in every language, like a status bar."""
    local = instant.astimezone(ZoneInfo(tz))
    day = _DAY_NAMES[local.weekday()]
    month = _MONTH_NAMES[local.month - 1]
    return f"{day} {local.day} {month} {local:%H:%M} {tz}"


def parse_time(text: str, *, now: datetime, tz: str) -> datetime | None:
    """Where `:time TEXT` moves the clock, in UTC; None when TEXT is not a time.

    A weekday or a bare time means the next such moment after `now`, read in
    timezone `tz`; a date means that day. The result may lie before `now`
    (an explicit date, or "-2h"), which the caller refuses.
    """
    text = text.strip().lower()
    if text.startswith("-"):
        delta = _relative("+" + text[1:])
        return now - delta if delta is not None else None
    if text.startswith("+"):
        delta = _relative(text)
        return now + delta if delta is not None else None
    zone = ZoneInfo(tz)
    local_now = now.astimezone(zone)
    words = text.replace("t", " ", 1).split() if _DATE.match(text) else text.split()
    if not words or len(words) > 2:
        return None
    wall: time | None = None
    if _HHMM.fullmatch(words[-1]):
        wall = _wall_time(words[-1])
        if wall is None:
            return None
        day_word = words[0] if len(words) == 2 else None
    elif len(words) == 2:
        return None
    else:
        day_word = words[0]
    hhmm = f"{wall:%H:%M}" if wall is not None else f"{local_now:%H:%M}"
    if day_word is None:
        today, tomorrow = local_now.isoweekday(), local_now.isoweekday() % 7 + 1
        return min(
            next_occurrence(after=now, weekday=day, hhmm=hhmm, tz=tz) for day in (today, tomorrow)
        )
    if day_word in _WEEKDAYS:
        return next_occurrence(after=now, weekday=_WEEKDAYS[day_word], hhmm=hhmm, tz=tz)
    match = _DATE.fullmatch(day_word)
    if match is None:
        return None
    try:
        day = datetime(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None
    clock_time = wall if wall is not None else local_now.time().replace(second=0, microsecond=0)
    return datetime.combine(day.date(), clock_time, tzinfo=zone).astimezone(UTC)


def _wall_time(text: str) -> time | None:
    match = _HHMM.fullmatch(text)
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        return None
    return time(int(match[1]), int(match[2]))


def _relative(text: str) -> timedelta | None:
    match = _RELATIVE.fullmatch(text)
    if match is None:
        return None
    total = timedelta()
    for amount, unit in _RELATIVE_PART.findall(match[1]):
        total += int(amount) * _UNITS.get(unit, timedelta(minutes=1))
    return total
