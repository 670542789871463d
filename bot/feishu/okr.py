"""Feishu OKR through lark-oapi: a period's OKRs as a table to import, and progress records.

Reading needs the OKR scope (okr:okr:readonly) and the people the app may see
(its contact scope); writing progress records is for custom apps only
(okr:okr or okr:okr.progress:writeonly). The OKR API allows 100 calls a
minute: reads are paced to stay under it.
"""

from __future__ import annotations

import functools
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from lark_oapi.api.contact.v3 import FindByDepartmentUserRequest, ListScopeRequest
from lark_oapi.api.okr.v1 import (
    ContentBlock,
    ContentBlockElement,
    ContentParagraph,
    ContentParagraphElement,
    ContentTextRun,
    CreateProgressRecordRequest,
    CreateProgressRecordRequestBody,
    ListPeriodRequest,
    ListUserOkrRequest,
    ProgressRateNew,
)

from bot.delivery import SendFailed
from bot.feishu.client import FeishuApi, send_uuid
from bot.settings import Settings
from handlers.okr.weeks import cycle_for
from handlers.transfer.importing import Cell, Table, TableError
from handlers.transfer.layout import Col, header

KR_TARGET = 2  # progress_records target_type: 1 an objective, 2 a key result
PER_MINUTE = 100
_PAGE = 10  # the user OKR list's largest page


@dataclass(frozen=True, slots=True)
class Period:
    id: str
    zh_name: str
    en_name: str
    status: int | None
    start: datetime | None
    end: datetime | None


