"""The OKR arithmetic: KR progress, objective rollups, scores, confidence and risk.

Plain functions on plain values: no I/O, no database, stdlib only. Progress is a
fraction (0.6 is 60 %) and stays unclipped where it describes a KR, because
over-delivery and going backwards are both worth showing; rollups clip each KR to
0..1 so one runaway KR cannot carry an objective.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Literal

__all__ = [
    "CONFIDENCE_MAX",
    "CONFIDENCE_MIN",
    "RiskReason",
    "ScoreReading",
    "Trend",
    "at_risk",
    "clamp01",
    "confidence_trend",
    "kr_progress",
    "objective_progress",
    "objective_score",
    "read_score",
    "risk_reasons",
    "suggested_score",
]

CONFIDENCE_MIN = 1
CONFIDENCE_MAX = 10

# Thresholds of the risk rules; named so the UI can explain them.
LOW_CONFIDENCE_AT_OR_BELOW = 4
CONFIDENCE_DROP_AT_LEAST = 2
PACE_CHECK_FROM_ELAPSED = 0.25
PACE_TOLERANCE = 0.5

# Scores are typed by people and computed with floats (0.1 * 8 is
# 0.8000000000000002); readings compare at this many decimals so such noise never
# moves a score across a boundary.
_READING_DECIMALS = 4
# Same idea before half-up rounding: 0.6499999999999999 that came out of a
# subtraction should round like the 0.65 it stands for.
_NOISE_DECIMALS = 9


def _finite(name: str, value: float) -> float:
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return value


def _round_half_up(value: float, decimals: int) -> float:
    # round() works on the binary value and rounds exact halves to even:
    # round(0.35, 1) is 0.3 (0.35 is stored as 0.3499…) and round(0.25, 1) is 0.2.
    # People expect school rounding of the number they see, so round the
    # shortest repr as a Decimal.
    cleaned = round(value, _NOISE_DECIMALS)
    quantum = Decimal(1).scaleb(-decimals)
    return float(Decimal(repr(cleaned)).quantize(quantum, rounding=ROUND_HALF_UP))


def kr_progress(
    *, start: float, target: float | None, current: float, milestone: bool = False
) -> float | None:
    """Progress of a key result as an unclipped fraction (1.2 means 120 %).

    Numeric KRs use (current − start) / (target − start), so a "reduce churn
    10 → 5" KR (target below start) works unchanged: current 7.5 gives 0.5, and
    a rise in churn gives a negative value.

    A zero range (target == start) is a "hold the line" KR such as "B-business
    revenue flat". It is read as "stay at or above the target": 1.0 when
    current >= target, otherwise current / target when target > 0 (how much of
    the level was kept), and 0.0 when target <= 0 because no share of a zero or
    negative level is meaningful. A "hold at or below" KR cannot be told apart
    from these numbers; model it with a small range instead.

    Milestone KRs are done or not: 1.0 when current >= 1, else 0.0. They ignore
    start and target, so a milestone without a target still has progress.

    Returns None when a numeric KR has no target yet. Raises ValueError for a
    non-finite start, target or current (NaN or infinity).
    """
    _finite("current", current)
    if milestone:
        return 1.0 if current >= 1 else 0.0
    if target is None:
        return None
    _finite("start", start)
    _finite("target", target)
    span = target - start
    if span == 0:
        if current >= target:
            return 1.0
        return current / target if target > 0 else 0.0
    return (current - start) / span


def clamp01(x: float) -> float:
    """Clip a value to [0, 1]. Raises ValueError for NaN, which has no place there."""
    if math.isnan(x):
        raise ValueError("cannot clamp NaN")
    return min(1.0, max(0.0, x))


def _weighted_mean(items: Sequence[tuple[float, float]]) -> float | None:
    """Weighted mean with the rollup rules shared by progress and score."""
    if not items:
        return None
    weights = [max(0.0, _finite("weight", w)) for w, _ in items]
    values = [v for _, v in items]
    heaviest = max(weights)
    if heaviest == 0:
        return math.fsum(values) / len(values)
    # Scaling by the heaviest weight keeps enormous weights from overflowing the
    # sum; the mean is unchanged.
    scaled = [w / heaviest for w in weights]
    return math.fsum(w * v for w, v in zip(scaled, values, strict=True)) / math.fsum(scaled)


def objective_progress(items: Sequence[tuple[float, float | None]]) -> float | None:
    """Progress of an objective from its KRs' (weight, progress) pairs, in [0, 1].

    Each progress is clipped to [0, 1] first. KRs whose progress is None (no
    target yet) are left out. Weights need not sum to 1; negative weights count
    as 0; if every remaining weight is 0 the KRs count equally. Returns None when
    no KR has progress. Raises ValueError for a non-finite weight or a NaN
    progress.
    """
    usable = [(w, clamp01(p)) for w, p in items if p is not None]
    mean = _weighted_mean(usable)
    # fsum rounding could in theory leave a hair outside [0, 1].
    return None if mean is None else clamp01(mean)


def suggested_score(progress: float | None) -> float | None:
    """End-of-cycle score to propose from progress: clipped to [0, 1], to the nearest 0.1.

    Halves round up (0.65 → 0.7, 0.649 → 0.6); 1.3 → 1.0; None stays None.
    Raises ValueError for NaN.
    """
    if progress is None:
        return None
    return _round_half_up(clamp01(progress), 1)


def _check_score(score: float) -> float:
    _finite("score", score)
    if not 0.0 <= round(score, _READING_DECIMALS) <= 1.0:
        raise ValueError(f"a score is between 0 and 1, got {score!r} (convert 0-10 scores first)")
    return score


def objective_score(items: Sequence[tuple[float, float | None]]) -> float | None:
    """Score of an objective from its KRs' (weight, score) pairs, to 2 decimals.

    Weighting follows objective_progress: None scores are left out, weights are
    normalised, negative weights count as 0, all-zero weights mean equal weights,
    and nothing to score gives None. Scores must be in [0, 1]: a 0–10 score
    raises ValueError rather than being silently clipped. Halves round up.
    """
    usable = [(w, _check_score(s)) for w, s in items if s is not None]
    mean = _weighted_mean(usable)
    return None if mean is None else _round_half_up(clamp01(mean), 2)


class ScoreReading(StrEnum):
    """How an end-of-cycle score reads for the objective's kind."""

    MET = "met"  # committed: delivered as committed
    ACCEPTABLE = "acceptable"  # committed: 0.8–0.9, close enough
    MISSED = "missed"  # either kind: well short
    TOO_EASY = "too_easy"  # aspirational at 1.0: the bar was probably not ambitious enough
    SUCCESS = "success"  # aspirational: 0.6–0.9 is what a stretch goal should land at
    PARTIAL = "partial"  # aspirational: real progress, short of success


