import unicodedata
from collections import Counter

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from conftest import read_jsonl_gz, shared_file

from dataprep.dedup.exact import ExactDedup, nfkc_normalize
from dataprep.errors import ConfigError
from dataprep.testing import reasons_of, run_stage

RAW = dict(nfkc=False, lowercase=False, collapse_whitespace=False)


def test_keeps_first_copy_and_marks_cluster_of_representative():
    texts = ["a b", "c", "a b", "d", "c", "a b"]
    out = run_stage(ExactDedup(**RAW), [{"text": t} for t in texts])
    assert reasons_of(out) == [
        None,
        None,
        "exact_duplicate",
        None,
        "exact_duplicate",
        "exact_duplicate",
    ]
    assert out.column("dp_reject_stage").to_pylist()[2] == "exact_dedup"
    # Cluster id = row number of the kept first copy; rows without a copy get null.
    assert out.column("dp_dup_cluster").to_pylist() == [0, 1, 0, None, 1, 0]


@pytest.mark.parametrize(
    ("option", "a", "b"),
    [
        ("nfkc", "ﬁne", "fine"),  # the ligature U+FB01 is NFKC-equal to "fi"
        ("lowercase", "Hello World", "hello world"),
        ("collapse_whitespace", "a  b\n\tc ", "a b c"),
        ("strip_punctuation", "Hello, world!", "Hello world"),
        ("strip_digits", "page 12", "page "),
    ],
)
def test_each_normalization_is_what_makes_texts_equal(option, a, b):
    off = dict(RAW, strip_punctuation=False, strip_digits=False)
    assert reasons_of(run_stage(ExactDedup(**off), [{"text": a}, {"text": b}])) == [None, None]
    on = dict(off, **{option: True})
    assert reasons_of(run_stage(ExactDedup(**on), [{"text": a}, {"text": b}])) == [
        None,
        "exact_duplicate",
    ]


def test_rows_rejected_earlier_do_not_count_as_first_copy():
    import numpy as np

    from dataprep.stage import mark_rejected
    from dataprep.testing import make_batch

    batch = make_batch([{"text": "x"}, {"text": "x"}, {"text": "x"}])
    batch = mark_rejected(batch, "earlier", np.array([0]), ["too_bad"])
    out = run_stage(ExactDedup(), batch)
    assert reasons_of(out) == ["too_bad", None, "exact_duplicate"]
    assert out.column("dp_dup_cluster").to_pylist() == [None, 1, 1]


def test_fit_over_several_batches_equals_one_batch():
    texts = [f"doc {i % 7}" for i in range(50)]
    one = run_stage(ExactDedup(), [{"text": t} for t in texts])
    many = run_stage(ExactDedup(), [{"text": t} for t in texts], batch_rows=6)
    assert reasons_of(one) == reasons_of(many)
    assert reasons_of(one).count(None) == 7


def test_null_text_counts_as_empty_string():
    out = run_stage(ExactDedup(), [{"text": None}, {"text": ""}, {"text": "  "}])
    assert reasons_of(out) == [None, "exact_duplicate", "exact_duplicate"]


def test_bad_parameter_is_one_sentence():
    with pytest.raises(
        ConfigError, match="The 'lowercase' parameter of exact_dedup must be a bool"
    ):
        ExactDedup(lowercase="yes").check_params()


def test_tinyshakespeare_rejects_exactly_the_later_copies_of_its_74_repeats():
    records = read_jsonl_gz(shared_file("tinyshakespeare", "tinyshakespeare.jsonl.gz"))
    texts = [r["text"] for r in records]
    first_seen: dict[str, int] = {}
    expected = []
    for i, text in enumerate(texts):
        expected.append("exact_duplicate" if text in first_seen else None)
        first_seen.setdefault(text, i)
    assert len(texts) - len(first_seen) == 74  # the data's README
    out = run_stage(ExactDedup(**RAW), [{"text": t} for t in texts], batch_rows=1000)
    assert reasons_of(out) == expected
    clusters = out.column("dp_dup_cluster").to_pylist()
    counts = Counter(texts)
    for i, text in enumerate(texts):
        if counts[text] > 1:
            assert clusters[i] == first_seen[text]


