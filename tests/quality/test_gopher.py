"""Tests for the Gopher quality and repetition filters (dataprep.quality.gopher)."""

from __future__ import annotations

import re
from collections import Counter

import pyarrow as pa
import pytest
from conftest import GOOD_DOC, load_shared, reason, reasons
from hypothesis import given, settings
from hypothesis import strategies as st

from dataprep.errors import ConfigError
from dataprep.quality.char_classes import (
    DT_PUNCTUATION,
    DT_TERMINAL,
    T_DT_PUNCT,
    T_DT_TERMINAL,
    token_table,
)
from dataprep.quality.gopher import QUALITY_REASONS, GopherQualityFilter, quality_counts
from dataprep.quality.gopher_repetition import GopherRepetitionFilter
from dataprep.quality.text_stats import repetition_counts
from dataprep.quality.word_tokens import hash_set, special_cases, split_words
from dataprep.registry import get
from dataprep.stage import REJECT_REASON, REJECT_STAGE, RunContext
from dataprep.strings import string_buffers

GOOD = GOOD_DOC


# ---------------------------------------------------------------- gopher_quality, rule by rule


def test_good_document_passes_every_rule():
    assert len(GOOD.split()) >= 50
    assert reason(GopherQualityFilter(), GOOD) is None
    assert reason(GopherRepetitionFilter(), GOOD) is None


BULLET_DOC = "\n".join(f"- the {w} and the pear are sweet fruits" for w in "abcdefgh")
LONG_WORDS = "extraordinarily incomprehensible considerations to " * 15 + "of"  # mean 11.9


@pytest.mark.parametrize(
    ("doc", "expected", "param"),
    [
        ("The cat sat on the mat and then it went to sleep.", "gopher_short_doc", "min_doc_words"),
        ("the word to " * 33_334, "gopher_long_doc", "max_doc_words"),
        ("a b c to be of the and I a " * 6, "gopher_below_avg_word_length", "min_avg_word_length"),
        (LONG_WORDS, "gopher_above_avg_word_length", "max_avg_word_length"),
        # 12 '#' in 117 tokens ("#news" is two): 0.103 > 0.1
        (GOOD + " #news" * 12, "gopher_symbol_word_ratio", "max_symbol_word_ratio"),
        # 12 ellipses in 117 tokens ("Wait..." is two), none at a line end
        (
            GOOD.replace("Today", "Wait... " * 12 + "Today"),
            "gopher_symbol_word_ratio",
            "max_symbol_word_ratio",
        ),
        (BULLET_DOC, "gopher_bullet_lines", "max_bullet_lines_ratio"),  # 8 of 8 lines
        # 2 of 3 lines end with an ellipsis
        (
            GOOD + "\nAnd then the story went on…\nAnd so on and so forth…",
            "gopher_ellipsis_lines",
            "max_ellipsis_lines_ratio",
        ),
        # 84 of 114 tokens hold a letter: 0.737 < 0.8
        (GOOD + " 12345" * 30, "gopher_alpha_words", "min_alpha_words_ratio"),
        ("Quick brown foxes jump over lazy dogs. " * 9, "gopher_stop_words", "min_stop_words"),
    ],
)
def test_each_quality_rule_names_its_reason(doc, expected, param):
    assert reason(GopherQualityFilter(), doc) == expected
    # the document fails that rule only: with it turned off, it passes
    assert reason(GopherQualityFilter(**{param: None}), doc) is None


def test_words_exclude_punctuation_only_tokens():
    # 49 words plus punctuation-only tokens is still short; a 50th word makes it long enough.
    doc = " ".join(["the"] * 24 + ["house"] * 25) + " -- ... ! ?"
    assert reason(GopherQualityFilter(min_stop_words=None), doc) == "gopher_short_doc"
    assert reason(GopherQualityFilter(min_stop_words=None), doc + " house") is None


def test_word_length_counts_words_without_their_punctuation_tokens():
    # "(cat)," is the tokens ( cat ) , : the word "cat"; mean length exactly 3 is not below 3.
    doc = "(cat), " * 50 + "the and"
    assert split_words("(cat),") == ["(", "cat", ")", ","]
    assert reason(GopherQualityFilter(min_alpha_words_ratio=None), doc) is None
    assert reason(GopherQualityFilter(), "(ca), " * 50) == "gopher_below_avg_word_length"


