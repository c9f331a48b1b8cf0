import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from conftest import read_jsonl_gz, shared_file, word_shingles
from datasketch import MinHash

from dataprep.dedup.minhash_kernels import (
    jaccard,
    pair_jaccard,
    permutation_seeds,
    shingle_hashes,
    signatures,
    signatures_and_shingles,
)


def test_shingle_sets_match_plain_python_shingling():
    texts = ["The quick brown fox jumps over the lazy dog again", "Two words", "", "a\tb\nc d e f"]
    sets = shingle_hashes(pa.array([t.lower() for t in texts]), 5)
    assert [len(s) for s in sets] == [len(word_shingles(t)) for t in texts] == [6, 1, 0, 2]
    assert jaccard(sets[0], sets[0]) == 1.0


def test_identical_and_disjoint_documents():
    seeds = permutation_seeds(128, 1)
    text = "one two three four five six seven eight nine ten"
    other = "alpha beta gamma delta epsilon zeta eta theta iota kappa"
    sigs, counts = signatures(pa.array([text, text, other, ""]), 5, seeds)
    assert counts.tolist() == [6, 6, 6, 0]
    assert (sigs[0] == sigs[1]).all()
    assert (sigs[0] == sigs[2]).mean() < 0.05


def test_estimates_as_accurate_as_datasketch_on_real_pairs():
    records = read_jsonl_gz(shared_file("codexglue_code", "code_refinement_small_test.jsonl.gz"))[
        :1500
    ]
    seeds = permutation_seeds(128, 7)
    ours_a, _ = signatures(pc.utf8_lower(pa.array([r["buggy"] for r in records])), 5, seeds)
    ours_b, _ = signatures(pc.utf8_lower(pa.array([r["fixed"] for r in records])), 5, seeds)
    ours_err, theirs_err = [], []
    for i, record in enumerate(records):
        sa, sb = word_shingles(record["buggy"]), word_shingles(record["fixed"])
        exact = len(sa & sb) / len(sa | sb)
        ours_err.append(abs((ours_a[i] == ours_b[i]).mean() - exact))
        ma, mb = MinHash(num_perm=128, seed=7), MinHash(num_perm=128, seed=7)
        ma.update_batch([s.encode() for s in sa])
        mb.update_batch([s.encode() for s in sb])
        theirs_err.append(abs(ma.jaccard(mb) - exact))
    ours, theirs = float(np.mean(ours_err)), float(np.mean(theirs_err))
    # Both estimators have standard error sqrt(J(1-J)/128); allow sampling noise only.
    assert ours <= theirs * 1.15, (ours, theirs)
    assert ours < 0.04


def test_one_pass_signatures_equal_plain_ones_and_keep_every_shingle():
    texts = pa.array(["a b c d e f g a b c d e", "x y", ""])
    seeds = permutation_seeds(64, 3)
    plain, counts = signatures(texts, 5, seeds)
    both, values, lengths = signatures_and_shingles(texts, 5, seeds)
    assert np.array_equal(plain, both)
    assert lengths.tolist() == counts.tolist() == [8, 1, 0]
    assert len(values) == 9


def test_pair_jaccard_matches_set_jaccard_with_repeats_and_any_order():
    values = np.array([3, 1, 2, 2, 9, 2, 2, 3, 4], dtype=np.uint32)  # {1,2,3}, {2,9}, {2,3,4}
    ends = np.array([4, 6, 9])
    pairs = np.array([[0, 2], [0, 1], [1, 2]])
    assert pair_jaccard(values, ends, pairs).tolist() == [2 / 4, 1 / 4, 1 / 4]


