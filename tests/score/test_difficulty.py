import numpy as np
import pytest

from dataprep.errors import ConfigError
from dataprep.score.difficulty import DifficultyScorer, percentile_ranks
from dataprep.testing import run_stage


def test_weighted_mean_of_mid_ranks_with_a_flipped_column():
    rows = [{"a": a, "b": b} for a, b in [(1, 10), (2, 10), (3, 20), (4, 40)]]
    stage = DifficultyScorer(columns={"a": 1.0, "b": 3.0}, easier_when_higher=["b"])
    out = run_stage(stage, rows).column("dp_score_difficulty").to_pylist()
    # ranks of a: 1/8, 3/8, 5/8, 7/8; ranks of b: 2/8, 2/8, 5/8, 7/8, flipped: 6/8, 6/8, 3/8, 1/8
    # difficulty = (1 * rank_a + 3 * flipped_b) / 4
    assert out == pytest.approx([0.59375, 0.65625, 0.4375, 0.3125])


def test_missing_values_average_over_the_other_columns():
    rows = [{"a": 1.0, "b": None}, {"a": 2.0, "b": 5.0}, {"a": None, "b": None}]
    out = run_stage(DifficultyScorer(columns={"a": 1, "b": 1}, easier_when_higher=[]), rows)
    values = out.column("dp_score_difficulty").to_pylist()
    assert values[0] == pytest.approx(0.25)  # rank of a only
    assert values[1] == pytest.approx((0.75 + 0.5) / 2)
    assert np.isnan(values[2])


def test_ranks_are_the_same_for_any_batch_split():
    rows = [{"a": float(v)} for v in np.random.default_rng(0).normal(size=50)]
    stage = DifficultyScorer(columns={"a": 1}, easier_when_higher=[])
    one = run_stage(stage, rows).column("dp_score_difficulty").to_pylist()
    split = run_stage(DifficultyScorer(columns={"a": 1}, easier_when_higher=[]), rows, batch_rows=7)
    assert split.column("dp_score_difficulty").to_pylist() == one
    assert sorted(one) == pytest.approx([(2 * i + 1) / 100 for i in range(50)])


def test_percentile_ranks_of_ties():
    assert percentile_ranks(np.array([1.0, 1.0, 2.0]), np.array([1.0, 2.0, 3.0])).tolist() == [
        pytest.approx(2 / 6),
        pytest.approx(5 / 6),
        1.0,
    ]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"columns": {}}, "must be a non-empty mapping"),
        ({"columns": {"a": -1}}, "weight of column 'a' in difficulty must be a positive number"),
        ({"easier_when_higher": "a"}, "'easier_when_higher' parameter of difficulty"),
    ],
)
def test_bad_parameters(params, message):
    with pytest.raises(ConfigError, match=message):
        DifficultyScorer(**params).check_params()


def test_missing_column_is_named_before_reading():
    with pytest.raises(ConfigError, match="combines 'dp_score_readability', which no earlier"):
        DifficultyScorer().check_columns(["text", "id", "dp_score_word_rarity"])
