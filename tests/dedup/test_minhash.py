import random

import pytest
from cjk_corpus import cjk_documents, edit_chars
from conftest import read_jsonl_gz, shared_file, true_jaccard

from dataprep.config import build_stages, builtin_recipe, load_recipe
from dataprep.dedup.minhash import MinHashDedup
from dataprep.errors import ConfigError
from dataprep.testing import reasons_of, run_stage


def test_clusters_keep_first_and_reject_the_rest():
    base = "the cat sat on the mat and looked at the dog who sat on the log all day long"
    near = base.replace("all day long", "all day long too")
    other = "completely different words make up this other document about rivers and hills"
    out = run_stage(MinHashDedup(threshold=0.7), [{"text": t} for t in [other, base, near, base]])
    assert reasons_of(out) == [None, None, "near_duplicate", "near_duplicate"]
    assert out.column("dp_dup_cluster").to_pylist() == [None, 1, 1, 1]


def test_keep_highest_picks_the_best_scored_member():
    base = "the cat sat on the mat and looked at the dog who sat on the log all day long"
    rows = [{"text": base, "q": 0.1}, {"text": base + " yes", "q": 0.9}, {"text": base, "q": 0.9}]
    out = run_stage(MinHashDedup(threshold=0.7, keep_highest="q"), rows)
    # Ties on the highest value go to the earlier row.
    assert reasons_of(out) == ["near_duplicate", None, "near_duplicate"]
    assert out.column("dp_dup_cluster").to_pylist() == [1, 1, 1]


def test_empty_documents_never_match():
    out = run_stage(MinHashDedup(), [{"text": ""}, {"text": "   "}, {"text": None}])
    assert reasons_of(out) == [None, None, None]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"threshold": 1.5},
            "The 'threshold' parameter of minhash_dedup must be a float in (0, 1]",
        ),
        ({"num_perm": 1}, "'num_perm' parameter of minhash_dedup must be an int"),
        ({"bands": 4}, "needs both 'bands' and 'rows'"),
        ({"bands": 20, "rows": 20}, "bands * rows must be at most num_perm"),
        ({"verify": "maybe"}, "'verify' parameter of minhash_dedup must be one of"),
        ({"tokenizer": "bytes"}, "'tokenizer' parameter of minhash_dedup must be one of"),
        ({"ngram_chars": 0}, "'ngram_chars' parameter of minhash_dedup must be an int"),
    ],
)
def test_bad_parameters(params, message):
    with pytest.raises(
        ConfigError, match=message.replace("(", r"\(").replace("*", r"\*").replace("[", r"\[")
    ):
        MinHashDedup(**params).check_params()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("verify", "min_recall"), [("exact", 0.9), ("none", 0.9), ("signature", 0.8)]
)
def test_codexglue_near_duplicate_pairs(verify, min_recall):
    """Buggy/fixed pairs differ by a small edit. At threshold 0.8 with the default (exact)
    verification: recall >= 0.9 on pairs whose true 5-gram Jaccard is >= 0.8, and no pair below
    0.5 ends up in one cluster. Signature verification loses pairs near the threshold to
    estimation noise (measured 0.84), hence its lower bar."""
    records = []
    for split in ("valid", "test"):
        name = f"code_refinement_small_{split}.jsonl.gz"
        records += read_jsonl_gz(shared_file("codexglue_code", name))
    docs = [r["buggy"] for r in records] + [r["fixed"] for r in records]
    n = len(records)
    out = run_stage(
        MinHashDedup(threshold=0.8, verify=verify), [{"text": t} for t in docs], batch_rows=4096
    )
    cluster = out.column("dp_dup_cluster").to_pylist()
    similar = found = dissimilar_merged = 0
    for i, record in enumerate(records):
        j = true_jaccard(record["buggy"], record["fixed"])
        same = cluster[i] is not None and cluster[i] == cluster[n + i]
        if j >= 0.8:
            similar += 1
            found += same
        elif j < 0.5 and same:
            dissimilar_merged += 1
    assert similar > 1000
    assert found / similar >= min_recall, (found, similar)
    if verify != "none":
        assert dissimilar_merged == 0


