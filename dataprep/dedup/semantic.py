"""SemDeDup (Abbas et al. 2023): semantic deduplication of embeddings, implemented from the paper.

1. Embed every alive row (normalized vectors; the shared on-disk cache of
   ``dataprep.embed.encoder``), or read vectors from a column: the run's encoder settings
   (the recipe's ``embedding:`` mapping, see ``dataprep.embed.settings``) say which.
2. k-means with ``num_clusters`` clusters on the normalized vectors, fitted on a seeded sample
   of at most ``kmeans_sample`` rows; every row is then assigned to its nearest centroid.
3. Within each cluster, rank the members by distance to the centroid: ``keep: hard`` ranks the
   farthest first (the paper's default, keeping the least prototypical), ``easy`` the nearest
   first, ``random`` a shuffle seeded by (seed, cluster).
4. A member is dropped when its cosine similarity to any member ranked before it exceeds
   1 - ``eps`` (as in the paper, earlier members count whether or not they were dropped).

Reason ``semantic_duplicate``. Every row gets its k-means cluster (0-based; the centroid's
index) in ``dp_semantic_cluster``. Every row of a duplicate group gets ``dp_dup_cluster``, as
with exact_dedup and minhash_dedup: the row number of the group's kept row. A dropped row links
to its most similar better-ranked row (ties: the better-ranked one); following the links from a
dropped row ends at a kept row (the best-ranked row of a chain has no better-ranked match), and
that kept row's group is it and every row whose links lead to it. Rows in no group (kept rows
no row was dropped for) have a null ``dp_dup_cluster``.
Memory: vectors are spilled to the run's work folder (4 x dim bytes per row, 1,536 at 384
dimensions) and read back one cluster at a time; similarities are computed in blocks of
``block_rows`` rows, so memory is bounded by block_rows x the largest cluster. What the fit
learns is 16 bytes per row (its k-means cluster), 16 per row in a duplicate group and 10 per
dropped row. A
cluster larger than ``max_cluster_size`` triggers a warning and is compared within consecutive
windows of that many members (in rank order) only.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable

import numpy as np
import pyarrow as pa

from dataprep.dedup.kmeans import assign, kmeans_fit
from dataprep.dedup.semantic_shuffle import fit_semantic_shuffled
from dataprep.embed.input import EmbeddingInput
from dataprep.params import check_choice, check_number
from dataprep.registry import register
from dataprep.runners.base import ShuffleOps
from dataprep.stage import DUP_CLUSTER, Selector

KEEP_ORDERS = ("hard", "easy", "random")
CLUSTER_COLUMN = "dp_semantic_cluster"


def duplicates_in_cluster(vectors: np.ndarray, eps: float, block_rows: int) -> np.ndarray:
    """For each row (in rank order), the earlier row it is a duplicate of: the index of its
    most similar earlier row (ties: the earliest) when that cosine similarity is > 1 - eps,
    else -1 (the row is kept)."""
    n = len(vectors)
    matches = np.full(n, -1, dtype=np.int64)
    for start in range(1, n, block_rows):
        block = vectors[start : start + block_rows]
        sims = block @ vectors[: start + len(block)].T  # each block row vs every row up to it
        for offset in range(len(block)):
            earlier = sims[offset, : start + offset]
            nearest = int(earlier.argmax())
            if earlier[nearest] > 1.0 - eps:
                matches[start + offset] = nearest
    return matches


def kept_of(matches: np.ndarray) -> np.ndarray:
    """For each row (in rank order), the index of the kept row its ``matches`` links lead to
    (duplicates_in_cluster), itself for a kept row that some row leads to, -1 for a kept row
    no row leads to."""
    kept = np.arange(len(matches), dtype=np.int64)
    for i in np.flatnonzero(matches >= 0):  # a link points to an earlier row, resolved before
        kept[i] = kept[matches[i]]
    in_group = np.zeros(len(matches), dtype=bool)
    in_group[kept[matches >= 0]] = True
    in_group[matches >= 0] = True
    return np.where(in_group, kept, -1)


@register
class SemanticDedup(EmbeddingInput, Selector):
    """SemDeDup: drop rows too similar (cosine > 1 - eps) to a better-ranked row of their
    k-means cluster.

    eps: similarity margin; a pair with cosine > 1 - eps is a duplicate (default 0.07).
    num_clusters: k-means clusters (default 100; fewer when there are fewer rows).
    kmeans_sample: rows k-means is fitted on (default 100,000; all rows when fewer).
    keep: which member of a duplicate group survives: 'hard' (farthest from the centroid,
        default), 'easy' (nearest) or 'random'.
    max_cluster_size: members compared all-to-all before the windowed fallback (default 50,000).
    block_rows: rows per similarity block (default 1,024).
    seed: seed of the k-means sample and of 'random' ranking (default 0).

    Vectors come from the run's encoder settings (``RunContext.encoder``: model, device,
    batch size, ..., or a list<float> ``column``), shared by every embedding stage.

    Output columns: ``dp_semantic_cluster``, the k-means cluster of every row it saw (the index
    of its centroid, 0 to num_clusters - 1; null for rows an earlier stage rejected), and
    ``dp_dup_cluster``, the row number (0-based, in input order) of the kept row of the row's
    duplicate group, as exact_dedup and minhash_dedup write it (null outside any group; a
    dropped row's group is the kept row its most similar better-ranked row leads to, see the
    module docstring).
    """

    name = "semantic_dedup"
    # 2: the random ranking is seeded per cluster; 3: the encoder settings moved to the run's
    # ``embedding:`` (no model/device/... parameters); 4: dp_dup_cluster
    version = 4

    def __init__(
        self,
        *,
        eps: float = 0.07,
        num_clusters: int = 100,
        kmeans_sample: int = 100_000,
        keep: str = "hard",
        max_cluster_size: int = 50_000,
        block_rows: int = 1024,
        seed: int = 0,
    ) -> None:
        self.eps = eps
        self.num_clusters = num_clusters
        self.kmeans_sample = kmeans_sample
        self.keep = keep
        self.max_cluster_size = max_cluster_size
        self.block_rows = block_rows
        self.seed = seed

    def check_params(self) -> None:
        check_number(self.name, "eps", self.eps, low=0, high=1, low_open=True)
        check_number(self.name, "num_clusters", self.num_clusters, low=1, integer=True)
        check_number(self.name, "kmeans_sample", self.kmeans_sample, low=1, integer=True)
        check_choice(self.name, "keep", self.keep, KEEP_ORDERS)
        check_number(self.name, "max_cluster_size", self.max_cluster_size, low=2, integer=True)
        check_number(self.name, "block_rows", self.block_rows, low=1, integer=True)
        check_number(self.name, "seed", self.seed, low=0, integer=True)

    def output_columns(self) -> dict[str, pa.DataType]:
        return {CLUSTER_COLUMN: pa.int64(), DUP_CLUSTER: pa.int64()}

    def fit_shuffled(self, ops: ShuffleOps) -> None:
        """The fit on a distributed runner (dataprep.dedup.semantic_shuffle)."""
        rows, labels, kept, centroids = fit_semantic_shuffled(self, ops)
        if centroids is not None:
            self.centroids_ = centroids
        self.set_clusters(rows, labels, kept)

    def set_clusters(self, rows: np.ndarray, labels: np.ndarray, kept: np.ndarray) -> None:
        """Learn each row's k-means cluster (``labels``) and duplicate group: ``kept`` is the
        row number of the kept row of the row's group, -1 outside any group."""
        dropped = (kept >= 0) & (kept != rows)
        self._set_rejections(
            rows[dropped], np.zeros(dropped.sum(), np.int16), ["semantic_duplicate"]
        )
        self._set_row_values(CLUSTER_COLUMN, rows, labels.astype(np.int64))
        self._set_row_values(DUP_CLUSTER, rows[kept >= 0], kept[kept >= 0].astype(np.int64))

    def fit(self, states: Iterable[tuple[np.ndarray, np.ndarray]]) -> None:
        rows, vectors, spill = self.collect_vectors(states)
        if len(rows) == 0:
            self.set_clusters(rows, rows, rows)
            return
        centroids = kmeans_fit(vectors, self.num_clusters, self.kmeans_sample, self.seed)
        labels, similarity = assign(vectors, centroids)
        kept = np.full(len(rows), -1, dtype=np.int64)
        for cluster in range(len(centroids)):
            members = np.flatnonzero(labels == cluster)
            order, kept_at = self.judge_cluster(vectors, members, similarity[members], cluster)
            in_group = kept_at >= 0
            kept[order[in_group]] = rows[kept_at[in_group]]
        spill.remove()
        self.centroids_ = centroids
        self.set_clusters(rows, labels, kept)

    def judge_cluster(self, vectors, members: np.ndarray, similarity: np.ndarray, cluster: int):
        """(``members`` in rank order, for each the position in ``vectors`` of the kept row of
        its duplicate group, -1 outside any group) for one cluster; ``members`` are positions in
        ``vectors`` in row order, ``similarity`` their cosine to the centroid."""
        if len(members) < 2:
            return members, np.full(len(members), -1, np.int64)
        order = rank_members(self, members, similarity, cluster)
        kept = self.cluster_duplicates(vectors, order, cluster)
        return order, np.where(kept >= 0, order[kept], -1)

    def cluster_duplicates(self, vectors: np.ndarray, order: np.ndarray, cluster: int):
        """For the members ``order`` (positions in ``vectors``, in rank order) of ``cluster``,
        the index in ``order`` of the kept row of each one's duplicate group (kept_of), -1
        outside any group."""
        size = self.max_cluster_size
        if len(order) > size:
            warnings.warn(
                f"semantic_dedup: cluster {cluster} has {len(order):,} members, more than "
                f"max_cluster_size={size:,}; comparing within windows of {size:,} only "
                "(raise num_clusters for exact results)",
                stacklevel=2,
            )
        kept = np.full(len(order), -1, dtype=np.int64)
        for start in range(0, len(order), size):
            window = np.asarray(vectors[np.sort(order[start : start + size])], np.float32)
            # Rows were read in position order for the memory map; restore rank order.
            rank = np.argsort(np.argsort(order[start : start + size]))
            window = window[rank]
            local = kept_of(duplicates_in_cluster(window, self.eps, self.block_rows))
            kept[start : start + size] = np.where(local >= 0, local + start, -1)
        return kept


def rank_members(stage, members: np.ndarray, similarity: np.ndarray, cluster: int):
    """``members`` (positions in row order) in the order duplicates are judged: 'hard' farthest
    from the centroid first, 'easy' nearest first, 'random' a shuffle seeded by (seed,
    cluster), so each cluster's order does not depend on the others; ties by position."""
    if stage.keep == "hard":
        return members[np.lexsort((members, similarity))]
    if stage.keep == "easy":
        return members[np.lexsort((members, -similarity))]
    return np.random.default_rng([stage.seed, cluster]).permutation(members)
