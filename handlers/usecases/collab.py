"""Help requests tracked until done, and kudos."""

from __future__ import annotations

from handlers import grammar as g
from handlers.i18n import Translator
from handlers.present import help_ref, kr_ref
from handlers.usecases.context import (
    Ctx,
    UserError,
    member_mention,
    member_name,
    resolve_help_request,
    resolve_kr,
    resolve_person,
)
from handlers.views import (
    Actions,
    Block,
    Button,
    ButtonStyle,
    Context,
    Delivery,
    Header,
    Message,
    Outcome,
    Text,
    ToUser,
)
from storage.models import HelpRequest, HelpStatus, KeyResult, Member
from storage.repos import collab, okrs, workspaces


def _status(tr: Translator, status: str) -> str:
    return {
        HelpStatus.OPEN.value: tr.t("waiting for an answer"),
        HelpStatus.ACCEPTED.value: tr.t("accepted"),
        HelpStatus.DECLINED.value: tr.t("declined"),
        HelpStatus.DONE.value: tr.t("done"),
        HelpStatus.CANCELLED.value: tr.t("cancelled"),
    }.get(status, status)


def _request_line(
    tr: Translator,
    request: HelpRequest,
    requester: Member | None,
    helper: Member | None,
    kr: KeyResult | None,
) -> str:
    about = f" ({kr_ref(kr)} {kr.title})" if kr is not None else ""
    return tr.t(
        "{ref} {requester} → {helper}{about}: {text} · {status}",
        ref=help_ref(request),
        requester=member_name(requester),
        helper=member_name(helper),
        about=about,
        text=request.text,
        status=_status(tr, request.status),
    )


def _buttons_for_helper(tr: Translator, request: HelpRequest) -> Actions:
    ref = help_ref(request)
    return Actions(
        (
            Button(tr.t("Accept"), "help.accept", ref, ButtonStyle.PRIMARY),
            Button(tr.t("Decline"), "help.decline", ref, ButtonStyle.DANGER),
            Button(tr.t("Done"), "help.done", ref),
        )
    )


def helper_buttons(tr: Translator, request: HelpRequest) -> Actions:
    """Accept, Decline and Done for the person asked."""
    return _buttons_for_helper(tr, request)


def ask(ctx: Ctx, cmd: g.Ask) -> Outcome:
    helper = resolve_person(ctx, cmd.person)
    if helper.id == ctx.member_id:
        raise UserError("You can't ask yourself for help; @-mention a colleague.", usage="ask")
    kr = resolve_kr(ctx, cmd.kr) if cmd.kr else None
    request = collab.create_help_request(
        session=ctx.session,
        workspace_id=ctx.workspace_id,
        requester_id=ctx.member_id,
        helper_id=helper.id or -1,
        text=cmd.text,
        kr_id=kr.id if kr else None,
        now=ctx.now,
    )
    reply = ctx.t(
        "Asked {who} for help ({ref}). You'll hear when they answer.",
        who=member_name(helper),
        ref=help_ref(request),
    )
    tr = ctx.translator_for(helper)
    about = tr.t(" on {kr} {title}", kr=kr_ref(kr), title=kr.title) if kr else ""
    ask_text = tr.t(
        "{who} asks for your help{about}: {text}",
        who=member_mention(ctx.member),
        about=about,
        text=cmd.text,
    )
    dm = Message(
        summary=ask_text,
        blocks=(
            Text(ask_text),
            Context(tr.t("Help request {ref}", ref=help_ref(request))),
            _buttons_for_helper(tr, request),
        ),
    )
    return Outcome(
        replies=[Message(summary=reply, blocks=(Text(reply),))],
        deliveries=[
            Delivery(to=ToUser(helper.external_id), message=dm, key=f"help:{request.id}:asked")
        ],
    )


