import math

import numpy as np
import pytest

from dataprep.embed.settings import EncoderSettings
from dataprep.errors import ConfigError
from dataprep.select.base import budget_rows
from dataprep.select.probcover import ProbCover, ball_edges, max_coverage_greedy, purity_delta
from dataprep.testing import reasons_of, run_stage

VEC = EncoderSettings(column="vec")


def circle(*degrees):
    radians = np.radians(degrees)
    return np.stack([np.cos(radians), np.sin(radians)], axis=1).astype(np.float32)


def rows_of(vectors):
    return [{"text": f"t{i}", "vec": v.tolist()} for i, v in enumerate(vectors)]


def kept(out):
    return [i for i, r in enumerate(reasons_of(out)) if r is None]


def csr(balls):
    indptr = np.concatenate([[0], np.cumsum([len(b) for b in balls])])
    return indptr, np.concatenate([np.asarray(b, np.int64) for b in balls])


def test_greedy_takes_the_row_covering_most_uncovered_rows():
    # balls (each row covers itself): 0 -> {0,1,2}, 1 -> {1,2,3,4}, 2 -> {2}, 3 -> {0,3,5},
    # 4 -> {4,5}, 5 -> {5}
    indptr, targets = csr([[0, 1, 2], [1, 2, 3, 4], [2], [0, 3, 5], [4, 5], [5]])
    # 1 covers 4 new rows; then uncovered {0, 5}: 3 covers both (0 covers only 0)
    assert max_coverage_greedy(indptr, targets, 2, seed=0).tolist() == [1, 3]
    # ties go to the earlier row: 0 and 3 both cover 3 rows at the start once 1 is gone
    indptr, targets = csr([[0, 1, 2], [1], [2], [3, 4, 5], [4], [5]])
    assert max_coverage_greedy(indptr, targets, 2, seed=0).tolist() == [0, 3]


def test_after_full_coverage_the_rest_is_a_seeded_sample():
    indptr, targets = csr([[0, 1, 2, 3], [1], [2], [3], [4], [5], [6], [7]])
    picks = {s: max_coverage_greedy(indptr, targets, 7, seed=s).tolist() for s in range(4)}
    for seed, chosen in picks.items():
        assert chosen[:5] == [0, 4, 5, 6, 7]  # greedy while anything is uncovered
        assert len(set(chosen)) == 7 and set(chosen[5:]) <= {1, 2, 3}
        assert max_coverage_greedy(indptr, targets, 7, seed=seed).tolist() == chosen
    assert len({tuple(c[5:]) for c in picks.values()}) > 1  # the seed matters there


def test_ball_edges_are_strictly_below_delta_and_include_the_row():
    indices = np.array([[1, 2], [0, 2], [1, 0]])
    distances = np.array([[0.1, 0.5], [0.1, 0.3], [0.3, 0.5]])
    indptr, targets = ball_edges(indices, distances, 0.3)
    balls = [targets[indptr[i] : indptr[i + 1]].tolist() for i in range(3)]
    assert balls == [[0, 1], [0, 1], [2]]


def test_purity_delta_is_the_largest_delta_with_enough_pure_balls():
    # the distance of each row to its nearest row of another pseudo-label: 0.5, 0.4, 0.4, 0.6
    indices = np.array([[0, 1, 2], [1, 0, 2], [2, 3, 1], [3, 2, 0]])
    distances = np.array([[0, 0.1, 0.5], [0, 0.1, 0.4], [0, 0.2, 0.4], [0, 0.2, 0.6]])
    pseudo = np.array([0, 0, 1, 1])
    # purity(delta) = share of rows with that distance >= delta
    assert purity_delta(indices, distances, pseudo, 1.0) == pytest.approx(0.4)
    assert purity_delta(indices, distances, pseudo, 0.75) == pytest.approx(0.4)
    assert purity_delta(indices, distances, pseudo, 0.5) == pytest.approx(0.5)
    assert purity_delta(indices, distances, pseudo, 0.25) == pytest.approx(0.6)
    assert math.isinf(purity_delta(indices, distances, np.zeros(4, int), 0.95))


def test_stage_covers_each_group_largest_first():
    # groups of 5, 4 and 3 rows around 0, 120 and 240 degrees (spread 4 degrees, Euclidean
    # 0.07); with delta 0.3 every row covers its whole group and nothing else: the first pick
    # is the earliest row of the largest group, and so on
    angles = [120, 121, 122, 123, 240, 0, 1, 2, 3, 4, 241, 242]
    stage = ProbCover(budget=3, delta=0.3)
    out = run_stage(stage, rows_of(circle(*angles)), encoder=VEC, batch_rows=5)
    assert stage.selected_rows_.tolist() == [5, 0, 4]
    assert kept(out) == [0, 4, 5]


def test_delta_from_purity_separates_the_groups():
    angles = [0, 1, 2, 3, 120, 121, 122, 123, 240, 241, 242, 243]
    stage = ProbCover(budget=3, num_clusters=3, alpha=0.95)
    run_stage(stage, rows_of(circle(*angles)), encoder=VEC)
    # a pure ball may not reach the next group (120 degrees apart: Euclidean sqrt(3) - a bit)
    assert 0.05 < stage.delta_ <= 2 * math.sin(math.radians(117 / 2)) + 1e-6
    assert sorted(i // 4 for i in stage.selected_rows_) == [0, 1, 2]


@pytest.mark.parametrize("n", [1, 6, 40])
@pytest.mark.parametrize("budget", [0.5, 0.1, 3, 100])
def test_budget_met_exactly_and_deterministic(n, budget):
    records = rows_of(np.random.default_rng(n).normal(size=(n, 6)))
    first = kept(run_stage(ProbCover(budget=budget, knn=5), records, encoder=VEC))
    again = kept(run_stage(ProbCover(budget=budget, knn=5), records, encoder=VEC, batch_rows=7))
    assert len(first) == budget_rows(budget, n)
    assert first == again


def test_bad_parameters_are_config_errors():
    with pytest.raises(ConfigError, match="'delta' parameter of probcover"):
        ProbCover(delta=0).check_params()
    with pytest.raises(ConfigError, match="'alpha' parameter of probcover"):
        ProbCover(alpha=1.5).check_params()