def test_tiny_sorted_runs_give_the_in_memory_result_on_ag_news_with_copies(monkeypatch):
    """AG News test texts plus injected copies (verbatim, re-cased, re-spaced), fitted with runs
    of 64 records (about 190 run files) and merge windows of 8: exactly the one-run result, and
    the first-copy rule checked against a dictionary."""
    import numpy as np

    from dataprep.storage import sorted_runs

    texts = [r["text"] for r in read_jsonl_gz(shared_file("ag_news", "ag_news_test.jsonl.gz"))]
    copies = [t.upper() if i % 3 == 0 else "  " + t for i, t in enumerate(texts[::7])]
    texts = texts + copies + texts[::11]
    records = [{"text": t} for t in texts]
    in_memory = ExactDedup()
    out = run_stage(in_memory, records, batch_rows=500)
    monkeypatch.setattr(sorted_runs, "MIN_WINDOW", 8)
    spilled = ExactDedup()
    assert reasons_of(run_stage(spilled, records, batch_rows=500, run_rows=64)) == reasons_of(out)
    for name in ("rejected_rows_", "rejected_codes_"):
        assert np.array_equal(getattr(spilled, name), getattr(in_memory, name))
    got, want = spilled.row_values_["dp_dup_cluster"], in_memory.row_values_["dp_dup_cluster"]
    for a, b in zip(got, want, strict=True):  # (rows, values)
        assert a.dtype == b.dtype and np.array_equal(a, b)
    first_seen: dict[str, int] = {}
    for i, text in enumerate(texts):
        first_seen.setdefault(" ".join(text.lower().split()), i)
    expected = [first_seen[" ".join(t.lower().split())] for t in texts]
    clusters = out.column("dp_dup_cluster").to_pylist()
    assert [c if c is not None else i for i, c in enumerate(clusters)] == expected
    assert reasons_of(out).count("exact_duplicate") >= len(copies)


NFKC_CASES = [
    "plain ascii",
    "non\u00a0breaking space",  # -> ASCII space
    "wait\u2026",  # ellipsis -> three dots
    "\uff26\uff55\uff4c\uff4c width",  # full-width letters
    "\ufb01nance",  # the fi ligature
    "cafe\u0301",  # e + combining acute -> precomposed
    "caf\u00e9 already composed",
    "\u1100\u1161 jamo",  # Hangul jamo -> one syllable
    "\u201ccurly quotes\u201d stay",
    "x\u00b2 and \u2460",  # superscript two, circled one
    "\u65e5\u672c\u8a9e",
]


def test_nfkc_is_the_unicode_nfkc_of_every_text():
    texts = pa.array(NFKC_CASES)
    normalized = nfkc_normalize(texts).to_pylist()
    assert normalized == [unicodedata.normalize("NFKC", text) for text in NFKC_CASES]
    # Arrow's utf8proc (the previous implementation) agrees on every case here.
    assert normalized == pc.utf8_normalize(texts, form="NFKC").to_pylist()
    assert normalized[1:6] == ["non breaking space", "wait...", "Full width", "finance", "café"]


def test_nfkc_returns_the_array_itself_when_nothing_changes():
    ascii_only = pa.array(["abc", "d e f"])
    assert nfkc_normalize(ascii_only) is ascii_only
    normalized_already = pa.array(["caf\u00e9", "\u201cq\u201d", "\u65e5"])
    assert nfkc_normalize(normalized_already) is normalized_already


def test_exact_dedup_matches_copies_that_differ_only_under_nfkc():
    texts = ["the \ufb01rst item\u2026", "The first item...", "the first item"]
    result = run_stage(ExactDedup(), [{"text": text} for text in texts])
    assert reasons_of(result) == [None, "exact_duplicate", None]


def test_japanese_and_chinese_copies_normalize_like_spaced_text():
    """No step of the normalization is word-based: CJK copies that differ only in full-width
    forms, ideographic spaces (NFKC maps U+3000 to a space) or line breaks are duplicates, and
    a one-character change is not."""
    ja = "東京は日本の首都です。ＡＰＩ　と\u3000Ｄｅｂｉａｎ\n\nパッケージ"
    texts = [
        ja,
        "東京は日本の首都です。API と Debian パッケージ",  # NFKC + lowercase + whitespace
        "東京は日本の首都です。api と debian\tパッケージ  ",
        "東京は日本の首都でした。API と Debian パッケージ",  # one character differs
        "北京是中国的首都，也是文化中心。",
        "北京是中国的首都,也是文化中心.",  # NFKC: the full-width comma becomes ','
    ]
    out = run_stage(ExactDedup(), [{"text": t} for t in texts])
    assert reasons_of(out) == [None, "exact_duplicate", "exact_duplicate", None, None, None]
    # CJK punctuation is Unicode P*: stripping it makes the last two equal.
    out = run_stage(ExactDedup(strip_punctuation=True), [{"text": t} for t in texts])
    assert reasons_of(out)[4:] == [None, "exact_duplicate"]
    assert out.column("dp_dup_cluster").to_pylist()[4:] == [4, 4]
