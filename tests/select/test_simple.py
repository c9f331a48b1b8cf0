import numpy as np
import pytest

from dataprep.errors import ConfigError
from dataprep.select.base import budget_rows
from dataprep.select.simple import RandomSelect, ScoreTopK, Stratified, largest_remainder
from dataprep.testing import reasons_of, run_stage


def kept(out):
    return [i for i, r in enumerate(reasons_of(out)) if r is None]


@pytest.mark.parametrize(
    ("budget", "n", "expected"),
    [
        (0.25, 10, 3),  # 2.5 rounds half up
        (0.15, 10, 2),  # 1.5 rounds half up
        (0.14, 10, 1),
        (0.01, 10, 1),  # at least one row
        (0.5, 3, 2),
        (0.5, 0, 0),
        (3, 10, 3),
        (30, 10, 10),  # a count is capped at n
        (1, 1, 1),
    ],
)
def test_budget_rows(budget, n, expected):
    assert budget_rows(budget, n) == expected


@pytest.mark.parametrize("n", [1, 7, 10, 33])
@pytest.mark.parametrize("budget", [0.5, 0.1, 0.05, 3, 100])
def test_budgets_are_met_exactly(n, budget):
    records = [{"text": f"t{i}", "score": float(i % 5), "group": i % 3} for i in range(n)]
    for stage in (
        RandomSelect(budget=budget, seed=1),
        ScoreTopK(budget=budget, column="score"),
        Stratified(budget=budget, column="group", seed=1),
    ):
        out = run_stage(stage, records)
        reasons = reasons_of(out)
        assert len(kept(out)) == budget_rows(budget, n), stage
        assert set(reasons) <= {None, "not_in_coreset"}


def test_deterministic_given_seed_and_batch_split():
    records = [{"text": f"t{i}", "group": "ab"[i % 2], "score": i % 4} for i in range(40)]
    for make in (
        lambda s: RandomSelect(budget=0.3, seed=s),
        lambda s: Stratified(budget=0.3, column="group", seed=s),
    ):
        whole = kept(run_stage(make(5), records))
        assert kept(run_stage(make(5), records, batch_rows=3)) == whole
        assert kept(run_stage(make(6), records)) != whole  # the seed matters
    topk = kept(run_stage(ScoreTopK(budget=7, column="score"), records))
    assert kept(run_stage(ScoreTopK(budget=7, column="score"), records, batch_rows=3)) == topk


def test_random_is_roughly_uniform():
    counts = np.zeros(20)
    records = [{"text": str(i)} for i in range(20)]
    for seed in range(200):
        counts[kept(run_stage(RandomSelect(budget=5, seed=seed), records))] += 1
    # each row is kept 200 * 5 / 20 = 50 times in expectation
    assert counts.min() > 25 and counts.max() < 75


def test_score_topk_exact_rows():
    records = [{"s": v} for v in [3, 1, None, 3, 5, 2]]
    # descending: 5 (row 4), then the tied 3s in input order (rows 0, 3)
    assert kept(run_stage(ScoreTopK(budget=3, column="s"), records)) == [0, 3, 4]
    assert kept(run_stage(ScoreTopK(budget=2, column="s"), records)) == [0, 4]
    # ascending: 1 (row 1), 2 (row 5), 3 (row 0 before row 3)
    out = run_stage(ScoreTopK(budget=3, column="s", descending=False), records)
    assert kept(out) == [0, 1, 5]
    # the null comes last either way
    assert kept(run_stage(ScoreTopK(budget=5, column="s", descending=False), records)) == [
        0,
        1,
        3,
        4,
        5,
    ]
    assert 2 in kept(run_stage(ScoreTopK(budget=6, column="s"), records))


def test_score_topk_needs_a_numeric_column():
    with pytest.raises(ConfigError, match="must be numeric"):
        run_stage(ScoreTopK(budget=1, column="text"), [{"text": "a"}, {"text": "b"}])


def test_largest_remainder_allocation():
    # sizes 5, 3, 2 of 10, budget 5: quotas 2.5, 1.5, 1.0 -> floors 2, 1, 1 (4 rows); the
    # remainders .5 and .5 tie, so the one extra row goes to the first stratum.
    assert largest_remainder(np.array([5, 3, 2]), 5).tolist() == [3, 1, 1]
    # budget 3: quotas 1.5, 0.9, 0.6 -> floors 1, 0, 0; remainders .5, .9, .6 -> B and C get +1
    assert largest_remainder(np.array([5, 3, 2]), 3).tolist() == [1, 1, 1]
    # budget 7: quotas 3.5, 2.1, 1.4 -> floors 3, 2, 1; the largest remainder (.5) is A
    assert largest_remainder(np.array([5, 3, 2]), 7).tolist() == [4, 2, 1]
    assert largest_remainder(np.array([5, 3, 2]), 10).tolist() == [5, 3, 2]


def test_stratified_exact_counts_per_stratum():
    groups = ["a", "b", "a", "c", "a", "b", None, "a", "b", "a", None, "c"]
    # sizes a 5, b 3, c 2, null 2 (n 12); budget 6: quotas 2.5, 1.5, 1, 1 -> floors 2, 1, 1, 1;
    # one row left, remainders tie between a and b -> a (seen first) gets it: 3, 1, 1, 1
    records = [{"g": g} for g in groups]
    for seed in range(5):
        stage = Stratified(budget=0.5, column="g", seed=seed)
        rows = kept(run_stage(stage, records, batch_rows=5))
        picked = [groups[i] for i in rows]
        assert picked.count("a") == 3 and picked.count("b") == 1
        assert picked.count("c") == 1 and picked.count(None) == 1
        assert stage.allocation_ == {"a": 3, "b": 1, "c": 1, None: 1}


def test_bad_parameters():
    with pytest.raises(ConfigError, match="The 'budget' parameter of random"):
        RandomSelect(budget=1.0).check_params()
    with pytest.raises(ConfigError, match="The 'budget' parameter of random"):
        RandomSelect(budget=0).check_params()
    with pytest.raises(ConfigError, match="The 'budget' parameter of random"):
        RandomSelect(budget=True).check_params()
    with pytest.raises(ConfigError, match="The 'seed' parameter of random"):
        RandomSelect(seed=-1).check_params()
    with pytest.raises(ConfigError, match="The 'column' parameter of score_topk"):
        ScoreTopK().check_params()
    with pytest.raises(ConfigError, match="The 'descending' parameter of score_topk"):
        ScoreTopK(column="s", descending="yes").check_params()
    with pytest.raises(ConfigError, match="The 'column' parameter of stratified"):
        Stratified().check_params()
    with pytest.raises(ConfigError, match="stratified: no column 'g'"):
        Stratified(column="g").check_columns(["text"])
