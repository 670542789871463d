"""Weekly check-ins: one per key result per week, a second submit edits it."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from handlers import grammar as g
from handlers.grammar.values import MAX_ABS_NUMBER
from handlers.okr import math
from handlers.present import bare_value, kr_block, kr_ref, value_text
from handlers.usecases.context import Ctx, UserError, can_act_for, kr_owner_id, resolve_kr
from handlers.usecases.help import parse_error_text
from handlers.views import (
    Block,
    Context,
    Form,
    FormErrors,
    Input,
    InputKind,
    Message,
    Option,
    Outcome,
    Text,
)
from storage.models import KeyResult, KRKind
from storage.repos import okrs, rhythm

FORM_ID = "checkin"
_URL = re.compile(r"https?://\S+")


def my_check_in_krs(ctx: Ctx) -> list[KeyResult]:
    """The KRs the actor checks in on this cycle: the ones they own."""
    return okrs.list_key_results(
        session=ctx.session,
        workspace_id=ctx.workspace_id,
        owner_member_ids=[ctx.member_id],
        cycle_id=ctx.current_cycle().id,
    )


def checkin_form(ctx: Ctx, krs: Sequence[KeyResult]) -> Outcome:
    if not krs:
        raise UserError(
            "You have no key results to check in on this cycle. "
            "Create an objective with /okr new, or ask to own a key result."
        )
    this_week = rhythm.checkins_for_week(
        session=ctx.session,
        workspace_id=ctx.workspace_id,
        week=ctx.week,
        kr_ids=[kr.id for kr in krs if kr.id],
    )
    earlier = rhythm.last_checkins_before(
        session=ctx.session,
        workspace_id=ctx.workspace_id,
        week=ctx.week,
        kr_ids=[kr.id for kr in krs if kr.id],
    )
    confidence_options = tuple(Option(str(n), str(n)) for n in range(1, 11))
    inputs: list[Input] = []
    for kr in krs:
        ref = kr_ref(kr)
        last = this_week.get(kr.id or -1) or earlier.get(kr.id or -1)
        if kr.kind == KRKind.MILESTONE.value:
            value_input = Input(
                f"value:{ref}",
                f"{ref} {kr.title}",
                InputKind.SELECT,
                initial="1" if kr.current_value >= 1 else "0",
                options=(Option(ctx.t("not done"), "0"), Option(ctx.t("done"), "1")),
            )
        else:
            target = value_text(ctx.tr, kr, kr.target_value) if kr.target_value is not None else "–"
            value_input = Input(
                f"value:{ref}",
                f"{ref} {kr.title}",
                InputKind.NUMBER,
                initial=_plain_number(kr.current_value),
                hint=ctx.t(
                    "Now {current}, target {target}", current=value_text(ctx.tr, kr), target=target
                ),
            )
        inputs.append(value_input)
        inputs.append(
            Input(
                f"confidence:{ref}",
                ctx.t("Confidence in {ref} (1–10)", ref=ref),
                InputKind.SELECT,
                initial=str(last.confidence) if last and last.confidence else None,
                options=confidence_options,
            )
        )
        inputs.append(
            Input(
                f"note:{ref}",
                ctx.t("Note on {ref}", ref=ref),
                InputKind.MULTILINE,
                required=False,
                initial=this_week[kr.id or -1].note if kr.id in this_week else None,
                placeholder=ctx.t("What moved, what's next, links to the work"),
            )
        )
    form = Form(
        form_id=FORM_ID,
        title=ctx.t("Check-in · week {week}", week=ctx.week),
        submit_label=ctx.t("Check in"),
        inputs=tuple(inputs),
        context=",".join(kr_ref(kr) for kr in krs),
    )
    return Outcome(replies=[form])


def _plain_number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(x)


def checkin_all(ctx: Ctx) -> Outcome:
    return checkin_form(ctx, my_check_in_krs(ctx))


def checkin_one(ctx: Ctx, cmd: g.CheckinOne) -> Outcome:
    kr = resolve_kr(ctx, cmd.kr)
    _require_owner(ctx, kr)
    return checkin_form(ctx, [kr])


def _require_owner(ctx: Ctx, kr: KeyResult) -> None:
    if not can_act_for(ctx, kr_owner_id(ctx, kr)):
        raise UserError(
            "Only the owner of {ref} (or their manager) can check in on it.", ref=kr_ref(kr)
        )


def checkin(ctx: Ctx, cmd: g.Checkin) -> Outcome:
    kr = resolve_kr(ctx, cmd.kr)
    _require_owner(ctx, kr)
    numeric = kr.kind != KRKind.MILESTONE.value
    if cmd.done and numeric:
        return _done_on_numeric(ctx, kr, cmd)
    if cmd.unclear_sign and numeric and not allows_negative(kr):
        return Outcome(replies=[_which_sign(ctx, kr, cmd)])
    value = kr.current_value + cmd.value if cmd.relative else cmd.value
    if cmd.relative and abs(value) > MAX_ABS_NUMBER:
        raise UserError(
            "That change would take {ref} to {value}, beyond the largest number I keep "
            "({limit}). Check in the value itself instead.",
            ref=kr_ref(kr),
            value=ctx.tr.exact(value),
            limit=ctx.tr.exact(MAX_ABS_NUMBER),
        )
    if kr.kind == KRKind.MILESTONE.value and value not in (0.0, 1.0):
        raise UserError(
            "{ref} is a milestone: check it in as done (/okr checkin {ref} done) or 0.",
            ref=kr_ref(kr),
        )
    message = _save(ctx, kr, value, cmd.confidence, cmd.note, cmd.links)
    return Outcome(replies=[message])


def allows_negative(kr: KeyResult) -> bool:
    """Whether the KR's own numbers go below zero (a margin from -5% to 5%, an NPS)."""
    return min(kr.start_value, kr.target_value or 0.0, kr.current_value) < 0


