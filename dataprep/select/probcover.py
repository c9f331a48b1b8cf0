"""``probcover``: greedy maximum coverage of delta-balls (Yehuda, Dekel, Hacohen & Weinshall
2022, "Active Learning Through a Covering Lens").

As in the authors' code (github.com/avihu111/TypiClust, ``deep-al/pycls/al/prob_cover.py`` at
commit 4097a71c348f60492ab22be0c4c9da224e637af6), with no labelled set: a directed graph with
an edge x -> y when the Euclidean distance of the normalized vectors is below ``delta`` (every
row covers itself); then ``budget`` times: choose the row with the most edges to rows not yet
covered (ties: the earlier row, numpy's argmax), mark the rows it reaches covered and remove
their incoming edges.

delta: given, or (null, default) chosen as in the paper (section 4.1): the largest delta whose
purity is at least ``alpha`` (0.95), where a ball is pure when every row in it has the k-means
pseudo-label of its centre (k-means with ``num_clusters`` clusters; the paper uses the number of
classes) and purity is the share of pure balls. With the edges' strict "<", purity(delta) is
the share of rows whose nearest differently-labelled neighbour is at distance >= delta, so the
answer is exact: the ceil(alpha x n)-th largest of those distances. ``delta_`` records it.

Deviations:
- Balls are capped at each row's ``knn`` nearest rows (itself included) so memory is
  O(n x knn) (the authors build every edge below delta, on a GPU); a row whose nearest
  differently-labelled row lies beyond its ``knn`` nearest counts as pure, and when that makes
  delta infinite it becomes the largest kNN distance (every kNN edge kept).
- Once every row is covered (all out-degrees 0) the authors' argmax returns row 0 again and
  again; here the rest of the budget is a seeded uniform sample of the rows not chosen (the
  paper's "random selection" once all points are covered). Only then does ``seed`` matter,
  beyond k-means.

Time: the kNN graph O(n² d) in blocks, k-means, then O(edges) for the whole greedy (a lazy max
heap: degrees only fall). Memory O(n x knn).
"""

from __future__ import annotations

import heapq
import math

import numpy as np

from dataprep.dedup.kmeans import assign, kmeans_fit
from dataprep.embed.input import EmbeddingInput
from dataprep.params import check_number
from dataprep.registry import register
from dataprep.select.balanced import BalancedCoreset
from dataprep.select.graph import euclidean, knn_graph


def purity_delta(indices: np.ndarray, distances: np.ndarray, pseudo: np.ndarray, alpha: float):
    """The largest delta whose ball purity (edges at distance < delta, within the kNN lists
    ``indices`` / ``distances``) is >= alpha; inf when the balls never become impure."""
    other = pseudo[indices] != pseudo[:, None]
    impure_at = np.where(other, distances, np.inf).min(axis=1, initial=np.inf)
    needed = max(1, math.ceil(alpha * len(pseudo) - 1e-9))
    return float(np.sort(impure_at)[::-1][needed - 1])


