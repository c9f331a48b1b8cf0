"""Coreset selection without embeddings: uniform random, top-k by a score, stratified.

- ``random``: uniform sampling without replacement (``numpy.random.default_rng(seed).choice``
  over the alive rows in input order). Time O(n), memory O(n).
- ``score_topk``: the ``budget`` rows with the highest (``descending: true``, default) or lowest
  value of a numeric ``column``; ties go to the earlier row, nulls and NaN come last.
  Time O(n log n), memory O(n).
- ``stratified``: proportional allocation over the strata (distinct values, null included) of
  ``column``: stratum s with n_s of the n rows gets floor(budget * n_s / n) rows, and the rows
  left over go one each to the strata with the largest remainders (ties: the stratum seen
  first), so the total equals the budget exactly (Hamilton / largest-remainder rounding).
  Rows are drawn uniformly at random within each stratum. Time O(n), memory O(n).

Parameters:
  budget: rows to keep; a float in (0, 1) = fraction of the alive rows (rounded half up, at
      least 1) or an int >= 1 = count (capped at the rows there are). Default 0.1.
  column (score_topk, stratified): the column to rank by / to stratify by (required).
  descending (score_topk): keep the highest values (default true) or the lowest.
  seed (random, stratified): random seed (default 0).
  class_balanced / label_column: select within each class of ``label_column`` (default
      'label') with the budget split over the classes as ``stratified`` splits it (see
      ``dataprep.select.base``); default false.

Rows not kept are rejected with reason ``not_in_coreset``. Results depend only on the alive
rows in input order, never on how they were split into batches.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pyarrow as pa

from dataprep.errors import ConfigError
from dataprep.params import check_bool, check_number, check_string
from dataprep.registry import register
from dataprep.select.base import (
    ClassBalance,
    CoresetSelector,
    budget_rows,
    class_codes,
    class_split,
    label_key,
    largest_remainder,
    numeric_column_state,
)
from dataprep.stage import ROW_COLUMN


def _gather(states: Iterable[tuple]) -> tuple[np.ndarray, list[list[Any]]]:
    """Concatenated rows and, for each extra part of the states, the list of its batches."""
    row_parts: list[np.ndarray] = []
    extras: list[list[Any]] = []
    for rows, *rest in states:
        row_parts.append(rows)
        extras = extras or [[] for _ in rest]
        for column, part in zip(extras, rest, strict=True):
            column.append(part)
    rows = np.concatenate(row_parts) if row_parts else np.empty(0, np.int64)
    return rows.astype(np.int64), extras


def _labels(parts: list) -> list | None:
    """The labels of all batches, or None when they were not read."""
    if not parts or parts[0] is None:
        return None
    return [value for part in parts for value in part]


def _per_class(labels: list | None, n: int, k: int, pick) -> np.ndarray:
    """Positions of k of n rows: ``pick(members, share)`` (positions into ``members``) over all
    rows, or within each class with its share of k (``class_split``)."""
    if labels is None:
        return np.asarray(pick(np.arange(n), k), np.int64)
    parts = [members[pick(members, share)] for members, share in class_split(labels, k)]
    return np.concatenate(parts) if parts else np.empty(0, np.int64)


class _ColumnInput(ClassBalance):
    """Mixin for selectors that read one input column (and the labels when class-balanced)."""

    name: str
    column: str

    def check_columns(self, columns: list[str]) -> None:
        self.check_label_column(columns)
        if self.column not in columns:
            raise ConfigError(
                f"{self.name}: no column {self.column!r}; the columns are {', '.join(columns)}"
            )


@register
class RandomSelect(ClassBalance, CoresetSelector):
    """Uniform random sample of ``budget`` rows without replacement (seeded)."""

    name = "random"
    version = 1

    def __init__(
        self,
        *,
        budget: float | int = 0.1,
        seed: int = 0,
        class_balanced: bool = False,
        label_column: str = "label",
    ) -> None:
        self.budget = budget
        self.seed = seed
        self.class_balanced, self.label_column = class_balanced, label_column

    def check_params(self) -> None:
        self.check_budget()
        check_number(self.name, "seed", self.seed, low=0, integer=True)
        self.check_class_balance()

    def check_columns(self, columns: list[str]) -> None:
        self.check_label_column(columns)

    def fit_state(self, batch: pa.RecordBatch) -> tuple:
        return batch.column(ROW_COLUMN).to_numpy(), self.labels_of(batch)

    def fit(self, states: Iterable[tuple]) -> None:
        rows, extras = _gather(states)
        labels = extras[0] if extras else []
        rng = np.random.default_rng(self.seed)
        k = budget_rows(self.budget, len(rows))
        pick = lambda members, share: rng.choice(len(members), size=share, replace=False)  # noqa: E731
        self._keep(rows, _per_class(_labels(labels), len(rows), k, pick))


@register
class ScoreTopK(_ColumnInput, CoresetSelector):
    """The ``budget`` rows with the highest (or lowest) value of a numeric column."""

    name = "score_topk"
    version = 1

    def __init__(
        self,
        *,
        budget: float | int = 0.1,
        column: str | None = None,
        descending: bool = True,
        class_balanced: bool = False,
        label_column: str = "label",
    ) -> None:
        self.budget = budget
        self.column = column
        self.descending = descending
        self.class_balanced, self.label_column = class_balanced, label_column

    def check_params(self) -> None:
        self.check_budget()
        check_string(self.name, "column", self.column)
        check_bool(self.name, "descending", self.descending)
        self.check_class_balance()

    def fit_state(self, batch: pa.RecordBatch) -> tuple:
        return (*numeric_column_state(self.name, batch, self.column), self.labels_of(batch))

    def fit(self, states: Iterable[tuple]) -> None:
        rows, extras = _gather(states)
        parts, labels = extras or ([], [])
        values = np.concatenate(parts) if parts else np.empty(0, np.float64)
        missing = np.isnan(values)
        key = np.where(missing, 0.0, -values if self.descending else values)

        def pick(members: np.ndarray, share: int) -> np.ndarray:
            # primary: missing last; then by value; then earlier row first
            return np.lexsort((members, key[members], missing[members]))[:share]

        k = budget_rows(self.budget, len(rows))
        self._keep(rows, _per_class(_labels(labels), len(rows), k, pick))


@register
class Stratified(_ColumnInput, CoresetSelector):
    """Proportional stratified sample over the values of a column (largest-remainder rounding,
    uniform within each stratum)."""

    name = "stratified"
    version = 1

    def __init__(
        self,
        *,
        budget: float | int = 0.1,
        column: str | None = None,
        seed: int = 0,
        class_balanced: bool = False,
        label_column: str = "label",
    ) -> None:
        self.budget = budget
        self.column = column
        self.seed = seed
        self.class_balanced, self.label_column = class_balanced, label_column

    def check_params(self) -> None:
        self.check_budget()
        check_string(self.name, "column", self.column)
        check_number(self.name, "seed", self.seed, low=0, integer=True)
        self.check_class_balance()

    def fit_state(self, batch: pa.RecordBatch) -> tuple:
        values = [label_key(v) for v in batch.column(self.column).to_pylist()]
        return batch.column(ROW_COLUMN).to_numpy(), values, self.labels_of(batch)

    def fit(self, states: Iterable[tuple]) -> None:
        rows, extras = _gather(states)
        parts, labels = extras or ([], [])
        values = [value for part in parts for value in part]
        codes = class_codes(values)  # strata numbered in order of first appearance
        strata = list(dict.fromkeys(values))
        self.allocation_ = dict.fromkeys(strata, 0)
        rng = np.random.default_rng(self.seed)

        def pick(members: np.ndarray, share: int) -> np.ndarray:
            sizes = np.bincount(codes[members], minlength=len(strata))
            alloc = largest_remainder(sizes, share)
            for stratum, size in enumerate(alloc):
                self.allocation_[strata[stratum]] += int(size)
            order = np.argsort(codes[members], kind="stable")
            bounds = np.concatenate([[0], np.cumsum(sizes)])
            chosen = [
                rng.choice(order[bounds[s] : bounds[s + 1]], size=alloc[s], replace=False)
                for s in range(len(strata))
            ]
            return np.concatenate(chosen) if chosen else np.empty(0, np.int64)

        k = budget_rows(self.budget, len(rows))
        self._keep(rows, _per_class(_labels(labels), len(rows), k, pick))