def _done_on_numeric(ctx: Ctx, kr: KeyResult, cmd: g.Checkin) -> Outcome:
    """ "done" on a number: the KR reached its target, and the reply says so."""
    if kr.target_value is None:
        raise UserError(
            "{ref} has no target, so it cannot be done: check in its value, "
            "like /okr checkin {ref} 6000, or set a target with /okr kr {ref} target 10000.",
            ref=kr_ref(kr),
        )
    said = ctx.t(
        "“Done” on {ref} sets it to its target, {target}.",
        ref=kr_ref(kr),
        target=value_text(ctx.tr, kr, kr.target_value),
    )
    message = _save(ctx, kr, kr.target_value, cmd.confidence, cmd.note, cmd.links, said=said)
    return Outcome(replies=[message])


def _which_sign(ctx: Ctx, kr: KeyResult, cmd: g.Checkin) -> Message:
    """ "-5000" on a KR that is never negative: ask whether it is a change or the value."""
    amount = -abs(cmd.value)
    written = ctx.tr.signed(amount)
    rest = ""
    if cmd.confidence is not None:
        rest += " " + ctx.t("confidence {n}", n=cmd.confidence)
    if cmd.note or cmd.links:
        rest += " " + ctx.t('"{note}"', note=" ".join([cmd.note, *cmd.links]).strip())
    number = _plain_number(amount)
    question = ctx.t(
        "{ref} is never below zero, so did you mean a change of {change} "
        "(to {after}) or the value {change}?",
        ref=kr_ref(kr),
        change=written,
        after=value_text(ctx.tr, kr, kr.current_value + amount),
    )
    change_line = ctx.t(
        "A change: /okr checkin {ref} by {number}{rest}", ref=kr_ref(kr), number=number, rest=rest
    )
    value_line = ctx.t(
        "The value: /okr checkin {ref} ={number}{rest}", ref=kr_ref(kr), number=number, rest=rest
    )
    return Message(
        summary=question,
        blocks=(Text(question), Context(change_line), Context(value_line)),
    )


def _save(
    ctx: Ctx,
    kr: KeyResult,
    value: float,
    confidence: int | None,
    note: str,
    links: Sequence[str],
    *,
    said: str | None = None,
) -> Message:
    before = rhythm.last_checkins_before(
        session=ctx.session, workspace_id=ctx.workspace_id, week=ctx.week, kr_ids=[kr.id or -1]
    ).get(kr.id or -1)
    saved = rhythm.save_checkin(
        session=ctx.session,
        workspace_id=ctx.workspace_id,
        kr=kr,
        member_id=ctx.member_id,
        week=ctx.week,
        value=value,
        confidence=confidence,
        note=note.strip(),
        links=list(links) + [u for u in _URL.findall(note) if u not in links],
        now=ctx.now,
    )
    row = saved.checkin
    change = row.value - row.previous_value
    headline = (
        ctx.t("Checked in {ref}.", ref=kr_ref(kr))
        if saved.created
        else ctx.t("Updated this week's check-in of {ref}.", ref=kr_ref(kr))
    )
    if kr.kind == KRKind.MILESTONE.value:  # done or not done, never "+1"
        facts = [
            ctx.t(
                "{before} → {after} this week",
                before=value_text(ctx.tr, kr, row.previous_value),
                after=value_text(ctx.tr, kr, row.value),
            )
        ]
    else:
        facts = [
            ctx.t(
                "{before} → {after} this week ({change})",
                before=bare_value(ctx.tr, kr, row.previous_value),
                after=value_text(ctx.tr, kr, row.value),
                change=ctx.tr.signed(change),
            )
        ]
    if row.confidence is not None and before is not None and before.confidence is not None:
        trend = math.confidence_trend([before.confidence, row.confidence])
        if trend.delta:
            facts.append(
                ctx.t(
                    "confidence {old} → {new}",
                    old=before.confidence,
                    new=row.confidence,
                )
            )
    blocks: list[Block] = [
        Text(headline),
        *([Text(said)] if said else []),
        kr_block(ctx.tr, kr, checkin=row),
        Context(" · ".join(facts)),
    ]
    if row.note:
        blocks.append(Context(row.note))
    if row.confidence is None:
        blocks.append(
            Context(
                ctx.t(
                    "Add your confidence (1–10): /okr checkin {ref} {value} confidence 7",
                    ref=kr_ref(kr),
                    value=_plain_number(row.value),
                )
            )
        )
    return Message(summary=headline, blocks=tuple(blocks))