def ball_edges(indices: np.ndarray, distances: np.ndarray, delta: float):
    """CSR (indptr, targets) of the edges x -> y with distance < delta among x's kNN, plus
    x -> x; targets sorted within each row."""
    n = len(indices)
    source = np.repeat(np.arange(n, dtype=np.int64), indices.shape[1])
    keep = distances.ravel() < delta
    keys = np.concatenate([source[keep] * n + indices.ravel()[keep], np.arange(n) * (n + 1)])
    keys = np.unique(keys)
    return np.searchsorted(keys // n, np.arange(n + 1)), keys % n


def max_coverage_greedy(indptr: np.ndarray, targets: np.ndarray, k: int, seed: int):
    """Positions of k rows: greedy picks of the row covering the most uncovered rows (ties:
    the earlier row) while any is uncovered, then a seeded sample of the rest."""
    from scipy import sparse

    n = len(indptr) - 1
    graph = sparse.csr_matrix((np.ones(len(targets), np.int8), targets, indptr), shape=(n, n))
    incoming = graph.T.tocsr()  # row y: the rows x whose ball holds y
    degree = np.diff(indptr).astype(np.int64)
    covered = np.zeros(n, bool)
    heap = [(-int(d), x) for x, d in enumerate(degree)]
    heapq.heapify(heap)
    chosen: list[int] = []
    while len(chosen) < k and heap:
        bound, x = heapq.heappop(heap)
        if -bound != degree[x]:  # stale: degrees only fall, re-queue with the true one
            heapq.heappush(heap, (-int(degree[x]), x))
            continue
        if degree[x] == 0:
            break
        chosen.append(x)
        ball = targets[indptr[x] : indptr[x + 1]]
        new = ball[~covered[ball]]
        covered[new] = True
        np.subtract.at(degree, incoming[new].indices, 1)
    if len(chosen) < k:
        rest = np.setdiff1d(np.arange(n), chosen)
        fill = np.random.default_rng(seed).permutation(rest)[: k - len(chosen)]
        chosen.extend(int(x) for x in fill)
    return np.asarray(chosen, np.int64)


@register
class ProbCover(BalancedCoreset, EmbeddingInput):
    """Greedy max coverage of delta-balls; delta from k-means ball purity."""

    name = "probcover"
    version = 1

    def __init__(
        self,
        *,
        budget: float | int = 0.1,
        delta: float | None = None,
        alpha: float = 0.95,
        num_clusters: int = 10,
        knn: int = 50,
        kmeans_sample: int = 100_000,
        class_balanced: bool = False,
        label_column: str = "label",
        block_rows: int = 1024,
        seed: int = 0,
    ) -> None:
        """budget: rows to keep, a fraction in (0, 1) or a count (default 0.1).
        delta: ball radius in Euclidean distance of normalized vectors, in (0, 2]; null
            (default) = from purity.
        alpha: purity the chosen delta must reach (default 0.95, the paper's).
        num_clusters: k-means clusters of the pseudo-labels (default 10; the paper uses the
            number of classes).
        knn: the most rows a ball may hold, the row itself included (default 50).
        kmeans_sample: rows k-means is fitted on (default 100,000).
        class_balanced / label_column: select within each class (see
            ``dataprep.select.balanced``; default false, 'label').
        block_rows: rows per similarity block (default 1,024).
        seed: seed of k-means and of the fill after full coverage (default 0).
        """
        self.budget, self.delta, self.alpha = budget, delta, alpha
        self.num_clusters, self.knn, self.kmeans_sample = num_clusters, knn, kmeans_sample
        self.class_balanced, self.label_column = class_balanced, label_column
        self.block_rows, self.seed = block_rows, seed

    def check_params(self) -> None:
        self._check_common()
        check_number(self.name, "delta", self.delta, low=0, high=2, low_open=True, allow_none=True)
        check_number(self.name, "alpha", self.alpha, low=0, high=1, low_open=True)
        check_number(self.name, "num_clusters", self.num_clusters, low=1, integer=True)
        check_number(self.name, "knn", self.knn, low=1, integer=True)
        check_number(self.name, "kmeans_sample", self.kmeans_sample, low=1, integer=True)

    def _select(self, vectors, scores, k: int, seed: int) -> np.ndarray:
        vectors = np.asarray(vectors, np.float32)
        indices, sims = knn_graph(vectors, self.knn, self.block_rows)
        distances = euclidean(sims)
        delta = self.delta
        if delta is None:
            centroids = kmeans_fit(vectors, self.num_clusters, self.kmeans_sample, seed)
            pseudo, _ = assign(vectors, centroids, chunk=self.block_rows)
            delta = purity_delta(indices, distances, pseudo, self.alpha)
            if math.isinf(delta):
                delta = float(np.nextafter(distances.max(initial=0.0), np.inf))
        self.delta_ = delta
        indptr, targets = ball_edges(indices, distances, delta)
        return max_coverage_greedy(indptr, targets, k, seed)
