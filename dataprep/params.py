"""Parameter checks shared by every stage.

Each check raises a ConfigError in one sentence form, e.g.
"The 'threshold' parameter of minhash_dedup must be a float in (0, 1]. Got 1.5 instead."
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from dataprep.errors import ConfigError


def _fail(stage: str, param: str, expected: str, value: object) -> ConfigError:
    return ConfigError(
        f"The {param!r} parameter of {stage} must be {expected}. Got {value!r} instead."
    )


def _interval(low: float | None, high: float | None, low_open: bool, high_open: bool) -> str:
    left = "(" if low_open or low is None else "["
    right = ")" if high_open or high is None else "]"
    lo = "-inf" if low is None else f"{low:g}"
    hi = "inf" if high is None else f"{high:g}"
    return f"{left}{lo}, {hi}{right}"


def check_number(
    stage: str,
    param: str,
    value: object,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
    integer: bool = False,
    allow_none: bool = False,
) -> None:
    """Raise unless ``value`` is a number (an int when ``integer``) inside the interval."""
    if value is None and allow_none:
        return
    kind = "an int" if integer else "a float"
    expected = f"{kind} in {_interval(low, high, low_open, high_open)}"
    if allow_none:
        expected += " or null"
    is_number = isinstance(value, int) if integer else isinstance(value, (int, float))
    if isinstance(value, bool) or not is_number or (not integer and math.isnan(value)):
        raise _fail(stage, param, expected, value)
    if low is not None and (value < low or (low_open and value == low)):
        raise _fail(stage, param, expected, value)
    if high is not None and (value > high or (high_open and value == high)):
        raise _fail(stage, param, expected, value)


def check_choice(stage: str, param: str, value: object, choices: Iterable[object]) -> None:
    """Raise unless ``value`` is one of ``choices``."""
    options = list(choices)
    if value not in options:
        listed = ", ".join(repr(option) for option in options)
        raise _fail(stage, param, f"one of {listed}", value)


def check_bool(stage: str, param: str, value: object) -> None:
    """Raise unless ``value`` is True or False."""
    if not isinstance(value, bool):
        raise _fail(stage, param, "a bool (true or false)", value)


def check_string(stage: str, param: str, value: object, *, allow_none: bool = False) -> None:
    """Raise unless ``value`` is a non-empty string (or None when allowed)."""
    if value is None and allow_none:
        return
    if not isinstance(value, str) or not value:
        raise _fail(stage, param, "a non-empty string" + (" or null" if allow_none else ""), value)


def check_string_list(stage: str, param: str, value: object, *, allow_none: bool = False) -> None:
    """Raise unless ``value`` is a list of strings (or None when allowed)."""
    if value is None and allow_none:
        return
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise _fail(stage, param, "a list of strings" + (" or null" if allow_none else ""), value)
