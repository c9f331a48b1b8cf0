"""Where datatrove's current quality rules (``semantics: "2025"``) and the 2024 ones FineWeb was
built with differ, on hand-built documents; and, when datatrove's venv is there, our decisions
against datatrove's on real documents."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from conftest import reason

from dataprep.quality.fineweb import FineWebQualityFilter
from dataprep.quality.gopher import GopherQualityFilter
from dataprep.quality.gopher_repetition import GopherRepetitionFilter
from dataprep.quality.word_tokens import split_words

REPO = Path(__file__).resolve().parents[2]
PEERS_PYTHON = REPO.parent / "main" / "benchmarks" / ".venv-peers" / "bin" / "python"
PROSE = (
    "Boats rest in harbour while sailors mend nets and gulls circle above quiet water. "
    "Fishermen sell fresh catch at dawn, merchants count coins, children run along stone "
    "walls, and old captains tell stories about storms, islands, wrecks and distant ports "
    "before evening bells ring across every narrow street near docks."
)


def gopher(doc: str, semantics: str, **params) -> str | None:
    return reason(GopherQualityFilter(semantics=semantics, **params), doc)


def test_distinct_stop_words_now_and_occurrences_in_2024():
    doc = PROSE.replace("and", "the")  # "the" 3 times, no other stop word
    assert len(split_words(doc)) > 50
    assert gopher(doc, "2025") == "gopher_stop_words"  # 1 distinct stop word < 2
    assert gopher(doc, "2024") is None  # 3 occurrences >= 2
    # case-sensitive in both: "The" is not "the"
    assert gopher(doc.replace("the", "The"), "2024") == "gopher_stop_words"


def test_terminal_punctuation_tokens_are_words_only_in_2024():
    words = " ".join(f"word{i} the of" for i in range(16))  # 48 words
    doc = words + " alpha ।"  # '।' is a token of its own
    assert "।" in split_words(doc)
    assert gopher(doc, "2025") == "gopher_short_doc"  # 49 words
    assert gopher(doc + " beta", "2025") is None  # 50
    assert gopher(doc, "2024") is None  # 50: '।' is a word in 2024


def test_punctuation_tokens_count_in_the_alpha_ratio_in_both():
    # 60 whitespace tokens, all with a letter; spaCy splits "ocean," into "ocean" and ",":
    # 60 of 80 tokens hold a letter = 0.75 < 0.8.
    doc = " ".join(["the ocean, of"] * 20)
    assert len(split_words(doc)) == 80
    for semantics in ("2025", "2024"):
        assert gopher(doc, semantics) == "gopher_alpha_words"
    assert gopher(" ".join(["the ocean of"] * 20), "2025") is None


def test_fineweb_versions_differ_exactly_where_documented():
    line = "This line talks about the harbour, its boats and the sailors."  # 61 characters
    short = "Short line."
    # 2 of 6 non-blank lines are short: 0.33; 2024 also counts the 4 blank lines: 6 of 10 short,
    # and 6 of 10 lines end in punctuation.
    doc = "\n\n".join([line, short, line + " More.", short + " Yes.", line + " A.", line + " B."])
    assert reason(FineWebQualityFilter(), doc) is None
    assert reason(FineWebQualityFilter(semantics="2024"), doc) is None
    assert reason(FineWebQualityFilter(short_line_thr=0.5, semantics="2024"), doc) == (
        "fineweb_short_line_ratio"
    )
    assert reason(FineWebQualityFilter(short_line_thr=0.5), doc) is None
    # a quote ends a line only in 2024; '。' only now
    quoted = "\n".join(f"He said: “{line}”" for _ in range(3)) + '\n"' + line + '"'
    assert reason(FineWebQualityFilter(char_duplicates_ratio=None), quoted) == (
        "fineweb_line_punct_ratio"
    )
    in_2024 = FineWebQualityFilter(char_duplicates_ratio=None, semantics="2024")
    assert reason(in_2024, quoted) is None


@pytest.mark.slow
@pytest.mark.skipif(not PEERS_PYTHON.exists(), reason="datatrove's venv is not installed")
def test_decisions_equal_datatrove_on_real_documents():
    sys.path.insert(0, str(REPO / "benchmarks"))
    from bench_peer_agreement import SHARED, compare, load_documents, ours, peers

    docs = load_documents(SHARED)[::24]  # 51 documents from every source
    assert len(docs) >= 50 and len({d["source"] for d in docs}) == 6
    mine, theirs = ours(docs), peers(docs, PEERS_PYTHON)["decisions"]
    for name in ("gopher_quality", "gopher_repetition", "fineweb_quality"):
        result = compare(docs, mine[name], theirs[name], examples=3)
        assert result["disagreements"] == [], name
        assert result["both_reject"] == result["same_reason_when_both_reject"], name
    assert GopherRepetitionFilter().reason_names()[0] == "gopher_dup_para_frac"
