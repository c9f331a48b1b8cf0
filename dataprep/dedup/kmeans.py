"""k-means on normalized vectors, shared by semantic dedup and the geometric selectors: a
seeded sample to fit on, the fit, and the nearest centroid of every row."""

from __future__ import annotations

import numpy as np


def kmeans_fit(vectors: np.ndarray, num_clusters: int, sample: int, seed: int) -> np.ndarray:
    """Centroids (normalized) of k-means on a seeded sample of the rows."""
    from sklearn.cluster import KMeans

    if len(vectors) > sample:
        vectors = vectors[sample_positions(len(vectors), sample, seed)]
    k = max(1, min(num_clusters, len(vectors)))
    model = KMeans(n_clusters=k, n_init=1, random_state=seed).fit(np.asarray(vectors, np.float32))
    centroids = model.cluster_centers_.astype(np.float32)
    return centroids / np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-12)


def sample_positions(n: int, sample: int, seed: int) -> np.ndarray:
    """The sorted positions, among ``n`` rows, of the seeded k-means sample of ``sample`` rows
    (all rows when there are at most ``sample``)."""
    if n <= sample:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, sample, replace=False))


def assign(vectors: np.ndarray, centroids: np.ndarray, chunk: int = 65536):
    """(nearest centroid, cosine similarity to it) of every row, in chunks."""
    labels = np.empty(len(vectors), dtype=np.int64)
    similarity = np.empty(len(vectors), dtype=np.float32)
    for start in range(0, len(vectors), chunk):
        sims = np.asarray(vectors[start : start + chunk], np.float32) @ centroids.T
        labels[start : start + chunk] = sims.argmax(axis=1)
        similarity[start : start + chunk] = sims.max(axis=1)
    return labels, similarity
