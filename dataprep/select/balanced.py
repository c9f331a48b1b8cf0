"""The shared fit of the coverage and difficulty coreset selectors (``typiclust``,
``probcover``, ``ccs``, ``d2_pruning``): gather the rows' vectors, difficulty scores and class
labels, then select, over all rows or within each class.

class_balanced: false (default) selects over all alive rows; true selects within each class
    (the distinct values of ``label_column``, null included) and splits the budget over the
    classes as ``stratified`` does: class c with n_c of the n rows gets floor(budget * n_c / n)
    rows and the rows left over go one each to the largest remainders (ties: the class seen
    first), so the total is the budget exactly. The selected rows are listed class by class,
    in order of first appearance.
label_column: the class label column read when ``class_balanced`` is true (default 'label').

Rows whose difficulty score is null or NaN (``ccs``, ``d2_pruning``) are left out of the
method and only fill what is left of the budget when the scored rows are fewer, in input order.

Memory: besides the method's own, 8 bytes per row for the row numbers, 8 for a score and one
Python object per row for a label (only when read); vectors are spilled to the run's work folder
(4 x dim bytes per row) as for every embedding selector.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

import numpy as np
import pyarrow as pa

from dataprep.errors import ConfigError
from dataprep.params import check_choice, check_number, check_string
from dataprep.select.base import (
    ClassBalance,
    CoresetSelector,
    budget_rows,
    class_split,
    numeric_column_state,
)
from dataprep.stage import ROW_COLUMN


def importance(scores: np.ndarray, hard: str) -> np.ndarray:
    """Scores turned so that larger = harder: the column itself for ``hard='high'``, its
    negation for ``'low'``."""
    return np.asarray(scores, np.float64) if hard == "high" else -np.asarray(scores, np.float64)


class BalancedCoreset(ClassBalance, CoresetSelector):
    """Base of the selectors with ``class_balanced``: subclasses set ``uses_vectors`` /
    ``uses_scores`` and implement ``_select(vectors, scores, k, seed)``, which returns the
    positions (into the given arrays) of exactly k rows in selection order."""

    uses_vectors: ClassVar[bool] = True
    uses_scores: ClassVar[bool] = False
    class_balanced: bool
    label_column: str
    seed: int
    block_rows: int

    def _check_common(self) -> None:
        self.check_budget()
        self.check_class_balance()
        check_number(self.name, "seed", self.seed, low=0, integer=True)
        if self.uses_vectors:
            check_number(self.name, "block_rows", self.block_rows, low=1, integer=True)
        if self.uses_scores:
            check_string(self.name, "column", self.column)
            check_choice(self.name, "hard", self.hard, ("high", "low"))

    def check_columns(self, columns: list[str]) -> None:
        self.check_label_column(columns)
        if self.uses_scores and self.column not in columns:
            raise ConfigError(
                f"{self.name}: no column {self.column!r}; the columns are {', '.join(columns)}"
            )
        super().check_columns(columns)  # EmbeddingInput's: the run's embedding column

    def fit_state(self, batch: pa.RecordBatch) -> tuple:
        rows = batch.column(ROW_COLUMN).to_numpy()
        vectors = self.vectors(batch) if self.uses_vectors else None
        scores = (
            numeric_column_state(self.name, batch, self.column)[1] if self.uses_scores else None
        )
        return rows, vectors, scores, self.labels_of(batch)

    def fit(self, states: Iterable[tuple]) -> None:
        extras: list[tuple] = []

        def pairs():
            for rows, vectors, scores, labels in states:
                extras.append((scores, labels))
                yield rows, vectors

        if self.uses_vectors:
            rows, vectors, spill = self.collect_vectors(pairs())
        else:
            parts = [np.asarray(rows, np.int64) for rows, _ in pairs()]
            rows, vectors, spill = np.concatenate(parts or [np.empty(0, np.int64)]), None, None
        scores = np.concatenate([s for s, _ in extras]) if self.uses_scores and extras else None
        labels = [v for _, part in extras for v in part] if self.class_balanced else None
        k = budget_rows(self.budget, len(rows))
        if len(rows) == 0:
            chosen = np.empty(0, np.int64)
        elif labels is None:
            chosen = self._select_scored_first(vectors, scores, k)
        else:
            chosen = self._select_by_class(vectors, scores, labels, k)
        self._keep(rows, chosen)
        del vectors
        if spill is not None:
            spill.remove()

    def _select_by_class(self, vectors, scores, labels: list, k: int) -> np.ndarray:
        parts = []
        for members, share in class_split(labels, k):
            sub_scores = None if scores is None else scores[members]
            sub_vectors = np.asarray(vectors[members]) if self.uses_vectors else None
            parts.append(members[self._select_scored_first(sub_vectors, sub_scores, share)])
        return np.concatenate(parts) if parts else np.empty(0, np.int64)

    def _select_scored_first(self, vectors, scores, k: int) -> np.ndarray:
        """``_select`` over the rows with a score (all rows when scores are not read); rows
        whose score is null or NaN fill what is left of the budget, in input order."""
        if scores is None or not np.isnan(scores).any():
            return self._select(vectors, scores, k, self.seed)
        scored = np.flatnonzero(~np.isnan(scores))
        take = min(k, len(scored))
        sub_vectors = None if vectors is None else np.asarray(vectors[scored])
        chosen = scored[self._select(sub_vectors, scores[scored], take, self.seed)] if take else []
        fill = np.flatnonzero(np.isnan(scores))[: k - take]
        return np.concatenate([np.asarray(chosen, np.int64), fill])

    def _select(self, vectors, scores, k: int, seed: int) -> np.ndarray:
        raise NotImplementedError
