"""``difficulty``: one combined difficulty score in [0, 1] from several score columns.

Each chosen column is turned into a percentile rank over the whole corpus (mid-rank: the share
of values below, plus half the share equal), flipped (1 - rank) for columns where a higher value
means easier text, and the ranks are averaged with the given weights. A row whose value is
missing (null or NaN) in some columns averages over the others; with none left it gets NaN.

Memory: one bounded sample per column (at most 1,048,576 values, 8 MiB; exact ranks up to that
many rows, see ``dataprep.stats.ValueSample``).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dataprep.errors import ConfigError
from dataprep.params import check_string_list
from dataprep.registry import register
from dataprep.stage import Scorer
from dataprep.stats import ValueSample

DEFAULT_COLUMNS = {
    "dp_score_word_rarity": 1.0,
    "dp_score_readability": 1.0,
    "dp_score_length": 1.0,
}


def _column_values(batch: pa.RecordBatch, column: str) -> np.ndarray:
    values = batch.column(column).cast(pa.float64())
    return pc.fill_null(values, np.nan).to_numpy(zero_copy_only=False)


def percentile_ranks(sorted_sample: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Mid-rank of each value within a sorted sample, in [0, 1]; NaN stays NaN."""
    below = np.searchsorted(sorted_sample, values, side="left")
    not_above = np.searchsorted(sorted_sample, values, side="right")
    ranks = (below + not_above) / (2.0 * max(1, len(sorted_sample)))
    return np.where(np.isnan(values), np.nan, ranks)


@register
class DifficultyScorer(Scorer):
    """Weighted mean of score columns' percentile ranks, in [0, 1] (higher = harder).

    columns: {column: weight} of the scores to combine (default: word rarity, readability and
        length with weight 1 each; those scorers must come earlier in the recipe). Weights must
        be positive.
    easier_when_higher: columns whose larger values mean easier text, so their rank is flipped
        (default ["dp_score_readability"]: a high Flesch reading ease is easy).
    """

    name = "difficulty"
    version = 1
    needs_fit = True

    def __init__(
        self,
        *,
        columns: dict[str, float] | None = None,
        easier_when_higher: list[str] | None = None,
    ) -> None:
        self.columns = columns
        self.easier_when_higher = easier_when_higher

    @property
    def weights(self) -> dict[str, float]:
        return dict(DEFAULT_COLUMNS if self.columns is None else self.columns)

    @property
    def flipped(self) -> list[str]:
        if self.easier_when_higher is None:
            return ["dp_score_readability"]
        return list(self.easier_when_higher)

    def check_params(self) -> None:
        columns = self.weights
        if not isinstance(columns, dict) or not columns:
            raise ConfigError(
                f"The 'columns' parameter of difficulty must be a non-empty mapping of column "
                f"to weight. Got {self.columns!r} instead."
            )
        for column, weight in columns.items():
            if isinstance(weight, bool) or not isinstance(weight, (int, float)) or weight <= 0:
                raise ConfigError(
                    f"The weight of column {column!r} in difficulty must be a positive number. "
                    f"Got {weight!r} instead."
                )
        check_string_list(self.name, "easier_when_higher", self.easier_when_higher, allow_none=True)

    def check_columns(self, columns: list[str]) -> None:
        missing = [c for c in self.weights if c not in columns]
        if missing:
            raise ConfigError(
                f"difficulty combines {missing[0]!r}, which no earlier stage or input column "
                f"provides (available: {', '.join(columns)})."
            )

    def fit_state(self, batch: pa.RecordBatch) -> dict[str, np.ndarray]:
        return {column: _column_values(batch, column) for column in self.weights}

    def fit(self, states: Iterable[dict[str, np.ndarray]]) -> None:
        samples = {column: ValueSample() for column in self.weights}
        for state in states:
            for column, values in state.items():
                samples[column].add(values)
        self.sorted_samples_ = {c: np.sort(s.values()) for c, s in samples.items()}

    def score(self, batch: pa.RecordBatch) -> np.ndarray:
        total = np.zeros(batch.num_rows)
        weight_sum = np.zeros(batch.num_rows)
        for column, weight in self.weights.items():
            ranks = percentile_ranks(self.sorted_samples_[column], _column_values(batch, column))
            if column in self.flipped:
                ranks = 1.0 - ranks
            present = ~np.isnan(ranks)
            total[present] += weight * ranks[present]
            weight_sum[present] += weight
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(weight_sum > 0, total / weight_sum, np.nan)
