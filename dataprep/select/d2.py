"""``d2_pruning``: message passing over a kNN graph of difficulty scores (Maharana, Yadav &
Bansal 2023, "D2 Pruning: Message Passing for Balancing Diversity and Difficulty in Data
Pruning").

As in the authors' code (github.com/adymaharana/d2pruning at commit
bf1ea46b22cc79549df421fcd92c9cd2d3408008: ``selection_mp.py`` mode ``stratified`` with
``--sampling-mode graph``, and ``GraphDensitySampler`` in ``core/data/sampling.py`` with
``--graph-mode sum --graph-sampling-mode weighted``, the settings of their README's runs):

1. Prune the hardest rows and split the rest into ``strata`` difficulty bins with budgets, as
   ``ccs`` does (``dataprep.select.ccs.ccs_plan``).
2. In each bin, a graph joins every row to its ``knn`` nearest other rows (Euclidean distance d
   of the normalized vectors), made symmetric (an edge when either is among the other's kNN).
3. Forward message passing: each row's score becomes s_i + sum over its neighbours j of
   exp(-d_ij) x max(s_j, 1e-7) (the code's ``sum`` mode has no gamma here).
4. Reverse message passing during selection: repeatedly choose the row with the largest score
   (ties: the earlier row) and lower each neighbour j's score by exp(-gamma x d_ij) times the
   chosen row's score (``weighted`` mode), until the bin's budget is met.

Defaults follow the README's CIFAR runs: ``knn`` 5, ``gamma`` 0.1, ``strata`` 25. The
difficulty score is a numeric ``column``: by default ``dp_score_difficulty`` (higher = harder,
``hard: high``); the paper uses forgetting counts or AUM.

Deviations:
- The scores s are the difficulty shifted to start at 0 (s - min s, after negation for
  ``hard: low``); the code uses the raw score (non-negative forgetting counts) and for AUM a
  negated shift.
- ``prune_hard`` defaults to 0.1 (the README uses ``--mis-ratio 0.4`` on CIFAR at 10% kept);
  pruning, binning and budgets follow ``ccs`` and its deviations.
- A bin of at most ``knn`` rows gives a seeded uniform sample of its budget (the code takes
  the whole bin, overshooting the budget); a bin whose budget is its size is taken whole.
- Neighbours are exact (blocks of similarities, never n x n), not sklearn's
  ``kneighbors_graph`` over a dense distance matrix; the selection uses a max heap (same picks
  as the code's argmax).

Time: the kNN graph O(m² d) per bin of m rows, then O(k x knn x log) for the selection.
Memory O(n x knn).
"""

from __future__ import annotations

import heapq

import numpy as np

from dataprep.embed.input import EmbeddingInput
from dataprep.params import check_number
from dataprep.registry import register
from dataprep.select.balanced import BalancedCoreset, importance
from dataprep.select.ccs import ccs_plan
from dataprep.select.graph import euclidean, neighbours_without_self

EPSILON = 1e-7  # the code's floor on a neighbour's score in the forward pass


