"""Statistics of the training benchmark, on values worked out by hand."""

import math

import numpy as np
import pytest

from dataprep.bench.train_stats import (
    first_step_reaching,
    mean_interval,
    paired_difference,
    steps_to_reach,
)

# Student-t quantiles with 2 degrees of freedom (tables; scipy.stats.t.ppf agrees):
T_975_DF2 = 4.302653  # two-sided 95%
T_95_DF2 = 2.919986  # two-sided 90%
STEPS = list(range(10, 101, 10))  # ten evaluations of a 100-step run


def test_mean_interval_of_one_two_three():
    # mean 2, sd 1, half-width t(0.975, 2) * 1 / sqrt(3) = 4.302653 * 0.57735 = 2.484138
    result = mean_interval([1.0, 2.0, 3.0])
    assert result["n"] == 3
    assert result["mean"] == pytest.approx(2.0)
    assert result["sd"] == pytest.approx(1.0)
    assert result["low"] == pytest.approx(2.0 - 2.484138, abs=1e-5)
    assert result["high"] == pytest.approx(2.0 + 2.484138, abs=1e-5)


def test_mean_interval_level_sets_the_quantile():
    # 90%: t(0.95, 2) / sqrt(3) = 2.919986 * 0.57735 = 1.685855
    result = mean_interval([1.0, 2.0, 3.0], level=0.9)
    assert result["high"] - result["mean"] == pytest.approx(T_95_DF2 / math.sqrt(3), abs=1e-5)
    assert result["high"] - result["mean"] == pytest.approx(1.685855, abs=1e-5)


def test_mean_interval_uses_the_sample_sd_not_the_population_sd():
    # [0, 4]: sd (ddof 1) = sqrt(8) = 2.828427; t(0.975, 1) = 12.706205; half = 12.706205 * 2
    result = mean_interval([0.0, 4.0])
    assert result["sd"] == pytest.approx(math.sqrt(8))
    assert result["high"] == pytest.approx(2.0 + 12.706205 * 2.0, abs=1e-4)


def test_mean_interval_of_one_value_is_that_value():
    assert mean_interval([5.5]) == {"mean": 5.5, "low": 5.5, "high": 5.5, "sd": 0.0, "n": 1}


def test_mean_interval_of_equal_values_collapses():
    result = mean_interval([3.0, 3.0, 3.0])
    assert result["low"] == result["mean"] == result["high"] == 3.0 and result["sd"] == 0.0


def test_first_step_reaching_counts_equal_as_reached():
    steps, losses = [10, 20, 30], [3.0, 2.0, 1.0]
    assert first_step_reaching(steps, losses, 2.0) == 20.0
    assert first_step_reaching(steps, losses, 1.5) == 30.0
    assert first_step_reaching(steps, losses, 9.0) == 10.0
    assert first_step_reaching(steps, losses, 0.5) == math.inf


def test_first_step_reaching_takes_the_first_even_when_the_curve_goes_back_up():
    assert first_step_reaching([10, 20, 30, 40], [3.0, 1.0, 4.0, 1.0], 1.0) == 20.0


def _crossing_at(step: int) -> list[float]:
    """A decreasing curve over STEPS that is at or below 4.0 from ``step`` on."""
    return [4.0 + (step - s) / 100 for s in STEPS]


def test_steps_to_reach_a_curve_crossing_at_step_40():
    curve = _crossing_at(40)
    assert curve[2] > 4.0 >= curve[3]
    curves = np.array([curve, curve, curve])  # identical seeds
    result = steps_to_reach(STEPS, curves, np.array([4.0, 4.0, 4.0]), resamples=200)
    # every resample is the same curve: the interval collapses to the point
    assert result == {
        "steps": 40.0,
        "low": 40.0,
        "high": 40.0,
        "fraction": 0.4,
        "fraction_low": 0.4,
        "fraction_high": 0.4,
        "reached_share": 1.0,
    }


def test_steps_to_reach_never_reached_is_inf():
    curves = np.full((2, len(STEPS)), 5.0)
    result = steps_to_reach(STEPS, curves, np.array([4.0, 4.0]), resamples=100)
    assert result["steps"] == result["low"] == result["high"] == math.inf
    assert result["fraction"] == math.inf and result["reached_share"] == 0.0


def test_steps_to_reach_paired_bootstrap_by_hand():
    """Two seeds. Seed 0: curve 120 - s, random's final 100 (reached at 20). Seed 1: curve
    80 - s, final 0 (reached at 80). Both: curve 100 - s, target 50, reached at 50.

    A resample is (0, 0) with probability 1/4 (20), (1, 1) with 1/4 (80), else mixed (50): the
    2.5% and 97.5% quantiles are 20 and 80. Unpaired resampling would pair curve 120 - s with
    final 0 (never reached) and give an upper bound of inf."""
    steps = np.array(STEPS)
    curves = np.array([120.0 - steps, 80.0 - steps])
    result = steps_to_reach(STEPS, curves, np.array([100.0, 0.0]), resamples=2000, seed=3)
    assert result["steps"] == 50.0 and result["fraction"] == 0.5
    assert (result["low"], result["high"]) == (20.0, 80.0)
    assert (result["fraction_low"], result["fraction_high"]) == (0.2, 0.8)
    assert result["reached_share"] == 1.0


def test_steps_to_reach_upper_bound_inf_when_some_resamples_never_reach():
    # seed 0 reaches at 30; seed 1 never does (its curve stays at 10, above its final 0).
    # The mean curve 6.5 - s / 20 never reaches 0; only resamples (0, 0) reach, at 30.
    steps = np.array(STEPS)
    curves = np.array([3.0 - steps / 10, np.full(len(STEPS), 10.0)])
    result = steps_to_reach(STEPS, curves, np.array([0.0, 0.0]), resamples=4000, seed=1)
    assert result["steps"] == math.inf
    assert result["low"] == 30.0 and result["high"] == math.inf
    assert result["reached_share"] == pytest.approx(0.25, abs=0.03)


def test_steps_to_reach_is_seeded():
    rng = np.random.default_rng(0)
    curves = 4.0 + rng.normal(0, 0.3, size=(5, len(STEPS))) - np.linspace(0, 1, len(STEPS))
    finals = 3.6 + rng.normal(0, 0.1, size=5)
    first = steps_to_reach(STEPS, curves, finals, resamples=500, seed=7)
    assert steps_to_reach(STEPS, curves, finals, resamples=500, seed=7) == first


def test_steps_to_reach_checks_the_shape():
    with pytest.raises(ValueError, match=r"arm_curves must have shape \(2, 10\); got \(3, 10\)"):
        steps_to_reach(STEPS, np.zeros((3, 10)), np.zeros(2))


def test_paired_difference_pairs_by_seed():
    # differences [2, 3, 4]: mean 3, half-width 2.484138
    result = paired_difference([3.0, 5.0, 7.0], [1.0, 2.0, 3.0])
    assert result["mean"] == pytest.approx(3.0)
    assert result["high"] - result["mean"] == pytest.approx(T_975_DF2 / math.sqrt(3), abs=1e-5)
    # the same values per seed: a difference of exactly 0, however much the seeds vary
    same = paired_difference([1.0, 5.0, 9.0], [1.0, 5.0, 9.0])
    assert same["low"] == same["mean"] == same["high"] == 0.0
