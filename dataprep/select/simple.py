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
from dataprep.select.base import CoresetSelector, budget_rows, numeric_column_state
from dataprep.stage import ROW_COLUMN


def _rows_of(states: Iterable[Any]) -> tuple[np.ndarray, list[Any]]:
    """Concatenated rows and the list of per-batch extra parts."""
    row_parts, extra = [], []
    for rows, *rest in states:
        row_parts.append(rows)
        extra.append(rest[0] if rest else None)
    rows = np.concatenate(row_parts) if row_parts else np.empty(0, np.int64)
    return rows.astype(np.int64), extra


class _ColumnInput:
    """Mixin for selectors that read one input column."""

    name: str
    column: str

    def check_columns(self, columns: list[str]) -> None:
        if self.column not in columns:
            raise ConfigError(
                f"{self.name}: no column {self.column!r}; the columns are {', '.join(columns)}"
            )


@register
class RandomSelect(CoresetSelector):
    """Uniform random sample of ``budget`` rows without replacement (seeded)."""

    name = "random"
    version = 1

    def __init__(self, *, budget: float | int = 0.1, seed: int = 0) -> None:
        self.budget = budget
        self.seed = seed

    def check_params(self) -> None:
        self.check_budget()
        check_number(self.name, "seed", self.seed, low=0, integer=True)

    def fit_state(self, batch: pa.RecordBatch) -> tuple[np.ndarray]:
        return (batch.column(ROW_COLUMN).to_numpy(),)

    def fit(self, states: Iterable[tuple[np.ndarray]]) -> None:
        rows, _ = _rows_of(states)
        k = budget_rows(self.budget, len(rows))
        chosen = np.random.default_rng(self.seed).choice(len(rows), size=k, replace=False)
        self._keep(rows, chosen)


@register
class ScoreTopK(_ColumnInput, CoresetSelector):
    """The ``budget`` rows with the highest (or lowest) value of a numeric column."""

    name = "score_topk"
    version = 1

    def __init__(
        self, *, budget: float | int = 0.1, column: str | None = None, descending: bool = True
    ) -> None:
        self.budget = budget
        self.column = column
        self.descending = descending

    def check_params(self) -> None:
        self.check_budget()
        check_string(self.name, "column", self.column)
        check_bool(self.name, "descending", self.descending)

    def fit_state(self, batch: pa.RecordBatch) -> tuple[np.ndarray, np.ndarray]:
        return numeric_column_state(self.name, batch, self.column)

    def fit(self, states: Iterable[tuple[np.ndarray, np.ndarray]]) -> None:
        rows, parts = _rows_of(states)
        values = np.concatenate(parts) if parts else np.empty(0, np.float64)
        missing = np.isnan(values)
        key = np.where(missing, 0.0, -values if self.descending else values)
        # primary: missing last; then by value; then earlier row first
        order = np.lexsort((np.arange(len(rows)), key, missing))
        self._keep(rows, order[: budget_rows(self.budget, len(rows))])


def _hashable(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    return value


def largest_remainder(sizes: np.ndarray, k: int) -> np.ndarray:
    """Integer allocation of k over strata proportional to ``sizes`` (sum == k exactly).

    Each stratum gets floor(k * size / n); the leftover rows go to the largest remainders,
    ties to the earlier stratum.
    """
    sizes = np.asarray(sizes, dtype=np.int64)
    n = int(sizes.sum())
    if n == 0:
        return np.zeros(len(sizes), np.int64)
    quota = k * sizes
    alloc, remainder = quota // n, quota % n  # exact integer arithmetic
    left = k - int(alloc.sum())
    order = np.lexsort((np.arange(len(sizes)), -remainder))
    alloc[order[:left]] += 1
    return alloc


@register
class Stratified(_ColumnInput, CoresetSelector):
    """Proportional stratified sample over the values of a column (largest-remainder rounding,
    uniform within each stratum)."""

    name = "stratified"
    version = 1

    def __init__(
        self, *, budget: float | int = 0.1, column: str | None = None, seed: int = 0
    ) -> None:
        self.budget = budget
        self.column = column
        self.seed = seed

    def check_params(self) -> None:
        self.check_budget()
        check_string(self.name, "column", self.column)
        check_number(self.name, "seed", self.seed, low=0, integer=True)

    def fit_state(self, batch: pa.RecordBatch) -> tuple[np.ndarray, list[Any]]:
        values = [_hashable(v) for v in batch.column(self.column).to_pylist()]
        return batch.column(ROW_COLUMN).to_numpy(), values

    def fit(self, states: Iterable[tuple[np.ndarray, list[Any]]]) -> None:
        rows, parts = _rows_of(states)
        codes = np.empty(len(rows), np.int64)
        strata: dict[Any, int] = {}  # value -> code, in order of first appearance
        position = 0
        for part in parts:
            for value in part:
                codes[position] = strata.setdefault(value, len(strata))
                position += 1
        sizes = np.bincount(codes, minlength=len(strata))
        alloc = largest_remainder(sizes, budget_rows(self.budget, len(rows)))
        self.allocation_ = {value: int(alloc[code]) for value, code in strata.items()}
        rng = np.random.default_rng(self.seed)
        members = np.argsort(codes, kind="stable")
        bounds = np.concatenate([[0], np.cumsum(sizes)])
        chosen = [
            rng.choice(members[bounds[s] : bounds[s + 1]], size=alloc[s], replace=False)
            for s in range(len(strata))
        ]
        self._keep(rows, np.concatenate(chosen) if chosen else np.empty(0, np.int64))
