"""Simple threshold filters: document length, and any numeric column within [min, max]."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dataprep.errors import ConfigError
from dataprep.params import check_bool, check_number, check_string
from dataprep.registry import register
from dataprep.stage import Filter


def _bounds_reasons(
    values: np.ndarray, low: float | None, high: float | None, below: str, above: str
) -> list[str | None]:
    reasons: list[str | None] = [None] * len(values)
    if low is not None:
        for i in np.flatnonzero(values < low).tolist():
            reasons[i] = below
    if high is not None:
        for i in np.flatnonzero(values > high).tolist():
            reasons[i] = reasons[i] or above
    return reasons


def _check_range(stage: str, low_name: str, low, high_name: str, high, integer: bool) -> None:
    check_number(stage, low_name, low, low=0, integer=integer, allow_none=True)
    check_number(stage, high_name, high, low=0, integer=integer, allow_none=True)
    if low is not None and high is not None and low > high:
        raise ConfigError(
            f"The {low_name!r} parameter of {stage} must not exceed {high_name!r}. "
            f"Got {low!r} > {high!r} instead."
        )


@register
class LengthFilter(Filter):
    """Keep documents whose length lies in the given bounds (inclusive; null = no bound).

    min_words / max_words: bounds on whitespace-separated words (default 1 / null).
    min_chars / max_chars: bounds on Unicode characters (default null / null).
    Reasons: length_below_min_words, length_above_max_words, length_below_min_chars,
    length_above_max_chars (checked in that order).
    """

    name = "length_filter"

    def __init__(
        self,
        *,
        min_words: int | None = 1,
        max_words: int | None = None,
        min_chars: int | None = None,
        max_chars: int | None = None,
    ) -> None:
        self.min_words = min_words
        self.max_words = max_words
        self.min_chars = min_chars
        self.max_chars = max_chars

    def check_params(self) -> None:
        _check_range(self.name, "min_words", self.min_words, "max_words", self.max_words, True)
        _check_range(self.name, "min_chars", self.min_chars, "max_chars", self.max_chars, True)

    def reject_reasons(self, batch: pa.RecordBatch) -> list[str | None]:
        texts = pc.fill_null(batch.column(self.context.text_column), "")
        words = pc.count_substring_regex(texts, r"\S+").to_numpy(zero_copy_only=False)
        chars = pc.utf8_length(texts).to_numpy(zero_copy_only=False)
        by_words = _bounds_reasons(
            words,
            self.min_words,
            self.max_words,
            "length_below_min_words",
            "length_above_max_words",
        )
        by_chars = _bounds_reasons(
            chars,
            self.min_chars,
            self.max_chars,
            "length_below_min_chars",
            "length_above_max_chars",
        )
        return [w or c for w, c in zip(by_words, by_chars, strict=True)]


@register
class ScoreThreshold(Filter):
    """Keep rows whose numeric ``column`` lies in [min, max] (inclusive; null = no bound).

    column: the column to test, e.g. a ``dp_score_*`` column written by ``dataprep score``.
    min / max: the bounds (default null / null; at least one must be set).
    keep_missing: keep rows whose value is null or NaN (default False).
    Reasons: <column>_below_min, <column>_above_max, <column>_missing.
    """

    name = "score_threshold"

    def __init__(
        self,
        *,
        column: str = "",
        min: float | None = None,
        max: float | None = None,
        keep_missing: bool = False,
    ) -> None:
        self.column = column
        self.min = min
        self.max = max
        self.keep_missing = keep_missing

    def check_params(self) -> None:
        check_string(self.name, "column", self.column)
        check_number(self.name, "min", self.min, allow_none=True)
        check_number(self.name, "max", self.max, allow_none=True)
        check_bool(self.name, "keep_missing", self.keep_missing)
        if self.min is None and self.max is None:
            raise ConfigError(f"score_threshold on {self.column!r} needs 'min', 'max' or both.")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ConfigError(
                f"The 'min' parameter of score_threshold must not exceed 'max'. "
                f"Got {self.min!r} > {self.max!r} instead."
            )

    def check_columns(self, columns: list[str]) -> None:
        if self.column not in columns:
            raise ConfigError(
                f"score_threshold: no column {self.column!r}; the columns are {', '.join(columns)}"
            )

    def reject_reasons(self, batch: pa.RecordBatch) -> list[str | None]:
        column = batch.column(self.column)
        if not (pa.types.is_integer(column.type) or pa.types.is_floating(column.type)):
            raise ConfigError(
                f"score_threshold: column {self.column!r} holds {column.type}, expected numbers"
            )
        values = pc.fill_null(column.cast(pa.float64()), np.nan).to_numpy(zero_copy_only=False)
        reasons = _bounds_reasons(
            values, self.min, self.max, f"{self.column}_below_min", f"{self.column}_above_max"
        )
        if not self.keep_missing:
            for i in np.flatnonzero(np.isnan(values)).tolist():
                reasons[i] = f"{self.column}_missing"
        return reasons
