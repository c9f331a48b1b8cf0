"""gopher_repetition, rule by rule, with hand-computed fractions."""

from __future__ import annotations

import pyarrow as pa
from conftest import reason

from dataprep.quality.char_classes import token_table
from dataprep.quality.gopher_repetition import GopherRepetitionFilter
from dataprep.quality.text_stats import repetition_counts
from dataprep.quality.word_tokens import special_cases
from dataprep.strings import string_buffers

# ------------------------------------------------------------ gopher_repetition, rule by rule

PARA_A = "The committee met on Tuesday to discuss the new budget for the coming year in detail."
PARA_B = "Several members raised concerns about the cost of repairs to the old library building."
PARA_C = "After a long debate the proposal was approved by a narrow margin of two votes."
PARA_D = "The chair thanked everyone for attending and closed the meeting shortly after nine."


def unique_words(count, start=0):
    return " ".join(f"w{i:03d}" for i in range(start, start + count))


def test_dup_para_frac():
    # paragraphs A, A, B: 1 repeated of 3 = 0.333 > 0.3
    assert reason(GopherRepetitionFilter(), f"{PARA_A}\n\n{PARA_A}\n\n{PARA_B}") == (
        "gopher_dup_para_frac"
    )


def test_dup_para_char_frac():
    # paragraphs A, B, C, D, A: 1 of 5 = 0.2 <= 0.3, and A holds 85 of 425 characters: exactly
    # 0.2, which is not above the limit (the n-gram rules would flag the repeat, so they are off)
    doc = "\n\n".join([PARA_A, PARA_B, PARA_C, PARA_D, PARA_A])
    assert (len(PARA_A), len(doc)) == (85, 425)
    assert reason(GopherRepetitionFilter(top_n_grams=None, dup_n_grams=None), doc) is None
    # ... with a longer repeated paragraph it is 170 of 595 characters (0.286 > 0.2).
    long_a = PARA_A + " " + PARA_A.replace("Tuesday", "Friday")
    doc = "\n\n".join([long_a, PARA_B, PARA_C, PARA_D, long_a])
    assert (len(long_a), len(doc)) == (170, 595)
    assert reason(GopherRepetitionFilter(), doc) == "gopher_dup_para_char_frac"


def test_dup_line_frac():
    # one paragraph (no blank line); lines A, B, A, A: 2 repeated of 4 = 0.5 > 0.3
    doc = "\n".join([PARA_A, PARA_B, PARA_A, PARA_A])
    assert reason(GopherRepetitionFilter(dup_para_frac=None), doc) == "gopher_dup_line_frac"


def test_dup_line_char_frac():
    # lines: long, 8 short distinct lines, long again: 1 of 10 repeated (0.1 <= 0.3) but the
    # repeated line is 172 characters of 473 (0.364 > 0.2).
    long_line = PARA_A + " " + PARA_B
    doc = "\n".join([long_line, *[f"Note {i} follows." for i in range(8)], long_line])
    assert (len(long_line), len(doc)) == (172, 473)
    assert reason(GopherRepetitionFilter(), doc) == "gopher_dup_line_char_frac"


def test_top_2_gram_hand_computed():
    doc = "aa bb cc dd aa bb ee ff aa bb gg hh"
    # "aa bb" (5 characters) occurs 3 times: 15 / 35 characters = 0.4286
    assert len(doc) == 35
    assert reason(GopherRepetitionFilter(), doc) == "gopher_top_2_gram"
    assert reason(GopherRepetitionFilter(top_n_grams={2: 15 / 35}), doc) is None  # not above
    assert reason(GopherRepetitionFilter(top_n_grams={2: 0.42}), doc) == "gopher_top_2_gram"


def test_top_3_gram():
    # "alpha beta gamma" (16 chars) 3 times among 30 unique words of 4 chars.
    filler = [unique_words(10, 0), unique_words(10, 10), unique_words(10, 20)]
    doc = " ".join(f"alpha beta gamma {part}" for part in filler)
    # top 2-gram "alpha beta": 3 * 10 = 30 chars (0.15); top 3-gram: 3 * 16 = 48 chars (0.24).
    assert len(doc) == 200
    assert reason(GopherRepetitionFilter(), doc) == "gopher_top_3_gram"


