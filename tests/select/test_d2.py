import math

import numpy as np
import pytest

from dataprep.embed.settings import EncoderSettings
from dataprep.errors import ConfigError
from dataprep.select.base import budget_rows
from dataprep.select.d2 import D2Pruning, forward_pass, reverse_greedy, symmetric_graph
from dataprep.testing import reasons_of, run_stage

VEC = EncoderSettings(column="vec")


def circle(*degrees):
    radians = np.radians(degrees)
    return np.stack([np.cos(radians), np.sin(radians)], axis=1).astype(np.float32)


def kept(out):
    return [i for i, r in enumerate(reasons_of(out)) if r is None]


def test_symmetric_graph_joins_either_direction():
    # kNN (k = 1): 0 -> 1, 1 -> 0, 2 -> 1: the graph has 0-1 and 1-2
    indptr, near, dist = symmetric_graph(np.array([[1], [0], [1]]), np.array([[0.1], [0.1], [0.4]]))
    lists = [near[indptr[i] : indptr[i + 1]].tolist() for i in range(3)]
    assert lists == [[1], [0, 2], [1]]
    assert dist.tolist() == [0.1, 0.1, 0.4, 0.4]


def test_forward_pass_adds_the_neighbours_weighted_scores():
    indptr, near, dist = (
        np.array([0, 1, 3, 4]),
        np.array([1, 0, 2, 1]),
        np.array([0.1, 0.1, 0.4, 0.4]),
    )
    scores = np.array([1.0, 0.0, 2.0])
    density = forward_pass(indptr, near, dist, scores)
    e = math.exp
    assert density == pytest.approx(
        [1.0 + e(-0.1) * 1e-7, 0.0 + e(-0.1) * 1.0 + e(-0.4) * 2.0, 2.0 + e(-0.4) * 1e-7]
    )


def test_reverse_pass_lowers_the_neighbours_of_each_pick():
    # densities 1.0, 0.9, 0.5 and an edge 0-1 at distance 0: picking 0 lowers 1 to
    # 0.9 - exp(0) x 1.0 = -0.1, so 2 comes next; without the edge 1 would
    indptr, near, dist = np.array([0, 1, 2, 2]), np.array([1, 0]), np.array([0.0, 0.0])
    assert reverse_greedy(indptr, near, dist, np.array([1.0, 0.9, 0.5]), 2, 0.1).tolist() == [0, 2]
    empty = (np.zeros(4, np.int64), np.empty(0, np.int64), np.empty(0))
    assert reverse_greedy(*empty, np.array([1.0, 0.9, 0.5]), 2, 0.1).tolist() == [0, 1]
    # ties go to the earlier row
    assert reverse_greedy(*empty, np.array([0.5, 0.9, 0.9]), 1, 0.1).tolist() == [1]


def test_stage_balances_difficulty_and_diversity():
    # group A at 0, 1, 2 degrees with scores 1.0, 0.9, 0.8; group B at 90, 91, 92 with 0.3,
    # 0.2, 0.1 (knn 2: each group is a triangle). Forward pass (d = 2 sin(angle / 2), scores
    # shifted by the minimum 0.1): A's middle row has the largest sum (0.8 + e^-d01 0.9 +
    # e^-d12 0.7 against row 0's 0.9 + e^-d01 0.8 + e^-d02 0.7); picking it drives rows 0
    # and 2 below zero, so the second pick comes from B: row 3 (0.2 + e^-d 0.1 beats row 4's
    # 0.1 + e^-d 0.2 + e^-d 1e-7), not another hard row of A.
    angles = [0, 1, 2, 90, 91, 92]
    scores = [1.0, 0.9, 0.8, 0.3, 0.2, 0.1]
    records = [
        {"text": f"t{i}", "vec": v.tolist(), "q": s}
        for i, (v, s) in enumerate(zip(circle(*angles), scores, strict=True))
    ]
    stage = D2Pruning(budget=2, column="q", prune_hard=0.0, strata=1, knn=2)
    out = run_stage(stage, records, encoder=VEC, batch_rows=4)
    assert stage.selected_rows_.tolist() == [1, 3]
    assert kept(out) == [1, 3]
    # with hard: low the mirror image: B's middle row, then A's row 2
    stage = D2Pruning(budget=2, column="q", hard="low", prune_hard=0.0, strata=1, knn=2)
    run_stage(stage, records, encoder=VEC)
    assert stage.selected_rows_.tolist() == [4, 2]


@pytest.mark.parametrize("n", [1, 6, 40])
@pytest.mark.parametrize("budget", [0.5, 0.1, 3, 100])
def test_budget_met_exactly_and_deterministic(n, budget):
    rng = np.random.default_rng(n)
    records = [
        {"text": "x", "vec": v.tolist(), "q": float(q)}
        for v, q in zip(rng.normal(size=(n, 6)), rng.random(n), strict=True)
    ]
    first = kept(run_stage(D2Pruning(budget=budget, column="q", strata=3), records, encoder=VEC))
    again = kept(
        run_stage(
            D2Pruning(budget=budget, column="q", strata=3), records, encoder=VEC, batch_rows=7
        )
    )
    assert len(first) == budget_rows(budget, n)
    assert first == again


def test_bad_parameters_are_config_errors():
    with pytest.raises(ConfigError, match="'gamma' parameter of d2_pruning"):
        D2Pruning(gamma=-1).check_params()
    with pytest.raises(ConfigError, match="'strata' parameter of d2_pruning"):
        D2Pruning(strata=0).check_params()
