import hashlib
import itertools
import json
import math
import random

import numpy as np
import pyarrow as pa
import pytest
from conftest import load_shared, shared_file

import dataprep.select.dsir as dsir_module
from dataprep.errors import ConfigError
from dataprep.pipeline import Pipeline
from dataprep.select.dsir import DSIR, tokenize
from dataprep.settings import RunSettings
from dataprep.testing import reasons_of, run_stage

# Raw corpus and target, with their lowercased WordPunct tokens written out by hand.
RAW = {
    "The cat sat.": ["the", "cat", "sat", "."],
    "A dog, a cat!": ["a", "dog", ",", "a", "cat", "!"],
    "the the the": ["the", "the", "the"],
    "Hi": ["hi"],
}
TARGET = {
    "the cat sat on the mat": ["the", "cat", "sat", "on", "the", "mat"],
    "The dog sat.": ["the", "dog", "sat", "."],
}
BUCKETS = 7


def write_jsonl(path, texts):
    path.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts))
    return str(path)


def features(tokens, buckets=BUCKETS):
    """The reference's features: hash of each unigram and each space-joined bigram."""
    grams = tokens + [f"{a} {b}" for a, b in itertools.pairwise(tokens)]
    return [int(hashlib.sha256(g.encode("utf-8")).hexdigest(), 16) % buckets for g in grams]


def hand_log_weights(smoothing=0.0):
    raw = np.zeros(BUCKETS)
    for tokens in RAW.values():
        for b in features(tokens):
            raw[b] += 1
    target = np.full(BUCKETS, smoothing)
    for tokens in TARGET.values():
        for b in features(tokens):
            target[b] += 1
    r, t = raw / raw.sum(), target / target.sum()
    log_diff = [math.log(t[b] + 1e-8) - math.log(r[b] + 1e-8) for b in range(BUCKETS)]
    return [math.fsum(log_diff[b] for b in features(tokens)) for tokens in RAW.values()]


def run(tmp_path, batch_rows=None, **params):
    target = write_jsonl(tmp_path / "target.jsonl", TARGET)
    stage = DSIR(target=target, num_buckets=BUCKETS, min_example_length=2, **params)
    out = run_stage(stage, [{"text": t} for t in RAW], batch_rows=batch_rows)
    return out.column("dp_score_dsir").to_pylist(), reasons_of(out)


def test_tokenizer_is_lowercased_wordpunct():
    assert [tokenize(t) for t in RAW] == list(RAW.values())
    expected = ["hello", ",", "world", "!!", "it", "'", "s", "3", ".", "5", "€…"]
    assert tokenize("Hello, World!! It's 3.5 €…") == expected


@pytest.mark.parametrize("smoothing", [0.0, 0.5])
def test_log_weights_match_the_formula(tmp_path, smoothing):
    weights, _ = run(tmp_path, budget=2, target_laplace_smoothing=smoothing)
    assert weights == pytest.approx(hand_log_weights(smoothing), rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4, 5])
def test_gumbel_top_k_is_reproduced_independently(tmp_path, seed):
    _, reasons = run(tmp_path, batch_rows=1, budget=2, seed=seed)
    # row 3 has one token < min_example_length 2; rows 0-2 draw Gumbel noise in order
    keys = np.array(hand_log_weights()[:3]) + np.random.RandomState(seed).gumbel(size=3)
    chosen = set(np.argsort(-keys)[:2].tolist())
    assert reasons == [None if i in chosen else "not_in_coreset" for i in range(3)] + ["too_short"]


def test_a_target_like_the_raw_corpus_gives_uniform_sampling(tmp_path):
    # target = raw: every log weight is 0, so only the Gumbel noise decides, and seeds differ
    target = write_jsonl(tmp_path / "target.jsonl", RAW)
    samples = set()
    for seed in range(8):
        stage = DSIR(target=target, num_buckets=BUCKETS, min_example_length=0, budget=2, seed=seed)
        out = run_stage(stage, [{"text": t} for t in RAW])
        assert out.column("dp_score_dsir").to_pylist() == pytest.approx([0.0] * 4, abs=1e-12)
        chosen = np.argsort(-np.random.RandomState(seed).gumbel(size=4))[:2]
        assert reasons_of(out) == [None if i in chosen else "not_in_coreset" for i in range(4)]
        samples.add(tuple(reasons_of(out)))
    assert len(samples) > 2


def test_top_k_keeps_the_largest_weights(tmp_path):
    _, reasons = run(tmp_path, budget=2, top_k=True)
    best = set(np.argsort(-np.array(hand_log_weights()[:3]))[:2].tolist())
    assert reasons == [None if i in best else "not_in_coreset" for i in range(3)] + ["too_short"]


def test_budget_above_the_long_rows_keeps_them_all(tmp_path):
    _, reasons = run(tmp_path, budget=10)
    assert reasons == [None, None, None, "too_short"]
    _, reasons = run(tmp_path, fraction=1.0)
    assert reasons == [None, None, None, "too_short"]


