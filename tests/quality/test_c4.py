"""Tests for C4's rules as datatrove runs them (dataprep.quality.c4): c4_line_cleaner, a
modifier, then c4_quality, a page filter."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pyarrow as pa
import pytest
from conftest import GOOD_DOC, load_shared, reason, reasons

from dataprep.dedup.exact import ExactDedup
from dataprep.errors import ConfigError
from dataprep.pipeline import Pipeline
from dataprep.quality.c4 import REASONS, C4LineCleaner, C4QualityFilter, count_sentences
from dataprep.registry import get
from dataprep.settings import RunSettings
from dataprep.testing import run_stage

GOOD = GOOD_DOC
# GOOD's five sentences and one more, one per item
SENTENCES = [s.strip() + "." for s in GOOD.split(".") if s.strip()]
SENTENCES.append("The town council plans to restore the old lighthouse next year.")
PEERS_PYTHON = Path("/work/main/benchmarks/.venv-peers/bin/python")


def clean(text: str, **params) -> tuple[str, int]:
    """(cleaned text, non-blank lines removed) of one text."""
    texts, removed = C4LineCleaner(**params).rewrite([text])
    return texts[0], removed[0]


def judge(text: str, **params) -> str | None:
    """c4_quality's reason for the page c4_line_cleaner leaves of ``text``."""
    return reason(C4QualityFilter(**params), clean(text)[0])


def test_cleaner_removes_exactly_the_failing_lines():
    page = "\n".join(
        [
            SENTENCES[0],
            "Please enable JavaScript to view the comments.",  # javascript
            "Home | About us | Contact",  # no terminal punctuation
            "   ",  # blank: dropped, not counted
            SENTENCES[1] + "[1]",  # citation removed, line kept
            "Go on.",  # two words
            "This site uses cookies to improve your experience.",  # policy
            "A " + "x" * 1001 + " is too long a word.",  # word over 1000 characters
            "Wait for it...",  # an ellipsis is not terminal punctuation
            "  " + SENTENCES[2] + "  ",  # stripped
        ]
    )
    text, removed = clean(page)
    assert text == "\n".join([SENTENCES[0], SENTENCES[1], SENTENCES[2]])
    assert removed == 6


def test_words_are_counted_before_citations_are_removed():
    # datatrove splits the words before removing citations: "[1] [2] Yes." has 3 words
    assert clean("[1] [2] Yes.")[0] == "  Yes.".strip()
    # ... and checks the punctuation after: a citation after a space leaves the space at the end
    assert clean("This line ends. [3]") == ("", 1)
    assert clean("This line ends.[3]") == ("This line ends.", 0)
    assert clean("This line ends.[3]", remove_citations=False) == ("", 1)


def test_single_quote_is_terminal_punctuation_as_in_datatrove():
    assert clean("He called it 'the end.'")[0] == "He called it 'the end.'"
    assert clean("It was the 'classic'")[0] == "It was the 'classic'"


def test_page_deciding_lines_stay_for_the_page_filter():
    # datatrove rejects the page at a kept line with "lorem ipsum" (checked before the
    # javascript rule) or "{" (checked before the policy rule): those lines are kept.
    lorem = "Lorem ipsum and javascript here, dolor."
    curly = "Our privacy policy {is} short."
    text, removed = clean("\n".join([SENTENCES[0], lorem, curly]))
    assert (text, removed) == ("\n".join([SENTENCES[0], lorem, curly]), 0)
    assert judge("\n".join([SENTENCES[0], lorem, curly])) == "c4_lorem_ipsum"
    assert judge("\n".join([SENTENCES[0], curly, lorem])) == "c4_curly_bracket"
    # with the page rules off those lines fall to the javascript and policy rules
    off = {"filter_lorem_ipsum": False, "filter_curly_bracket": False}
    assert clean("\n".join([SENTENCES[0], lorem, curly]), **off) == (SENTENCES[0], 2)
    # a "{" in a line that is dropped anyway does not reject the page (the old c4_quality did)
    page = "function init() {\n" + "\n".join(SENTENCES)
    assert clean(page) == ("\n".join(SENTENCES), 1)
    assert judge(page) is None
    assert judge("lorem ipsum\n" + "\n".join(SENTENCES)) is None


def test_page_filter_counts_sentences_of_the_cleaned_page():
    lines = list(SENTENCES)  # 6 sentences
    assert judge("\n".join(lines)) is None
    lines[0] = lines[0].rstrip(".")  # dropped: 5 left
    assert judge("\n".join(lines)) is None
    lines[1] = lines[1][:-1] + "..."  # dropped: 4 left
    assert judge("\n".join(lines)) == "c4_too_few_sentences"
    assert judge("\n".join(lines), min_num_sentences=4) is None
    assert reason(C4QualityFilter(), "\n".join(lines)) is None  # uncleaned: 6 lines count


