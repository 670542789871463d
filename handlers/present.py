"""Building blocks for views of objectives, key results and tasks."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from handlers.grammar import Ref
from handlers.i18n import Translator
from handlers.okr import math
from handlers.okr.quality import QualityWarning
from handlers.views import Block, Context, Progress, Text
from storage.models import (
    Checkin,
    HelpRequest,
    KeyResult,
    KRKind,
    Member,
    Objective,
    PlanTask,
    TaskStatus,
)
from storage.repos.okrs import KRFacts
from storage.repos.rhythm import CheckinFacts


def kr_progress(kr: KeyResult | KRFacts) -> float | None:
    return math.kr_progress(
        start=kr.start_value,
        target=kr.target_value,
        current=kr.current_value,
        milestone=kr.kind == KRKind.MILESTONE.value,
    )


def objective_progress(krs: Sequence[KeyResult]) -> float | None:
    return math.objective_progress([(kr.weight, kr_progress(kr)) for kr in krs])


def value_text(tr: Translator, kr: KeyResult | KRFacts, value: float | None = None) -> str:
    """A KR's value with its unit, e.g. "6,000 followers" or "2%"."""
    shown = kr.current_value if value is None else value
    if kr.kind == KRKind.MILESTONE.value:
        return tr.t("done") if shown >= 1 else tr.t("not done")
    number = tr.number(shown)
    if not kr.unit:
        return number
    if kr.unit == "%":
        return f"{number}%"
    return f"{number} {kr.unit}"


def exact_value_text(tr: Translator, kr: KeyResult | KRFacts, value: float) -> str:
    """value_text, followed by the full figure when the locale shortened it ("1,200万 (12,000,000)")."""
    text = value_text(tr, kr, value)
    if kr.kind != KRKind.MILESTONE.value and tr.number(value) != tr.exact(value):
        text += f" ({tr.exact(value)})"
    return text


def of_target(tr: Translator, kr: KeyResult | KRFacts, value: float) -> str:
    """The value against the target, e.g. "4,200 of 10,000 followers", "2.4, target 1.5 s"."""
    assert kr.target_value is not None
    if kr.target_value < kr.start_value:
        # Lower is better ("page load 2.4 s → 1.5 s"): "2.4 of 1.5 s" would read as a share.
        return tr.t(
            "{current}, target {target}",
            current=bare_value(tr, kr, value),
            target=value_text(tr, kr, kr.target_value),
        )
    return tr.t(
        "{current} of {target}",
        current=bare_value(tr, kr, value),
        target=value_text(tr, kr, kr.target_value),
    )


def bare_value(tr: Translator, kr: KeyResult | KRFacts, value: float) -> str:
    """A value shown beside one that carries the unit ("4,200 → 6,000 followers")."""
    if kr.unit == "%" or kr.kind == KRKind.MILESTONE.value:
        return value_text(tr, kr, value)
    return tr.number(value)


def kr_caption(
    tr: Translator, kr: KeyResult | KRFacts, checkin: Checkin | CheckinFacts | None = None
) -> str:
    parts: list[str] = []
    if kr.kind == KRKind.MILESTONE.value:
        parts.append(value_text(tr, kr))
    elif kr.target_value is None:
        parts.append(value_text(tr, kr))
        parts.append(tr.t("no target yet"))
    else:
        parts.append(of_target(tr, kr, kr.current_value))
    if checkin is not None and checkin.confidence is not None:
        parts.append(tr.t("confidence {n}/10", n=checkin.confidence))
    if kr.weight != 1.0:
        parts.append(tr.t("weight {w}", w=tr.number(kr.weight)))
    return " · ".join(parts)


def kr_block(
    tr: Translator,
    kr: KeyResult | KRFacts,
    *,
    checkin: Checkin | CheckinFacts | None = None,
    owner: Member | None = None,
) -> Progress:
    label = f"KR{kr.number} {kr.title}"
    if owner is not None:
        label += f" (@{owner.handle})"
    return Progress(label=label, fraction=kr_progress(kr), caption=kr_caption(tr, kr, checkin))


def kind_text(tr: Translator, kind: str) -> str:
    return tr.t("aspirational") if kind == "aspirational" else tr.t("committed")


