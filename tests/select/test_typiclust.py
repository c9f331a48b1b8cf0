import math

import numpy as np
import pytest

from dataprep.embed.settings import EncoderSettings
from dataprep.errors import ConfigError
from dataprep.select.base import budget_rows
from dataprep.select.typiclust import TypiClust, cluster_rotation, typicality, typiclust_picks
from dataprep.testing import reasons_of, run_stage

VEC = EncoderSettings(column="vec")


def circle(*degrees):
    radians = np.radians(degrees)
    return np.stack([np.cos(radians), np.sin(radians)], axis=1).astype(np.float32)


def rows_of(vectors, labels=None):
    return [
        {"text": f"t{i}", "vec": v.tolist(), "label": None if labels is None else labels[i]}
        for i, v in enumerate(vectors)
    ]


def kept(out):
    return [i for i, r in enumerate(reasons_of(out)) if r is None]


def test_typicality_is_the_inverse_mean_squared_distance_to_the_nearest_others():
    # 0, 10 and 30 degrees; squared Euclidean distance of unit vectors = 2 - 2 cos(angle)
    t = typicality(circle(0, 10, 30), 1, block_rows=2)
    sq = lambda a: 2 - 2 * math.cos(math.radians(a))  # noqa: E731
    assert t == pytest.approx(
        [1 / (sq(10) + 1e-5), 1 / (sq(10) + 1e-5), 1 / (sq(20) + 1e-5)], rel=1e-5
    )
    t2 = typicality(circle(0, 10, 30), 2, block_rows=1)
    assert t2[2] == pytest.approx(1 / ((sq(20) + sq(30)) / 2 + 1e-5), rel=1e-5)


def test_rotation_drops_small_clusters_and_orders_by_size():
    labels = np.array([2, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 2, 2, 0])  # sizes 7, 7, 3
    assert cluster_rotation(labels, 5) == ([0, 1], [2])
    assert cluster_rotation(np.array([1, 1, 0]), 0) == ([1, 0], [])


def test_picks_the_densest_row_of_each_cluster_round_robin():
    # Small angles: squared distance 2 - 2 cos(a) is about a^2 (radians), so sums of squared
    # degrees rank typicality. Cluster A (label 0): offsets 3, -2, 2, 0, -4, 8, -8 degrees,
    # K = 7 // 2 = 3: the row at 0 has 2, 2, 3 (sum 17); 2 has 2, 1, 4 (21); -2 has 2, 2, 4
    # (24); the rest more. Cluster B (label 1) around 90: offsets 3, -2, 0, -4, 8, -8, K = 3:
    # 0 has 2, 3, 4 (29), -2 has 2, 2, 5 (33). Cluster C (label 2): 3 rows, dropped (<= 5).
    a = [3, -2, 2, 0, -4, 8, -8]
    b = [90 + o for o in (3, -2, 0, -4, 8, -8)]
    c = [200, 201, 202]
    vectors = circle(*(a + b + c))
    labels = np.array([0] * 7 + [1] * 6 + [2] * 3)
    assert typiclust_picks(vectors, labels, 2, 20, 5, 4).tolist() == [3, 9]
    # a third pick goes back to A, 6 rows left, K = 3: -2 has 2, 4, 5 (45), 3 has 1, 5, 5
    # (51), 2 has 1, 4, 6 (53)
    assert typiclust_picks(vectors, labels, 3, 20, 5, 4).tolist() == [3, 9, 1]
    # 15 picks: the 13 rows of A and B first, then C joins the rotation
    picks = typiclust_picks(vectors, labels, 15, 20, 5, 4)
    assert sorted(picks[:13].tolist()) == list(range(13))
    assert set(picks[13:].tolist()) <= {13, 14, 15} and len(set(picks.tolist())) == 15


def test_stage_takes_the_centre_of_each_kmeans_cluster_largest_first():
    # three tight groups at 0, 120 and 240 degrees with 8, 7 and 6 rows; the row at offset 0
    # is each group's most typical (K = 4, 3, 3; see the test above for the arithmetic)
    offsets = [[4, -1, 2, 0, -4, 1, -2, 6], [3, -2, 0, -4, 8, -8, 12], [0, 3, -2, -4, 8, -8]]
    angles = [base + o for base, group in zip((0, 120, 240), offsets, strict=True) for o in group]
    stage = TypiClust(budget=3)
    out = run_stage(stage, rows_of(circle(*angles)), encoder=VEC, batch_rows=5)
    assert stage.selected_rows_.tolist() == [3, 10, 15]
    assert kept(out) == [3, 10, 15]


@pytest.mark.parametrize("n", [1, 6, 40])
@pytest.mark.parametrize("budget", [0.5, 0.1, 3, 100])
def test_budget_met_exactly_and_deterministic(n, budget):
    vectors = np.random.default_rng(n).normal(size=(n, 6))
    records = rows_of(vectors)
    first = kept(run_stage(TypiClust(budget=budget, seed=1), records, encoder=VEC))
    again = kept(run_stage(TypiClust(budget=budget, seed=1), records, encoder=VEC, batch_rows=7))
    assert len(first) == budget_rows(budget, n)
    assert first == again


def test_bad_parameters_are_config_errors():
    with pytest.raises(ConfigError, match="'knn' parameter of typiclust"):
        TypiClust(knn=0).check_params()
    with pytest.raises(ConfigError, match="'budget' parameter of typiclust"):
        TypiClust(budget=1.5).check_params()
    with pytest.raises(ConfigError, match="'class_balanced' parameter"):
        TypiClust(class_balanced="yes").check_params()
