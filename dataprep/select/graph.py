"""The numeric cores of the embedding-based coreset selectors, on normalized float32 vectors
(similarity = dot product, distance = 1 - similarity): farthest-point greedy, a block-built
sparse k-nearest-neighbour graph (never n x n), lazy-greedy facility location on it, k-NN
kernel density, exact-size weighted sampling and hardness ranking. The stages that use them,
their papers and their costs are in ``dataprep.select.geometric``.
"""

from __future__ import annotations

import heapq

import numpy as np

MAX_BLOCK_CELLS = 1 << 22  # similarities per block (16 MiB of float32)


def kcenter_greedy(vectors: np.ndarray, k: int, first: int) -> np.ndarray:
    """Positions of k rows in greedy k-center order, starting from row ``first``."""
    n = len(vectors)
    chosen = np.empty(k, np.int64)
    min_dist = np.full(n, np.inf, np.float32)
    current = first
    for t in range(k):
        chosen[t] = current
        np.minimum(min_dist, 1.0 - vectors @ vectors[current], out=min_dist)
        min_dist[current] = -np.inf  # never chosen again (minimum keeps -inf)
        current = int(np.argmax(min_dist))
    return chosen


def knn_graph(vectors: np.ndarray, knn: int, block_rows: int) -> tuple[np.ndarray, np.ndarray]:
    """(indices, similarities), each [n, min(knn, n)]: every row's nearest rows by cosine
    (itself included), computed in row blocks."""
    n = len(vectors)
    k = min(knn, n)
    block = max(1, min(block_rows, MAX_BLOCK_CELLS // max(n, 1)))
    indices = np.empty((n, k), np.int64)
    sims = np.empty((n, k), np.float32)
    for start in range(0, n, block):
        stop = min(n, start + block)
        block_sims = np.asarray(vectors[start:stop], np.float32) @ vectors.T
        top = np.argpartition(block_sims, n - k, axis=1)[:, n - k :]
        indices[start:stop] = top
        sims[start:stop] = np.take_along_axis(block_sims, top, axis=1)
    return indices, sims


def coverage(indices: np.ndarray, sims: np.ndarray, chosen: np.ndarray) -> float:
    """F(S) = sum_i max_{j in S} max(sim(i, j), 0) on the kNN graph."""
    member = np.zeros(len(indices), dtype=bool)
    member[np.asarray(chosen, np.int64)] = True
    covered = np.where(member[indices], np.maximum(sims, 0), 0.0)
    return float(covered.max(axis=1, initial=0.0).sum())


def facility_location_greedy(indices: np.ndarray, sims: np.ndarray, k: int) -> np.ndarray:
    """Lazy greedy maximisation of ``coverage``; positions in selection order (ties: the
    earlier row)."""
    from scipy import sparse  # loaded by the selectors that build a graph

    n, m = indices.shape
    graph = sparse.csr_matrix(
        (np.maximum(sims, 0).ravel().astype(np.float64), indices.ravel(), np.arange(n + 1) * m),
        shape=(n, n),
    )
    covers = graph.T.tocsr()  # row j: the rows i that j can cover, with sim(i, j)
    best = np.zeros(n, np.float64)  # current max similarity of each row to the chosen set
    gains = np.asarray(covers.sum(axis=1)).ravel()
    heap = [(-gain, j) for j, gain in enumerate(gains)]
    heapq.heapify(heap)
    chosen: list[int] = []
    while len(chosen) < k:
        _, j = heapq.heappop(heap)
        lo, hi = covers.indptr[j], covers.indptr[j + 1]
        rows, values = covers.indices[lo:hi], covers.data[lo:hi]
        gain = np.maximum(values - best[rows], 0.0).sum()
        if heap and gain < -heap[0][0]:
            heapq.heappush(heap, (-gain, j))  # stale bound: re-queue with the true gain
            continue
        chosen.append(j)
        best[rows] = np.maximum(best[rows], values)
    return np.asarray(chosen, np.int64)


def knn_density(
    vectors: np.ndarray, knn: int, bandwidth: float | None, block_rows: int
) -> np.ndarray:
    """Mean of exp(-distance / bandwidth) over each row's ``knn`` nearest other rows."""
    n = len(vectors)
    k = min(knn, n - 1)
    if k < 1:
        return np.ones(n, np.float64)
    indices, sims = knn_graph(vectors, k + 1, block_rows)
    # drop the row itself (or, among exact duplicates, the least similar column)
    own = indices == np.arange(n)[:, None]
    missing = ~own.any(axis=1)
    own[missing, np.argmin(sims[missing], axis=1)] = True
    own[np.cumsum(own, axis=1) > 1] = False  # exactly one dropped column per row
    distance = np.clip(1.0 - sims[~own].reshape(n, k).astype(np.float64), 0.0, 2.0)
    width = bandwidth if bandwidth is not None else max(float(np.median(distance)), 1e-6)
    return np.exp(-distance / width).mean(axis=1)


def weighted_sample(density: np.ndarray, k: int, seed: int) -> np.ndarray:
    """k positions sampled without replacement with weight 1 / density (Efraimidis–Spirakis:
    keep the k largest u^(1/w), i.e. log(u) * density)."""
    u = 1.0 - np.random.default_rng(seed).random(len(density))  # in (0, 1]
    keys = np.log(u) * density
    return np.lexsort((np.arange(len(keys)), -keys))[:k]


def hardness_order(distance: np.ndarray, keep: str, first: np.ndarray | None = None):
    """Positions ranked farthest-first ('hard') or nearest-first ('easy'), ties by position;
    rows where ``first`` is False come after all others."""
    key = -distance if keep == "hard" else distance
    primary = np.zeros(len(key), bool) if first is None else ~first
    return np.lexsort((np.arange(len(key)), key, primary))


def neighbours_without_self(
    vectors: np.ndarray, knn: int, block_rows: int
) -> tuple[np.ndarray, np.ndarray]:
    """(indices, similarities), each [n, min(knn, n - 1)]: every row's nearest *other* rows,
    most similar first (ties: the earlier row). Among exact duplicates the row itself is the
    one left out, as scikit-learn's ``kneighbors(X=None)`` does."""
    n = len(vectors)
    k = min(knn, n - 1)
    if k < 1:
        return np.empty((n, 0), np.int64), np.empty((n, 0), np.float32)
    indices, sims = knn_graph(vectors, k + 1, block_rows)
    own = indices == np.arange(n)[:, None]
    missing = ~own.any(axis=1)  # k + 1 duplicates crowded the row out: drop the least similar
    own[missing, np.argmin(sims[missing], axis=1)] = True
    own[np.cumsum(own, axis=1) > 1] = False
    indices, sims = indices[~own].reshape(n, k), sims[~own].reshape(n, k)
    order = np.lexsort((indices, -sims), axis=1) if n else np.empty((0, k), np.int64)
    return np.take_along_axis(indices, order, 1), np.take_along_axis(sims, order, 1)


def euclidean(sims: np.ndarray) -> np.ndarray:
    """Euclidean distance between normalized vectors from their cosine similarity."""
    return np.sqrt(np.clip(2.0 - 2.0 * np.asarray(sims, np.float64), 0.0, 4.0))