def submit_form(ctx: Ctx, values: Mapping[str, str | list[str] | None], context: str) -> Outcome:
    """Validate a submitted check-in form; refuse it whole if any field is wrong.

    Only the key results whose fields the person changed are recorded, so a
    form opened for every KR and filled in for one does not check in the rest.
    A form submitted without any change records every KR in it: the person
    said nothing moved. The value and the confidence are required for each KR
    recorded, whatever the platform's form enforced on its side.
    """
    refs = [r for r in context.split(",") if r]
    if not refs:
        raise UserError("That check-in form has expired; open a new one with /okr checkin.")
    krs: list[KeyResult] = []
    for ref in refs:
        try:
            kr = resolve_kr(ctx, g.parse_ref(ref))
        except g.ParseError:
            raise UserError(
                "That check-in form has expired; open a new one with /okr checkin."
            ) from None
        _require_owner(ctx, kr)
        krs.append(kr)
    kr_ids = [kr.id for kr in krs if kr.id is not None]
    this_week = rhythm.checkins_for_week(
        session=ctx.session, workspace_id=ctx.workspace_id, week=ctx.week, kr_ids=kr_ids
    )
    earlier = rhythm.last_checkins_before(
        session=ctx.session, workspace_id=ctx.workspace_id, week=ctx.week, kr_ids=kr_ids
    )
    errors: list[tuple[str, str]] = []
    entries: list[tuple[KeyResult, float | None, int | None, str, bool]] = []
    for ref, kr in zip(refs, krs, strict=True):
        raw_value = _first(values.get(f"value:{ref}"))
        raw_conf = _first(values.get(f"confidence:{ref}"))
        note = g.clean_typed(_first(values.get(f"note:{ref}")) or "").strip()
        field_errors: list[tuple[str, str]] = []
        if len(note) > g.TEXT_LIMIT:
            error = g.too_long("text_too_long", "checkin", note, g.TEXT_LIMIT)
            field_errors.append((f"note:{ref}", parse_error_text(ctx.tr, error)))
        value: float | None = None
        if raw_value is None or not raw_value.strip():
            field_errors.append((f"value:{ref}", ctx.t("Enter the current value, like 6000.")))
        else:
            try:
                value = g.parse_number(raw_value)
            except g.ParseError as error:
                field_errors.append((f"value:{ref}", parse_error_text(ctx.tr, error)))
        if value is not None and kr.kind == KRKind.MILESTONE.value and value not in (0.0, 1.0):
            field_errors.append((f"value:{ref}", ctx.t("Choose done or not done.")))
        confidence: int | None = None
        if raw_conf and raw_conf.strip():
            try:
                confidence = int(raw_conf.strip())
            except ValueError:
                confidence = 0
            if not 1 <= confidence <= 10:
                field_errors.append(
                    (f"confidence:{ref}", ctx.t("Confidence is a whole number from 1 to 10."))
                )
                confidence = None
        last = this_week.get(kr.id or -1) or earlier.get(kr.id or -1)
        last_confidence = last.confidence if last is not None else None
        this_note = this_week[kr.id].note if kr.id in this_week else ""
        changed = (
            bool(field_errors)
            or value != kr.current_value
            or confidence != last_confidence
            or (bool(note) and note != this_note)
        )
        entries.append((kr, value, confidence, note, changed))
        errors.extend(field_errors)
    recorded = [e for e in entries if e[4]] or entries
    for kr, _value, confidence, _note, _changed in recorded:
        if confidence is None and not any(n == f"confidence:{kr_ref(kr)}" for n, _ in errors):
            errors.append(
                (f"confidence:{kr_ref(kr)}", ctx.t("Choose your confidence, from 1 to 10."))
            )
    if errors:
        return Outcome(replies=[FormErrors(tuple(errors))])
    replies = [
        _save(ctx, kr, value, confidence, note, ())
        for kr, value, confidence, note, _changed in recorded
        if value is not None
    ]
    return Outcome(replies=list(replies))


def _first(value: str | list[str] | None) -> str | None:
    if isinstance(value, list):
        return value[0] if value else None
    return value