def test_empty_page_is_too_few_sentences_unless_the_rule_is_off():
    assert judge("Home\nAbout us\nContact") == "c4_too_few_sentences"
    assert judge("Home\nAbout us\nContact", min_num_sentences=None) is None
    # datatrove counts a kept empty line as one sentence (steps 3 and 4 off)
    loose = {"filter_no_terminal_punct": False, "min_words_per_line": None}
    text, _ = clean("a\n\nb\n\nc", **loose)
    assert text == "a\n\nb\n\nc" and reason(C4QualityFilter(), text) is None


@pytest.mark.parametrize(
    ("line", "param"),
    [
        ("Please enable JavaScript to view the comments powered by Disqus.", "filter_javascript"),
        ("This website uses cookies to improve your experience.", "filter_policy"),
        ("Read our Privacy Policy and Terms of Use before signing up.", "filter_policy"),
        ("Yes.", "min_words_per_line"),
        ("A " + "x" * 1001 + " is far too long a word.", "max_word_length"),
        ("No terminal punctuation here at all", "filter_no_terminal_punct"),
    ],
)
def test_each_line_rule_and_its_switch(line, param):
    doc = "\n".join([line] * 5)
    assert clean(doc) == ("", 5)
    off = {param: None if param.startswith(("min", "max")) else False}
    assert clean(doc, **off) == (doc, 0)


def test_modifier_columns_and_page_filter_in_one_batch():
    page = "\n".join([*SENTENCES, "Enable JavaScript now, please."])
    records = [{"text": t} for t in (page, GOOD, "Too short.", None)]
    out = run_stage(C4LineCleaner(), records)
    assert out.column("text").to_pylist() == ["\n".join(SENTENCES), GOOD, "", None]
    assert out.column("dp_c4_line_cleaner_lines_removed").to_pylist() == [1, 0, 1, 0]
    assert out.column("dp_c4_line_cleaner_chars_removed").to_pylist() == [31, 0, 10, 0]
    out = C4QualityFilter().transform_batch(out)
    assert out.column("dp_reject_reason").to_pylist() == [
        None,
        None,
        "c4_too_few_sentences",
        "c4_too_few_sentences",
    ]


def _write_jsonl(path: Path, texts: list[str]) -> str:
    path.write_text(
        "".join(json.dumps({"id": f"d{i}", "text": t}) + "\n" for i, t in enumerate(texts))
    )
    return str(path)


def _read(out: Path, part: str) -> pa.Table:
    files = sorted((out / part).glob("*.arrow"))
    return pa.concat_tables([pa.ipc.open_stream(f).read_all() for f in files])


FESTIVAL = "The harbour festival draws thousands of visitors every summer."
PIPELINE_TEXTS = [
    "\n".join(SENTENCES),
    "\n".join([*SENTENCES, "Enable JavaScript to see the map, please."]),  # a copy once cleaned
    "\n".join([SENTENCES[0], "Menu", SENTENCES[1]]),  # too few sentences once cleaned
    "\n".join([GOOD, "Share this", FESTIVAL]),
]


def test_pipeline_writes_cleaned_text_and_dedup_sees_it(tmp_path):
    source = _write_jsonl(tmp_path / "in.jsonl", PIPELINE_TEXTS * 3)
    outputs = {}
    for num_proc in (1, 2):
        out = tmp_path / f"p{num_proc}"
        stages = [C4LineCleaner(), C4QualityFilter(), ExactDedup()]
        Pipeline(stages, settings=RunSettings(num_proc=num_proc, batch_rows=2)).run([source], out)
        outputs[num_proc] = out
    for part in ("data", "rejected"):
        assert _read(outputs[1], part).equals(_read(outputs[2], part))
    kept = _read(outputs[2], "data")
    assert kept.column("id").to_pylist() == ["d0", "d3"]
    assert kept.column("text").to_pylist() == [PIPELINE_TEXTS[0], f"{GOOD}\n{FESTIVAL}"]
    rejected = _read(outputs[2], "rejected").to_pylist()
    by_id = {row["id"]: row for row in rejected}
    # d1 differs from d0 only by the line the cleaner removed: a copy for exact_dedup
    assert by_id["d1"]["dp_reject_stage"] == "exact_dedup"
    assert by_id["d1"]["text"] == PIPELINE_TEXTS[0]
    # a page rejected after the cleaner carries its cleaned text and counts, although the
    # writing pass had c4_quality's verdicts cached from exact_dedup's fit pass
    assert by_id["d2"]["dp_reject_reason"] == "c4_too_few_sentences"
    assert by_id["d2"]["text"] == "\n".join(SENTENCES[:2])
    assert by_id["d2"]["dp_c4_line_cleaner_lines_removed"] == 1
    stats = json.loads((outputs[2] / "stats.json").read_text())["stages"]
    assert stats["c4_line_cleaner"]["rows_rejected"] == 0
    # d1, d2 and d3 (and their two repeats) lose one line and its newline each
    removed = len("Enable JavaScript to see the map, please.") + len("Menu") + len("Share this")
    assert stats["c4_line_cleaner"]["modified"] == {
        "rows_changed": 9,
        "lines_removed": 9,
        "chars_removed": 3 * (removed + 3),
    }
    assert stats["c4_quality"]["reasons"] == {"c4_too_few_sentences": 3}
    assert stats["exact_dedup"]["rows_rejected"] == 7