def test_line_ratio_limits_are_exclusive():
    # 3 of 10 lines end with an ellipsis: 0.3 is not above 0.3; 4 of 10 is.
    lines = [
        f"This is line number {i} of the long and winding story about the sea" for i in range(10)
    ]
    at_limit = "\n".join(line + ("..." if i < 3 else ".") for i, line in enumerate(lines))
    above = "\n".join(line + ("..." if i < 4 else ".") for i, line in enumerate(lines))
    assert reason(GopherQualityFilter(), at_limit) is None
    assert reason(GopherQualityFilter(), above) == "gopher_ellipsis_lines"


def test_blank_lines_count_in_line_ratios_as_in_datatrove():
    # 8 bullet lines of 15 (7 blank): 0.53, not above 0.9; without the blank lines 8 of 8.
    lines = [f"• the {w} and the pear are sweet fruits" for w in "abcdefgh"]
    assert reason(GopherQualityFilter(), "\n\n".join(lines)) is None
    assert reason(GopherQualityFilter(), "\n".join(lines)) == "gopher_bullet_lines"
    # only '•' and '-' are bullets, after leading whitespace
    assert reason(GopherQualityFilter(), "\n".join("  - " + line[2:] for line in lines)) == (
        "gopher_bullet_lines"
    )
    assert reason(GopherQualityFilter(), "\n".join("* " + line[2:] for line in lines)) is None


def test_stop_words_are_case_sensitive_and_configurable():
    doc = "Quick brown foxes jump over lazy dogs. " * 9
    assert reason(GopherQualityFilter(), "The " + doc + " THE To") == "gopher_stop_words"
    assert reason(GopherQualityFilter(), "the " + doc + " to") is None
    assert reason(GopherQualityFilter(stop_words=["Quick", "lazy"]), doc) is None
    assert reason(GopherQualityFilter(min_stop_words=None), doc) is None


def test_null_threshold_turns_a_rule_off():
    short = "The cat sat on the mat and then it went to sleep."
    assert reason(GopherQualityFilter(min_doc_words=None), short) is None
    assert reason(GopherQualityFilter(max_doc_words=60), GOOD) == "gopher_long_doc"


def test_empty_and_null_texts():
    stage = GopherQualityFilter()
    batch = pa.RecordBatch.from_pylist([{"text": ""}, {"text": None}, {"text": GOOD}])
    assert stage.reject_reasons(batch) == ["gopher_short_doc", "gopher_short_doc", None]
    # no words: the mean word length is undefined and passes; 0 of 0 tokens hold a letter
    assert reason(GopherQualityFilter(min_doc_words=None), "") == "gopher_alpha_words"
    assert reason(GopherRepetitionFilter(), "") is None


# --------------------------------------------------------- params, registry, pipeline contract


@pytest.mark.parametrize(
    "params",
    [
        {"min_doc_words": -1},
        {"min_doc_words": 2.5},
        {"max_symbol_word_ratio": 1.5},
        {"min_alpha_words_ratio": -0.1},
        {"min_stop_words": True},
        {"stop_words": "the"},
        {"stop_words": ["the", ""]},
        {"min_doc_words": 100, "max_doc_words": 10},
        {"min_avg_word_length": 12},
    ],
)
def test_quality_check_params_rejects(params):
    with pytest.raises(ConfigError):
        GopherQualityFilter(**params).check_params()


@pytest.mark.parametrize(
    "params",
    [
        {"dup_line_frac": 1.5},
        {"dup_para_char_frac": -1},
        {"top_n_grams": {0: 0.2}},
        {"top_n_grams": {"two": 0.2}},
        {"top_n_grams": {2: 0.2, "2": 0.3}},
        {"dup_n_grams": {5: 2.0}},
        {"dup_n_grams": [5, 0.15]},
    ],
)
def test_repetition_check_params_rejects(params):
    with pytest.raises(ConfigError):
        GopherRepetitionFilter(**params).check_params()


@pytest.mark.parametrize("cls", [GopherQualityFilter, GopherRepetitionFilter])
def test_params_round_trip_and_registry(cls):
    stage = cls()
    stage.check_params()
    assert type(stage)(**stage.get_params()).get_params() == stage.get_params()
    assert get(cls.name) is cls


