"""Tests for dataprep.quality.word_tokens: spaCy's English rule tokenizer, as datatrove uses it."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from conftest import load_shared

from dataprep.quality.char_classes import token_table
from dataprep.quality.word_tokens import (
    decode,
    decode_into,
    find,
    hash_set,
    special_cases,
    split_words,
    tokenize,
)
from dataprep.strings import string_buffers

# Texts and the tokens datatrove's split_into_words(text, "en") returned for them (spaCy 3.8.18,
# datatrove 0.10.1), joined by single spaces, pasted here so the test needs neither.
SPACY_CASES = [
    (
        (
            'Hello, world! It\'s "quoted" (paren) well-known U.S. Inc. Mr. Smith 3.5 $100 '
            "10% 1,000 e.g. don't can't ... wait... end."
        ),
        (
            'Hello , world ! It \'s " quoted " ( paren ) well - known U.S. Inc. Mr. Smith '
            "3.5 $ 100 10 % 1,000 e.g. do n't ca n't ... wait ... end ."
        ),
    ),
    (
        (
            "http://example.com/a?b=1. a/b x:y A.B. I. ok.Then - -- — 5-6 #tag @user a.m. "
            "Jan. 3rd. 1990s. i.e., ;-) :) <3 etc. vs. No. 2 St. [1] ’s you’re 12:30 50km "
            "5°C. x*y <b> &amp; ©2020"
        ),
        (
            "http://example.com/a?b=1 . a / b x : y A.B. I. ok . Then - -- — 5 - 6 # tag @user "
            "a.m. Jan. 3rd . 1990s . i.e. , ;-) :) <3 etc . vs. No . 2 St. [ 1 ] ’s you ’re "
            "12:30 50 km 5 ° C . x*y < b > & amp ; © 2020"
        ),
    ),
    (
        (
            "pic.twitter.com/cLT72XQfD3 (see www.example.org/page-1). Email me: a.b@example.com! "
            "US$700 and C$5; 'Tis (Mr.), Minnesota|. gonna cannot Wed ... ''quote''"
        ),
        (
            "pic.twitter.com/cLT72XQfD3 ( see www.example.org/page-1 ) . Email me : "
            "a.b@example.com ! US$ 700 and C$ 5 ; ' Tis ( Mr. ) , Minnesota| . "
            "gon na can not We d ... '' quote ''"
        ),
    ),
]


@pytest.mark.parametrize(("text", "expected"), SPACY_CASES)
def test_tokens_equal_spacy_on_hand_built_text(text, expected):
    assert split_words(text) == expected.split(" ")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        (" \n\t ", []),
        ("(well-known)", ["(", "well", "-", "known", ")"]),
        ("don't", ["do", "n't"]),
        ("DON'T", ["DON'T"]),  # spaCy has no all-caps exception
        ("U.S.", ["U.S."]),
        ("end.", ["end", "."]),
        ("ABC.", ["ABC", "."]),  # two uppercase letters before the period
        ("X.", ["X."]),  # one: the period stays
        ("5-6", ["5", "-", "6"]),
        ("3.5", ["3.5"]),
        ("$100", ["$", "100"]),
        ("50km", ["50", "km"]),
        ("wait...", ["wait", "..."]),
        ("):", ["):"]),  # an emoticon special case, merged after splitting
        ("😀x", ["😀", "x"]),
    ],
)
def test_rules(text, expected):
    assert split_words(text) == expected


def test_kernel_spans_and_helpers():
    text = "Hi, (you)!"
    cps = np.zeros(len(text), np.int32)
    data = np.frombuffer(text.encode(), np.uint8)
    assert decode_into(data, 0, len(data), cps) == len(text)
    assert decode(np.frombuffer("€".encode(), np.uint8), 0) == (ord("€"), 3)
    lo, hi, scratch = (np.empty(len(text), np.int64) for _ in range(3))
    count = tokenize(cps, len(text), token_table(), *special_cases(), lo, hi, scratch)
    assert list(zip(lo[:count].tolist(), hi[:count].tolist(), strict=True)) == [
        (0, 2), (2, 3), (4, 5), (5, 8), (8, 9), (9, 10)
    ]  # fmt: skip
    stops = hash_set(["Hi", "you"])
    assert find(cps, 0, 2, stops) >= 0 and find(cps, 5, 8, stops) >= 0
    assert find(cps, 2, 3, stops) == -1


def test_special_cases_table():
    hashes, lengths, units = special_cases()
    assert len(hashes) == len(lengths) > 1300
    assert np.all(np.diff(hashes.astype(np.float64)) >= 0)
    assert len(units) > 40


def test_real_pages_tokenize_in_linear_time_and_match_whitespace_bounds():
    texts = [r["text"] for r in load_shared("web_samples/web_samples.jsonl.gz")]
    for text in texts:
        words = split_words(text)
        # every token is a piece of one whitespace-separated chunk, in order
        assert len(words) >= len(text.split())
        assert "".join(words) == "".join(text.split())
    assert string_buffers(pa.array(texts))[1][-1] > 0