def test_batches_and_chunks_never_change_the_result(tmp_path, monkeypatch):
    whole = run(tmp_path, fraction=0.5, seed=3)
    assert run(tmp_path, batch_rows=1, fraction=0.5, seed=3) == whole
    monkeypatch.setattr(dsir_module, "CHUNK_FEATURES", 3)  # read the spill a few rows at a time
    assert run(tmp_path, batch_rows=2, fraction=0.5, seed=3) == whole


def test_more_buckets_store_features_as_uint32(tmp_path):
    target = write_jsonl(tmp_path / "target.jsonl", TARGET)
    small = DSIR(target=target, num_buckets=1000, min_example_length=0, top_k=True)
    large = DSIR(target=target, num_buckets=1000003, min_example_length=0, top_k=True)
    records = [{"text": t} for t in RAW]
    assert reasons_of(run_stage(small, records)) != [None] * 4
    out = run_stage(large, records)
    assert all(math.isfinite(w) for w in out.column("dp_score_dsir").to_pylist())


def test_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="The 'target' parameter of dsir must be an existing"):
        DSIR(target=str(tmp_path / "missing.jsonl")).check_params()
    with pytest.raises(ConfigError, match="The 'target' parameter of dsir must be a non-empty"):
        DSIR().check_params()
    target = write_jsonl(tmp_path / "t.jsonl", TARGET)
    with pytest.raises(ConfigError, match="either 'fraction' or 'budget', not both"):
        DSIR(target=target, fraction=0.1, budget=5).check_params()
    with pytest.raises(ConfigError, match="The 'ngrams' parameter of dsir"):
        DSIR(target=target, ngrams=0).check_params()
    with pytest.raises(ConfigError, match="The 'seed' parameter of dsir"):
        DSIR(target=target, seed=2**32).check_params()


def test_a_target_without_tokens_fails_before_the_pool_is_read(tmp_path):
    target = write_jsonl(tmp_path / "t.jsonl", ["  ", "\n"])
    stage = DSIR(target=target)
    stage.check_params()

    def pool():
        raise AssertionError("the pool was read")
        yield

    with pytest.raises(ConfigError, match="has no tokens"):
        stage.fit(pool())


def chunks(texts, words=128, limit=100):
    """Consecutive chunks of ``words`` space-separated words (the reference's
    experimental/preprocessing/reformat_and_chunk_data.py), the last partial one dropped."""
    tokens = [w for w in " ".join(texts).split(" ") if w]
    return [" ".join(tokens[i : i + words]) for i in range(0, len(tokens) - words + 1, words)][
        :limit
    ]


def chunked_pool():
    """128-word chunks of WikiText-2 test articles, AG News and Shakespeare, shuffled."""
    wiki = chunks([a["text"] for a in load_shared("wikitext-2/wikitext2_test.jsonl.gz")[:10]])
    news = chunks([r["text"] for r in load_shared("ag_news/ag_news_test.jsonl.gz")[:500]])
    plays = chunks([r["text"] for r in load_shared("tinyshakespeare/tinyshakespeare.jsonl.gz")])
    pool = [(t, "wiki") for t in wiki] + [(t, "news") for t in news] + [(t, "plays") for t in plays]
    random.Random(0).shuffle(pool)
    return pool


def test_wikitext_target_selects_wiki_chunks(tmp_path):
    pool = chunked_pool()
    target = str(shared_file("wikitext-2", "wikitext2_valid.jsonl.gz"))
    source = write_jsonl(tmp_path / "pool.jsonl", [t for t, _ in pool])
    origin = np.array([kind for _, kind in pool])
    assert len(pool) == 300 and np.mean(origin == "wiki") == pytest.approx(1 / 3)
    out = tmp_path / "out"
    Pipeline([DSIR(target=target, fraction=0.1, seed=1)], settings=RunSettings(batch_rows=64)).run(
        [source], out
    )
    kept = sorted(int(i.rsplit(":", 1)[1]) for i in _column(out / "data", "id"))
    assert len(kept) == 30
    assert np.mean(origin[kept] == "wiki") >= 0.9
    weights = np.concatenate([_column(out / d, "dp_score_dsir") for d in ("data", "rejected")])
    ids = np.concatenate([_column(out / d, "id") for d in ("data", "rejected")])
    by_row = np.empty(len(pool))
    by_row[[int(i.rsplit(":", 1)[1]) for i in ids]] = weights
    assert by_row[origin == "wiki"].min() > np.median(by_row[origin != "wiki"])


def _column(folder, name):
    values = []
    for path in sorted(folder.glob("*.arrow")):
        with pa.memory_map(str(path)) as source:
            values += pa.ipc.open_stream(source).read_all().column(name).to_pylist()
    return np.array(values)
