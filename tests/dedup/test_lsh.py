import numpy as np
import pytest
from datasketch.lsh import _optimal_param

from dataprep.dedup.lsh import connected_components, optimal_bands_rows
from tests.dedup.lsh_reference import candidate_pairs


@pytest.mark.parametrize("threshold", [0.3, 0.5, 0.7, 0.8, 0.9, 0.95])
@pytest.mark.parametrize("num_perm", [64, 128, 256])
@pytest.mark.parametrize("weights", [(0.5, 0.5), (0.1, 0.9)])
def test_banding_matches_datasketch(threshold, num_perm, weights):
    # datasketch integrates with scipy's quad; dataprep with exact Gauss-Legendre quadrature.
    expected = _optimal_param(threshold, num_perm, *weights)
    assert optimal_bands_rows(threshold, num_perm, *weights) == expected


def test_union_find_joins_chains_into_one_cluster():
    labels = connected_components(6, np.array([[3, 4], [1, 3], [4, 5]]))
    assert labels.tolist() == [0, 1, 2, 1, 1, 1]


def test_candidate_pairs_come_from_shared_buckets_only():
    bands = np.array([[1, 10], [1, 11], [2, 12], [3, 12], [4, 13]], dtype=np.uint64)
    assert candidate_pairs(bands).tolist() == [[0, 1], [2, 3]]


def test_big_buckets_give_a_star_and_a_chain_not_all_pairs():
    from dataprep.dedup.lsh import ALL_PAIRS_BUCKET_LIMIT

    n = ALL_PAIRS_BUCKET_LIMIT + 2
    pairs = candidate_pairs(np.zeros((n, 1), dtype=np.uint64))
    assert len(pairs) < 2 * n
    assert connected_components(n, pairs).tolist() == [0] * n


def test_union_in_any_chunks_and_order_gives_the_one_shot_labels():
    from dataprep.dedup.lsh import component_labels, new_forest, union_pairs

    rng = np.random.default_rng(0)
    pairs = rng.integers(0, 300, size=(400, 2))
    expected = connected_components(300, pairs)
    parent = new_forest(300)
    for chunk in np.array_split(pairs[rng.permutation(len(pairs))], 9):
        union_pairs(parent, chunk)
    assert component_labels(parent).tolist() == expected.tolist()
    assert all(expected[i] <= i for i in range(300))  # the smallest node labels its component
