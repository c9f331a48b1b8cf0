"""What every coreset selector shares: the ``budget`` parameter and turning a chosen set of rows
into rejections.

budget: a float in (0, 1) is a fraction of the alive rows, rounded half up
(``int(fraction * n + 0.5)``, at least 1 when there is any row); an int >= 1 is a row count,
capped at the number of alive rows. Budgets are met exactly. Rows not chosen are rejected with
reason ``not_in_coreset``.

class_balanced (``ClassBalance``): false (default) selects over all alive rows; true selects
within each class (the distinct values of ``label_column``, default 'label', null included)
and splits the budget over the classes as ``stratified`` does (``largest_remainder``); the
chosen rows are listed class by class, in order of first appearance. The labels cost one
Python object per row in the fit state.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dataprep.errors import ConfigError
from dataprep.params import check_bool, check_number, check_string
from dataprep.stage import ROW_COLUMN, Selector

NOT_SELECTED = "not_in_coreset"


def check_budget(stage: str, budget: object) -> None:
    """Raise a ConfigError unless ``budget`` is a float in (0, 1) or an int >= 1."""
    ok = not isinstance(budget, bool) and (
        (isinstance(budget, int) and budget >= 1)
        or (isinstance(budget, float) and 0.0 < budget < 1.0)
    )
    if not ok:
        raise ConfigError(
            f"The 'budget' parameter of {stage} must be a float in (0, 1) (a fraction of the "
            f"rows) or an int >= 1 (a row count). Got {budget!r} instead."
        )


def budget_rows(budget: float | int, n: int) -> int:
    """How many of ``n`` rows a budget keeps."""
    if n <= 0:
        return 0
    if isinstance(budget, float):
        return min(n, max(1, int(budget * n + 0.5)))
    return min(n, int(budget))


class CoresetSelector(Selector):
    """A selector that keeps exactly ``budget_rows(budget, n)`` of the n alive rows.

    Subclasses call ``_keep(rows, chosen)`` from ``fit``; ``selected_rows_`` then holds the
    chosen rows in selection order (the order the method picked them).
    """

    budget: float | int

    def check_budget(self) -> None:
        check_budget(self.name, self.budget)

    def _keep(
        self,
        rows: np.ndarray,
        chosen: np.ndarray,
        codes: np.ndarray | None = None,
        reasons: list[str] | None = None,
    ) -> None:
        """Keep ``rows[chosen]`` (positions, in selection order) and reject the rest.

        codes / reasons: optional per-row reason codes into ``reasons`` for the rejected rows
        (default: every rejected row gets ``not_in_coreset``, code 0).
        """
        rows = np.asarray(rows, dtype=np.int64)
        chosen = np.asarray(chosen, dtype=np.int64)
        if len(np.unique(chosen)) != len(chosen):
            raise AssertionError(f"{self.name} chose a row twice")
        rejected = np.ones(len(rows), dtype=bool)
        rejected[chosen] = False
        if codes is None:
            codes, reasons = np.zeros(len(rows), np.int16), [NOT_SELECTED]
        self.selected_rows_ = rows[chosen]
        self._set_rejections(rows[rejected], np.asarray(codes)[rejected], list(reasons))


class FractionOrBudget:
    """Mixin for selectors sized by ``fraction`` or ``budget``, at most one of them set.

    fraction: a float in (0, 1], the share of the candidate rows to keep (rounded half up, at
        least 1); ``default_fraction`` when neither is set.
    budget: as for every coreset selector: a float in (0, 1) (a fraction) or an int >= 1 (a
        row count, capped at the candidate rows).
    """

    name: str
    fraction: float | None
    budget: float | int | None
    default_fraction: ClassVar[float] = 0.1

    def check_fraction_or_budget(self) -> None:
        if self.fraction is not None and self.budget is not None:
            raise ConfigError(
                f"{self.name} takes either 'fraction' or 'budget', not both. "
                f"Got fraction={self.fraction!r} and budget={self.budget!r} instead."
            )
        if self.budget is not None:
            check_budget(self.name, self.budget)
        check_number(
            self.name, "fraction", self.fraction, low=0, high=1, low_open=True, allow_none=True
        )

    def rows_to_keep(self, n: int) -> int:
        """How many of ``n`` candidate rows the fraction or budget keeps."""
        if self.budget is not None:
            return budget_rows(self.budget, n)
        fraction = self.default_fraction if self.fraction is None else self.fraction
        return budget_rows(float(fraction), n)


def numeric_column_state(stage: str, batch: pa.RecordBatch, column: str):
    """(row numbers, float64 values of ``column``) of a batch, nulls as NaN: the fit state of a
    selector that ranks rows by a numeric column; a ConfigError names a non-numeric column."""
    values = batch.column(column)
    try:
        values = pc.cast(values, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as error:
        raise ConfigError(
            f"{stage}: column {column!r} must be numeric, not {values.type}"
        ) from error
    values = values.to_numpy(zero_copy_only=False)  # nulls become NaN
    return batch.column(ROW_COLUMN).to_numpy(), np.asarray(values, np.float64)


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


def label_key(value: object) -> object:
    """A hashable stand-in for a label value (lists and dicts become tuples)."""
    if isinstance(value, list):
        return tuple(label_key(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, label_key(v)) for k, v in value.items()))
    return value


def class_codes(labels: list) -> np.ndarray:
    """Integer class codes, numbered in order of first appearance."""
    seen: dict = {}
    return np.fromiter((seen.setdefault(v, len(seen)) for v in labels), np.int64, len(labels))


def class_split(labels: list, k: int) -> list[tuple[np.ndarray, int]]:
    """[(positions of a class, its share of k)] for the classes with a share, in order of first
    appearance; the shares are ``largest_remainder`` of the class sizes and sum to k."""
    codes = class_codes(labels)
    sizes = np.bincount(codes, minlength=1)
    shares = largest_remainder(sizes, k)
    return [(np.flatnonzero(codes == c), int(shares[c])) for c in range(len(sizes)) if shares[c]]


class ClassBalance:
    """Mixin of the coreset selectors with ``class_balanced`` and ``label_column``."""

    name: str
    class_balanced: bool
    label_column: str

    def check_class_balance(self) -> None:
        check_bool(self.name, "class_balanced", self.class_balanced)
        check_string(self.name, "label_column", self.label_column)

    def check_label_column(self, columns: list[str]) -> None:
        if self.class_balanced and self.label_column not in columns:
            raise ConfigError(
                f"{self.name}: no column {self.label_column!r} (class_balanced reads the labels "
                f"there); the columns are {', '.join(columns)}"
            )

    def labels_of(self, batch: pa.RecordBatch) -> list | None:
        """The batch's labels as hashable values when ``class_balanced``, else None."""
        if not self.class_balanced:
            return None
        return [label_key(v) for v in batch.column(self.label_column).to_pylist()]
