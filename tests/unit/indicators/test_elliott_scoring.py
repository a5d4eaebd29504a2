"""Fibonacci fit and projections of Elliott counts (indicators/elliott_scoring.py), by hand."""

from __future__ import annotations

import math

import pytest

from xor_trading.indicators.elliott_scoring import (
    SIGMA_LOG,
    RatioFit,
    confidence,
    correction_fits,
    correction_targets,
    fit_ratio,
    impulse_fits,
    impulse_targets,
    mean_fit,
)


def test_fit_ratio_at_a_point_ideal_scores_one() -> None:
    assert fit_ratio("r", 1.618, ((1.0, 1.0), (1.618, 1.618))) == RatioFit("r", 1.618, 1.618, 1.0)


def test_fit_ratio_inside_a_band_scores_one_with_the_ratio_as_ideal() -> None:
    assert fit_ratio("r", 0.55, ((0.5, 0.618),)) == RatioFit("r", 0.55, 0.55, 1.0)


def test_fit_ratio_outside_a_band_uses_the_log_distance_to_the_nearer_edge() -> None:
    fit = fit_ratio("r", 0.4, ((0.5, 0.618),))
    d = math.log(0.5 / 0.4)
    assert fit.ideal == 0.5
    assert fit.score == pytest.approx(math.exp(-(d**2) / (2 * SIGMA_LOG**2)), rel=1e-15)


def test_fit_ratio_picks_the_nearest_ideal_in_log_space() -> None:
    # 1.3 is ln(1.3) = 0.262 from 1.0 and ln(1.618 / 1.3) = 0.219 from 1.618.
    assert fit_ratio("r", 1.3, ((1.0, 1.0), (1.618, 1.618))).ideal == 1.618


def test_fit_ratio_a_factor_of_e_to_the_sigma_away_scores_exp_minus_half() -> None:
    fit = fit_ratio("r", math.exp(SIGMA_LOG), ((1.0, 1.0),))
    assert fit.score == pytest.approx(math.exp(-0.5), rel=1e-12)


def test_fit_ratio_non_positive_ratio_raises() -> None:
    with pytest.raises(ValueError, match="positive"):
        fit_ratio("r", 0.0, ((1.0, 1.0),))


def test_impulse_fits_wave_5_uses_the_better_of_its_two_relations() -> None:
    # Wave 5 = 0.618 x wave 3 exactly (wave 3 = 200, wave 5 = 123.6), not equal to wave 1.
    fits = impulse_fits([1000.0, 1100.0, 1050.0, 1250.0, 1173.6, 1297.2])
    assert [f.relation for f in fits] == [
        "wave 2 / wave 1",
        "wave 3 / wave 1",
        "wave 4 / wave 3",
        "wave 5 / wave 3",
    ]
    assert fits[3].score == pytest.approx(1.0)


def test_impulse_fits_count_grows_with_complete_waves() -> None:
    prices = [1000.0, 1100.0, 1050.0, 1211.8, 1150.0, 1250.0]
    assert [len(impulse_fits(prices[: k + 1])) for k in range(1, 6)] == [0, 1, 2, 3, 4]
    assert [len(correction_fits(prices[: k + 1])) for k in range(1, 4)] == [0, 1, 2]


def test_confidence_is_mean_fit_times_share_of_waves_seen() -> None:
    fits = [RatioFit("a", 1.0, 1.0, 1.0), RatioFit("b", 1.0, 1.0, 0.5)]
    assert mean_fit(fits) == 0.75
    assert confidence(0.75, 3, 5) == pytest.approx(0.45)
    assert mean_fit([]) == 0.0


def test_impulse_targets_in_wave_4_drop_levels_inside_wave_1_territory() -> None:
    # Wave 1 = 1000 -> 1100, wave 3 = 1010 -> 1150 (140): 0.382 and 0.5 x 140 back from 1150
    # reach 1096.52 and 1080, inside wave 1; 0.236 x 140 reaches 1116.96.
    targets = impulse_targets([1000.0, 1100.0, 1010.0, 1150.0], up=True)
    assert [t.ratio for t in targets] == [0.236]
    assert targets[0].price == pytest.approx(1116.96)


def test_impulse_targets_non_positive_projections_are_dropped() -> None:
    # Down wave 1 from 100 to 10, wave 2 to 40: 1.0 x 90 below 40 is negative.
    assert impulse_targets([100.0, 10.0, 40.0], up=False) == ()


def test_correction_targets_up_abc_in_wave_c_project_from_b() -> None:
    targets = correction_targets([1000.0, 1100.0, 1040.0], up=True)
    assert [(t.wave, t.ratio) for t in targets] == [("C", 1.0), ("C", 1.618)]
    assert [t.price for t in targets] == pytest.approx([1140.0, 1201.8])
    assert targets[1].basis == "1.618 x wave A from the end of wave B"


def test_targets_outside_their_wave_range_raise() -> None:
    with pytest.raises(ValueError, match="2 to 5"):
        impulse_targets([1.0, 2.0], up=True)
    with pytest.raises(ValueError, match="2 to 3"):
        correction_targets([1.0, 2.0, 1.5, 3.0, 2.0], up=True)