def test_every_rule_can_be_turned_off():
    quality = GopherQualityFilter(
        **{
            name: None
            for name in GopherQualityFilter.param_names()
            if name not in ("stop_words", "semantics")
        }
    )
    repetition = GopherRepetitionFilter(**dict.fromkeys(GopherRepetitionFilter.param_names()))
    for stage in (quality, repetition):
        stage.check_params()
        assert reasons(stage, ["", "x " * 10, "a b a b a b\n\na b a b a b"]) == [None] * 3


def test_transform_batch_marks_rejections():
    batch = pa.RecordBatch.from_pylist([{"text": GOOD}, {"text": "too short"}])
    out = GopherQualityFilter().transform_batch(batch)
    assert out.column(REJECT_STAGE).to_pylist() == [None, "gopher_quality"]
    assert out.column(REJECT_REASON).to_pylist() == [None, "gopher_short_doc"]


def test_other_text_column_and_sliced_batches():
    stage = GopherQualityFilter()
    stage.bind(RunContext(text_column="body"))
    batch = pa.RecordBatch.from_pylist([{"body": "short"}, {"body": GOOD}, {"body": "x"}])
    assert stage.reject_reasons(batch.slice(1, 2)) == [None, "gopher_short_doc"]


# -------------------------------------------------- kernels against plain-Python references

_STOP = {"the", "be", "to", "of", "and", "that", "have", "with"}


def reference_quality_counts(text, punctuation=DT_PUNCTUATION + DT_TERMINAL):
    """datatrove's GopherQualityFilter statistics, in plain Python over split_words."""
    tokens = split_words(text)
    words = [t for t in tokens if any(c not in punctuation for c in t)]
    lines = text.splitlines()
    return [
        len(tokens),
        len(words),
        sum(map(len, words)),
        text.count("#"),
        text.count("...") + text.count("…"),
        sum(any(c.isalpha() for c in t) for t in tokens),
        len(lines),
        sum(s.lstrip().startswith("•") or s.lstrip().startswith("-") for s in lines),
        sum(s.rstrip().endswith("...") or s.rstrip().endswith("…") for s in lines),
        len(_STOP & set(tokens)),
        sum(t in _STOP for t in tokens),
    ]


def kernel_quality_counts(texts, flags=T_DT_PUNCT | T_DT_TERMINAL):
    data, offsets = string_buffers(pa.array(texts, pa.string()))
    stops = hash_set(sorted(_STOP))
    counts = quality_counts(data, offsets, token_table(), *special_cases(), stops, flags)
    return counts.tolist()


def reference_repetition(text, max_n):
    """datatrove's GopherRepetitionFilter statistics, in plain Python over split_words."""
    paras = re.split(r"\n{2,}", text.strip())
    lines = re.split("\n+", text)

    def dups(items):
        seen, count, chars = set(), 0, 0
        for item in items:
            if item in seen:
                count, chars = count + 1, chars + len(item)
            seen.add(item)
        return [count, chars]

    words = split_words(text)
    top, dup = [0], [0]
    for n in range(1, max_n + 1):
        grams = [" ".join(words[i : i + n]) for i in range(len(words) - n + 1)]
        top.append(
            len(Counter(grams).most_common(1)[0][0]) * Counter(grams).most_common(1)[0][1]
            if grams
            else 0
        )
        seen, i, total = set(), 0, 0
        while i < len(words) - n + 1:
            if grams[i] in seen:
                total += len("".join(words[i : i + n]))
                i += n
            else:
                seen.add(grams[i])
                i += 1
        dup.append(total)
    return [len(text), len(paras), *dups(paras), len(lines), *dups(lines)], top, dup


_PIECES = [
    "the",
    "The",
    "to.",
    "(of)",
    "cat",
    "é",
    "İ",
    "😀",
    "#",
    "...",
    "…",
    "-",
    "• x",
    "don't",
    "(",
    "),",
    "Mr.",
    "well-known",
    "।",
    "‼",
    "42",
    "a",
    "bb",
    " ",
    "  ",
    "\t",
    "\n",
    "\n\n",
    "\r\n",
    "\r",
    "\u2028",
    "\x0c",
    "\u3000",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_PIECES), max_size=60), min_size=1, max_size=8))
