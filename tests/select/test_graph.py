import numpy as np

from dataprep.select.graph import (
    coverage,
    facility_location_greedy,
    hardness_order,
    kcenter_greedy,
    knn_graph,
    weighted_sample,
)


def unit_circle(angles_degrees):
    radians = np.radians(angles_degrees)
    return np.stack([np.cos(radians), np.sin(radians)], axis=1).astype(np.float32)


def test_kcenter_greedy_takes_the_farthest_point_each_time():
    vectors = unit_circle([0, 10, 90, 180, 100])
    # from 0°: farthest is 180°; then the point farthest from {0°, 180°} is 90° (100° is 80° away)
    assert kcenter_greedy(vectors, 3, first=0).tolist() == [0, 3, 2]


def test_knn_graph_matches_brute_force_in_any_block_size():
    vectors = unit_circle(np.random.default_rng(0).uniform(0, 360, 40))
    brute = np.sort(np.argsort(-(vectors @ vectors.T), axis=1)[:, :5], axis=1)
    for block in (1, 7, 64):
        indices, sims = knn_graph(vectors, 5, block)
        assert np.array_equal(np.sort(indices, axis=1), brute)
        assert np.allclose(sims, np.take_along_axis(vectors @ vectors.T, indices, axis=1))


def test_facility_location_picks_the_best_single_centre_first():
    vectors = unit_circle([0, 20, 40, 180])
    indices, sims = knn_graph(vectors, 4, 4)
    first = facility_location_greedy(indices, sims, 1)[0]
    best = max(range(4), key=lambda j: coverage(indices, sims, np.array([j])))
    assert first == best == 1  # 20° covers 0° and 40° best
    assert len(set(facility_location_greedy(indices, sims, 4).tolist())) == 4


def test_weighted_sample_is_exact_size_distinct_and_seeded():
    density = np.linspace(0.1, 1.0, 50)
    chosen = weighted_sample(density, 10, seed=3)
    assert len(set(chosen.tolist())) == 10
    assert np.array_equal(chosen, weighted_sample(density, 10, seed=3))


def test_hardness_order():
    distance = np.array([0.2, 0.9, 0.5, 0.9])
    assert hardness_order(distance, "hard").tolist() == [1, 3, 2, 0]
    assert hardness_order(distance, "easy").tolist() == [0, 2, 1, 3]
    first = np.array([True, False, True, True])
    assert hardness_order(distance, "hard", first).tolist() == [3, 2, 0, 1]


def test_neighbours_without_self_leaves_out_the_row_itself_and_sorts_nearest_first():
    from dataprep.select.graph import euclidean, neighbours_without_self

    # 0, 10, 30 degrees and an exact duplicate of row 0
    vectors = unit_circle([0, 10, 30, 0])
    indices, sims = neighbours_without_self(vectors, 2, block_rows=2)
    assert indices[[0, 1, 3]].tolist() == [[3, 1], [0, 3], [0, 1]]
    assert indices[2, 0] == 1 and indices[2, 1] in (0, 3)  # 0 and its duplicate tie
    assert np.allclose(sims[2], np.cos(np.radians([20, 30])))
    # Euclidean distance of unit vectors = 2 sin(angle / 2)
    assert np.allclose(euclidean(sims[2]), 2 * np.sin(np.radians([10, 15])))
    assert neighbours_without_self(vectors[:1], 3, 4)[0].shape == (1, 0)