@pytest.mark.parametrize("verify", ["exact", "signature"])
def test_tiny_sorted_runs_give_the_in_memory_result_on_codexglue(monkeypatch, verify):
    """Band keys and candidate pairs through sorted runs of 2,000 records (11,670 documents, 14
    bands: about 80 band-run files and many pair runs), merge windows of 64: the same pairs,
    clusters, kept rows and reasons as with everything in one in-memory run, also when pairs are
    verified in small chunks."""
    import numpy as np

    from dataprep.dedup import minhash
    from dataprep.storage import sorted_runs

    records = read_jsonl_gz(shared_file("codexglue_code", "code_refinement_small_test.jsonl.gz"))
    rows = [{"text": r["buggy"]} for r in records] + [{"text": r["fixed"]} for r in records]
    in_memory = MinHashDedup(threshold=0.6, verify=verify)
    out = run_stage(in_memory, rows, batch_rows=1000)
    monkeypatch.setattr(sorted_runs, "MIN_WINDOW", 64)
    monkeypatch.setattr(minhash, "PAIR_CHUNK", 100)  # verify in chunks of <= 100 pairs
    monkeypatch.setattr(minhash, "VERIFY_CHUNK_SHINGLES", 2000)  # ... and ~2,000 shingles
    spilled = MinHashDedup(threshold=0.6, verify=verify)
    spilled_out = run_stage(spilled, rows, batch_rows=1000, run_rows=2000)
    assert in_memory.verified_pairs_ > 1000
    for name in ("candidate_pairs_", "verified_pairs_", "clusters_"):
        assert getattr(spilled, name) == getattr(in_memory, name)
    assert np.array_equal(spilled.rejected_rows_, in_memory.rejected_rows_)
    assert reasons_of(spilled_out) == reasons_of(out)
    cluster = out.column("dp_dup_cluster")
    assert spilled_out.column("dp_dup_cluster").equals(cluster)


def test_pairs_are_verified_in_chunks_bounded_by_count_and_shingles(monkeypatch):
    import numpy as np

    from dataprep.dedup import minhash

    pairs = np.arange(10).reshape(5, 2)
    chunks = list(minhash._pair_chunks(pairs, np.array([3, 3, 3, 10, 3]), budget=7))
    # 3+3 fits in 7, 3+10 does not; a pair heavier than the budget goes alone.
    assert [len(c) for c in chunks] == [2, 1, 1, 1]
    assert np.array_equal(np.concatenate(chunks), pairs)
    monkeypatch.setattr(minhash, "PAIR_CHUNK", 2)
    assert [len(c) for c in minhash._pair_chunks(pairs, None, budget=7)] == [2, 2, 1]
    ends = np.array([4, 4, 9])  # rows of 4, 0 and 5 shingles
    assert minhash._set_sizes(ends, np.array([[0, 2], [1, 2]])).tolist() == [[4, 5], [0, 5]]


def _char_trigram_jaccard(a: str, b: str) -> float:
    a, b = (" ".join(t.lower().split()) for t in (a, b))
    sa, sb = ({t[i : i + 3] for i in range(len(t) - 2)} for t in (a, b))
    return len(sa & sb) / len(sa | sb)


@pytest.mark.parametrize("lang", ["ja", "zh"])
def test_shipped_recipe_finds_cjk_near_copies_with_two_percent_character_edits(lang):
    """Real Japanese / Chinese documents (tests/cjk_corpus.py), each followed by a copy with 2%
    of its characters edited: the shipped configs/filter/dedup.yaml (tokenizer auto) puts >= 95%
    of the copies in their original's cluster, and >= 95% of the rows it removes are copies of
    their kept row or truly near it (character-trigram Jaccard >= 0.7). With word shingles
    (the tokenizer before: a whole line is one word) almost none is found."""
    docs = cjk_documents(lang, 500, seed=1)
    rng = random.Random(7)
    alphabet = "".join(sorted(set("".join(docs))))
    texts = [t for d in docs for t in (d, edit_chars(d, 0.02, rng, alphabet))]

    def run(stages):
        out = [{"text": t} for t in texts]
        for stage in stages:
            out = run_stage(stage, out)
        return reasons_of(out), out.column("dp_dup_cluster").to_pylist()

    recipe = load_recipe(builtin_recipe("filter/dedup.yaml"))["stages"]
    reasons, cluster = run(build_stages(recipe))
    found = sum(
        cluster[i] is not None and cluster[i] == cluster[i + 1] for i in range(0, len(texts), 2)
    )
    removed = [i for i, r in enumerate(reasons) if r is not None]
    true = sum(
        cluster[i] // 2 == i // 2 or _char_trigram_jaccard(texts[i], texts[cluster[i]]) >= 0.7
        for i in removed
    )
    assert found / len(docs) >= 0.95, (found, len(docs))
    assert true / len(removed) >= 0.95, (true, len(removed))
    recipe[1]["minhash_dedup"]["tokenizer"] = "words"
    _, word_cluster = run(build_stages(recipe))
    word_found = sum(
        word_cluster[i] is not None and word_cluster[i] == word_cluster[i + 1]
        for i in range(0, len(texts), 2)
    )
    assert word_found / len(docs) < 0.5
