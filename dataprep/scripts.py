"""Which documents are written without spaces between words (Chinese, Japanese, Thai, ...).

Counting whitespace-separated words is meaningless for such text: a Chinese paragraph is one
"word". Stages that count words (MinHash shingles, ``length``, the Gopher rules, readability,
rarity) ask this module which documents to treat differently.

The rule (``unspaced``): a document is *unspaced* when at least ``UNSPACED_SHARE`` (30%) of its
letters belong to a script written without spaces, and it has at least one such letter.
Letters are the code points ``str.isalpha()`` accepts (so digits, punctuation, symbols, marks
and whitespace count neither way). The unspaced scripts and their blocks are listed in
``UNSPACED_BLOCKS``: Han (with Bopomofo and the CJK compatibility ideographs), Hiragana,
Katakana (with its halfwidth forms), Thai, Lao, Tibetan, Myanmar and Khmer. Hangul is not
among them: Korean is written with spaces between words. A 30% share keeps a Japanese text with
many Latin brand names unspaced and an English text quoting a few Chinese words spaced.

Word units (``word_units``): where words cannot be split off by whitespace, each letter of an
unspaced script counts as one unit (a Han character is about one morpheme, a kana about one
syllable; word segmenters give about 1.5 Chinese and 2 Japanese characters per word, so units
overstate such text's length in words by that factor; a Thai, Lao, Khmer, Myanmar or Tibetan
letter is a consonant or vowel, so there units overstate words about four to six times), and
each whitespace-separated token without such a letter (a Latin name, a number) counts as one
unit.
"""

from __future__ import annotations

import functools

import numba as nb
import numpy as np
import pyarrow as pa

from dataprep.strings import string_buffers

# Classes of ``script_table``.
OTHER, LETTER, UNSPACED_LETTER, SPACE = 0, 1, 2, 3
UNSPACED_SHARE = 0.3
# (first, last code point, script) of the blocks of scripts written without spaces.
UNSPACED_BLOCKS = (
    (0x0E00, 0x0E7F, "Thai"),
    (0x0E80, 0x0EFF, "Lao"),
    (0x0F00, 0x0FFF, "Tibetan"),
    (0x1000, 0x109F, "Myanmar"),
    (0x1780, 0x17FF, "Khmer"),
    (0x19E0, 0x19FF, "Khmer"),
    (0x2E80, 0x2FDF, "Han"),
    (0x3005, 0x3007, "Han"),
    (0x3021, 0x3029, "Han"),
    (0x3038, 0x303B, "Han"),
    (0x3040, 0x309F, "Hiragana"),
    (0x30A0, 0x30FF, "Katakana"),
    (0x3100, 0x312F, "Bopomofo"),
    (0x31A0, 0x31BF, "Bopomofo"),
    (0x31F0, 0x31FF, "Katakana"),
    (0x3400, 0x4DBF, "Han"),
    (0x4E00, 0x9FFF, "Han"),
    (0xA9E0, 0xA9FF, "Myanmar"),
    (0xAA60, 0xAA7F, "Myanmar"),
    (0xF900, 0xFAFF, "Han"),
    (0xFF66, 0xFF9F, "Katakana"),
    (0x1B000, 0x1B16F, "Kana"),
    (0x20000, 0x3134F, "Han"),
)
_TABLE_SIZE = 0x32000  # letters of every unspaced block lie below; higher code points: OTHER


@functools.cache
def script_table() -> np.ndarray:
    """uint8 class of every code point below U+32000: OTHER, LETTER, UNSPACED_LETTER or SPACE
    (``str.isspace()``). Built once per process (about 0.1 s)."""
    chars = [chr(code) for code in range(_TABLE_SIZE)]
    table = np.frombuffer(bytes(map(str.isalpha, chars)), np.uint8) * np.uint8(LETTER)
    for first, last, _ in UNSPACED_BLOCKS:
        block = table[first : last + 1]
        block[block == LETTER] = UNSPACED_LETTER
    for code in range(0x3001):  # no whitespace above U+3000
        if chars[code].isspace():
            table[code] = SPACE
    return table


