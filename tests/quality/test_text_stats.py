import numpy as np

from dataprep.quality.text_stats import (
    ALPHA,
    BREAK,
    PUNCT,
    SPACE,
    char_table,
    first_failures,
    lower_table,
    ratio,
)
from dataprep.quality.word_tokens import decode


def test_decode_reads_one_to_four_byte_characters():
    data = np.frombuffer("aé€😀".encode(), dtype=np.uint8)
    assert decode(data, 0) == (ord("a"), 1)
    assert decode(data, 1) == (ord("é"), 2)
    assert decode(data, 3) == (ord("€"), 3)
    assert decode(data, 6) == (ord("😀"), 4)


def test_character_classes():
    table = char_table()
    assert table[ord(" ")] & SPACE and table[ord("\n")] & SPACE and table[ord("\n")] & BREAK
    assert table[ord("é")] & ALPHA and not table[ord("7")] & ALPHA
    assert table[ord(",")] & PUNCT and not table[ord("a")] & PUNCT
    assert lower_table()[ord("Ä")] == ord("ä") and lower_table()[ord("x")] == ord("x")


def test_ratio_is_zero_over_an_empty_denominator():
    assert ratio(np.array([1, 3, 2]), np.array([2, 0, 8])).tolist() == [0.5, 0.0, 0.25]


def test_first_failing_rule_names_the_reason_and_none_is_off():
    rules = [
        ("a", np.array([False, True, False, False])),
        ("off", None),
        ("b", np.array([True, True, False, False])),
        ("c", np.array([False, False, False, True])),
    ]
    assert first_failures(4, rules) == ["b", "a", None, "c"]
