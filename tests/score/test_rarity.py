import gzip
import json
import math
import re

import numpy as np
import pytest

from dataprep.errors import ConfigError
from dataprep.score.rarity import WordRarityScorer, word_buckets
from dataprep.testing import run_stage


def scores(stage, texts, **kwargs):
    out = run_stage(stage, [{"text": t} for t in texts], **kwargs)
    return out.column("dp_score_word_rarity").to_pylist()


def test_no_bucket_collisions_in_the_tiny_vocabulary():
    buckets = word_buckets("the cat dog bird", 16)
    assert len(set(buckets.tolist())) == 4


def test_known_unigram_table_learned_from_the_corpus():
    # Corpus tokens (lowercased \w+): the x3, cat x1, dog x1 -> N = 5, V = 16 buckets.
    # p(the) = (3 + 1) / (5 + 16) = 4/21, p(cat) = p(dog) = 2/21.
    texts = ["The cat", "the dog, THE!", "", None, "..."]
    values = scores(WordRarityScorer(num_buckets=16), texts)
    assert values[0] == pytest.approx((math.log(21 / 4) + math.log(21 / 2)) / 2)
    assert values[1] == pytest.approx((2 * math.log(21 / 4) + math.log(21 / 2)) / 3)
    assert all(math.isnan(v) for v in values[2:])


def test_reference_txt_file(tmp_path):
    reference = tmp_path / "ref.txt"
    reference.write_text("the cat\nthe dog the\n", encoding="utf-8")
    stage = WordRarityScorer(num_buckets=16, reference=str(reference))
    # Counts come from the reference only (N = 5); "bird" is unseen: p = 1/21.
    values = scores(stage, ["bird", "The CAT", "", "bird bird bird bird"])
    assert values[0] == pytest.approx(math.log(21))
    assert values[1] == pytest.approx((math.log(21 / 4) + math.log(21 / 2)) / 2)
    assert math.isnan(values[2])
    assert values[3] == pytest.approx(math.log(21))
    assert stage.total_ == 5 and stage.counts_.sum() == 5


def test_reference_jsonl_gz_with_another_column(tmp_path):
    reference = tmp_path / "ref.jsonl.gz"
    with gzip.open(reference, "wt", encoding="utf-8") as f:
        for body in ["the cat", "the dog the"]:
            f.write(json.dumps({"body": body}) + "\n")
    stage = WordRarityScorer(num_buckets=16, reference=str(reference), reference_column="body")
    assert scores(stage, ["dog"])[0] == pytest.approx(math.log(21 / 2))


def test_unreadable_reference_is_a_config_error(tmp_path):
    missing = tmp_path / "nope.jsonl"
    with pytest.raises(ConfigError, match=re.escape(str(missing))):
        scores(WordRarityScorer(reference=str(missing)), ["a b"])


def test_rarer_words_score_higher():
    common = "the and of the to and of the"
    texts = [common] * 20 + ["the xylophone quixotically"]
    values = scores(WordRarityScorer(), texts)
    assert values[-1] > max(values[:-1])


@pytest.mark.parametrize(
    "params",
    [
        {"num_buckets": 0},
        {"num_buckets": 2**29},
        {"num_buckets": 16.0},
        {"reference": ""},
        {"reference": 3},
        {"reference_column": ""},
    ],
)
def test_bad_params_are_config_errors(params):
    with pytest.raises(ConfigError, match="word_rarity"):
        WordRarityScorer(**params).check_params()


def test_params_round_trip():
    stage = WordRarityScorer(num_buckets=1024, reference="ref.txt", reference_column="body")
    assert type(stage)(**stage.get_params()).get_params() == stage.get_params()


def test_scores_do_not_depend_on_batching():
    texts = ["a b c", "b c d e", "", "a a a", "zeta eta theta", "c"] * 3
    one = np.array(scores(WordRarityScorer(num_buckets=64), texts))
    split = np.array(scores(WordRarityScorer(num_buckets=64), texts, batch_rows=2))
    np.testing.assert_array_equal(one, split)


def test_real_data_wikipedia_words_are_rarer_than_review_words_under_a_review_model():
    from conftest import read_jsonl_gz, shared_file

    sst2 = shared_file("sst2", "sst2_train.jsonl.gz")
    wiki = [r["text"] for r in read_jsonl_gz(shared_file("wikitext-2", "wikitext2_test.jsonl.gz"))]
    reviews = [r["text"] for r in read_jsonl_gz(shared_file("sst2", "sst2_dev.jsonl.gz"))]
    stage = WordRarityScorer(reference=str(sst2))
    values = scores(stage, reviews + wiki)
    review_scores, wiki_scores = values[: len(reviews)], values[len(reviews) :]
    # Under add-one unigrams of SST-2 train (N = 121,591 tokens, V = 2**20), held-out SST-2 dev
    # reviews read as more common than Wikipedia articles. Measured: review median 9.29 nats
    # (5th-95th pct 8.29-10.44), article median 10.30, every article above 9.6.
    review_median = np.nanmedian(review_scores)
    assert np.nanmedian(wiki_scores) > review_median + 0.5
    assert np.mean(np.array(wiki_scores) > review_median) > 0.9
    assert stage.total_ == stage.counts_.sum() > 100_000


def test_text_written_without_spaces_scores_nan():
    texts = ["the cat sat on the mat", "東京は日本の首都です。大きな町です。", "the dog", "ภาษาไทย"]
    out = run_stage(WordRarityScorer(), [{"text": t} for t in texts])
    values = out.column("dp_score_word_rarity").to_pylist()
    assert math.isnan(values[1]) and math.isnan(values[3])
    assert all(math.isfinite(values[i]) for i in (0, 2))
