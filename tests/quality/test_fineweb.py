"""Tests for the FineWeb quality filter (dataprep.quality.fineweb)."""

from __future__ import annotations

import pyarrow as pa
import pytest
from conftest import GOOD_DOC, load_shared, reason, reasons

from dataprep.errors import ConfigError
from dataprep.quality.char_classes import token_table
from dataprep.quality.fineweb import REASONS, FineWebQualityFilter, token_counts
from dataprep.quality.word_tokens import special_cases, split_words
from dataprep.registry import get
from dataprep.strings import string_buffers

GOOD = GOOD_DOC
SENTENCES = [s.strip() + "." for s in GOOD.split(".") if s.strip()]  # 5 lines of 55-120 chars


def long_lines(count, end=""):
    """Distinct lines of 40+ characters and 8 tokens each."""
    return [f"Line number {i:03d} talks about the harbour and its boats{end}" for i in range(count)]


def test_good_document_passes():
    assert len(GOOD.split()) >= 50
    assert reason(FineWebQualityFilter(), GOOD) is None
    assert reason(FineWebQualityFilter(), "\n".join(SENTENCES)) is None


@pytest.mark.parametrize(
    ("doc", "expected", "param"),
    [
        # no line ends in punctuation: 0 <= 0.12
        ("\n".join(long_lines(5)), "fineweb_line_punct_ratio", "line_punct_thr"),
        # 3 of 4 lines are 30 characters or shorter: 0.75 >= 0.67
        (
            "Yes, it is.\nNo.\nMaybe so.\n" + SENTENCES[0],
            "fineweb_short_line_ratio",
            "short_line_thr",
        ),
        # one line repeats: 99 of 610 characters
        ("\n".join([*SENTENCES, SENTENCES[0]]), "fineweb_char_dup_ratio", "char_duplicates_ratio"),
        # 19 line breaks for 60 tokens (the period is one): 0.317 > 0.3
        (
            "\n".join(f"Incomprehensibilities number{i:02d}." for i in range(20)),
            "fineweb_list_ratio",
            "new_line_ratio",
        ),
    ],
)
def test_each_rule_names_its_reason(doc, expected, param):
    assert reason(FineWebQualityFilter(), doc) == expected
    # the document fails that rule only: with it turned off, it passes
    assert reason(FineWebQualityFilter(**{param: None}), doc) is None


def test_line_punct_ratio_limit_is_strict_but_inclusive_in_2024():
    # 3 of 25 lines end in punctuation: exactly 0.12 passes (2024: rejected); 2 of 25 fails.
    lines = long_lines(25)
    at_limit = "\n".join(line + ("." if i < 3 else "") for i, line in enumerate(lines))
    below = "\n".join(line + ("!" if i < 2 else "") for i, line in enumerate(lines))
    assert reason(FineWebQualityFilter(), at_limit) is None
    assert reason(FineWebQualityFilter(semantics="2024"), at_limit) == "fineweb_line_punct_ratio"
    assert reason(FineWebQualityFilter(), below) == "fineweb_line_punct_ratio"


def test_line_punct_exclude_zero():
    doc = "\n".join(long_lines(5))
    assert reason(FineWebQualityFilter(line_punct_exclude_zero=True), doc) is None
    one = "\n".join(long_lines(9)) + "\nThe end."  # 1 of 10 = 0.1: still rejected
    assert reason(FineWebQualityFilter(line_punct_exclude_zero=True), one) == (
        "fineweb_line_punct_ratio"
    )


@pytest.mark.parametrize(
    ("end", "current", "in_2024"),
    [
        (".", True, True),
        ("!", True, True),
        ("?", True, True),
        ("'", False, True),  # quotes end a line only in 2024
        ('"', False, True),
        ("。", True, False),  # TERMINAL_PUNCTUATION of other scripts: only current
        ("।", True, False),
        ("‼", True, False),
        (".  ", False, False),  # trailing whitespace is part of the line in both
        (")", False, False),
    ],
)
def test_line_ending_characters(end, current, in_2024):
    doc = "\n".join(long_lines(4, end))
    expected = {True: None, False: "fineweb_line_punct_ratio"}
    assert reason(FineWebQualityFilter(), doc) == expected[current]
    assert reason(FineWebQualityFilter(semantics="2024"), doc) == expected[in_2024]


def test_short_line_ratio_limit_and_length():
    doc = "Yes, it is.\nNo.\n" + "\n".join(SENTENCES[:2])  # 2 of 4 short: 0.5
    assert reason(FineWebQualityFilter(), doc) is None
    assert reason(FineWebQualityFilter(short_line_thr=0.5), doc) is None  # 0.5 is not > 0.5
    assert reason(FineWebQualityFilter(short_line_thr=0.5, semantics="2024"), doc) == (
        "fineweb_short_line_ratio"  # 2024: >=
    )
    assert reason(FineWebQualityFilter(short_line_thr=0.49), doc) == "fineweb_short_line_ratio"
    # a line of exactly short_line_length characters is short: "Yes, it is." has 11
    assert reason(FineWebQualityFilter(short_line_length=11, short_line_thr=0.3), doc) == (
        "fineweb_short_line_ratio"  # 2 of 4
    )
    assert reason(FineWebQualityFilter(short_line_length=10, short_line_thr=0.3), doc) is None


