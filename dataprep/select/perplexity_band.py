"""``perplexity_band``: perplexity-based data pruning with a reference language model.

Ankner et al. 2024, "Perplexed by Perplexity: Perplexity-Based Data Pruning With Small Reference
Models" (arXiv:2405.20541, Algorithm 1), and Marion et al. 2023, "When Less is More:
Investigating Data Pruning for Pretraining LLMs at Scale" (arXiv:2309.04564): score every
document with a (small) reference LM, then keep one band of the perplexity distribution at a
selection rate r:

- ``low``: the bottom r of the rows by perplexity (percentiles [0, 100r]);
- ``middle``: r of the rows centred on the median (percentiles [50 - 50r, 50 + 50r]);
  Ankner et al. call it "medium", Marion et al. "middle" (their bottom / middle / top subsets
  of the score distribution); this stage follows Ankner et al.'s centred definition;
- ``high``: the top r of the rows (percentiles [100 - 100r, 100]).

No reference implementation was found (a code search for perplexity-based pruning turned up
only fixed-threshold perplexity filters), so this follows the papers' text. Differences from
it:
- The papers keep the rows whose score lies between two percentile values; with tied scores
  or interpolated percentiles that keeps slightly more or fewer than r of the rows. This stage
  keeps exactly k rows by rank (k = the fraction or budget of the scored rows).
- Marion et al. score fixed-length sequences of the model's context length; this stage ranks
  whatever rows it is given (documents, or chunks made before it).

Ranking: the n rows with a score are ordered by score ascending, equal scores by input order
(the earlier row ranks lower). With k rows to keep, the band is the ranks [s, s + k) with
s = 0 (low), n - k (high) or floor((n - k) / 2) (middle; when n - k is odd, the one extra
rejected row is at the top). So low, middle and high bands of complementary sizes partition
the ranking, and a tie at a band edge keeps the earlier row in ``low`` and the later one in
``high``. The selection depends only on ranks, so perplexity, log-perplexity, mean NLL or bits
per byte all give the same rows.

Rows whose score is null or NaN (e.g. ``hf_perplexity`` on a document of fewer than two
tokens, ``ngram_perplexity`` on a document without words) are not ranked, never kept, and do
not count in n. Reasons: ``perplexity_below_band``, ``perplexity_above_band``,
``perplexity_missing``.

Parameters:
  score_column: the numeric column with each row's perplexity, written by an earlier stage or
      present in the input (default ``dp_score_hf_perplexity``, the column of the
      ``hf_perplexity`` scorer with a small local model; ``dp_score_ngram_perplexity`` for the
      n-gram scorer).
  band: 'low', 'middle' (default) or 'high'.
  fraction: the selection rate r, a float in (0, 1], a share of the scored rows (rounded half
      up, at least 1); default 0.5 (Ankner et al.'s main setting) when ``budget`` is unset.
  budget: instead of ``fraction``, as for the coreset selectors: a float in (0, 1) (a share of
      the scored rows) or an int >= 1 (a row count, capped at the scored rows). Default unset.

After fit, ``band_scores_`` holds the lowest and highest kept score (None when none is kept).
Time O(n log n); memory 16 bytes per alive row during fit (row number and score).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pyarrow as pa

from dataprep.errors import ConfigError
from dataprep.params import check_choice, check_string
from dataprep.registry import register
from dataprep.select.base import CoresetSelector, FractionOrBudget, numeric_column_state

BANDS = ("low", "middle", "high")
BELOW, ABOVE, MISSING = "perplexity_below_band", "perplexity_above_band", "perplexity_missing"


def band_start(band: str, n: int, k: int) -> int:
    """The first rank of the band of ``k`` rows among ``n`` ranked rows."""
    if band == "low":
        return 0
    if band == "high":
        return n - k
    return (n - k) // 2


@register
class PerplexityBand(FractionOrBudget, CoresetSelector):
    """Keep the low, middle or high band of a perplexity column (module docstring)."""

    name = "perplexity_band"
    version = 1
    default_fraction = 0.5

    def __init__(
        self,
        *,
        score_column: str = "dp_score_hf_perplexity",
        band: str = "middle",
        fraction: float | None = None,
        budget: float | int | None = None,
    ) -> None:
        self.score_column = score_column
        self.band = band
        self.fraction = fraction
        self.budget = budget

    def check_params(self) -> None:
        check_string(self.name, "score_column", self.score_column)
        check_choice(self.name, "band", self.band, BANDS)
        self.check_fraction_or_budget()

    def check_columns(self, columns: list[str]) -> None:
        if self.score_column not in columns:
            raise ConfigError(
                f"{self.name}: no column {self.score_column!r} (run a perplexity scorer such as "
                f"hf_perplexity or ngram_perplexity first, or set score_column); the columns "
                f"are {', '.join(columns)}"
            )

    def fit_state(self, batch: pa.RecordBatch) -> tuple[np.ndarray, np.ndarray]:
        return numeric_column_state(self.name, batch, self.score_column)

    def fit(self, states: Iterable[tuple[np.ndarray, np.ndarray]]) -> None:
        row_parts, value_parts = [np.empty(0, np.int64)], [np.empty(0, np.float64)]
        for rows, values in states:
            row_parts.append(rows)
            value_parts.append(values)
        rows = np.concatenate(row_parts).astype(np.int64)
        values = np.concatenate(value_parts)
        scored = np.flatnonzero(~np.isnan(values))
        ranked = scored[np.lexsort((scored, values[scored]))]  # by score, then input order
        n = len(ranked)
        k = self.rows_to_keep(n)
        start = band_start(self.band, n, k)
        codes = np.full(len(rows), 2, np.int16)  # MISSING unless ranked
        codes[ranked[:start]] = 0
        codes[ranked[start + k :]] = 1
        kept = ranked[start : start + k]
        self.band_scores_ = (float(values[kept[0]]), float(values[kept[-1]])) if k else None
        self._keep(rows, kept, codes, [BELOW, ABOVE, MISSING])