class FeishuOkr:
    """The OKR calls okrbot makes, paced to Feishu's 100 a minute."""

    def __init__(
        self,
        api: FeishuApi,
        *,
        sleep: Callable[[float], object] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.api = api
        self._sleep = sleep
        self._clock = clock
        self._calls: deque[float] = deque()

    def _call(self, call: Callable[[], Any], what: str) -> Any:
        while len(self._calls) >= PER_MINUTE:
            wait = 60.0 - (self._clock() - self._calls[0])
            if wait <= 0:
                self._calls.popleft()
                continue
            self._sleep(wait)
        self._calls.append(self._clock())
        for attempt in range(3):
            try:
                return self.api._call(call, what)
            except SendFailed as error:
                if error.retry_after is None or attempt == 2:
                    raise
                self._sleep(error.retry_after)
        raise AssertionError("unreachable")

    # --- reading --------------------------------------------------------------------

    def periods(self) -> list[Period]:
        found: list[Period] = []
        token: str | None = None
        while True:
            builder = ListPeriodRequest.builder().page_size(100)
            if token:
                builder = builder.page_token(token)
            request: Any = builder.build()
            data = self._call(
                functools.partial(self.api.client.okr.v1.period.list, request), "OKR periods"
            ).data
            for item in data.items or []:
                found.append(
                    Period(
                        id=str(item.id),
                        zh_name=item.zh_name or "",
                        en_name=item.en_name or "",
                        status=item.status,
                        start=_instant(item.period_start_time),
                        end=_instant(item.period_end_time),
                    )
                )
            if not data.has_more or not data.page_token:
                return found
            token = data.page_token

    def user_okrs(self, open_id: str, period_id: str) -> list[Any]:
        """The OKRs (OkrBatch) of one person in one period."""
        found: list[Any] = []
        offset = 0
        while True:
            request = (
                ListUserOkrRequest.builder()
                .user_id(open_id)
                .user_id_type("open_id")
                .period_ids([period_id])
                .offset(str(offset))
                .limit(str(_PAGE))
                .build()
            )
            data = self._call(
                functools.partial(self.api.client.okr.v1.user_okr.list, request), "OKR list"
            ).data
            batch = list(data.okr_list or [])
            found.extend(batch)
            offset += len(batch)
            if not batch or offset >= int(data.total or 0):
                return found

    def visible_people(self) -> list[str]:
        """The open_ids of everyone the app may see: its contact scope, departments included."""
        people: list[str] = []
        departments: list[str] = []
        token: str | None = None
        while True:
            builder = (
                ListScopeRequest.builder()
                .user_id_type("open_id")
                .department_id_type("open_department_id")
                .page_size(100)
            )
            if token:
                builder = builder.page_token(token)
            request = builder.build()
            data = self.api._call(
                lambda request=request: self.api.client.contact.v3.scope.list(request),
                "contact scope",
            ).data
            people.extend(data.user_ids or [])
            departments.extend(data.department_ids or [])
            if not data.has_more or not data.page_token:
                break
            token = data.page_token
        for department in departments:
            token = None
            while True:
                builder = (
                    FindByDepartmentUserRequest.builder()
                    .user_id_type("open_id")
                    .department_id_type("open_department_id")
                    .department_id(department)
                    .page_size(50)
                )
                if token:
                    builder = builder.page_token(token)
                request = builder.build()
                data = self.api._call(
                    lambda request=request: self.api.client.contact.v3.user.find_by_department(
                        request
                    ),
                    "department members",
                ).data
                people.extend(u.open_id for u in data.items or [] if u.open_id)
                if not data.has_more or not data.page_token:
                    break
                token = data.page_token
        return list(dict.fromkeys(people))

    # --- writing --------------------------------------------------------------------

    def create_progress_record(
        self, *, kr_id: str, text: str, percent: float | None, source_url: str, source_title: str
    ) -> str:
        run = (
            ContentParagraphElement.builder()
            .type("textRun")
            .text_run(ContentTextRun.builder().text(text).build())
            .build()
        )
        content = (
            ContentBlock.builder()
            .blocks(
                [
                    ContentBlockElement.builder()
                    .type("paragraph")
                    .paragraph(ContentParagraph.builder().elements([run]).build())
                    .build()
                ]
            )
            .build()
        )
        body = (
            CreateProgressRecordRequestBody.builder()
            .source_title(source_title)
            .source_url(source_url)
            .source_url_pc(source_url)
            .source_url_mobile(source_url)
            .target_id(kr_id)
            .target_type(KR_TARGET)
            .content(content)
        )
        if percent is not None:
            body = body.progress_rate(
                ProgressRateNew.builder().percent(max(0.0, min(percent, 100.0))).build()
            )
        request = (
            CreateProgressRecordRequest.builder()
            .user_id_type("open_id")
            .request_body(body.build())
            .build()
        )
        response = self.api._call(
            lambda: self.api.client.okr.v1.progress_record.create(request), "OKR progress record"
        )
        return str(response.data.progress_id)


def bot_link(settings_domain: str, app_id: str, key: str) -> str:
    """A link that opens the chat with the bot; it carries the outbox key, so a record can be
    told apart from another later (a progress record has no idempotency key of its own)."""
    host = "applink.larksuite.com" if "lark" in settings_domain else "applink.feishu.cn"
    return f"https://{host}/client/bot/open?appId={app_id}&okrbot={send_uuid(key)}"


def _instant(raw: str | int | None) -> datetime | None:
    try:
        value = int(raw) if raw is not None else None
    except (TypeError, ValueError):
        return None
    if value is None:
        return None
    return datetime.fromtimestamp(value / 1000 if value > 10**11 else value, tz=UTC)


def _cycle_name(period: Period) -> str | None:
    """The okrbot cycle a Feishu period is: the calendar cycle its months make up."""
    if period.start is None or period.end is None:
        return None
    # Feishu gives the instants a period starts and ends in the tenant's zone: half a
    # day inwards is the same calendar day there, whatever the zone.
    start = (period.start + timedelta(hours=12)).date()
    end = (period.end - timedelta(hours=12)).date()
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    kind = {1: "monthly", 2: "bimonthly", 3: "quarter", 12: "annual"}.get(months, "quarter")
    return cycle_for(kind, date(start.year, start.month, 1)).name


def choose_period(periods: Iterable[Period], name: str | None, now: datetime) -> Period:
    periods = list(periods)
    if name:
        wanted = name.strip().casefold()
        for period in periods:
            if wanted in (period.zh_name.casefold(), period.en_name.casefold(), period.id):
                return period
        names = ", ".join(p.zh_name or p.en_name for p in periods) or "—"
        raise TableError(
            "Feishu OKR has no period {name}; its periods are: {names}.", name=name, names=names
        )
    for period in periods:
        if period.start and period.end and period.start <= now <= period.end and period.status != 2:
            return period
    current = [p for p in periods if p.status in (0, 1, None)]
    if not current:
        raise TableError(
            "Feishu OKR has no period yet: create one there, or name one with --period."
        )
    return current[0]


def feishu_okr_table(
    settings: Settings,
    *,
    period: str | None,
    known: Iterable[str],
    okr: FeishuOkr | None = None,
    now: datetime | None = None,
) -> Table:
    """Every visible person's OKRs of a period, as the rows of the import layout."""
    okr = okr or FeishuOkr(FeishuApi(settings))
    try:
        chosen = choose_period(okr.periods(), period, now or datetime.now(UTC))
        people = list(
            dict.fromkeys([*(k for k in known if k.startswith("ou_")), *okr.visible_people()])
        )
        batches = [(open_id, okr.user_okrs(open_id, chosen.id)) for open_id in people]
    except SendFailed as error:
        raise TableError(
            "Feishu OKR could not be read ({error}). The app needs the OKR scope "
            "okr:okr:readonly and the OKR edition of Feishu.",
            error=error.reason,
        ) from None
    cycle = _cycle_name(chosen) or ""
    columns = (
        Col.KEY,
        Col.OBJECTIVE_KEY,
        Col.OBJECTIVE,
        Col.OWNER,
        Col.ALIGNED,
        Col.KR,
        Col.START,
        Col.TARGET,
        Col.CURRENT,
        Col.UNIT,
        Col.WEIGHT,
        Col.CYCLE,
    )
    objectives = {
        str(o.id) for _, found in batches for batch in found for o in batch.objective_list or []
    }
    rows: list[tuple[int, tuple[Cell, ...]]] = []
    number = 1
    for open_id, found in batches:
        for batch in found:
            for objective in batch.objective_list or []:
                aligned = next(
                    (
                        str(a.id)
                        for a in objective.aligned_objective_list or []
                        if str(a.id) in objectives
                    ),
                    "",
                )
                base = {
                    Col.OBJECTIVE_KEY: str(objective.id),
                    Col.OBJECTIVE: (objective.content or "").strip(),
                    Col.OWNER: open_id,
                    Col.ALIGNED: aligned,
                    Col.CYCLE: cycle,
                }
                for kr in objective.kr_list or [None]:
                    values: dict[Col, Any] = dict(base)
                    if kr is not None:
                        percent = kr.progress_rate.percent if kr.progress_rate is not None else None
                        values.update(
                            {
                                Col.KEY: str(kr.id),
                                Col.KR: (kr.content or "").strip(),
                                Col.START: 0,
                                Col.TARGET: 100,
                                Col.CURRENT: percent or 0,
                                Col.UNIT: "%",
                                Col.WEIGHT: kr.kr_weight if kr.kr_weight else None,
                            }
                        )
                    number += 1
                    rows.append((number, tuple(Cell(values.get(c)) for c in columns)))
    name = chosen.zh_name or chosen.en_name or chosen.id
    return Table(
        name=f"Feishu OKR {name}", header=tuple(header(c, "en") for c in columns), rows=rows
    )
