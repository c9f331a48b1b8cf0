"""``ccs``: coverage-centric coreset selection (Zheng, Liu, Li & Prakash 2023,
"Coverage-centric Coreset Selection for High Pruning Rates", algorithm 1).

As in the authors' code (github.com/haizhongzheng/Coverage-centric-coreset-selection,
``core/data/Coreset.py`` and ``train.py`` at commit b37f166ace760e17f4d5baae17a828bdb88c6667):

1. Prune the hardest int(``prune_hard`` x n) rows (``mislabel_mask``; the authors prune by
   lowest AUM, ``--mis-ratio``).
2. Split the rest into ``strata`` (50, their hard-coded ``stratas``) equal-width bins of the
   difficulty score between its minimum and maximum.
3. Spread the budget over the bins from the sparsest up (``bin_allocate``): bin i of the m bins,
   in order of size, gets min(its size, rows still to place // bins left), so small bins are
   taken whole and the rest is shared evenly; the total is the budget exactly.
4. Draw each bin's share uniformly at random (seeded).

The difficulty score is a numeric ``column``: by default ``dp_score_difficulty`` from the
``difficulty`` scorer (higher = harder, ``hard: high``); for a probe's margin or AUM, where low
is hard, set ``hard: low``. The paper's CCS uses AUM (accumulated margin) for both the pruning
and the strata; here one column serves both.

Deviations:
- Bins are [min + i·step, min + (i+1)·step) with the maximum in the last bin (the authors
  widen the top edge by max x 1.0001, which loses the maximum when it is negative or zero).
- Bins of equal size are ordered by bin number (torch.argsort is not stable); within a bin the
  draw is over its rows in input order.
- When the budget exceeds the rows left after pruning, fewer rows are pruned (n - budget), so the
  budget is met.
- Rows without a score (null or NaN) are left out and only fill the budget when the scored
  rows are too few (``dataprep.select.balanced``).

Time O(n log n), memory O(n).
"""

from __future__ import annotations

import numpy as np

from dataprep.params import check_number
from dataprep.registry import register
from dataprep.select.balanced import BalancedCoreset, importance


def prune_hardest(hardness: np.ndarray, prune: float, k: int) -> np.ndarray:
    """Sorted positions left after removing the int(prune x n) hardest rows (never so many
    that fewer than k remain; among equal scores the later row goes first)."""
    n = len(hardness)
    drop = min(int(prune * n), n - k)
    order = np.lexsort((-np.arange(n), -hardness))  # hardest first
    return np.sort(order[drop:])


def strata_of(scores: np.ndarray, strata: int) -> np.ndarray:
    """Bin number in [0, strata) of each score: equal-width bins from min to max."""
    if len(scores) == 0:
        return np.empty(0, np.int64)
    low, high = float(scores.min()), float(scores.max())
    if high == low:
        return np.zeros(len(scores), np.int64)
    step = (high - low) / strata
    return np.clip(np.floor((scores - low) / step), 0, strata - 1).astype(np.int64)


def bin_allocate(sizes: np.ndarray, k: int) -> np.ndarray:
    """The authors' ``bin_allocate``: from the smallest bin up, each gets min(size, left //
    bins left); ties in size by bin number. Sums to k when the sizes hold k."""
    sizes = np.asarray(sizes, np.int64)
    budgets = np.zeros(len(sizes), np.int64)
    left = int(k)
    for position, b in enumerate(np.argsort(sizes, kind="stable")):
        budgets[b] = min(int(sizes[b]), left // (len(sizes) - position))
        left -= int(budgets[b])
    return budgets


def ccs_plan(hardness: np.ndarray, k: int, prune: float, strata: int):
    """[(positions of a bin, its budget)] for the bins with a budget, in bin order: prune, bin
    and allocate as CCS does (``hardness``: larger = harder)."""
    kept = prune_hardest(hardness, prune, k)
    bins = strata_of(hardness[kept], strata)
    budgets = bin_allocate(np.bincount(bins, minlength=strata), k)
    return [(kept[bins == b], int(budgets[b])) for b in range(strata) if budgets[b] > 0]


@register
class CCS(BalancedCoreset):
    """Prune the hardest rows, then sample evenly over difficulty strata."""

    name = "ccs"
    version = 1
    uses_vectors = False
    uses_scores = True

    def __init__(
        self,
        *,
        budget: float | int = 0.1,
        column: str = "dp_score_difficulty",
        hard: str = "high",
        prune_hard: float = 0.1,
        strata: int = 50,
        class_balanced: bool = False,
        label_column: str = "label",
        seed: int = 0,
    ) -> None:
        """budget: rows to keep, a fraction in (0, 1) or a count (default 0.1).
        column: the numeric difficulty score (default 'dp_score_difficulty').
        hard: which end of the column is hard, 'high' (default) or 'low'.
        prune_hard: share of all rows pruned as the hardest first, in [0, 1) (default 0.1; the
            paper tunes it per pruning rate, e.g. 0.3 on CIFAR-10 at 10% kept).
        strata: equal-width difficulty bins (default 50).
        class_balanced / label_column: select within each class (see
            ``dataprep.select.balanced``; default false, 'label').
        seed: seed of the draws within the bins (default 0).
        """
        self.budget, self.column, self.hard = budget, column, hard
        self.prune_hard, self.strata = prune_hard, strata
        self.class_balanced, self.label_column = class_balanced, label_column
        self.seed = seed

    def check_params(self) -> None:
        self._check_common()
        check_number(self.name, "prune_hard", self.prune_hard, low=0, high=1, high_open=True)
        check_number(self.name, "strata", self.strata, low=1, integer=True)

    def _select(self, vectors, scores, k: int, seed: int) -> np.ndarray:
        rng = np.random.default_rng(seed)
        plan = ccs_plan(importance(scores, self.hard), k, self.prune_hard, self.strata)
        parts = [rng.permutation(pool)[:budget] for pool, budget in plan]
        return np.concatenate(parts) if parts else np.empty(0, np.int64)