def test_blank_lines_are_dropped_but_counted_as_lines_in_2024():
    # 3 text lines and 2 blank lines. Current: 3 lines, 0 short, 3 of 3 end in punctuation.
    # 2024: 5 lines, 2 short (the blank ones), 3 of 5 end in punctuation.
    doc = "\n\n".join(SENTENCES[:3])
    for semantics in ("2025", "2024"):
        assert reason(FineWebQualityFilter(semantics=semantics), doc) is None
    assert reason(FineWebQualityFilter(short_line_thr=0.39), doc) is None
    assert reason(FineWebQualityFilter(short_line_thr=0.39, semantics="2024"), doc) == (
        "fineweb_short_line_ratio"
    )
    assert reason(FineWebQualityFilter(line_punct_thr=0.7), doc) is None
    assert reason(FineWebQualityFilter(line_punct_thr=0.7, semantics="2024"), doc) == (
        "fineweb_line_punct_ratio"
    )
    # blank lines are never duplicates, in both
    assert reason(FineWebQualityFilter(semantics="2024"), doc + "\n\n\n") is None


def test_char_dup_ratio_hand_computed():
    doc = "\n".join([*SENTENCES, SENTENCES[0]])
    # the repeated line has 99 characters; the text has 615 - 5 line breaks = 610 characters
    assert (len(SENTENCES[0]), len(doc) - doc.count("\n")) == (99, 610)
    at_limit = {"char_duplicates_ratio": 99 / 610}
    assert reason(FineWebQualityFilter(**at_limit), doc) is None  # not > the limit
    assert reason(FineWebQualityFilter(**at_limit, semantics="2024"), doc) == (
        "fineweb_char_dup_ratio"  # 2024: >=
    )
    assert reason(FineWebQualityFilter(char_duplicates_ratio=0.16), doc) == (
        "fineweb_char_dup_ratio"
    )


def test_crlf_lines_end_in_a_carriage_return_as_in_datatrove():
    doc = "\n".join(long_lines(10, "."))
    assert reason(FineWebQualityFilter(), doc) is None
    assert reason(FineWebQualityFilter(), doc.replace("\n", "\r\n")) == (
        "fineweb_line_punct_ratio"  # 1 of 10 lines ends in '.', the others in '\r'
    )


def test_token_counts_are_word_tokens():
    texts = ["", "  a  b ", "a\u3000b\x1cc\x85d\u2028e", "😀 é x\n\ny", "don't (stop).", GOOD]
    counts = token_counts(*string_buffers(pa.array(texts)), token_table(), *special_cases())
    assert counts.tolist() == [len(split_words(t)) for t in texts]
    assert counts.tolist()[:5] == [0, 2, 5, 4, 6]


def test_empty_and_null_texts():
    batch = pa.RecordBatch.from_pylist(
        [{"text": ""}, {"text": None}, {"text": " \n\t\n"}, {"text": GOOD}]
    )
    assert FineWebQualityFilter().reject_reasons(batch) == ["fineweb_empty"] * 3 + [None]
    assert FineWebQualityFilter(semantics="2024").reject_reasons(batch) == [
        "fineweb_line_punct_ratio"
    ] * 3 + [None]


@pytest.mark.parametrize(
    "params",
    [
        {"line_punct_thr": 1.5},
        {"short_line_thr": -0.1},
        {"short_line_length": -1},
        {"short_line_length": 30.5},
        {"char_duplicates_ratio": "0.01"},
        {"new_line_ratio": -1},
        {"line_punct_exclude_zero": 1},
        {"semantics": "2026"},
        {"semantics": 2024},
    ],
)
def test_check_params_rejects(params):
    with pytest.raises(ConfigError):
        FineWebQualityFilter(**params).check_params()


def test_params_round_trip_and_registry():
    stage = FineWebQualityFilter(new_line_ratio=None, short_line_length=40)
    stage.check_params()
    assert type(stage)(**stage.get_params()).get_params() == stage.get_params()
    assert get("fineweb_quality") is FineWebQualityFilter
    assert stage.reason_names() == list(REASONS)
    assert FineWebQualityFilter(semantics="2024").reason_names() == list(REASONS[1:])


def test_real_data_reasons_are_documented_and_noisy_text_is_rejected_more():
    # Measured: 175 of 181 full-page texts (menus, short link lines) rejected against 18 of 181
    # clean article bodies; on the labelled DCLM pages 33.0% of label 0 against 9.6% of label 1.
    rows = load_shared("article_extraction_benchmark/article_extraction.jsonl.gz")
    stage = FineWebQualityFilter()
    noisy = reasons(stage, [r["text"] for r in rows])
    clean = reasons(stage, [r["article_body"] for r in rows])
    assert set(noisy + clean) - {None} <= set(REASONS)
    assert sum(r is not None for r in noisy) > 4 * sum(r is not None for r in clean)
    labelled = load_shared("dclm_quality_annotations/dclm_quality_majority.jsonl.gz")
    found = reasons(stage, [r["text"] for r in labelled])
    rate = {
        label: sum(
            f is not None for f, r in zip(found, labelled, strict=True) if r["label"] == label
        )
        / sum(r["label"] == label for r in labelled)
        for label in (0, 1)
    }
    assert rate[0] > 2 * rate[1]