def test_top_4_gram():
    filler = [unique_words(14, 0), unique_words(14, 14), unique_words(14, 28)]
    doc = " ".join(f"aaaa bbbb cccc dddd {part}" for part in filler)
    # 2-gram 3 * 9 = 27 (0.100), 3-gram 3 * 14 = 42 (0.156), 4-gram 3 * 19 = 57 (0.212) of 269
    assert len(doc) == 269
    assert reason(GopherRepetitionFilter(), doc) == "gopher_top_4_gram"


def test_dup_5_gram():
    # A block of 20 distinct 6-letter words (139 characters) occurs twice among s unique 4-letter
    # words, so len = 2 * 139 + 5 * s + 1. The repeat holds four 5-grams: 20 * 6 = 120 token
    # characters. The top 4-gram is the block's first one: 2 * 27 = 54 characters.
    block = " ".join(f"blk{i:03d}" for i in range(20))

    def doc(s):
        return f"{block} {unique_words(s // 2)} {block} {unique_words(s - s // 2, 500)}"

    assert len(block) == 139 and len(doc(104)) == 799 and len(doc(105)) == 804
    # 120 / 799 = 0.1502 > 0.15 (54 / 799 = 0.068 passes the 4-gram rule before it)
    assert reason(GopherRepetitionFilter(), doc(104)) == "gopher_dup_5_gram"
    only_5 = GopherRepetitionFilter(dup_n_grams={5: 0.15})
    assert reason(only_5, doc(105)) is None  # 120 / 804 = 0.1493
    assert reason(GopherRepetitionFilter(dup_n_grams={5: 120 / 799}), doc(104)) is None


def test_dup_10_gram_reason_name():
    stage = GopherRepetitionFilter(top_n_grams=None, dup_n_grams={10: 0.1})
    block = " ".join(f"b{i}" for i in range(10))
    assert reason(stage, f"{block} {block} {unique_words(5)}") == "gopher_dup_10_gram"


def test_ngram_counts_hand_computed():
    texts = ["a b c a b c a b d x y", "p q r s t p q r s t p q r s t", "x"]
    tables = token_table(), *special_cases()
    base, top, dup = repetition_counts(*string_buffers(pa.array(texts)), *tables, 5)
    # doc 0: "a" occurs 3 times (1 char); "a b" 3 times (3 chars each); "a b c", "a b c a" and
    # "a b c a b" twice (5, 7 and 9 characters).
    assert top[0].tolist() == [0, 1 * 3, 3 * 3, 5 * 2, 7 * 2, 9 * 2]
    # Greedy repeats without overlap, n = 2: "ab" at 3 (2 chars, jump to 5), "ca" at 5 (2 chars,
    # jump to 7), "bd", "dx", "xy" new -> 4. n = 5: "abcab" at 3 repeats position 0 -> 5.
    assert dup[0].tolist() == [0, 5, 4, 3, 4, 5]
    # doc 1: "p q r s t" three times. n = 5: repeats at 5 and 10, 5 token characters each.
    # n = 2: "pq" at 5, jump to 7: "rs" at 7, jump to 9: "tp" at 9, ... 10 characters.
    assert dup[1].tolist() == [0, 10, 10, 9, 8, 10]
    assert top[1, 5] == 9 * 3
    assert base[1].tolist() == [29, 1, 0, 0, 1, 0, 0]
    # doc 2: one word; with no repeat the most common 1-gram is the first one (datatrove's
    # Counter.most_common), and there is no 2-gram at all
    assert top[2].tolist() == [0, 1, 0, 0, 0, 0]
    assert dup[2].tolist() == [0] * 6


def test_ngram_keys_accept_strings_and_null_entries():
    stage = GopherRepetitionFilter(top_n_grams={"2": 0.2, "3": None}, dup_n_grams={})
    stage.check_params()
    assert stage.reason_names()[4:] == ["gopher_top_2_gram"]
    assert reason(stage, "aa bb cc dd aa bb ee ff aa bb gg hh") == "gopher_top_2_gram"