def read_score(kind: str, score: float) -> ScoreReading:
    """Read a 0..1 score for a "committed" or "aspirational" objective or KR.

    Committed: >= 1.0 MET, 0.8 to < 1.0 ACCEPTABLE, < 0.8 MISSED.
    Aspirational: >= 1.0 TOO_EASY, 0.6 to < 1.0 SUCCESS, 0.3 to < 0.6 PARTIAL,
    < 0.3 MISSED. Scores are compared after rounding to 4 decimals, so float
    noise such as 0.1 * 8 lands on the boundary it means. Raises ValueError for
    another kind or a score outside [0, 1].
    """
    s = round(_check_score(score), _READING_DECIMALS)
    if kind == "committed":
        if s >= 1.0:
            return ScoreReading.MET
        return ScoreReading.ACCEPTABLE if s >= 0.8 else ScoreReading.MISSED
    if kind == "aspirational":
        if s >= 1.0:
            return ScoreReading.TOO_EASY
        if s >= 0.6:
            return ScoreReading.SUCCESS
        return ScoreReading.PARTIAL if s >= 0.3 else ScoreReading.MISSED
    raise ValueError(f"kind must be 'committed' or 'aspirational', got {kind!r}")


def _check_confidence(name: str, value: int) -> int:
    if not CONFIDENCE_MIN <= value <= CONFIDENCE_MAX:
        raise ValueError(f"{name} is on a {CONFIDENCE_MIN}-{CONFIDENCE_MAX} scale, got {value!r}")
    return value


