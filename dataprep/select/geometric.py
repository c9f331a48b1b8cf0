"""Coreset selection on embeddings: k-center greedy, facility location, inverse-density
sampling, prototypes and D4.

Every method reads normalized vectors like ``semantic_dedup`` (from the run's encoder
settings, the recipe's ``embedding:``: a list<float> column or a sentence-transformers model
with its on-disk cache), spills them to the run's work folder (4 x dim bytes per row) and
keeps exactly ``budget`` rows; the others are rejected with ``not_in_coreset`` (``d4`` also
uses ``semantic_duplicate``). Similarity is the dot product of normalized vectors (cosine);
distance is 1 - similarity. n = alive rows, d = dimensions, b = rows kept.

- ``kcenter_greedy`` (Sener & Savarese 2018, "Active Learning for Convolutional Neural Networks:
  A Core-Set Approach"): start from a seeded random row (``start: random``) or the first row
  (``start: first``), then repeatedly add the row farthest from the rows chosen so far (ties:
  the earlier row). Keeps a running min-distance array: time O(n·b·d), memory O(n·d).
- ``facility_location``: lazy greedy (Minoux 1978) maximisation of the submodular
  F(S) = sum_i max_{j in S} sim(i, j) on the sparse graph of each row's ``knn`` nearest rows
  (itself included; similarities clipped at 0). The graph is built in row blocks (at most
  ``block_rows`` x n similarities at once, never n x n): time O(n²·d) for the graph plus
  O(b·knn) per accepted row, memory O(n·(d + knn)).
- ``density`` (Sachdeva et al. 2024, "How to Train Data-Efficient LLMs", Density sampling):
  a kernel density score per row, the mean over its ``knn`` nearest other rows of
  exp(-distance / bandwidth), then a weighted sample without replacement with weight
  1 / density (Efraimidis–Spirakis keys u^(1/w), seeded), so rows in sparse regions are
  preferred. Time and memory as for the graph of ``facility_location``.
- ``prototypes`` (Sorscher et al. 2022, "Beyond neural scaling laws"): k-means with
  ``num_clusters`` clusters fitted on a seeded sample of ``kmeans_sample`` rows; keep the rows
  farthest from their nearest centroid (``keep: hard``, default) or nearest (``easy``); ties
  go to the earlier row. Time O(n·num_clusters·d) plus k-means, memory O(n·d).
- ``d4`` (Tirumala et al. 2023, "D4: Improving LLM Pretraining via Document De-Duplication and
  Diversification"): SemDeDup (``semantic_dedup`` with ``eps``, same clustering and ``keep``),
  then k-means again on the survivors and ``prototypes`` ranking to fill the budget from them.
  Should the survivors be fewer than the budget, the removed duplicates fill the rest in the
  same ranking. Reasons: ``semantic_duplicate`` for rows removed by the dedup step (and not
  refilled), ``not_in_coreset`` for the rest.

Parameters (defaults):
  budget: a float in (0, 1) = fraction of the alive rows (rounded half up, at least 1) or an
      int >= 1 = count (capped at n); default 0.1.
  start (kcenter_greedy): 'random' (default) or 'first'.
  knn (facility_location, density): neighbours per row in the similarity graph (default 20).
  bandwidth (density): kernel width in cosine distance; null (default) = the median distance
      of the rows to their ``knn`` neighbours.
  num_clusters / kmeans_sample (prototypes, d4): k-means clusters (default 100) and the rows
      it is fitted on (default 100,000).
  keep (prototypes, d4): 'hard' (far from the centroid, default) or 'easy'.
  eps / max_cluster_size (d4): SemDeDup's margin (default 0.07) and window (default 50,000).
  block_rows: rows per similarity block (default 1,024).
  seed: seed of every random choice (default 0).
  class_balanced / label_column: run the method within each class of ``label_column``
      (default 'label') with the budget split over the classes as ``stratified`` splits it
      (see ``dataprep.select.base``; the vectors of one class are then read into memory);
      default false.

Where vectors come from is not a stage parameter: it is the run's encoder settings
(``RunContext.encoder``, see ``dataprep.embed.settings``), shared by every embedding stage.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

import numpy as np
import pyarrow as pa

from dataprep.dedup.kmeans import assign, kmeans_fit
from dataprep.dedup.semantic import SemanticDedup
from dataprep.embed.input import EmbeddingInput
from dataprep.params import check_choice, check_number
from dataprep.registry import register
from dataprep.select.base import ClassBalance, CoresetSelector, budget_rows, class_split
from dataprep.select.graph import (
    coverage,
    facility_location_greedy,
    hardness_order,
    kcenter_greedy,
    knn_density,
    knn_graph,
    weighted_sample,
)


class _EmbeddingCoreset(EmbeddingInput, ClassBalance, CoresetSelector):
    """Shared fit: collect rows, vectors (spilled to disk) and labels, and call ``_choose``
    over all rows or within each class."""

    seed: int
    block_rows: int
    removes_duplicates: ClassVar[bool] = False  # d4: rejections also say semantic_duplicate

    def _check_common(self) -> None:
        self.check_budget()
        check_number(self.name, "block_rows", self.block_rows, low=1, integer=True)
        check_number(self.name, "seed", self.seed, low=0, integer=True)
        self.check_class_balance()

    def check_columns(self, columns: list[str]) -> None:
        self.check_label_column(columns)
        super().check_columns(columns)

    def fit_state(self, batch: pa.RecordBatch) -> tuple:
        return (*super().fit_state(batch), self.labels_of(batch))

    def fit(self, states: Iterable[tuple]) -> None:
        label_parts: list = []

        def pairs():
            for rows, vectors, labels in states:
                label_parts.append(labels)
                yield rows, vectors

        rows, vectors, spill = self.collect_vectors(pairs())
        k = budget_rows(self.budget, len(rows))
        duplicate = np.zeros(len(rows), bool)
        if len(rows) == 0:
            chosen = np.empty(0, np.int64)
        elif not self.class_balanced:
            chosen, duplicate = self._choose(rows, vectors, k)
        else:
            labels = [value for part in label_parts for value in part]
            parts = []
            for members, share in class_split(labels, k):
                picks, duplicate[members] = self._choose(
                    rows[members], np.asarray(vectors[members]), share
                )
                parts.append(members[picks])
            chosen = np.concatenate(parts) if parts else np.empty(0, np.int64)
        if self.removes_duplicates:
            reasons = ["not_in_coreset", "semantic_duplicate"]
            self._keep(rows, chosen, duplicate.astype(np.int16), reasons)
        else:
            self._keep(rows, chosen)
        del vectors
        spill.remove()

    def _choose(self, rows: np.ndarray, vectors: np.ndarray, k: int):
        """(positions of the k rows chosen, in selection order; a bool per row: removed as a
        semantic duplicate)."""
        raise NotImplementedError


@register
class KCenterGreedy(_EmbeddingCoreset):
    """Greedy k-center: repeatedly keep the row farthest from those kept so far."""

    name = "kcenter_greedy"
    version = 2  # 2: the encoder settings moved to the run's ``embedding:``

    def __init__(
        self,
        *,
        budget: float | int = 0.1,
        start: str = "random",
        block_rows: int = 1024,
        seed: int = 0,
        class_balanced: bool = False,
        label_column: str = "label",
    ) -> None:
        self.budget, self.start, self.block_rows = budget, start, block_rows
        self.seed = seed
        self.class_balanced, self.label_column = class_balanced, label_column

    def check_params(self) -> None:
        self._check_common()
        check_choice(self.name, "start", self.start, ("random", "first"))

    def _choose(self, rows: np.ndarray, vectors: np.ndarray, k: int):
        first = (
            0
            if self.start == "first"
            else int(np.random.default_rng(self.seed).integers(len(rows)))
        )
        return kcenter_greedy(np.asarray(vectors), k, first), np.zeros(len(rows), bool)


@register
class FacilityLocation(_EmbeddingCoreset):
    """Lazy greedy facility location on a sparse kNN similarity graph."""

    name = "facility_location"
    version = 2  # 2: the encoder settings moved to the run's ``embedding:``

    def __init__(
        self,
        *,
        budget: float | int = 0.1,
        knn: int = 20,
        block_rows: int = 1024,
        seed: int = 0,
        class_balanced: bool = False,
        label_column: str = "label",
    ) -> None:
        self.budget, self.knn, self.block_rows = budget, knn, block_rows
        self.seed = seed
        self.class_balanced, self.label_column = class_balanced, label_column

    def check_params(self) -> None:
        self._check_common()
        check_number(self.name, "knn", self.knn, low=1, integer=True)

    def _choose(self, rows: np.ndarray, vectors: np.ndarray, k: int):
        indices, sims = knn_graph(np.asarray(vectors), self.knn, self.block_rows)
        chosen = facility_location_greedy(indices, sims, k)
        self.objective_ = coverage(indices, sims, chosen)
        return chosen, np.zeros(len(rows), bool)


@register
class DensitySample(_EmbeddingCoreset):
    """Inverse-density weighted sampling (kNN kernel density, Efraimidis–Spirakis keys)."""

    name = "density"
    version = 2  # 2: the encoder settings moved to the run's ``embedding:``

    def __init__(
        self,
        *,
        budget: float | int = 0.1,
        knn: int = 20,
        bandwidth: float | None = None,
        block_rows: int = 1024,
        seed: int = 0,
        class_balanced: bool = False,
        label_column: str = "label",
    ) -> None:
        self.budget, self.knn, self.bandwidth, self.block_rows = budget, knn, bandwidth, block_rows
        self.seed = seed
        self.class_balanced, self.label_column = class_balanced, label_column

    def check_params(self) -> None:
        self._check_common()
        check_number(self.name, "knn", self.knn, low=1, integer=True)
        check_number(self.name, "bandwidth", self.bandwidth, low=0, low_open=True, allow_none=True)

    def _choose(self, rows: np.ndarray, vectors: np.ndarray, k: int):
        density = knn_density(np.asarray(vectors), self.knn, self.bandwidth, self.block_rows)
        self.density_ = density
        return weighted_sample(density, k, self.seed), np.zeros(len(rows), bool)


@register
class Prototypes(_EmbeddingCoreset):
    """Keep the rows farthest from (hard) or nearest to (easy) their k-means centroid."""

    name = "prototypes"
    version = 2  # 2: the encoder settings moved to the run's ``embedding:``

    def __init__(
        self,
        *,
        budget: float | int = 0.1,
        num_clusters: int = 100,
        kmeans_sample: int = 100_000,
        keep: str = "hard",
        block_rows: int = 1024,
        seed: int = 0,
        class_balanced: bool = False,
        label_column: str = "label",
    ) -> None:
        self.budget, self.num_clusters, self.kmeans_sample = budget, num_clusters, kmeans_sample
        self.keep, self.block_rows = keep, block_rows
        self.seed = seed
        self.class_balanced, self.label_column = class_balanced, label_column

    def check_params(self) -> None:
        self._check_common()
        check_number(self.name, "num_clusters", self.num_clusters, low=1, integer=True)
        check_number(self.name, "kmeans_sample", self.kmeans_sample, low=1, integer=True)
        check_choice(self.name, "keep", self.keep, ("hard", "easy"))

    def _choose(self, rows: np.ndarray, vectors: np.ndarray, k: int):
        centroids = kmeans_fit(vectors, self.num_clusters, self.kmeans_sample, self.seed)
        _, similarity = assign(vectors, centroids, chunk=self.block_rows)
        return hardness_order(1.0 - similarity, self.keep)[:k], np.zeros(len(rows), bool)


@register
class D4(Prototypes):
    """SemDeDup, then prototypes on the survivors (Tirumala et al. 2023)."""

    name = "d4"
    removes_duplicates = True
    version = 2  # 2: the encoder settings moved to the run's ``embedding:``

    def __init__(
        self,
        *,
        budget: float | int = 0.1,
        eps: float = 0.07,
        num_clusters: int = 100,
        kmeans_sample: int = 100_000,
        keep: str = "hard",
        max_cluster_size: int = 50_000,
        block_rows: int = 1024,
        seed: int = 0,
        class_balanced: bool = False,
        label_column: str = "label",
    ) -> None:
        self.budget, self.eps, self.num_clusters = budget, eps, num_clusters
        self.kmeans_sample, self.keep, self.max_cluster_size = kmeans_sample, keep, max_cluster_size
        self.block_rows = block_rows
        self.seed = seed
        self.class_balanced, self.label_column = class_balanced, label_column

    def _dedup(self) -> SemanticDedup:
        return SemanticDedup(
            eps=self.eps,
            num_clusters=self.num_clusters,
            kmeans_sample=self.kmeans_sample,
            keep=self.keep,
            max_cluster_size=self.max_cluster_size,
            block_rows=self.block_rows,
            seed=self.seed,
        )

    def check_params(self) -> None:
        super().check_params()
        dedup = self._dedup()
        dedup.name = self.name  # errors name this stage
        dedup.check_params()

    def _choose(self, rows: np.ndarray, vectors: np.ndarray, k: int):
        dedup = self._dedup()
        dedup.bind(self.context)
        dedup.fit([(rows, vectors)])
        duplicate = np.isin(rows, dedup.rejected_rows_)
        survivors = np.flatnonzero(~duplicate)
        centroids = kmeans_fit(vectors[survivors], self.num_clusters, self.kmeans_sample, self.seed)
        _, similarity = assign(vectors, centroids, chunk=self.block_rows)
        chosen = hardness_order(1.0 - similarity, self.keep, first=~duplicate)[:k]
        duplicate[chosen] = False  # refilled rows are kept
        return chosen, duplicate