def objective_blocks(
    tr: Translator,
    objective: Objective,
    krs: Sequence[KeyResult],
    *,
    owner_text: str,
    parent_text: str | None = None,
    last_checkins: Mapping[int, Checkin] | None = None,
    kr_owners: Mapping[int, Member] | None = None,
) -> list[Block]:
    progress = objective_progress(krs)
    details = [kind_text(tr, objective.kind), owner_text]
    if progress is not None:
        details.insert(0, tr.percent(progress))
    blocks: list[Block] = [
        Text(f"O{objective.number} {objective.title}"),
        Context(" · ".join(details)),
    ]
    if parent_text:
        blocks.append(Context(tr.t("Aligned to {parent}", parent=parent_text)))
    if not krs:
        blocks.append(
            Context(
                tr.t("No key results yet: add one with /okr kr add O{n} ...", n=objective.number)
            )
        )
    for kr in krs:
        owner = None
        if kr_owners is not None and kr.owner_member_id is not None:
            candidate = kr_owners.get(kr.owner_member_id)
            if candidate is not None and candidate.id != objective.owner_member_id:
                owner = candidate
        checkin = last_checkins.get(kr.id) if last_checkins is not None and kr.id else None
        blocks.append(kr_block(tr, kr, checkin=checkin, owner=owner))
    return blocks


def warning_text(tr: Translator, warning: QualityWarning) -> str:
    ref = warning.ref or ""
    texts = {
        "too_many_objectives": tr.t(
            "More than 3 objectives this cycle: focus on the 2 or 3 that matter most."
        ),
        "too_many_krs": tr.t(
            "{ref} has more than 5 key results: keep the 3 to 5 that best show it is reached.",
            ref=ref,
        ),
        "no_target": tr.t(
            "{ref} has no target yet: set one with /okr kr {ref} target NUMBER.", ref=ref
        ),
        "no_owner": tr.t("{ref} has no owner: every key result needs one clear owner.", ref=ref),
        "task_like": tr.t(
            "{ref} reads like a task, not a result: say what will be true when it is done "
            '(e.g. "newsletter reaches 5,000 subscribers" rather than "launch the newsletter").',
            ref=ref,
        ),
    }
    return texts.get(warning.code, warning.code)


def warning_blocks(tr: Translator, warnings: Iterable[QualityWarning]) -> list[Block]:
    return [Context("⚠ " + warning_text(tr, w)) for w in warnings]


TASK_MARK = {
    TaskStatus.PLANNED.value: "☐",
    TaskStatus.DONE.value: "☑",
    TaskStatus.DROPPED.value: "✗",
    TaskStatus.CARRIED_OVER.value: "↪",
}


@dataclass(frozen=True, slots=True)
class TaskLine:
    task: PlanTask
    owner: Member | None
    helpers: Sequence[Member]
    kr: KeyResult | None


def task_text(tr: Translator, line: TaskLine, *, show_owner: bool = True) -> str:
    task = line.task
    parts = [f"{TASK_MARK.get(task.status, '☐')} T{task.number} {task.title}"]
    extras: list[str] = []
    if line.kr is not None:
        extras.append(f"KR{line.kr.number}")
    if show_owner and line.owner is not None:
        extras.append(tr.t("owner {who}", who="@" + line.owner.handle))
    if line.helpers:
        extras.append(tr.t("helpers {who}", who=tr.list(["@" + m.handle for m in line.helpers])))
    if task.due_date is not None:
        extras.append(tr.t("due {date}", date=tr.date(task.due_date)))
    if task.status == TaskStatus.DROPPED.value:
        extras.append(tr.t("dropped"))
    elif task.status == TaskStatus.CARRIED_OVER.value:
        extras.append(tr.t("carried over"))
    if task.changed_late:
        extras.append(tr.t("changed after the cut-off"))
    if extras:
        parts.append(tr.t("({details})", details=tr.series(extras)))
    return " ".join(parts)


# --- how references read ----------------------------------------------------


def show_ref(ref: Ref) -> str:
    return f"{ref.kind}{ref.number}"


def objective_ref(objective: Objective) -> str:
    return f"O{objective.number}"


def kr_ref(kr: KeyResult) -> str:
    return f"KR{kr.number}"


def task_ref(task: PlanTask) -> str:
    return f"T{task.number}"


def help_ref(request: HelpRequest) -> str:
    return f"H{request.number}"
