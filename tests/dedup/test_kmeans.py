"""dataprep.dedup.kmeans: the seeded sample, nearest-centroid assignment and the fit."""

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
import pytest

from dataprep.dedup.kmeans import assign, kmeans_fit, sample_positions


def test_sample_positions_all_rows_when_few():
    assert sample_positions(5, 5, seed=0).tolist() == [0, 1, 2, 3, 4]
    assert sample_positions(3, 10, seed=9).tolist() == [0, 1, 2]
    assert sample_positions(0, 10, seed=0).tolist() == []


def test_sample_positions_sorted_unique_in_range_and_seeded():
    first = sample_positions(1000, 50, seed=1)
    assert len(first) == 50
    assert (np.diff(first) > 0).all()  # sorted and unique
    assert first.min() >= 0 and first.max() < 1000
    assert np.array_equal(sample_positions(1000, 50, seed=1), first)
    assert not np.array_equal(sample_positions(1000, 50, seed=2), first)
    # not just a prefix: the sample spreads over the rows
    assert first.max() > 500


def unit_rows(*rows):
    m = np.asarray(rows, np.float32)
    return m / np.linalg.norm(m, axis=1, keepdims=True)


# centroids: x, y and the diagonal (x + y) / sqrt(2)
CENTROIDS = unit_rows([1, 0], [0, 1], [1, 1])
VECTORS = unit_rows([1, 0], [0, 1], [3, 4], [4, 3], [1, 0.1], [-1, 0.2], [0.1, 1])
# similarities (dot products) hand-computed:
#   [1, 0]        -> 1, 0, 0.70711                         -> 0, 1.0
#   [0, 1]        -> 0, 1, 0.70711                         -> 1, 1.0
#   [0.6, 0.8]    -> 0.6, 0.8, 1.4 / sqrt2 = 0.98995       -> 2
#   [0.8, 0.6]    -> 0.8, 0.6, 0.98995                     -> 2
#   [1, 0.1]/|.|  -> 0.99504, 0.09950, 0.77399             -> 0
#   [-1, 0.2]/|.| -> -0.98058, 0.19612, -0.55470           -> 1
#   [0.1, 1]/|.|  -> 0.09950, 0.99504, 0.77399             -> 1
LABELS = [0, 1, 2, 2, 0, 1, 1]
SIMILARITY = [1.0, 1.0, 0.98995, 0.98995, 0.99504, 0.19612, 0.99504]


@pytest.mark.parametrize("chunk", [65536, 1, 2, 3])
def test_assign_nearest_centroid(chunk):
    labels, similarity = assign(VECTORS, CENTROIDS, chunk=chunk)
    assert labels.dtype == np.int64 and similarity.dtype == np.float32
    assert labels.tolist() == LABELS
    np.testing.assert_allclose(similarity, SIMILARITY, atol=1e-5)


def test_assign_no_rows():
    labels, similarity = assign(np.empty((0, 2), np.float32), CENTROIDS)
    assert labels.shape == similarity.shape == (0,)


def two_clusters(seed=0, n=40):
    rng = np.random.default_rng(seed)
    a = np.array([1, 0, 0, 0], np.float32) + rng.normal(0, 0.05, (n, 4))
    b = np.array([0, 0, 1, 0], np.float32) + rng.normal(0, 0.05, (n, 4))
    vectors = np.concatenate([a, b]).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_kmeans_fit_separates_two_clusters():
    vectors = two_clusters()
    centroids = kmeans_fit(vectors, 2, sample=1000, seed=0)
    assert centroids.shape == (2, 4) and centroids.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(centroids, axis=1), 1, atol=1e-5)
    labels, similarity = assign(vectors, centroids)
    assert len(set(labels[:40].tolist())) == 1 and len(set(labels[40:].tolist())) == 1
    assert labels[0] != labels[40]
    assert similarity.min() > 0.9
    # each centroid lies near one of the two true directions
    assert sorted(np.argmax(np.abs(centroids), axis=1).tolist()) == [0, 2]


def test_kmeans_fit_at_most_min_k_n():
    vectors = two_clusters(n=2)  # 4 rows
    assert len(kmeans_fit(vectors, 10, sample=100, seed=0)) == 4
    assert len(kmeans_fit(vectors[:1], 3, sample=100, seed=0)) == 1
    # the sample bounds the rows, hence the clusters
    assert len(kmeans_fit(two_clusters(), 10, sample=3, seed=0)) == 3


def test_kmeans_fit_deterministic_per_seed():
    vectors = two_clusters(seed=3)
    first = kmeans_fit(vectors, 3, sample=50, seed=5)
    np.testing.assert_array_equal(kmeans_fit(vectors, 3, sample=50, seed=5), first)
    np.testing.assert_allclose(np.linalg.norm(first, axis=1), 1, atol=1e-5)
