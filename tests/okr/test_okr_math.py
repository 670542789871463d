"""The OKR arithmetic: progress, rollups, scores, readings, confidence and risk."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from handlers.okr.math import (
    RiskReason,
    ScoreReading,
    Trend,
    at_risk,
    clamp01,
    confidence_trend,
    kr_progress,
    objective_progress,
    objective_score,
    read_score,
    risk_reasons,
    suggested_score,
)

finite = st.floats(allow_nan=False, allow_infinity=False)
weights = st.floats(min_value=-1e300, max_value=1e300, allow_nan=False)
# Scaling a weight must not change it into zero: subnormal weights (5e-324 × 0.5 == 0)
# are no weight a person can type, and would make "scale does not matter" untrue.
normal_weights = st.floats(
    min_value=-1e300, max_value=1e300, allow_nan=False, allow_subnormal=False
)
progresses = st.one_of(st.none(), st.floats(min_value=-1e6, max_value=1e6, allow_nan=False))
confidences = st.integers(min_value=1, max_value=10)


# --- kr_progress ---------------------------------------------------------------


def test_sample_followers_kr_6000_of_10000_is_60_percent() -> None:
    assert kr_progress(start=0, target=10_000, current=6_000) == pytest.approx(0.6)


def test_progress_is_measured_from_the_start_value_not_from_zero() -> None:
    # Market share 20 % → 40 %, now 30 %: half way.
    assert kr_progress(start=20, target=40, current=30) == pytest.approx(0.5)


def test_progress_over_target_is_not_clipped() -> None:
    assert kr_progress(start=0, target=10_000, current=12_000) == pytest.approx(1.2)


def test_progress_going_backwards_is_negative() -> None:
    assert kr_progress(start=100, target=200, current=80) == pytest.approx(-0.2)


def test_target_below_start_counts_reduction_as_progress() -> None:
    # "Reduce churn 10 → 5": 7.5 is half way, 4 is beyond target, 12 is worse.
    assert kr_progress(start=10, target=5, current=7.5) == pytest.approx(0.5)
    assert kr_progress(start=10, target=5, current=4) == pytest.approx(1.2)
    assert kr_progress(start=10, target=5, current=12) == pytest.approx(-0.4)


def test_missing_target_gives_no_progress() -> None:
    assert kr_progress(start=0, target=None, current=50) is None


def test_zero_range_at_or_above_target_is_fully_held() -> None:
    assert kr_progress(start=100, target=100, current=100) == 1.0
    assert kr_progress(start=100, target=100, current=130) == 1.0


def test_zero_range_below_positive_target_is_share_of_level_kept() -> None:
    assert kr_progress(start=100, target=100, current=90) == pytest.approx(0.9)


def test_zero_range_below_zero_or_negative_target_is_zero() -> None:
    assert kr_progress(start=0, target=0, current=-5) == 0.0
    assert kr_progress(start=-10, target=-10, current=-20) == 0.0


def test_zero_range_at_zero_target_reached_is_full() -> None:
    assert kr_progress(start=0, target=0, current=0) == 1.0


def test_milestone_is_done_at_one_or_more() -> None:
    assert kr_progress(start=0, target=1, current=1, milestone=True) == 1.0
    assert kr_progress(start=0, target=1, current=2, milestone=True) == 1.0


def test_milestone_not_done_is_zero_even_when_partly_there() -> None:
    assert kr_progress(start=0, target=1, current=0.9, milestone=True) == 0.0
    assert kr_progress(start=0, target=1, current=0, milestone=True) == 0.0


def test_milestone_without_target_still_has_progress() -> None:
    assert kr_progress(start=0, target=None, current=1, milestone=True) == 1.0


@pytest.mark.parametrize(
    ("start", "target", "current"),
    [(math.nan, 1.0, 0.5), (0.0, math.inf, 0.5), (0.0, 1.0, math.nan), (0.0, 1.0, -math.inf)],
)
def test_non_finite_kr_values_are_rejected(start: float, target: float, current: float) -> None:
    with pytest.raises(ValueError):
        kr_progress(start=start, target=target, current=current)


@given(start=finite, target=finite)
def test_progress_hits_one_exactly_at_target(start: float, target: float) -> None:
    progress = kr_progress(start=start, target=target, current=target)
    if not math.isinf(target - start):
        assert progress == 1.0


# --- clamp01 ---------------------------------------------------------------------


@pytest.mark.parametrize(("x", "expected"), [(-0.3, 0.0), (0.0, 0.0), (0.42, 0.42), (1.7, 1.0)])
def test_clamp01_clips_to_unit_interval(x: float, expected: float) -> None:
    assert clamp01(x) == expected


def test_clamp01_rejects_nan_instead_of_guessing() -> None:
    with pytest.raises(ValueError):
        clamp01(math.nan)


# --- objective_progress ----------------------------------------------------------


def test_objective_progress_is_weighted_mean() -> None:
    assert objective_progress([(0.5, 0.8), (0.3, 0.5), (0.2, 0.0)]) == pytest.approx(0.55)


def test_objective_progress_normalises_weights_that_do_not_sum_to_one() -> None:
    assert objective_progress([(2, 1.0), (1, 0.4)]) == pytest.approx(0.8)
    assert objective_progress([(20, 1.0), (10, 0.4)]) == pytest.approx(0.8)


def test_objective_progress_clips_each_kr_before_averaging() -> None:
    # Without clipping, 1.5 and -0.5 would average to 0.5.
    assert objective_progress([(1, 1.5), (1, -0.5)]) == pytest.approx(0.5)
    assert objective_progress([(1, 3.0), (1, 0.0)]) == pytest.approx(0.5)


def test_objective_progress_skips_krs_without_progress() -> None:
    assert objective_progress([(1, None), (1, 0.6)]) == pytest.approx(0.6)


def test_objective_progress_treats_negative_weight_as_zero() -> None:
    assert objective_progress([(-5, 0.0), (1, 0.6)]) == pytest.approx(0.6)


def test_objective_progress_with_all_zero_weights_is_plain_mean() -> None:
    assert objective_progress([(0, 0.2), (0, 0.6)]) == pytest.approx(0.4)
    assert objective_progress([(-1, 0.2), (0, 0.6)]) == pytest.approx(0.4)


def test_objective_progress_without_usable_krs_is_none() -> None:
    assert objective_progress([]) is None
    assert objective_progress([(1, None), (2, None)]) is None


def test_objective_progress_rejects_non_finite_weight() -> None:
    with pytest.raises(ValueError):
        objective_progress([(math.inf, 0.5), (1, 0.5)])


def test_objective_progress_survives_enormous_weights() -> None:
    assert objective_progress([(1e308, 1.0), (1e308, 0.0)]) == pytest.approx(0.5)


@given(st.lists(st.tuples(weights, progresses), max_size=12))
def test_objective_progress_is_within_unit_interval_or_none(
    items: list[tuple[float, float | None]],
) -> None:
    result = objective_progress(items)
    if all(p is None for _, p in items):
        assert result is None
    else:
        assert result is not None
        assert 0.0 <= result <= 1.0


@given(st.lists(st.tuples(weights, progresses), min_size=1, max_size=12))
def test_objective_progress_lies_between_lowest_and_highest_clipped_kr(
    items: list[tuple[float, float | None]],
) -> None:
    clipped = [clamp01(p) for _, p in items if p is not None]
    result = objective_progress(items)
    if clipped:
        assert result is not None
        assert min(clipped) - 1e-9 <= result <= max(clipped) + 1e-9


@given(
    st.lists(st.tuples(normal_weights, progresses), min_size=1, max_size=8),
    st.floats(min_value=1e-3, max_value=1e3),
)
@example(items=[(0.0, 0.0), (1e-300, 1.0)], factor=1e-3)
def test_objective_progress_ignores_the_scale_of_weights(
    items: list[tuple[float, float | None]], factor: float
) -> None:
    scaled = [(w * factor, p) for w, p in items]
    a, b = objective_progress(items), objective_progress(scaled)
    assert (a is None) == (b is None)
    if a is not None and b is not None:
        assert a == pytest.approx(b, abs=1e-9)


# --- suggested_score -------------------------------------------------------------


@pytest.mark.parametrize(
    ("progress", "score"),
    [
        (0.6, 0.6),
        (0.649, 0.6),
        (0.65, 0.7),
        (0.35, 0.4),  # round() would give 0.3: 0.35 is stored as 0.3499…
        (0.25, 0.3),  # round() would give 0.2: half to even
        (0.05, 0.1),
        (0.04, 0.0),
        (0.95, 1.0),
        (1.3, 1.0),
        (-0.2, 0.0),
        (1.0, 1.0),
    ],
)
def test_suggested_score_rounds_half_up_to_a_tenth(progress: float, score: float) -> None:
    assert suggested_score(progress) == score


def test_suggested_score_rounds_float_noise_like_the_value_it_stands_for() -> None:
    noisy = 0.7 - 0.05
    assert noisy < 0.65  # 0.6499999999999999, the premise of this test
    assert suggested_score(noisy) == 0.7
    assert suggested_score(0.95 - 0.3) == 0.7


def test_suggested_score_of_sample_kr_is_point_six() -> None:
    assert suggested_score(kr_progress(start=0, target=10_000, current=6_000)) == 0.6


def test_suggested_score_of_unknown_progress_is_none() -> None:
    assert suggested_score(None) is None


@given(st.floats(min_value=-10, max_value=10))
def test_suggested_score_is_a_tenth_within_unit_interval(progress: float) -> None:
    score = suggested_score(progress)
    assert score is not None
    assert 0.0 <= score <= 1.0
    assert round(score * 10) == pytest.approx(score * 10)
    assert abs(score - clamp01(progress)) <= 0.05 + 1e-9


# --- objective_score -------------------------------------------------------------


def test_objective_score_is_weighted_and_rounded_to_two_decimals() -> None:
    # (0.7*2 + 0.4*1) / 3 = 0.6
    assert objective_score([(2, 0.7), (1, 0.4)]) == 0.6
    # (1*0.7 + 1*0.4 + 1*0.4) / 3 = 0.5
    assert objective_score([(1, 0.7), (1, 0.4), (1, 0.4)]) == 0.5
    # (0.7 + 0.6 + 0.6) / 3 = 0.6333… → 0.63
    assert objective_score([(1, 0.7), (1, 0.6), (1, 0.6)]) == 0.63


def test_objective_score_rounds_halves_up() -> None:
    # (0.1 + 0.2 + 0.2 + 0.2) / 4 = 0.175 → 0.18
    assert objective_score([(1, 0.1), (1, 0.2), (1, 0.2), (1, 0.2)]) == 0.18


def test_objective_score_shares_rollup_rules_with_progress() -> None:
    assert objective_score([(1, None), (3, 0.8)]) == 0.8
    assert objective_score([(-1, 0.0), (1, 0.8)]) == 0.8
    assert objective_score([(0, 0.2), (0, 0.6)]) == 0.4
    assert objective_score([]) is None
    assert objective_score([(1, None)]) is None


@pytest.mark.parametrize("score", [7.0, -0.1, 1.2, math.nan])
def test_objective_score_rejects_scores_outside_zero_to_one(score: float) -> None:
    with pytest.raises(ValueError):
        objective_score([(1, 0.5), (1, score)])


# --- read_score ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "reading"),
    [
        (1.0, ScoreReading.MET),
        (0.9, ScoreReading.ACCEPTABLE),
        (0.8, ScoreReading.ACCEPTABLE),
        (0.1 * 8, ScoreReading.ACCEPTABLE),
        (0.7 + 0.1, ScoreReading.ACCEPTABLE),  # 0.7999999999999999
        (0.79, ScoreReading.MISSED),
        (0.0, ScoreReading.MISSED),
    ],
)
def test_committed_reading_boundaries(score: float, reading: ScoreReading) -> None:
    assert read_score("committed", score) is reading


def test_float_noise_premises_of_boundary_tests_hold() -> None:
    # If these ever compare equal, the boundary tests above stop proving anything.
    assert 0.7 + 0.1 < 0.8
    assert 0.94 - 0.34 < 0.6
    assert 0.7 - 0.4 < 0.3
    assert 0.1 * 3 > 0.3
    assert sum([0.1] * 10) < 1.0


@pytest.mark.parametrize(
    ("score", "reading"),
    [
        (1.0, ScoreReading.TOO_EASY),
        (0.9, ScoreReading.SUCCESS),
        (0.6, ScoreReading.SUCCESS),
        (0.94 - 0.34, ScoreReading.SUCCESS),  # 0.5999999999999999
        (0.1 * 6, ScoreReading.SUCCESS),  # 0.6000000000000001
        (0.59, ScoreReading.PARTIAL),
        (0.3, ScoreReading.PARTIAL),
        (0.1 * 3, ScoreReading.PARTIAL),  # 0.30000000000000004
        (0.7 - 0.4, ScoreReading.PARTIAL),  # 0.29999999999999993
        (0.2999, ScoreReading.MISSED),
        (0.0, ScoreReading.MISSED),
    ],
)
def test_aspirational_reading_boundaries(score: float, reading: ScoreReading) -> None:
    assert read_score("aspirational", score) is reading


def test_one_minus_float_noise_still_reads_as_full_score() -> None:
    nearly_one = sum([0.1] * 10)  # 0.9999999999999999
    assert read_score("committed", nearly_one) is ScoreReading.MET
    assert read_score("aspirational", nearly_one) is ScoreReading.TOO_EASY


def test_reading_accepts_kind_enum_values_as_strings() -> None:
    from storage.models.okr import ObjectiveKind

    assert read_score(ObjectiveKind.ASPIRATIONAL, 0.7) is ScoreReading.SUCCESS


def test_reading_rejects_unknown_kind() -> None:
    with pytest.raises(ValueError, match="committed"):
        read_score("stretch", 0.7)


@pytest.mark.parametrize("score", [1.5, -0.01, 7.0, math.nan])
def test_reading_rejects_scores_outside_zero_to_one(score: float) -> None:
    with pytest.raises(ValueError):
        read_score("committed", score)


# --- confidence_trend ------------------------------------------------------------


def test_trend_compares_the_last_two_values_only() -> None:
    assert confidence_trend([3, 9, 7]) == Trend("down", -2)
    assert confidence_trend([9, 3, 5]) == Trend("up", 2)
    assert confidence_trend([1, 6, 6]) == Trend("flat", 0)


def test_trend_needs_two_values() -> None:
    assert confidence_trend([]) == Trend("none", 0)
    assert confidence_trend([7]) == Trend("none", 0)


@pytest.mark.parametrize("history", [[0, 5], [5, 11], [-3]])
def test_trend_rejects_confidence_outside_one_to_ten(history: list[int]) -> None:
    with pytest.raises(ValueError):
        confidence_trend(history)


def test_trend_is_immutable() -> None:
    trend = confidence_trend([5, 6])
    with pytest.raises(AttributeError):
        trend.delta = 3  # type: ignore[misc]


@given(st.lists(confidences, min_size=2, max_size=10))
def test_trend_direction_matches_sign_of_delta(history: list[int]) -> None:
    trend = confidence_trend(history)
    assert trend.delta == history[-1] - history[-2]
    expected = "up" if trend.delta > 0 else "down" if trend.delta < 0 else "flat"
    assert trend.direction == expected


# --- risk ------------------------------------------------------------------------


def _reasons(
    confidence: int | None = None,
    previous_confidence: int | None = None,
    progress: float | None = None,
    elapsed: float | None = None,
) -> list[RiskReason]:
    return risk_reasons(
        confidence=confidence,
        previous_confidence=previous_confidence,
        progress=progress,
        elapsed=elapsed,
    )


def test_confidence_four_or_below_is_low() -> None:
    assert _reasons(confidence=4) == [RiskReason.LOW_CONFIDENCE]
    assert _reasons(confidence=1) == [RiskReason.LOW_CONFIDENCE]
    assert _reasons(confidence=5) == []


def test_drop_of_two_or_more_is_flagged_even_from_high_confidence() -> None:
    assert _reasons(confidence=7, previous_confidence=9) == [RiskReason.CONFIDENCE_DROP]
    assert _reasons(confidence=8, previous_confidence=9) == []
    assert _reasons(confidence=9, previous_confidence=7) == []


def test_drop_needs_both_confidences() -> None:
    assert _reasons(confidence=None, previous_confidence=9) == []
    assert _reasons(confidence=6, previous_confidence=None) == []


def test_behind_pace_when_progress_below_half_of_elapsed() -> None:
    # Half the cycle gone: anything under 25 % progress is behind.
    assert _reasons(progress=0.2, elapsed=0.5) == [RiskReason.BEHIND_PACE]
    assert _reasons(progress=0.25, elapsed=0.5) == []


def test_behind_pace_is_not_judged_in_first_quarter_of_cycle() -> None:
    assert _reasons(progress=0.0, elapsed=0.24) == []
    assert _reasons(progress=0.0, elapsed=0.25) == [RiskReason.BEHIND_PACE]


def test_behind_pace_uses_clipped_progress() -> None:
    assert _reasons(progress=-0.5, elapsed=0.3) == [RiskReason.BEHIND_PACE]
    assert _reasons(progress=1.4, elapsed=1.0) == []


def test_behind_pace_needs_progress_and_elapsed() -> None:
    assert _reasons(progress=None, elapsed=0.9) == []
    assert _reasons(progress=0.0, elapsed=None) == []


def test_all_reasons_come_in_fixed_order() -> None:
    assert _reasons(confidence=2, previous_confidence=8, progress=0.0, elapsed=0.9) == [
        RiskReason.LOW_CONFIDENCE,
        RiskReason.CONFIDENCE_DROP,
        RiskReason.BEHIND_PACE,
    ]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"confidence": 0},
        {"confidence": 11},
        {"previous_confidence": 0},
        {"elapsed": 1.5},
        {"elapsed": -0.1},
        {"progress": math.nan},
    ],
)
def test_risk_rejects_nonsense_inputs(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        _reasons(**kwargs)


def test_at_risk_is_true_exactly_when_there_is_a_reason() -> None:
    assert at_risk(confidence=3, previous_confidence=None, progress=None, elapsed=None)
    assert not at_risk(confidence=8, previous_confidence=8, progress=0.6, elapsed=0.5)


@given(
    confidence=st.one_of(st.none(), confidences),
    previous=st.one_of(st.none(), confidences),
    progress=progresses,
    elapsed=st.one_of(st.none(), st.floats(min_value=0, max_value=1)),
)
def test_at_risk_agrees_with_risk_reasons(
    confidence: int | None, previous: int | None, progress: float | None, elapsed: float | None
) -> None:
    reasons = risk_reasons(
        confidence=confidence, previous_confidence=previous, progress=progress, elapsed=elapsed
    )
    assert len(set(reasons)) == len(reasons)
    assert at_risk(
        confidence=confidence, previous_confidence=previous, progress=progress, elapsed=elapsed
    ) == bool(reasons)
