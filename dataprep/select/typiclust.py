"""``typiclust``: typical points of as many clusters as the budget (Hacohen, Dekel & Weinshall
2022, "Active Learning on a Budget: Opposite Strategies Suit High and Low Budgets").

As in the authors' code (github.com/avihu111/TypiClust, ``deep-al/pycls/al/typiclust.py`` at
commit 4097a71c348f60492ab22be0c4c9da224e637af6), with no labelled set:

1. k-means into min(budget, ``max_clusters`` = 500) clusters.
2. Clusters of at most ``min_cluster_size`` (5) rows are dropped; the others are visited in
   order of size, largest first, round robin (pick i goes to cluster i mod #clusters).
3. In the visited cluster, among its rows not chosen yet, the typicality of a row is
   1 / (mean squared Euclidean distance to its K nearest other rows + 1e-5), with
   K = min(``knn`` = 20, rows left // 2); the most typical row is chosen (ties: the earlier row).

Deviations (the authors' code has no answer for these or uses GPU-only tools):
- k-means is the project's (``dataprep.dedup.kmeans``: scikit-learn KMeans, n_init=1, seeded,
  fitted on at most ``kmeans_sample`` rows, rows assigned to the nearest normalized centroid by
  cosine) for every cluster count; the authors use KMeans up to 50 clusters and
  MiniBatchKMeans(batch_size=5000) above, on all rows, unseeded.
- Clusters of equal size are visited in cluster-number order (pandas' sort is not stable).
- A cluster whose rows are all chosen leaves the rotation, and when the large clusters hold
  fewer rows than the budget the dropped small clusters join it (the authors' code fails
  there); a last row left alone in its cluster is taken as it is (K would be 0).
- Nearest neighbours are exact (blocks of at most ``block_rows`` x cluster-size similarities),
  not faiss.

Time: k-means plus, per pick, the kNN of the visited cluster's remaining rows (O(m² d) for a
cluster of m rows). Memory O(n d) for the vectors plus O(m x knn) for one cluster's graph.
"""

from __future__ import annotations

import numpy as np

from dataprep.dedup.kmeans import assign, kmeans_fit
from dataprep.embed.input import EmbeddingInput
from dataprep.params import check_number
from dataprep.registry import register
from dataprep.select.balanced import BalancedCoreset
from dataprep.select.graph import neighbours_without_self


def typicality(vectors: np.ndarray, knn: int, block_rows: int) -> np.ndarray:
    """1 / (mean squared Euclidean distance to the ``knn`` nearest other rows + 1e-5)."""
    _, sims = neighbours_without_self(np.asarray(vectors, np.float32), knn, block_rows)
    squared = np.clip(2.0 - 2.0 * sims.astype(np.float64), 0.0, 4.0)
    return 1.0 / (squared.mean(axis=1) + 1e-5)


def cluster_rotation(labels: np.ndarray, min_cluster_size: int) -> tuple[list[int], list[int]]:
    """(large clusters, small clusters): cluster numbers with more / at most
    ``min_cluster_size`` rows, each largest first (ties: the lower number); empty ones left out."""
    sizes = np.bincount(labels)
    order = [int(c) for c in np.lexsort((np.arange(len(sizes)), -sizes)) if sizes[c] > 0]
    large = [c for c in order if sizes[c] > min_cluster_size]
    return large, [c for c in order if sizes[c] <= min_cluster_size]


def typiclust_picks(
    vectors: np.ndarray,
    labels: np.ndarray,
    k: int,
    knn: int,
    min_cluster_size: int,
    block_rows: int,
) -> np.ndarray:
    """Positions of k rows: round robin over the clusters of ``labels``, the most typical
    remaining row of each."""
    large, small = cluster_rotation(labels, min_cluster_size)
    members = {c: list(np.flatnonzero(labels == c)) for c in large + small}
    rotation, fallback = large, small
    chosen: list[int] = []
    turn = 0
    while len(chosen) < k:
        if not rotation:
            rotation, fallback, turn = fallback, [], 0
        turn %= len(rotation)
        left = members[rotation[turn]]
        if not left:  # exhausted: leave the rotation; the next cluster takes this turn
            rotation = rotation[:turn] + rotation[turn + 1 :]
            continue
        neighbours = min(knn, len(left) // 2)
        if neighbours == 0:
            best = 0
        else:
            best = int(np.argmax(typicality(vectors[left], neighbours, block_rows)))
        chosen.append(int(left.pop(best)))
        turn += 1
    return np.asarray(chosen, np.int64)


@register
class TypiClust(BalancedCoreset, EmbeddingInput):
    """The most typical row of each of min(budget, 500) k-means clusters, round robin."""

    name = "typiclust"
    version = 1

    def __init__(
        self,
        *,
        budget: float | int = 0.1,
        knn: int = 20,
        max_clusters: int = 500,
        min_cluster_size: int = 5,
        kmeans_sample: int = 100_000,
        class_balanced: bool = False,
        label_column: str = "label",
        block_rows: int = 1024,
        seed: int = 0,
    ) -> None:
        """budget: rows to keep, a fraction in (0, 1) or a count (default 0.1).
        knn: K of the typicality (default 20, as the authors' K_NN).
        max_clusters: cap on the clusters (default 500, the authors' MAX_NUM_CLUSTERS).
        min_cluster_size: clusters of at most this many rows are skipped (default 5).
        kmeans_sample: rows k-means is fitted on (default 100,000).
        class_balanced / label_column: select within each class (see
            ``dataprep.select.balanced``; default false, 'label').
        block_rows: rows per similarity block (default 1,024). seed: k-means seed (default 0).
        """
        self.budget, self.knn, self.max_clusters = budget, knn, max_clusters
        self.min_cluster_size, self.kmeans_sample = min_cluster_size, kmeans_sample
        self.class_balanced, self.label_column = class_balanced, label_column
        self.block_rows, self.seed = block_rows, seed

    def check_params(self) -> None:
        self._check_common()
        check_number(self.name, "knn", self.knn, low=1, integer=True)
        check_number(self.name, "max_clusters", self.max_clusters, low=1, integer=True)
        check_number(self.name, "min_cluster_size", self.min_cluster_size, low=0, integer=True)
        check_number(self.name, "kmeans_sample", self.kmeans_sample, low=1, integer=True)

    def _select(self, vectors, scores, k: int, seed: int) -> np.ndarray:
        vectors = np.asarray(vectors, np.float32)
        clusters = max(1, min(k, self.max_clusters))
        centroids = kmeans_fit(vectors, clusters, self.kmeans_sample, seed)
        labels, _ = assign(vectors, centroids, chunk=self.block_rows)
        self.clusters_ = len(centroids)
        return typiclust_picks(vectors, labels, k, self.knn, self.min_cluster_size, self.block_rows)
