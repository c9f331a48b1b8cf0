"""The dedup bench's methods on tiny cases: the clusters of exact, MinHash, datasketch and
semantic dedup, and the shingles shared with minhash_dedup."""

import numpy as np
import pytest

from dataprep.bench.dedup_methods import (
    datasketch_clusters,
    datasketch_minhashes,
    exact_clusters,
    minhash_clusters,
    semantic_clusters,
    shingles,
)
from dataprep.bench.dedup_metrics import pair_metrics
from tests.bench.test_dedup import _labels, _texts
from tests.conftest import word_shingles


def test_exact_dedup_on_six_pairs_is_precise_with_recall_one_third():
    m = pair_metrics(exact_clusters(_texts()), _labels())
    assert (m["tp"], m["fp"], m["fn"]) == (1, 0, 2)
    assert m["precision"] == 1.0 and m["recall"] == pytest.approx(1 / 3)
    assert m["f1"] == pytest.approx(0.5) and m["cross_pair_links"] == 0


def test_minhash_and_datasketch_find_the_near_duplicate():
    texts = _texts()
    for threshold in (0.5, 0.7):
        ours = pair_metrics(minhash_clusters(texts, threshold, 128, 5), _labels())
        theirs = pair_metrics(
            datasketch_clusters(datasketch_minhashes(texts, 128, 5), threshold, 128), _labels()
        )
        # exact pair and the one-word edit of a 32-word text (Jaccard 23/33 = 0.70)
        expected_tp = 2 if threshold <= 0.69 else 1
        assert ours["tp"] == expected_tp and ours["fp"] == 0
        assert theirs["tp"] >= 1 and theirs["fp"] == 0


def test_shingles_match_minhash_dedup_reference():
    text = "The quick  brown fox\tjumps over the lazy dog"
    assert {s.decode() for s in shingles(text, 5)} == word_shingles(text, 5)
    assert {s.decode() for s in shingles("Two words", 5)} == {"two words"}
    assert shingles("   ", 5) == []


def test_semantic_clusters_link_only_vectors_closer_than_eps():
    vectors = np.array([[1, 0, 0], [0.999, 0.0447, 0], [0, 1, 0], [0, 0, 1]], np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    cluster = semantic_clusters(vectors, eps=0.01, num_clusters=1)
    assert cluster[0] == cluster[1] >= 0 and cluster[2] == -1 and cluster[3] == -1
    # with one k-means cluster per row (the stage's 100, capped at 4) nothing can be linked
    assert (semantic_clusters(vectors, eps=0.01) == -1).all()
    assert (
        semantic_clusters(vectors, eps=0.0005, num_clusters=1) == -1
    ).all()  # cosine 0.999 < 1 - eps
