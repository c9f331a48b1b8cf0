"""Tests for the C4 quality filter (dataprep.quality.c4)."""

from __future__ import annotations

import pyarrow as pa
import pytest
from conftest import GOOD_DOC, load_shared, reason, reasons

from dataprep.errors import ConfigError
from dataprep.quality.c4 import REASONS, C4QualityFilter, count_sentences
from dataprep.registry import get

GOOD = GOOD_DOC
# GOOD's five sentences and one more, one per item
SENTENCES = [s.strip() + "." for s in GOOD.split(".") if s.strip()]
SENTENCES.append("The town council plans to restore the old lighthouse next year.")


def test_good_document_passes():
    assert len(GOOD.split()) >= 50 and len(SENTENCES) == 6
    assert reason(C4QualityFilter(), GOOD) is None  # exactly 5 sentences: not fewer than 5
    assert reason(C4QualityFilter(), "\n".join(SENTENCES)) is None


@pytest.mark.parametrize(
    ("doc", "expected", "params_off"),
    [
        (GOOD + " Lorem IPSUM dolor sit amet.", "c4_lorem_ipsum", {"filter_lorem_ipsum": False}),
        (GOOD + " Use {braces} with care.", "c4_curly_bracket", {"filter_curly_bracket": False}),
        ("Home\nAbout us\nContact", "c4_no_valid_lines", None),
        (
            "This is the first sentence. This is the second one.",
            "c4_too_few_sentences",
            {"min_num_sentences": None},
        ),
    ],
)
def test_each_document_rule_names_its_reason(doc, expected, params_off):
    assert reason(C4QualityFilter(), doc) == expected
    if params_off is not None:
        assert reason(C4QualityFilter(**params_off), doc) is None


def test_page_level_checks_look_at_every_line():
    # C4's reference code only looks for "{" in lines it keeps; this stage keeps every line of a
    # document it keeps, so a "{" anywhere rejects the document.
    assert reason(C4QualityFilter(), "function init() {\n" + GOOD) == "c4_curly_bracket"
    assert reason(C4QualityFilter(), "lorem ipsum\n" + GOOD) == "c4_lorem_ipsum"


def test_line_rules_decide_which_sentences_count():
    # each sentence on its own line: 6 sentences, one line per rule broken -> 5 left, then 4.
    lines = list(SENTENCES)
    assert reason(C4QualityFilter(), "\n".join(lines)) is None
    lines[0] = lines[0].rstrip(".")  # no terminal punctuation
    assert reason(C4QualityFilter(), "\n".join(lines)) is None
    lines[1] = lines[1][:-1] + "..."  # an ellipsis is not terminal punctuation
    assert reason(C4QualityFilter(), "\n".join(lines)) == "c4_too_few_sentences"
    assert reason(C4QualityFilter(filter_no_terminal_punct=False), "\n".join(lines)) is None


@pytest.mark.parametrize(
    ("line", "params_on"),
    [
        ("Please enable JavaScript to view the comments powered by Disqus.", "filter_javascript"),
        ("This website uses cookies to improve your experience.", "filter_policy"),
        ("Read our Privacy Policy and Terms of Use before signing up.", "filter_policy"),
        ("Yes.", "min_words_per_line"),
        ("A " + "x" * 1001 + " is far too long a word.", "max_word_length"),
    ],
)
def test_dropped_lines(line, params_on):
    doc = "\n".join([line] * 5)
    assert reason(C4QualityFilter(), doc) == "c4_no_valid_lines"
    off = {params_on: None if params_on.startswith(("min", "max")) else False}
    assert reason(C4QualityFilter(**off), doc) is None


def test_citations_are_removed_before_the_punctuation_check():
    doc = "\n".join(s + f"[{i}]" for i, s in enumerate(SENTENCES[:5]))
    doc += "\nThe museum is open every day.[citation needed]"
    assert reason(C4QualityFilter(), doc) is None
    assert reason(C4QualityFilter(remove_citations=False), doc) == "c4_no_valid_lines"


def test_no_valid_lines_comes_before_too_few_sentences():
    doc = "Home\nAbout us\nContact"
    assert reason(C4QualityFilter(min_num_sentences=None), doc) == "c4_no_valid_lines"
    loose = C4QualityFilter(filter_no_terminal_punct=False, min_words_per_line=None)
    assert reason(loose, doc) == "c4_too_few_sentences"
    assert reason(C4QualityFilter(filter_no_terminal_punct=False, min_words_per_line=1), doc) == (
        "c4_too_few_sentences"
    )