@pytest.mark.parametrize(
    ("line", "count"),
    [
        ("One sentence here.", 1),
        ("One. Two! Three? Four.", 4),
        ('He said "stop." Then he left.', 2),
        ("It costs 3.5 dollars. e.g. it goes on.", 2),  # "e.g." is an abbreviation
        ("Mr. Smith went home.", 1),
        ("The U.S. Virgin Islands and J. Smith agree.", 1),
        ("It ended.Then it began.", 2),
        ("Wait... and see. -", 1),
        ("", 1),
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


@pytest.mark.parametrize(
    ("cls", "params"),
    [
        (C4QualityFilter, {"min_num_sentences": -1}),
        (C4LineCleaner, {"min_words_per_line": 1.5}),
        (C4LineCleaner, {"max_word_length": 0}),
        (C4LineCleaner, {"filter_policy": "yes"}),
        (C4LineCleaner, {"remove_citations": None}),
        (C4QualityFilter, {"filter_curly_bracket": 1}),
        (C4QualityFilter, {"bad_words_path": ""}),
        (C4QualityFilter, {"bad_words_path": 3}),
    ],
)
def test_check_params_rejects(cls, params):
    with pytest.raises(ConfigError, match=next(iter(params))):
        cls(**params).check_params()


def test_params_round_trip_and_registry():
    stage = C4QualityFilter(bad_words_path="words.txt", min_num_sentences=None)
    stage.check_params()
    assert type(stage)(**stage.get_params()).get_params() == stage.get_params()
    assert get("c4_quality") is C4QualityFilter and C4QualityFilter.version == 2
    assert get("c4_line_cleaner") is C4LineCleaner and C4LineCleaner.kind == "modifier"
    assert stage.reason_names() == list(REASONS)


def test_real_data_reasons_are_documented_and_low_quality_is_rejected_more():
    # Measured on the 499 labelled pages, cleaned then judged: 104 of 227 label-0 pages
    # rejected (45.8%) against 41 of 272 label-1 pages (15.1%).
    rows = load_shared("dclm_quality_annotations/dclm_quality_majority.jsonl.gz")
    cleaned, _ = C4LineCleaner().rewrite([r["text"] for r in rows])
    found = reasons(C4QualityFilter(), cleaned)
    assert len(found) == len(rows)
    assert set(found) - {None} <= set(REASONS)
    rate = {
        label: sum(f is not None for f, r in zip(found, rows, strict=True) if r["label"] == label)
        / sum(r["label"] == label for r in rows)
        for label in (0, 1)
    }
    assert rate[0] > 2 * rate[1]


# Run in the peers' interpreter: datatrove's C4QualityFilter on the JSON documents on stdin.
DATATROVE_SCRIPT = """
import json, sys
from datatrove.data import Document
from datatrove.pipeline.filters.c4_filters import C4QualityFilter
stage = C4QualityFilter()
for i, text in enumerate(json.load(sys.stdin)):
    doc = Document(text=text, id=str(i))
    verdict = stage.filter(doc)
    reason = None if verdict is True else verdict[1]
    print(json.dumps([reason, doc.text]))
"""
PARITY_PAGES = [
    "\n".join(SENTENCES),
    "\n".join([*SENTENCES, "Enable JavaScript to see the map, please.", "Menu"]),
    "\n".join([SENTENCES[0], "Lorem ipsum and javascript here, dolor.", *SENTENCES[1:]]),
    "\n".join([SENTENCES[0], "Our privacy policy {is} short.", *SENTENCES[1:]]),
    "function init() {\n" + "\n".join(SENTENCES),
    "\n".join(s + "[1]" for s in SENTENCES),
    "\n".join(s + " [edit]" for s in SENTENCES),
    "[1] [2] Yes.\n" + "\n".join(SENTENCES),
    "\n".join(SENTENCES[:4]),
    "Home\nAbout us\nContact",
    "",
    "He called it 'the end.'\n" + GOOD,
    "  " + "\n\n".join(SENTENCES) + "  \r\n",
]


@pytest.mark.slow
@pytest.mark.skipif(not PEERS_PYTHON.exists(), reason="the peers venv with datatrove is absent")
def test_same_cleaned_text_and_decisions_as_datatrove():
    real = [r["text"] for r in load_shared("web_samples/web_samples.jsonl.gz")]
    real += [
        r["text"] for r in load_shared("dclm_quality_annotations/dclm_quality_majority.jsonl.gz")
    ]
    pages = PARITY_PAGES + real
    done = subprocess.run(
        [str(PEERS_PYTHON), "-c", DATATROVE_SCRIPT],
        input=json.dumps(pages),
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    theirs = [json.loads(line) for line in done.stdout.splitlines()]
    cleaned, _ = C4LineCleaner().rewrite(pages)
    ours = reasons(C4QualityFilter(), cleaned)
    assert len(theirs) == len(pages)
    for page, text, reason_, (their_reason, their_text) in zip(
        pages, cleaned, ours, theirs, strict=True
    ):
        assert reason_ == (None if their_reason is None else f"c4_{their_reason}"), page
        if their_reason is None:
            assert text == their_text, page
