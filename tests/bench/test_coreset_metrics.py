"""The coreset bench's numbers by hand on tiny cases: label KL, cosine coverage distances, the
probe with missing classes, and the summary over seeds."""

import math

import numpy as np
import pytest

from dataprep.bench.coreset_metrics import label_kl, nearest_distance, probe_accuracy, summarize


def test_label_kl_by_hand():
    # p = (3/4, 1/4), q = (1/2, 1/2): 0.75 ln 1.5 + 0.25 ln 0.5
    expected = 0.75 * math.log(1.5) + 0.25 * math.log(0.5)
    assert label_kl(np.array([0, 0, 0, 1]), np.array([0, 0, 1, 1])) == pytest.approx(expected)
    assert label_kl(np.array([1, 0]), np.array([0, 1, 1, 0])) == pytest.approx(0.0)
    # a subset missing a class stays finite: p = (1, 0), q = (1/2, 1/2) -> ln 2
    assert label_kl(np.array([0, 0]), np.array([0, 1])) == pytest.approx(math.log(2))


def test_coverage_distances_on_2d_points_by_hand():
    points = np.array([[1, 0], [0, 1], [-1, 0]], np.float32)
    assert nearest_distance(points, points[:1]).tolist() == [0.0, 1.0, 2.0]  # radius 2
    assert nearest_distance(points, points[:2]).tolist() == [0.0, 0.0, 1.0]


def test_probe_works_with_a_missing_class_and_with_one_class():
    x = np.array([[1, 0], [0.9, 0.1], [0, 1], [0.1, 0.9], [-1, 0], [-0.9, 0.1]], np.float32)
    y = np.array([0, 0, 1, 1, 2, 2])
    # trained on classes 0 and 1 only: the class-2 test rows are necessarily wrong
    assert probe_accuracy(x[:4], y[:4], x, y) == pytest.approx(4 / 6)
    assert probe_accuracy(x[:2], y[:2], x, y) == pytest.approx(2 / 6)  # always predicts 0


def test_summary_means_stds_and_relative_numbers_by_hand():
    def run(method, seed, acc):
        return {
            "method": method,
            "fraction": 0.1,
            "seed": seed,
            "budget": 5,
            "classes_seen": 2,
            "classes_total": 2,
            "accuracy": {"embedding": acc, "tfidf": acc / 2},
            "coverage": {"kcenter_radius": 0.5, "test_distance": 0.2, "label_kl": 0.0},
        }

    runs = [run("random", 0, 0.6), run("random", 1, 0.8), run("d4", 0, 0.9), run("d4", 1, 0.9)]
    summary = {r["method"]: r for r in summarize(runs, {"embedding": 1.0, "tfidf": 0.5})}
    assert summary["random"]["embedding"]["mean"] == pytest.approx(0.7)
    assert summary["random"]["embedding"]["std"] == pytest.approx(math.sqrt(0.02))  # ddof=1
    assert summary["d4"]["embedding"]["std"] == 0.0
    assert summary["d4"]["vs_random"]["embedding"] == pytest.approx(0.2)
    assert summary["d4"]["of_full"]["embedding"] == pytest.approx(0.9)
    assert summary["d4"]["of_full"]["tfidf"] == pytest.approx(0.9)


def test_probe_margin_is_held_out_and_low_for_mislabelled_rows():
    from dataprep.bench.coreset_metrics import probe_margin

    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal([3, 0], 0.3, (20, 2)), rng.normal([-3, 0], 0.3, (20, 2))])
    y = np.array([0] * 20 + [1] * 20)
    y[5] = 1  # a row of cluster 0 labelled 1: the held-out probe disagrees
    margin = probe_margin(x, y, folds=2, seed=0)
    assert margin.shape == (40,) and np.all(np.abs(margin) <= 1.0)
    assert margin[5] < -0.5
    assert np.all(np.delete(margin, 5) > 0.5)
    assert probe_margin(x, y, folds=2, seed=0).tolist() == margin.tolist()
    # one class seen in a fold's training rows: it gets probability 1
    assert probe_margin(x[:3], np.array([0, 0, 0]), folds=2).tolist() == [1.0, 1.0, 1.0]