@pytest.mark.parametrize(
    ("line", "count"),
    [
        ("One sentence here.", 1),
        ("One. Two! Three? Four.", 4),
        ('He said "stop." Then he left.', 2),
        ("It costs 3.5 dollars. e.g. it goes on.", 1),  # lowercase after ". ": no new sentence
        ("Mr. Smith went home.", 2),  # no abbreviation list: documented over-count
        ("No terminal punctuation", 1),
    ],
)
def test_count_sentences(line, count):
    assert count_sentences(line) == count


def test_bad_words(tmp_path):
    path = tmp_path / "bad_words.txt"
    path.write_text("darn\nheck off\n\n", encoding="utf-8")
    stage = C4QualityFilter(bad_words_path=str(path))
    stage.check_params()
    docs = [GOOD + " Darn, the river flooded.", GOOD + " Heck OFF, they said.", GOOD + " darned."]
    assert reasons(stage, docs) == ["c4_bad_words", "c4_bad_words", None]
    assert stage.bad_words_re_ is not None  # read once, cached
    assert reason(C4QualityFilter(), docs[0]) is None  # default: rule off


def test_bad_words_match_whole_words_only(tmp_path):
    path = tmp_path / "bad_words.txt"
    path.write_text("ass\nasshole\nbad word\na$$\n", encoding="utf-8")
    stage = C4QualityFilter(bad_words_path=str(path))
    tails = ["An assessment.", "You ASSHOLE.", "Bad words here.", "A bad word.", "Pay a$$ now."]
    assert reasons(stage, [f"{GOOD} {tail}" for tail in tails]) == [
        None,
        "c4_bad_words",
        None,
        "c4_bad_words",
        "c4_bad_words",
    ]


def test_bad_words_file_is_read_lazily_and_errors_name_the_path(tmp_path):
    missing = tmp_path / "no_such_list.txt"
    stage = C4QualityFilter(bad_words_path=str(missing))
    stage.check_params()  # no I/O before data is read
    with pytest.raises(ConfigError, match=r"no_such_list\.txt"):
        reason(stage, GOOD)
    empty = tmp_path / "empty.txt"
    empty.write_text("\n", encoding="utf-8")
    assert reason(C4QualityFilter(bad_words_path=str(empty)), GOOD) is None


def test_empty_and_null_texts():
    batch = pa.RecordBatch.from_pylist([{"text": ""}, {"text": None}, {"text": GOOD}])
    assert C4QualityFilter().reject_reasons(batch) == [
        "c4_no_valid_lines",
        "c4_no_valid_lines",
        None,
    ]


@pytest.mark.parametrize(
    "params",
    [
        {"min_num_sentences": -1},
        {"min_words_per_line": 1.5},
        {"max_word_length": 0},
        {"filter_policy": "yes"},
        {"remove_citations": None},
        {"bad_words_path": ""},
        {"bad_words_path": 3},
    ],
)
def test_check_params_rejects(params):
    with pytest.raises(ConfigError):
        C4QualityFilter(**params).check_params()


def test_params_round_trip_and_registry():
    stage = C4QualityFilter(bad_words_path="words.txt", min_num_sentences=None)
    stage.check_params()
    assert type(stage)(**stage.get_params()).get_params() == stage.get_params()
    assert get("c4_quality") is C4QualityFilter
    assert stage.reason_names() == list(REASONS)


def test_real_data_reasons_are_documented_and_low_quality_is_rejected_more():
    # Measured on the 499 labelled pages: 104 of 227 label-0 pages rejected (45.8%) against
    # 44 of 272 label-1 pages (16.2%).
    rows = load_shared("dclm_quality_annotations/dclm_quality_majority.jsonl.gz")
    found = reasons(C4QualityFilter(), [r["text"] for r in rows])
    assert len(found) == len(rows)
    assert set(found) - {None} <= set(REASONS)
    rate = {
        label: sum(f is not None for f, r in zip(found, rows, strict=True) if r["label"] == label)
        / sum(r["label"] == label for r in rows)
        for label in (0, 1)
    }
    assert rate[0] > 2 * rate[1]