def symmetric_graph(indices: np.ndarray, distances: np.ndarray):
    """CSR (indptr, neighbours, distances) of the kNN edges made symmetric."""
    n = len(indices)
    source = np.repeat(np.arange(n, dtype=np.int64), indices.shape[1])
    target = indices.ravel().astype(np.int64)
    flat = distances.ravel()
    keys = np.concatenate([source * n + target, target * n + source])
    keys, first = np.unique(keys, return_index=True)
    values = np.concatenate([flat, flat])[first]
    return np.searchsorted(keys // n, np.arange(n + 1)), keys % n, values


def forward_pass(indptr, neighbours, distances, scores) -> np.ndarray:
    """s_i + sum_j exp(-d_ij) x max(s_j, 1e-7) over each row's neighbours."""
    n = len(indptr) - 1
    sources = np.repeat(np.arange(n), np.diff(indptr))
    messages = np.exp(-distances) * np.maximum(scores[neighbours], EPSILON)
    return scores + np.bincount(sources, weights=messages, minlength=n)


def reverse_greedy(indptr, neighbours, distances, density: np.ndarray, k: int, gamma: float):
    """Positions of k rows: the largest density first (ties: the earlier row); each pick lowers
    its neighbours' density by exp(-gamma x d) times its own."""
    density = np.array(density, np.float64)
    version = np.zeros(len(density), np.int64)
    chosen = np.zeros(len(density), bool)
    heap = [(-value, i, 0) for i, value in enumerate(density)]
    heapq.heapify(heap)
    picks: list[int] = []
    while len(picks) < k:
        _, i, stamp = heapq.heappop(heap)
        if chosen[i] or stamp != version[i]:
            continue  # superseded entry
        chosen[i] = True
        picks.append(i)
        lo, hi = indptr[i], indptr[i + 1]
        near, d = neighbours[lo:hi], distances[lo:hi]
        open_ = ~chosen[near]
        near, d = near[open_], d[open_]
        density[near] -= np.exp(-gamma * d) * density[i]
        version[near] += 1
        for j in near:
            heapq.heappush(heap, (-density[j], int(j), int(version[j])))
    return np.asarray(picks, np.int64)


def d2_bin(vectors, scores, k: int, knn: int, gamma: float, block_rows: int, rng):
    """Positions of k of a bin's rows by forward and reverse message passing."""
    n = len(scores)
    if k >= n:
        return np.arange(n)
    if n <= knn:
        return rng.permutation(n)[:k]
    indices, sims = neighbours_without_self(np.asarray(vectors, np.float32), knn, block_rows)
    indptr, near, distances = symmetric_graph(indices, euclidean(sims))
    density = forward_pass(indptr, near, distances, scores)
    return reverse_greedy(indptr, near, distances, density, k, gamma)


@register
class D2Pruning(BalancedCoreset, EmbeddingInput):
    """CCS bins, then forward and reverse message passing on a kNN graph within each."""

    name = "d2_pruning"
    version = 1
    uses_scores = True

    def __init__(
        self,
        *,
        budget: float | int = 0.1,
        column: str = "dp_score_difficulty",
        hard: str = "high",
        prune_hard: float = 0.1,
        strata: int = 25,
        knn: int = 5,
        gamma: float = 0.1,
        class_balanced: bool = False,
        label_column: str = "label",
        block_rows: int = 1024,
        seed: int = 0,
    ) -> None:
        """budget: rows to keep, a fraction in (0, 1) or a count (default 0.1).
        column: the numeric difficulty score (default 'dp_score_difficulty').
        hard: which end of the column is hard, 'high' (default) or 'low'.
        prune_hard: share of all rows pruned as the hardest first, in [0, 1) (default 0.1).
        strata: equal-width difficulty bins (default 25; 1 = one graph over all rows).
        knn: neighbours per row in the graph (default 5).
        gamma: the reverse pass's RBF weight exp(-gamma x d) (default 0.1).
        class_balanced / label_column: select within each class (see
            ``dataprep.select.balanced``; default false, 'label').
        block_rows: rows per similarity block (default 1,024).
        seed: seed of the samples from bins of at most ``knn`` rows (default 0).
        """
        self.budget, self.column, self.hard = budget, column, hard
        self.prune_hard, self.strata, self.knn, self.gamma = prune_hard, strata, knn, gamma
        self.class_balanced, self.label_column = class_balanced, label_column
        self.block_rows, self.seed = block_rows, seed

    def check_params(self) -> None:
        self._check_common()
        check_number(self.name, "prune_hard", self.prune_hard, low=0, high=1, high_open=True)
        check_number(self.name, "strata", self.strata, low=1, integer=True)
        check_number(self.name, "knn", self.knn, low=1, integer=True)
        check_number(self.name, "gamma", self.gamma, low=0)

    def _select(self, vectors, scores, k: int, seed: int) -> np.ndarray:
        hardness = importance(scores, self.hard)
        shifted = hardness - hardness.min()
        rng = np.random.default_rng(seed)
        parts = []
        for pool, budget in ccs_plan(hardness, k, self.prune_hard, self.strata):
            picks = d2_bin(
                vectors[pool], shifted[pool], budget, self.knn, self.gamma, self.block_rows, rng
            )
            parts.append(pool[picks])
        return np.concatenate(parts) if parts else np.empty(0, np.int64)