def ask_list(ctx: Ctx) -> Outcome:
    requests = collab.list_help_requests(
        session=ctx.session,
        workspace_id=ctx.workspace_id,
        member_ids=[ctx.member_id],
        statuses=[HelpStatus.OPEN, HelpStatus.ACCEPTED],
    )
    title = ctx.t("Open help requests")
    blocks: list[Block] = [Header(title)]
    if not requests:
        blocks.append(
            Text(
                ctx.t(
                    'Nothing open. Ask a colleague: /okr ask @bob KR12 "can you review the deck?"'
                )
            )
        )
    people = _people(ctx, requests)
    krs = _krs(ctx, requests)
    for request in requests:
        blocks.append(
            Text(
                _request_line(
                    ctx.tr,
                    request,
                    people.get(request.requester_id),
                    people.get(request.helper_id),
                    krs.get(request.kr_id or -1),
                )
            )
        )
        if request.helper_id == ctx.member_id and request.status == HelpStatus.OPEN.value:
            blocks.append(_buttons_for_helper(ctx.tr, request))
    return Outcome(replies=[Message(summary=title, blocks=tuple(blocks))])


def _people(ctx: Ctx, requests: list[HelpRequest]) -> dict[int, Member]:
    ids = {r.requester_id for r in requests} | {r.helper_id for r in requests}
    return {
        m.id: m
        for m in workspaces.list_members(
            session=ctx.session, workspace_id=ctx.workspace_id, ids=ids
        )
        if m.id is not None
    }


def _krs(ctx: Ctx, requests: list[HelpRequest]) -> dict[int, KeyResult]:
    ids = {r.kr_id for r in requests if r.kr_id is not None}
    if not ids:
        return {}
    return {
        kr.id: kr
        for kr in okrs.list_key_results(session=ctx.session, workspace_id=ctx.workspace_id, ids=ids)
        if kr.id is not None
    }


_TRANSITIONS = {
    "accept": (HelpStatus.ACCEPTED, {HelpStatus.OPEN}),
    "decline": (HelpStatus.DECLINED, {HelpStatus.OPEN, HelpStatus.ACCEPTED}),
    "done": (HelpStatus.DONE, {HelpStatus.OPEN, HelpStatus.ACCEPTED}),
    "cancel": (HelpStatus.CANCELLED, {HelpStatus.OPEN, HelpStatus.ACCEPTED}),
}


def ask_update(ctx: Ctx, cmd: g.AskUpdate) -> Outcome:
    request = resolve_help_request(ctx, cmd.request)
    new_status, allowed_from = _TRANSITIONS[cmd.action]
    is_helper = request.helper_id == ctx.member_id
    is_requester = request.requester_id == ctx.member_id
    if cmd.action in ("accept", "decline") and not is_helper:
        raise UserError("Only the person asked can answer {ref}.", ref=help_ref(request))
    if cmd.action == "cancel" and not is_requester:
        raise UserError("Only the person who asked can cancel {ref}.", ref=help_ref(request))
    if cmd.action == "done" and not (is_helper or is_requester):
        raise UserError("Only the two people on {ref} can close it.", ref=help_ref(request))
    if HelpStatus(request.status) not in allowed_from:
        raise UserError(
            "{ref} is already {status}.",
            ref=help_ref(request),
            status=_status(ctx.tr, request.status),
        )
    collab.update_help_request(
        session=ctx.session,
        request=request,
        status=new_status,
        now=ctx.now,
        thanks=cmd.text.strip(),
    )
    other_id = request.requester_id if is_helper else request.helper_id
    other = workspaces.get_member(
        session=ctx.session, workspace_id=ctx.workspace_id, member_id=other_id
    )
    reply = ctx.t(
        "{ref} is now {status}.", ref=help_ref(request), status=_status(ctx.tr, new_status.value)
    )
    outcome = Outcome(
        replies=[Message(summary=reply, blocks=(Text(reply),))],
        updated=_answered(ctx, request),
    )
    if other is not None:
        tr = ctx.translator_for(other)
        said = {"who": member_name(ctx.member), "ref": help_ref(request), "text": request.text}
        if cmd.action == "accept":
            text = tr.t("{who} accepted your help request {ref}: {text}", **said)
        elif cmd.action == "decline":
            text = tr.t("{who} declined your help request {ref}: {text}", **said)
        elif cmd.action == "cancel":
            text = tr.t("{who} cancelled help request {ref}; no need to help: {text}", **said)
        else:
            text = tr.t("{who} marked help request {ref} done: {text}", **said)
        blocks: list[Block] = [Text(text)]
        if cmd.text.strip():
            blocks.append(Context(f"“{cmd.text.strip()}”"))
        if cmd.action == "accept" and other_id == request.requester_id:
            blocks.append(
                Context(
                    tr.t(
                        'Close it when it\'s done: /okr ask done {ref} "thanks!"',
                        ref=help_ref(request),
                    )
                )
            )
        outcome.deliveries.append(
            Delivery(
                to=ToUser(other.external_id),
                message=Message(summary=text, blocks=tuple(blocks)),
                key=f"help:{request.id}:{new_status.value}",
            )
        )
    return outcome


