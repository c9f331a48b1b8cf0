import math
import zlib

import numpy as np
import pytest

from dataprep.errors import ConfigError
from dataprep.score.text import (
    CompressionRatioScorer,
    LengthScorer,
    ReadabilityScorer,
    count_syllables,
    flesch_counts,
    flesch_reading_ease,
)
from dataprep.testing import run_stage


def scores(stage, texts, **kwargs):
    out = run_stage(stage, [{"text": t} for t in texts], **kwargs)
    return out.column(f"dp_score_{stage.name}").to_pylist()


def test_length_in_words_and_chars():
    texts = ["one two  three", " ", "", None, "héllo\twörld\n!"]
    assert scores(LengthScorer(), texts) == [3.0, 0.0, 0.0, 0.0, 3.0]
    assert scores(LengthScorer(unit="chars"), texts) == [14.0, 1.0, 0.0, 0.0, 13.0]


@pytest.mark.parametrize(
    ("word", "syllables"),
    [
        ("the", 1),  # one vowel group; the final e is the only group, so it stays
        ("cat", 1),
        ("make", 1),  # a, e: silent final e
        ("table", 2),  # a, e: consonant + le keeps the e
        ("whale", 1),  # vowel + le: silent e
        ("free", 1),  # one group "ee"
        ("beautiful", 3),  # eau, i, u
        ("happy", 2),  # a, y
        ("rhythm", 1),  # y; minimum 1 anyway
        ("Don't", 1),
    ],
)
def test_syllable_heuristic(word, syllables):
    assert count_syllables(word) == syllables


def test_flesch_on_hand_counted_sentences():
    # 6 words, 6 syllables, 1 sentence: 206.835 - 1.015 * 6 - 84.6 * 1
    assert flesch_counts("The cat sat on the mat.") == (6, 1, 6)
    # "The cat sat. It was happy!": 6 words in 2 sentences; syllables 1+1+1+1+1+2 = 7
    text = "The cat sat. It was happy!"
    assert flesch_counts(text) == (6, 2, 7)
    # A blank line ends a sentence (a heading); "3.5" is not a sentence end nor a word.
    assert flesch_counts("Big table\n\nIt cost 3.5 pounds") == (5, 2, 6)
    values = scores(ReadabilityScorer(), ["The cat sat on the mat.", text, "", "3.14 !!", None])
    assert values[0] == pytest.approx(116.145)
    assert values[1] == pytest.approx(206.835 - 1.015 * 3 - 84.6 * 7 / 6)
    assert all(math.isnan(v) for v in values[2:])


def test_harder_text_scores_lower():
    easy = "The dog ran. The sun is hot. We had fun."
    hard = (
        "Institutional considerations notwithstanding, the administrative reorganization "
        "necessitated comprehensive reevaluation of departmental responsibilities."
    )
    easy_score, hard_score = scores(ReadabilityScorer(), [easy, hard])
    assert easy_score > 90 > 0 > hard_score


@pytest.mark.parametrize("level", [0, 1, 6, 9])
def test_compression_ratio_matches_zlib(level):
    texts = ["aaaa " * 50, "The cat sat on the mat.", "日本語のテキスト" * 3, "", None]
    values = scores(CompressionRatioScorer(level=level), texts)
    for text, value in zip(texts[:3], values[:3], strict=True):
        data = text.encode("utf-8")
        assert value == len(data) / len(zlib.compress(data, level))
    assert math.isnan(values[3]) and math.isnan(values[4])
    assert values[0] > 1 or level == 0


@pytest.mark.parametrize(
    "stage",
    [
        LengthScorer(unit="tokens"),
        LengthScorer(unit=None),
        CompressionRatioScorer(level=10),
        CompressionRatioScorer(level=-1),
        CompressionRatioScorer(level=6.0),
        CompressionRatioScorer(level=True),
    ],
)
def test_bad_params_are_config_errors(stage):
    with pytest.raises(ConfigError, match=stage.name):
        stage.check_params()


@pytest.mark.parametrize(
    "stage", [LengthScorer(unit="chars"), ReadabilityScorer(), CompressionRatioScorer(level=3)]
)
def test_params_round_trip(stage):
    assert type(stage)(**stage.get_params()).get_params() == stage.get_params()


@pytest.mark.parametrize("stage", [LengthScorer(), ReadabilityScorer(), CompressionRatioScorer()])
def test_scores_do_not_depend_on_batching(stage):
    texts = ["A b c. D e!", "", "Some longer text here, twice. Some longer text here, twice."] * 3
    one = np.array(scores(stage, texts))
    split = np.array(scores(stage, texts, batch_rows=2))
    np.testing.assert_array_equal(one, split)


def test_real_data_readability_and_compression():
    from conftest import read_jsonl_gz, shared_file

    sst2 = [r["text"] for r in read_jsonl_gz(shared_file("sst2", "sst2_train.jsonl.gz"))[:2000]]
    wiki = [r["text"] for r in read_jsonl_gz(shared_file("wikitext-2", "wikitext2_test.jsonl.gz"))]
    # Measured: wikitext-2 test articles have median Flesch 57.1 (5th-95th pct 42-67), typical
    # of encyclopedic prose; every article has words, so none is NaN.
    readability = scores(ReadabilityScorer(), wiki)
    assert not any(math.isnan(v) for v in readability)
    assert 45 < np.median(readability) < 65
    # Whole Wikipedia articles compress far better than one-sentence movie reviews
    # (measured medians: 2.67 and 1.17).
    wiki_ratio = np.median(scores(CompressionRatioScorer(), wiki))
    sst2_ratio = np.median(scores(CompressionRatioScorer(), sst2))
    assert wiki_ratio > 2.0 > 1.3 > sst2_ratio
    lengths = scores(LengthScorer(), wiki)
    assert sum(lengths) == sum(len(t.split()) for t in wiki)


def test_length_counts_word_units_for_text_written_without_spaces():
    texts = [
        "東京は日本の首都です。",  # 10 Han/kana letters: 10 units, not 1 word
        "北京是中国的首都 Beijing 2024",  # 8 letters + 2 tokens
        "Tokyo 東京 is a big city",  # 2 of 17 letters unspaced: plain words
    ]
    assert scores(LengthScorer(), texts) == [10.0, 10.0, 6.0]
    assert scores(LengthScorer(unit="chars"), texts) == [11.0, 21.0, 22.0]


def test_readability_is_nan_for_text_written_without_spaces():
    english = "The cat sat on the mat. It was happy."
    out = scores(ReadabilityScorer(), ["東京は日本の首都です。大きな町です。", english, "สวัสดีครับ"])
    assert math.isnan(out[0]) and math.isnan(out[2])
    assert out[1] == flesch_reading_ease(english) and not math.isnan(out[1])