@dataclass(frozen=True, slots=True)
class Trend:
    """Change between the last two confidence values; delta is last minus previous."""

    direction: Literal["up", "down", "flat", "none"]
    delta: int


def confidence_trend(history: Sequence[int]) -> Trend:
    """Trend of a KR's confidence from its history, oldest first.

    Compares the last two values; with fewer than two there is no trend
    (direction "none", delta 0). Raises ValueError if any value is outside 1..10.
    """
    for value in history:
        _check_confidence("confidence", value)
    if len(history) < 2:
        return Trend("none", 0)
    delta = history[-1] - history[-2]
    if delta > 0:
        return Trend("up", delta)
    if delta < 0:
        return Trend("down", delta)
    return Trend("flat", 0)


class RiskReason(StrEnum):
    """Why a KR is flagged at risk; the UI layer words them."""

    LOW_CONFIDENCE = "low_confidence"
    CONFIDENCE_DROP = "confidence_drop"
    BEHIND_PACE = "behind_pace"


def risk_reasons(
    *,
    confidence: int | None,
    previous_confidence: int | None,
    progress: float | None,
    elapsed: float | None,
) -> list[RiskReason]:
    """Reasons a KR looks at risk, in a fixed order; empty when it looks fine.

    - LOW_CONFIDENCE: confidence <= 4.
    - CONFIDENCE_DROP: confidence fell by 2 or more since the previous check-in.
    - BEHIND_PACE: at least a quarter of the cycle has elapsed and progress
      (clipped to 0..1) is below half the elapsed fraction. The first quarter is
      exempt because many KRs only start moving after some groundwork.

    Any input may be None when unknown; the rules needing it are skipped.
    `elapsed` is the fraction of the cycle elapsed (see weeks.elapsed_fraction).
    Raises ValueError for a confidence outside 1..10, an elapsed outside [0, 1],
    or a NaN progress.
    """
    if confidence is not None:
        _check_confidence("confidence", confidence)
    if previous_confidence is not None:
        _check_confidence("previous_confidence", previous_confidence)
    if elapsed is not None and not 0.0 <= elapsed <= 1.0:
        raise ValueError(f"elapsed is a fraction of the cycle in [0, 1], got {elapsed!r}")
    if progress is not None and math.isnan(progress):
        raise ValueError("progress is NaN")

    reasons: list[RiskReason] = []
    if confidence is not None and confidence <= LOW_CONFIDENCE_AT_OR_BELOW:
        reasons.append(RiskReason.LOW_CONFIDENCE)
    if (
        confidence is not None
        and previous_confidence is not None
        and previous_confidence - confidence >= CONFIDENCE_DROP_AT_LEAST
    ):
        reasons.append(RiskReason.CONFIDENCE_DROP)
    if (
        elapsed is not None
        and elapsed >= PACE_CHECK_FROM_ELAPSED
        and progress is not None
        and clamp01(progress) < elapsed * PACE_TOLERANCE
    ):
        reasons.append(RiskReason.BEHIND_PACE)
    return reasons


def at_risk(
    *,
    confidence: int | None,
    previous_confidence: int | None,
    progress: float | None,
    elapsed: float | None,
) -> bool:
    """True when risk_reasons finds any reason; same arguments and errors."""
    return bool(
        risk_reasons(
            confidence=confidence,
            previous_confidence=previous_confidence,
            progress=progress,
            elapsed=elapsed,
        )
    )