def _answered(ctx: Ctx, request: HelpRequest) -> Message:
    """The request as the message whose button was pressed shows it now: its new
    status, and only the button that still makes sense (Done, once accepted)."""
    people = _people(ctx, [request])
    krs = _krs(ctx, [request])
    line = _request_line(
        ctx.tr,
        request,
        people.get(request.requester_id),
        people.get(request.helper_id),
        krs.get(request.kr_id or -1),
    )
    blocks: list[Block] = [Text(line)]
    if request.status == HelpStatus.ACCEPTED.value:
        blocks.append(Actions((Button(ctx.t("Done"), "help.done", help_ref(request)),)))
    return Message(summary=line, blocks=tuple(blocks))


def show_request(ctx: Ctx, ref: g.Ref) -> Outcome:
    request = resolve_help_request(ctx, ref)
    people = _people(ctx, [request])
    krs = _krs(ctx, [request])
    line = _request_line(
        ctx.tr,
        request,
        people.get(request.requester_id),
        people.get(request.helper_id),
        krs.get(request.kr_id or -1),
    )
    blocks: list[Block] = [Text(line)]
    if request.thanks:
        blocks.append(Context(f"“{request.thanks}”"))
    if request.helper_id == ctx.member_id and request.status == HelpStatus.OPEN.value:
        blocks.append(_buttons_for_helper(ctx.tr, request))
    return Outcome(replies=[Message(summary=line, blocks=tuple(blocks))])


def kudos(ctx: Ctx, cmd: g.Kudos) -> Outcome:
    to = resolve_person(ctx, cmd.person)
    if to.id == ctx.member_id:
        raise UserError("Kudos are for colleagues; @-mention someone else.", usage="kudos")
    kr = resolve_kr(ctx, cmd.kr) if cmd.kr else None
    row = collab.add_kudos(
        session=ctx.session,
        workspace_id=ctx.workspace_id,
        from_member_id=ctx.member_id,
        to_member_id=to.id or -1,
        text=cmd.text,
        week=ctx.week,
        kr_id=kr.id if kr else None,
        now=ctx.now,
    )
    reply = ctx.t("Kudos sent to {who}. It will be in Friday's celebration.", who=member_name(to))
    tr = ctx.translator_for(to)
    text = tr.t("🎉 {who} gave you kudos: {text}", who=member_mention(ctx.member), text=cmd.text)
    return Outcome(
        replies=[Message(summary=reply, blocks=(Text(reply),))],
        deliveries=[
            Delivery(
                to=ToUser(to.external_id),
                message=Message(summary=text, blocks=(Text(text),)),
                key=f"kudos:{row.id}",
            )
        ],
    )
