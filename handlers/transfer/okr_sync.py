"""Check-ins written back to Feishu OKR: one progress record per check-in, through the outbox.

A key result imported from Feishu OKR keeps its Feishu id (a source key);
each check-in on it becomes a delivery to that key result, keyed by the
check-in and the moment it was saved, so a retry of the same event writes
nothing twice and an edit of the check-in is recorded as a new progress.
"""

from __future__ import annotations

from handlers.okr.math import kr_progress
from handlers.usecases.context import Ctx
from handlers.views import Delivery, ProgressNote, ToOkr
from storage.models import KRKind, Source
from storage.repos import history, okrs, transfer, workspaces


def progress_records(ctx: Ctx) -> list[Delivery]:
    """Deliveries to Feishu OKR for the check-ins this event saved, on imported key results."""
    saved = history.checkins_saved_at(
        session=ctx.session, workspace_id=ctx.workspace_id, member_id=ctx.member_id, at=ctx.now
    )
    if not saved:
        return []
    workspace = workspaces.get_workspace(session=ctx.session, workspace_id=ctx.workspace_id)
    if workspace is None or workspace.platform != "feishu":
        return []
    linked = transfer.keys_of(
        session=ctx.session,
        workspace_id=ctx.workspace_id,
        source=Source.FEISHU_OKR.value,
        kind="KR",
        ids=[c.kr_id for c in saved],
    )
    tr = ctx.translator_for(None)
    out: list[Delivery] = []
    for checkin in saved:
        feishu_id = linked.get(checkin.kr_id)
        kr = okrs.get_key_result_by_id(
            session=ctx.session, workspace_id=ctx.workspace_id, kr_id=checkin.kr_id
        )
        if feishu_id is None or kr is None:
            continue
        milestone = kr.kind == KRKind.MILESTONE.value
        progress = kr_progress(
            start=kr.start_value,
            target=kr.target_value,
            current=checkin.value,
            milestone=milestone,
        )
        parts = [
            tr.t("done")
            if milestone and checkin.value >= 1
            else tr.t("{value} {unit}", value=tr.number(checkin.value), unit=kr.unit).strip()
        ]
        if progress is not None:
            parts.append(tr.t("{percent} of the way", percent=tr.percent(progress)))
        if checkin.confidence is not None:
            parts.append(tr.t("confidence {n}/10", n=checkin.confidence))
        if checkin.note:
            parts.append(checkin.note)
        text = " · ".join(parts)
        out.append(
            Delivery(
                to=ToOkr(feishu_id),
                message=ProgressNote(
                    summary=tr.t("Check-in of {week}", week=checkin.week),
                    text=text,
                    percent=round(progress * 100, 1) if progress is not None else None,
                ),
                key=f"okr-progress:{checkin.id}:{ctx.now.strftime('%Y%m%dT%H%M%S%f')}",
            )
        )
    return out
