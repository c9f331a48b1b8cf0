"""Statistics of the training benchmark: means with Student-t intervals over seeds, and the
steps an arm needs to reach the random arm's final validation loss, with a paired bootstrap
interval over seeds.

Curves are validation losses at the same evaluated steps for every run. Seeds are paired: seed
s of every arm starts from the same initial weights and draws its data with the same seed as
seed s of the random arm, so resampling seeds resamples whole rows of (arm, random) results.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def mean_interval(values: Sequence[float], level: float = 0.95) -> dict:
    """Mean of ``values`` and its two-sided Student-t interval at ``level`` (default 0.95).
    With one value the interval is that value. Returns {mean, low, high, sd, n}."""
    data = np.asarray(values, dtype=np.float64)
    n = len(data)
    mean = float(data.mean())
    if n < 2:
        return {"mean": mean, "low": mean, "high": mean, "sd": 0.0, "n": n}
    from scipy import stats

    sd = float(data.std(ddof=1))
    half = float(stats.t.ppf(0.5 + level / 2, n - 1)) * sd / math.sqrt(n)
    return {"mean": mean, "low": mean - half, "high": mean + half, "sd": sd, "n": n}


def first_step_reaching(steps: Sequence[int], losses: Sequence[float], target: float) -> float:
    """First evaluated step whose loss is at or below ``target``; inf when none is."""
    reached = np.flatnonzero(np.asarray(losses) <= target)
    return float(steps[reached[0]]) if len(reached) else math.inf


def steps_to_reach(
    steps: Sequence[int],
    arm_curves: np.ndarray,
    random_finals: np.ndarray,
    *,
    resamples: int = 10_000,
    level: float = 0.95,
    seed: int = 0,
) -> dict:
    """Steps the arm's seed-mean curve needs to reach the random arm's seed-mean final loss.

    steps: the evaluated steps; arm_curves: [seeds, len(steps)] validation losses of the arm;
    random_finals: [seeds] final validation losses of the random arm, paired with the arm's
    seeds by index. The point estimate uses every seed; the interval is the percentile interval
    of the same statistic over ``resamples`` paired bootstrap resamples of the seeds (default
    10,000; seeded by ``seed``). A resample whose mean curve never reaches its target counts as
    inf, so an upper bound of inf means "not reached in at least (1 - level) / 2 of resamples".

    Returns {steps, low, high, fraction, fraction_low, fraction_high, reached_share}, fractions
    being the steps divided by the last evaluated step (the run's length).
    """
    curves = np.asarray(arm_curves, dtype=np.float64)
    finals = np.asarray(random_finals, dtype=np.float64)
    seeds = len(finals)
    if curves.shape != (seeds, len(steps)):
        raise ValueError(f"arm_curves must have shape ({seeds}, {len(steps)}); got {curves.shape}")
    point = first_step_reaching(steps, curves.mean(axis=0), float(finals.mean()))
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, seeds, size=(resamples, seeds))
    mean_curves = curves[picks].mean(axis=1)  # [resamples, len(steps)]
    targets = finals[picks].mean(axis=1)
    reached = mean_curves <= targets[:, None]
    first = np.where(reached.any(axis=1), np.asarray(steps)[reached.argmax(axis=1)], np.inf)
    low, high = np.quantile(first, [0.5 - level / 2, 0.5 + level / 2], method="lower")
    total = float(steps[-1])
    return {
        "steps": point,
        "low": float(low),
        "high": float(high),
        "fraction": point / total,
        "fraction_low": float(low) / total,
        "fraction_high": float(high) / total,
        "reached_share": float(np.isfinite(first).mean()),
    }


def paired_difference(arm: Sequence[float], reference: Sequence[float], level: float = 0.95):
    """Mean of arm - reference over paired seeds with its Student-t interval (mean_interval)."""
    return mean_interval(np.asarray(arm) - np.asarray(reference), level)
