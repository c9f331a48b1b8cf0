"""``prototypicality``: cosine distance from each row's embedding to the nearest k-means centroid
(Sorscher et al. 2022, "Beyond neural scaling laws"): small = prototypical (easy), large =
atypical (hard).

Fit: embeddings of every row (spilled to the run's work folder, 4 x dim bytes per row), k-means
with ``num_clusters`` clusters on a seeded sample of at most ``kmeans_sample`` rows. Score: the
row's embedding again (read from the embedding cache, so it is not recomputed) against the
centroids.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pyarrow as pa

from dataprep.dedup.kmeans import kmeans_fit
from dataprep.embed.input import EmbeddingInput
from dataprep.params import check_number
from dataprep.registry import register
from dataprep.stage import Scorer


@register
class PrototypicalityScorer(EmbeddingInput, Scorer):
    """1 - cosine similarity to the nearest k-means centroid, in [0, 2].

    num_clusters: k-means clusters (default 100; fewer when there are fewer rows).
    kmeans_sample: rows k-means is fitted on (default 100,000).
    seed: seed of the sample and of k-means (default 0).

    Vectors come from the run's encoder settings (``RunContext.encoder``, the recipe's
    ``embedding:``; see ``dataprep.embed.settings``), shared by every embedding stage.
    """

    name = "prototypicality"
    version = 2  # 2: the encoder settings moved to the run's ``embedding:``
    needs_fit = True

    def __init__(
        self,
        *,
        num_clusters: int = 100,
        kmeans_sample: int = 100_000,
        seed: int = 0,
    ) -> None:
        self.num_clusters = num_clusters
        self.kmeans_sample = kmeans_sample
        self.seed = seed

    def check_params(self) -> None:
        check_number(self.name, "num_clusters", self.num_clusters, low=1, integer=True)
        check_number(self.name, "kmeans_sample", self.kmeans_sample, low=1, integer=True)
        check_number(self.name, "seed", self.seed, low=0, integer=True)

    def fit(self, states: Iterable[tuple[np.ndarray, np.ndarray]]) -> None:
        rows, vectors, spill = self.collect_vectors(states)
        if len(rows) == 0:
            self.centroids_ = np.empty((0, 0), np.float32)
            return
        self.centroids_ = kmeans_fit(vectors, self.num_clusters, self.kmeans_sample, self.seed)
        del vectors
        spill.remove()

    def score(self, batch: pa.RecordBatch) -> np.ndarray:
        if self.centroids_.size == 0 or batch.num_rows == 0:
            return np.full(batch.num_rows, np.nan)
        similarity = (self.vectors(batch) @ self.centroids_.T).max(axis=1)
        return 1.0 - similarity.astype(np.float64)