@nb.njit(inline="always")
def decode_utf8(data, i):
    """(code point, byte width) of the UTF-8 character starting at data[i]."""
    b = np.int64(data[i])
    if b < 0x80:
        return b, 1
    if b < 0xE0:
        return ((b & 0x1F) << 6) | (np.int64(data[i + 1]) & 0x3F), 2
    if b < 0xF0:
        return (
            ((b & 0x0F) << 12) | ((np.int64(data[i + 1]) & 0x3F) << 6) | (data[i + 2] & 0x3F)
        ), 3
    return (
        ((b & 0x07) << 18)
        | ((np.int64(data[i + 1]) & 0x3F) << 12)
        | ((np.int64(data[i + 2]) & 0x3F) << 6)
        | (np.int64(data[i + 3]) & 0x3F)
    ), 4


@nb.njit(inline="always")
def char_class(table, code):
    """The ``script_table`` class of a code point."""
    return table[code] if code < len(table) else OTHER


@nb.njit(inline="always")
def is_unspaced(data, start, end, table):
    """Whether the UTF-8 text data[start:end] is unspaced (the module docstring's rule)."""
    # Every unspaced block is at U+0E00 or above: 3- and 4-byte characters, lead byte >= 0xE0.
    # Most documents have no unspaced letter at all; find one before counting every letter.
    i = start
    found = False
    while i < end and not found:
        if i + 64 <= end:  # blocks of 64 bytes: a reduction the compiler vectorizes
            top = np.uint8(0)
            for k in range(i, i + 64):
                top |= data[k]
            if top < 0xE0:  # else a byte >= 0xE0 may be there (or bytes whose OR is)
                i += 64
                continue
        stop = min(i + 64, end)
        while i < stop:
            if data[i] >= 0xE0:
                code, width = decode_utf8(data, i)
                if char_class(table, code) == UNSPACED_LETTER:
                    found = True
                    break
                i += width
            else:
                i += 1
    if not found:
        return False
    letters = unspaced = 0
    i = start
    check = start
    while i < end:
        if i >= check:
            # Stop once even all the remaining bytes as unspaced letters (3 bytes each) could
            # not reach the share: 10 * (unspaced + r) < 3 * (letters + r).
            if 7 * ((end - i) // 3) + 10 * unspaced < 3 * letters:
                return False
            check = i + 256
        b = data[i]
        if b < 0x80:  # ASCII: a letter or not, never unspaced
            letters += np.uint8((b | 32) - 97) < 26
            i += 1
            continue
        code, width = decode_utf8(data, i)
        kind = char_class(table, code)
        letters += LETTER <= kind <= UNSPACED_LETTER  # the two letter classes
        unspaced += kind == UNSPACED_LETTER
        i += width
    # unspaced / letters >= 0.3, in integers
    return unspaced > 0 and 10 * unspaced >= 3 * letters


@nb.njit(cache=True)
def _unspaced_mask(data, offsets, table):
    out = np.zeros(len(offsets) - 1, np.bool_)
    for d in range(len(out)):
        out[d] = is_unspaced(data, offsets[d], offsets[d + 1], table)
    return out


@nb.njit(cache=True)
def _word_units(data, offsets, table):
    out = np.zeros(len(offsets) - 1, np.int64)
    for d in range(len(out)):
        units = 0
        in_token = token_unspaced = False
        i, end = offsets[d], offsets[d + 1]
        while i <= end:
            kind = SPACE
            width = 1
            if i < end:
                code, width = decode_utf8(data, i)
                kind = char_class(table, code)
            if kind == SPACE:
                if in_token and not token_unspaced:
                    units += 1
                in_token = token_unspaced = False
            else:
                in_token = True
                if kind == UNSPACED_LETTER:
                    units += 1
                    token_unspaced = True
            i += width
        out[d] = units
    return out


def word_units(texts: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """int64 word units of each text (the module docstring): unspaced letters plus tokens
    (runs of non-whitespace) without one; 0 for null and empty texts."""
    data, offsets = string_buffers(texts)
    return _word_units(data, offsets, script_table())


def unspaced_mask(texts: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Boolean per text: True where the text is unspaced (the module docstring's rule); null
    and empty texts are False."""
    data, offsets = string_buffers(texts)
    return _unspaced_mask(data, offsets, script_table())


def unspaced_share(text: str) -> float:
    """Share of a text's letters in unspaced scripts (0.0 without letters); plain Python, for
    tests and explanations."""
    table = script_table()
    kinds = [table[ord(c)] if ord(c) < len(table) else OTHER for c in text]
    letters = sum(k in (LETTER, UNSPACED_LETTER) for k in kinds)
    return sum(k == UNSPACED_LETTER for k in kinds) / letters if letters else 0.0
