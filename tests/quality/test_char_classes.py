"""Tests for dataprep.quality.char_classes."""

from dataprep.quality.char_classes import (
    DT_PUNCTUATION,
    DT_TERMINAL,
    T_ALPHA,
    T_DT_PUNCT,
    T_DT_TERMINAL,
    T_ICON,
    T_LOWER,
    T_PREFIX,
    T_SPACE,
    T_SUFFIX,
    T_UPPER,
    token_table,
)


def test_flags_of_a_few_characters():
    table = token_table()
    assert table[ord(" ")] & T_SPACE and table[ord("\u3000")] & T_SPACE
    assert table[ord("a")] & T_LOWER and not table[ord("a")] & T_UPPER
    assert table[ord("A")] & T_UPPER and table[ord("A")] & T_ALPHA
    assert table[ord("中")] & T_LOWER and table[ord("中")] & T_UPPER  # uncased: both
    assert table[ord("(")] & T_PREFIX and table[ord(")")] & T_SUFFIX
    assert not table[ord("-")] & (T_PREFIX | T_SUFFIX)  # a hyphen only splits as an infix
    assert table[ord("©")] & T_ICON and table[ord("°")] & T_ICON


def test_datatrove_punctuation_sets():
    table = token_table()
    assert len(DT_TERMINAL) == len(set(DT_TERMINAL)) > 150
    assert all(table[ord(c)] & T_DT_PUNCT for c in DT_PUNCTUATION)
    assert all(table[ord(c)] & T_DT_TERMINAL for c in DT_TERMINAL)
    # the 2024 set lacks e.g. the Devanagari danda; the current one has it
    assert "।" not in DT_PUNCTUATION and "।" in DT_TERMINAL
    assert not table[ord("a")] & (T_DT_PUNCT | T_DT_TERMINAL)
