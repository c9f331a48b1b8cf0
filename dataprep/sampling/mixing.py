"""Static group weights for data mixing: given, uniform, proportional to size, temperature and
UniMax, plus ``apply_floor``.

Every function returns a float64 array that sums to 1 (``static_weights`` returns a dict when given
a dict of sizes). Parameters are checked here and bad values raise ``ConfigError`` in one sentence.

- ``proportional``: p_i = n_i / sum(n).
- ``temperature``: p_i proportional to n_i^(1/T) (T = 1 is proportional, T -> inf is uniform); the
  multilingual sampling of XLM/mT5.
- ``unimax`` (Chung et al. 2023, "UniMax: Fairer and More Effective Language Sampling for
  Large-Scale Multilingual Pretraining", Algorithm 1): groups sorted by size ascending; each gets
  min(remaining budget / remaining groups, max_epochs * n_i) samples; weights = allocation / total
  allocation (equal to the budget unless every group is capped by max_epochs).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from dataprep.errors import ConfigError

WEIGHT_METHODS = ("given", "uniform", "proportional", "temperature", "unimax")


def _bad(param: str, owner: str, expected: str, got) -> ConfigError:
    return ConfigError(
        f"The {param!r} parameter of {owner} must be {expected}. Got {got!r} instead."
    )


def _sizes(sizes, owner: str) -> np.ndarray:
    array = np.asarray(list(sizes), dtype=np.float64)
    if array.ndim != 1 or len(array) == 0:
        raise _bad("sizes", owner, "a non-empty list of group sizes", list(sizes))
    if not np.all(np.isfinite(array)) or np.any(array < 0) or array.sum() <= 0:
        raise _bad("sizes", owner, "non-negative numbers with a positive sum", array.tolist())
    return array


def uniform(k: int) -> np.ndarray:
    """Equal weight 1/k for k groups."""
    if not isinstance(k, int) or k < 1:
        raise _bad("k", "uniform", "an int >= 1", k)
    return np.full(k, 1.0 / k)


def given(weights: Sequence[float]) -> np.ndarray:
    """User weights, checked (finite, >= 0, positive sum) and normalized to sum 1."""
    array = np.asarray(list(weights), dtype=np.float64)
    if array.ndim != 1 or len(array) == 0:
        raise _bad("weights", "given", "a non-empty list of numbers", weights)
    if not np.all(np.isfinite(array)) or np.any(array < 0) or array.sum() <= 0:
        raise _bad("weights", "given", "non-negative numbers with a positive sum", array.tolist())
    return array / array.sum()


def proportional(sizes: Sequence[float]) -> np.ndarray:
    """p_i = n_i / sum(n)."""
    array = _sizes(sizes, "proportional")
    return array / array.sum()


def temperature(sizes: Sequence[float], temperature: float = 2.0) -> np.ndarray:
    """p_i proportional to n_i^(1/T); sizes [100, 1] at T=2 give [10/11, 1/11]."""
    if not isinstance(temperature, int | float) or not temperature > 0:
        raise _bad("temperature", "temperature", "a number > 0", temperature)
    array = _sizes(sizes, "temperature")
    # Scale by the largest size first so that n^(1/T) cannot overflow for small T.
    scaled = (array / array.max()) ** (1.0 / float(temperature))
    return scaled / scaled.sum()


_temperature_weights = temperature  # static_weights' parameter of the same name shadows it


def unimax(sizes: Sequence[float], budget: float, max_epochs: float = 1.0) -> np.ndarray:
    """UniMax weights: a uniform share of ``budget`` samples per group, capped at ``max_epochs``
    passes over the group; what a capped group leaves is shared by the larger groups."""
    array = _sizes(sizes, "unimax")
    if not isinstance(budget, int | float) or not budget > 0 or not math.isfinite(budget):
        raise _bad("budget", "unimax", "a number of samples > 0", budget)
    if not isinstance(max_epochs, int | float) or not max_epochs > 0:
        raise _bad("max_epochs", "unimax", "a number > 0", max_epochs)
    allocation = np.zeros_like(array)
    remaining = float(budget)
    order = np.argsort(array, kind="stable")
    for done, index in enumerate(order):
        share = remaining / (len(order) - done)
        allocation[index] = min(share, max_epochs * array[index])
        remaining -= allocation[index]
    return allocation / allocation.sum()


def static_weights(
    sizes: Mapping | Sequence[float],
    method: str = "proportional",
    *,
    weights: Mapping | Sequence[float] | None = None,
    temperature: float = 2.0,
    budget: float | None = None,
    max_epochs: float = 1.0,
) -> dict | np.ndarray:
    """Static mixture weights for groups of the given sizes.

    Parameters:
        sizes: group sizes, as a dict group -> size (the result is then a dict group -> weight)
            or a list (the result is a numpy array in the same order).
        method: one of 'given', 'uniform', 'proportional' (default), 'temperature', 'unimax'.
        weights: the weights for method 'given' (dict with exactly the groups of ``sizes``, or
            a list of the same length).
        temperature: T for method 'temperature' (default 2.0).
        budget: total samples for method 'unimax' (required there).
        max_epochs: cap in passes over a group for method 'unimax' (default 1.0).
    """
    keys = list(sizes.keys()) if isinstance(sizes, Mapping) else None
    values = list(sizes.values()) if keys is not None else list(sizes)
    if method not in WEIGHT_METHODS:
        raise _bad("method", "static_weights", f"one of {', '.join(WEIGHT_METHODS)}", method)
    if method == "given":
        if weights is None:
            raise ConfigError(
                "The 'weights' parameter of static_weights is required when method='given'."
            )
        if isinstance(weights, Mapping):
            if keys is None or set(map(str, weights)) != set(map(str, keys)):
                raise _bad("weights", "static_weights", f"a dict with the groups {keys}", weights)
            by_name = {str(key): value for key, value in weights.items()}
            weights = [by_name[str(key)] for key in keys]
        if len(list(weights)) != len(values):
            raise _bad("weights", "static_weights", f"{len(values)} numbers", weights)
        result = given(weights)
    elif method == "uniform":
        _sizes(values, "static_weights")
        result = uniform(len(values))
    elif method == "proportional":
        result = proportional(values)
    elif method == "temperature":
        result = _temperature_weights(values, temperature)
    else:
        if budget is None:
            raise ConfigError(
                "The 'budget' parameter of static_weights is required when method='unimax'."
            )
        result = unimax(values, budget, max_epochs)
    return dict(zip(keys, result.tolist(), strict=True)) if keys is not None else result


def apply_floor(weights: Sequence[float], floor: float) -> np.ndarray:
    """Weights >= ``floor`` that sum to 1: w' = floor + (1 - K*floor) * w / sum(w).

    The map keeps the order of the weights and is the identity for floor = 0; it needs
    K * floor <= 1 (with equality every weight becomes 1/K).
    """
    array = np.asarray(weights, dtype=np.float64)
    k = len(array)
    if not isinstance(floor, int | float) or not 0 <= floor <= 1.0 / k or math.isnan(floor):
        raise _bad("floor", "apply_floor", f"in [0, 1/K] = [0, {1.0 / k:.6g}]", floor)
    total = array.sum()
    if not np.all(np.isfinite(array)) or np.any(array < 0) or total <= 0:
        raise _bad("weights", "apply_floor", "non-negative numbers with a positive sum", weights)
    return floor + (1.0 - k * floor) * (array / total)
