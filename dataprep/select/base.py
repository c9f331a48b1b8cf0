"""What every coreset selector shares: the ``budget`` parameter and turning a chosen set of rows
into rejections.

budget: a float in (0, 1) is a fraction of the alive rows, rounded half up
(``int(fraction * n + 0.5)``, at least 1 when there is any row); an int >= 1 is a row count,
capped at the number of alive rows. Budgets are met exactly. Rows not chosen are rejected with
reason ``not_in_coreset``.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dataprep.errors import ConfigError
from dataprep.params import check_number
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