def test_kernels_match_python_reference(docs):
    texts = ["".join(doc) for doc in docs]
    assert kernel_quality_counts(texts) == [reference_quality_counts(t) for t in texts]
    assert kernel_quality_counts(texts, T_DT_PUNCT) == [
        reference_quality_counts(t, DT_PUNCTUATION) for t in texts
    ]
    tables = token_table(), *special_cases()
    base, top, dup = repetition_counts(*string_buffers(pa.array(texts)), *tables, 6)
    for i, text in enumerate(texts):
        assert (base[i].tolist(), top[i].tolist(), dup[i].tolist()) == reference_repetition(text, 6)


# --------------------------------------------------------------------------- real data


def test_real_data_kernels_match_reference_and_reasons_are_documented():
    docs = [
        d["text"] for d in load_shared("dclm_quality_annotations/dclm_quality_majority.jsonl.gz")
    ]
    docs += [d["text"] for d in load_shared("web_samples/web_samples.jsonl.gz")]
    assert kernel_quality_counts(docs) == [reference_quality_counts(t) for t in docs]
    tables = token_table(), *special_cases()
    base, top, dup = repetition_counts(*string_buffers(pa.array(docs)), *tables, 10)
    for i in range(0, len(docs), 25):  # every 25th document: the reference is slow
        expected = reference_repetition(docs[i], 10)
        assert (base[i].tolist(), top[i].tolist(), dup[i].tolist()) == expected
    for stage in (GopherQualityFilter(), GopherRepetitionFilter()):
        found = reasons(stage, docs)
        assert len(found) == len(docs)
        assert set(found) - {None} <= set(stage.reason_names())
    assert set(GopherQualityFilter().reason_names()) == set(QUALITY_REASONS)


def test_real_data_dclm_low_quality_is_rejected_more_often():
    # Measured: 22 of 227 label-0 pages rejected (9.7%) against 3 of 272 label-1 pages (1.1%).
    rows = load_shared("dclm_quality_annotations/dclm_quality_majority.jsonl.gz")
    found = reasons(GopherQualityFilter(), [r["text"] for r in rows])
    rate = {
        label: sum(f is not None for f, r in zip(found, rows, strict=True) if r["label"] == label)
        / sum(r["label"] == label for r in rows)
        for label in (0, 1)
    }
    assert rate[0] > 3 * rate[1]


def test_real_data_repetition_rejects_noisy_page_text_more_than_clean_article():
    # Measured: 44 of 181 full-page texts (menus, footers repeated) against 4 of 181 article bodies.
    rows = load_shared("article_extraction_benchmark/article_extraction.jsonl.gz")
    stage = GopherRepetitionFilter()
    noisy = sum(r is not None for r in reasons(stage, [r["text"] for r in rows]))
    clean = sum(r is not None for r in reasons(stage, [r["article_body"] for r in rows]))
    assert noisy > 4 * clean


# 50 Han/kana letters and a full stop: no whitespace, no English stop word, one token.
JA_50 = (
    "東京は日本の首都であり世界でも有数の大都市です。"
    "多くの企業の本社が集まり鉄道や地下鉄の路線が広がってる"
)


def test_text_written_without_spaces_counts_word_units_and_skips_word_rules():
    assert len([c for c in JA_50 if c.isalpha()]) == 50
    stage = GopherQualityFilter()
    # Before: one 55-character "word", rejected as short (and for word length, stop words).
    assert reasons(stage, [JA_50, JA_50[:-1], JA_50 + "#"]) == [None, "gopher_short_doc", None]
    assert reason(GopherQualityFilter(max_doc_words=49), JA_50) == "gopher_long_doc"
    # '#' per word unit: 6 in 50 units is above 0.1 (per whitespace token it was 6 in 1).
    assert reason(stage, JA_50 + "#####") is None
    assert reason(stage, JA_50 + "######") == "gopher_symbol_word_ratio"
    # A spaced text keeps every rule: the same letters split into 1-letter words are too short.
    assert reason(stage, " ".join("abcdefghij" * 5)) == "gopher_below_avg_word_length"


def test_gopher_quality_keeps_most_real_japanese_and_chinese_descriptions():
    from cjk_corpus import cjk_documents

    for lang in ("ja", "zh"):
        docs = cjk_documents(lang, 300, seed=2)
        found = Counter(reasons(GopherQualityFilter(), docs))
        assert found["gopher_short_doc"] < len(docs) / 4, (lang, found)
        assert found[None] > len(docs) / 2, (lang, found)
