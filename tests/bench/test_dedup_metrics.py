"""The dedup bench's scores by hand: precision / recall / F1 over labelled pairs (with cross-pair
links) and over all row pairs."""

import numpy as np
import pytest

from dataprep.bench.dedup_metrics import cluster_metrics, pair_metrics


def test_pair_metrics_by_hand():
    # pairs: (0,1) same cluster, (2,3) different, (4,5) both unclustered, (6,7) same cluster
    cluster = np.array([5, 5, 5, 9, -1, -1, 7, 7])
    m = pair_metrics(cluster, np.array([True, True, False, False]))
    assert (m["tp"], m["fp"], m["fn"], m["tn"]) == (1, 1, 1, 1)
    assert m["precision"] == 0.5 and m["recall"] == 0.5 and m["f1"] == 0.5
    # cluster 5 holds rows 0, 1, 2: links (0,1) (0,2) (1,2); only (0,1) is one pair's sides
    assert m["cross_pair_links"] == 2
    nothing = pair_metrics(np.full(4, -1), np.array([True, False]))
    assert nothing["precision"] is None and nothing["recall"] == 0.0


def test_cluster_metrics_over_all_row_pairs_by_hand():
    # predicted links (0,1) (0,2) (1,2); true links (0,1) (2,3): 1 shared
    m = cluster_metrics(np.array([0, 0, 0, -1]), np.array([0, 0, 1, 1]))
    assert (m["tp"], m["fp"], m["fn"]) == (1, 2, 1)
    assert m["precision"] == pytest.approx(1 / 3) and m["recall"] == 0.5
    assert m["f1"] == pytest.approx(0.4)
