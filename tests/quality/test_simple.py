import pytest

from dataprep.errors import ConfigError
from dataprep.quality.simple import LengthFilter, ScoreThreshold
from dataprep.testing import reasons_of, run_stage


def test_length_filter_checks_words_then_characters():
    texts = ["", "one", "one two three", "a b c d e", "abcdefghijklmnop"]
    stage = LengthFilter(min_words=1, max_words=4, min_chars=4, max_chars=13)
    assert reasons_of(run_stage(stage, [{"text": t} for t in texts])) == [
        "length_below_min_words",
        "length_below_min_chars",
        None,
        "length_above_max_words",
        "length_above_max_chars",
    ]


def test_bounds_are_inclusive_and_null_means_unbounded():
    stage = LengthFilter(min_words=2, max_words=2)
    assert reasons_of(run_stage(stage, [{"text": "a b"}])) == [None]
    assert reasons_of(run_stage(LengthFilter(min_words=None), [{"text": ""}])) == [None]


def test_score_threshold_reasons_and_missing_values():
    rows = [{"q": 0.1}, {"q": 0.5}, {"q": 0.9}, {"q": None}, {"q": float("nan")}]
    out = run_stage(ScoreThreshold(column="q", min=0.2, max=0.8), rows)
    assert reasons_of(out) == ["q_below_min", None, "q_above_max", "q_missing", "q_missing"]
    kept = run_stage(ScoreThreshold(column="q", min=0.2, keep_missing=True), rows)
    assert reasons_of(kept) == ["q_below_min", None, None, None, None]


@pytest.mark.parametrize(
    ("stage", "message"),
    [
        (LengthFilter(min_words=5, max_words=2), "must not exceed 'max_words'"),
        (LengthFilter(min_chars=-1), "The 'min_chars' parameter of length_filter"),
        (ScoreThreshold(column="q"), "needs 'min', 'max' or both"),
        (ScoreThreshold(column="q", min=2, max=1), "must not exceed 'max'"),
    ],
)
def test_bad_parameters(stage, message):
    with pytest.raises(ConfigError, match=message):
        stage.check_params()


def test_score_threshold_names_a_missing_column_before_reading():
    with pytest.raises(ConfigError, match="no column 'q'; the columns are text, id"):
        ScoreThreshold(column="q", min=0).check_columns(["text", "id"])