def test_distinct_sets_then_sorted_pair_jaccard_equal_pair_jaccard():
    from dataprep.dedup.minhash_kernels import distinct_sets, sorted_pair_jaccard

    values = np.array([3, 1, 3, 2, 9, 9, 2, 1, 7, 4], dtype=np.uint32)
    lengths = np.array([4, 2, 0, 4])  # {1, 2, 3}, {9}, {}, {1, 2, 4, 7}
    sets, sizes = distinct_sets(values, lengths)
    assert sets.tolist() == [1, 2, 3, 9, 1, 2, 4, 7] and sizes.tolist() == [3, 1, 0, 4]
    pairs = np.array([[0, 3], [0, 1], [1, 2], [0, 0]])
    expected = pair_jaccard(values, np.cumsum(lengths), pairs)
    assert expected.tolist() == [2 / 5, 0.0, 0.0, 1.0]
    assert sorted_pair_jaccard(sets, np.cumsum(sizes), pairs).tolist() == expected.tolist()
    assert sorted_pair_jaccard(sets, np.cumsum(sizes), np.empty((0, 2), np.int64)).shape == (0,)


def _char_grams(text: str, n: int) -> set[str]:
    """Plain-Python character shingles: whitespace runs as one space, ends trimmed."""
    text = " ".join(text.split())
    return {text[i : i + n] for i in range(max(1, len(text) - n + 1))} if text else set()


def test_auto_equals_words_on_english_documents():
    records = read_jsonl_gz(shared_file("web_samples", "web_samples.jsonl.gz"))
    texts = pc.utf8_lower(pa.array([r["text"] for r in records] + ["", "  ", "naïve café — ok"]))
    seeds = permutation_seeds(128, 42)
    words = signatures_and_shingles(texts, 5, seeds)
    auto = signatures_and_shingles(texts, 5, seeds, tokenizer="auto", ngram_chars=3)
    for a, b in zip(words, auto, strict=True):
        assert np.array_equal(a, b)
    assert np.array_equal(signatures(texts, 5, seeds, tokenizer="auto")[0], words[0])


def test_char_shingles_match_plain_python_character_ngrams():
    texts = ["日本語の　テキスト\n\n です。", "  東京 ", "", " \u3000 ", "ab  cd"]
    for n in (1, 3, 5):
        sets = shingle_hashes(pa.array(texts), 5, tokenizer="chars", ngram_chars=n)
        assert [len(s) for s in sets] == [len(_char_grams(t, n)) for t in texts]
    # "日本語の テキスト です。" has 13 characters: 11 trigrams; "ab cd" has 3.
    trigrams = shingle_hashes(pa.array(texts), 5, tokenizer="chars", ngram_chars=3)
    assert [len(s) for s in trigrams] == [11, 1, 0, 0, 3]
    seeds = permutation_seeds(32, 1)
    _, counts = signatures(pa.array(texts), 5, seeds, tokenizer="chars", ngram_chars=3)
    assert counts.tolist() == [11, 1, 0, 0, 3]


def test_auto_picks_characters_per_document():
    ja = "東京は日本の首都であり、世界でも有数の大都市です。"
    en = "the quick brown fox jumps over the lazy dog"
    texts = pa.array([ja, en, "สวัสดีครับ ยินดีต้อนรับ"])
    seeds = permutation_seeds(64, 5)
    auto, auto_counts = signatures(texts, 5, seeds, tokenizer="auto", ngram_chars=3)
    chars, char_counts = signatures(texts, 5, seeds, tokenizer="chars", ngram_chars=3)
    words, word_counts = signatures(texts, 5, seeds)
    assert np.array_equal(auto[[0, 2]], chars[[0, 2]]) and np.array_equal(auto[1], words[1])
    assert auto_counts.tolist() == [char_counts[0], word_counts[1], char_counts[2]]
    assert word_counts[0] == 1  # one "word": every shingle of a copy with an edit differs


def test_character_jaccard_of_an_edited_japanese_copy_is_estimated():
    ja = "東京は日本の首都であり、世界でも有数の大都市です。多くの企業の本社が集まっています。"
    copy = ja.replace("世界", "世間")
    sets = shingle_hashes(pa.array([ja, copy]), 5, tokenizer="chars", ngram_chars=3)
    exact = len(_char_grams(ja, 3) & _char_grams(copy, 3)) / len(
        _char_grams(ja, 3) | _char_grams(copy, 3)
    )
    assert jaccard(sets[0], sets[1]) == exact
    sigs, _ = signatures(
        pa.array([ja, copy]), 5, permutation_seeds(256, 9), tokenizer="chars", ngram_chars=3
    )
    assert abs((sigs[0] == sigs[1]).mean() - exact) < 0.1
