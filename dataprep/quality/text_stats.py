"""Shared text statistics for the rule-based quality filters (Gopher, C4, FineWeb).

Definitions used by every filter in this package:

- token: a whitespace-separated piece of text (``str.split()``, Unicode whitespace).
- punctuation character: a character whose Unicode general category is punctuation (P*) or
  symbol (S*), e.g. ``. , ! ? ' " ( ) - # $ % & * + / < = > @ [ ] ^ _ ` { | } ~ “ ” — … • ©``.
- word: a token that holds at least one character that is not punctuation, with its leading and
  trailing punctuation stripped (``"(hello),"`` is the word ``hello``; ``"don't"`` stays
  ``don't``; ``"--"`` and ``"..."`` are not words). This follows datatrove, which drops
  punctuation-only tokens from its word counts; datatrove gets its tokens from NLTK, which
  also splits punctuation off words, so stripping gives about the same word lengths without
  needing NLTK.
- line: a piece of ``str.splitlines()`` (``\\n``, ``\\r\\n`` and the other Unicode line breaks).
- paragraph: text between runs of one or more blank lines.

Everything here is linear in the length of the text: no regex is compiled per call and the
n-gram statistics are computed with numpy over integer word ids.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

import numpy as np


def _punctuation_spans() -> list[tuple[int, int]]:
    """Inclusive code point spans of every P* and S* character (all lie below U+20000)."""
    spans: list[list[int]] = []
    for code in range(0x20000):
        if unicodedata.category(chr(code))[0] in "PS":
            if spans and spans[-1][1] == code - 1:
                spans[-1][1] = code
            else:
                spans.append([code, code])
    return [(low, high) for low, high in spans]


def _class_body(spans: list[tuple[int, int]]) -> str:
    parts = []
    for low, high in spans:
        parts.append(re.escape(chr(low)))
        if high > low:
            parts.append("-" + re.escape(chr(high)))
    return "".join(parts)


# A class made only of characters below U+10000 is compiled into a fast lookup table, one with
# astral characters into a slow range list, so texts without astral characters (almost all of
# them) use the first pattern. No P*/S* span crosses U+FFFF (U+10000 is a letter).
_SPANS = _punctuation_spans()
_PUNCT_BMP = _class_body([span for span in _SPANS if span[1] < 0x10000])
_PUNCT_ALL = _class_body(_SPANS)
_WORD_BMP_RE = re.compile(rf"[^\s{_PUNCT_BMP}](?:\S*[^\s{_PUNCT_BMP}])?")
_WORD_ALL_RE = re.compile(rf"[^\s{_PUNCT_ALL}](?:\S*[^\s{_PUNCT_ALL}])?")
# One match per token holding an alphabetic character: from its first letter to its end.
_ALPHA_TOKEN_RE = re.compile(r"[^\W\d_]\S*")
_PARAGRAPH_SPLIT_RE = re.compile(r"\n(?:[^\S\n]*\n)+")
_MAX_BMP = "\uffff"


def words(text: str) -> list[str]:
    """The words of ``text``: non-punctuation tokens with outer punctuation stripped."""
    if text.isascii() or max(text) <= _MAX_BMP:
        return _WORD_BMP_RE.findall(text)
    return _WORD_ALL_RE.findall(text)


def count_alpha_tokens(text: str) -> int:
    """How many tokens hold at least one alphabetic character."""
    return len(_ALPHA_TOKEN_RE.findall(text))


def nonblank_lines(text: str) -> list[str]:
    """The lines of ``text`` with surrounding whitespace stripped; blank lines left out."""
    return [line for line in map(str.strip, text.splitlines()) if line]


def paragraphs(text: str) -> list[str]:
    """The paragraphs of ``text`` (split at blank lines), stripped; empty ones left out."""
    return [part for part in map(str.strip, _PARAGRAPH_SPLIT_RE.split(text)) if part]


def duplicate_stats(items: Sequence[str]) -> tuple[int, int]:
    """(number of items, total characters) over the items equal to an earlier item.

    The first occurrence of each distinct item is not counted; every later one is.
    """
    seen: set[str] = set()
    count = chars = 0
    for item in items:
        if item in seen:
            count += 1
            chars += len(item)
        else:
            seen.add(item)
    return count, chars


class NGramStats:
    """Repetition statistics over the word n-grams of one token sequence.

    n-grams are compared exactly (as integer word ids, not hashes). Only repeated n-grams are
    tracked: an (n+1)-gram can repeat only where the n-grams at p and p+1 both repeat, so each
    level works on the (usually few) positions kept by the level below it. Levels are built on
    demand and cached, so asking for n = 2..10 costs one pass per level.
    """

    def __init__(self, tokens: Sequence[str]) -> None:
        self.n_tokens = len(tokens)
        index = dict.fromkeys(tokens)
        index = dict(zip(index, range(len(index)), strict=True))
        self._vocab = max(len(index), 1)
        ids = np.fromiter(map(index.__getitem__, tokens), np.int64, self.n_tokens)
        self._ids = ids
        lengths = np.fromiter(map(len, tokens), np.int64, self.n_tokens)
        self._cum = np.zeros(self.n_tokens + 1, np.int64)
        np.cumsum(lengths, out=self._cum[1:])
        counts = np.bincount(ids, minlength=1)
        pos = np.flatnonzero(counts[ids] >= 2)
        # per level: (sorted positions of repeated n-grams, their group id, their count)
        self._levels = {1: (pos, ids[pos], counts[ids[pos]])}

    def _level(self, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        top = max(self._levels)
        while top < n:
            pos, group, _ = self._levels[top]
            if len(pos) < 2:
                empty = pos[:0]
                self._levels[top + 1] = (empty, empty, empty)
            else:
                lookup = np.full(self.n_tokens + 1, -1, np.int64)
                lookup[pos] = group
                starts = pos[lookup[pos + 1] >= 0]
                keys = lookup[starts] * self._vocab + self._ids[starts + top]
                _, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
                at_pos = counts[inverse]
                keep = at_pos >= 2
                self._levels[top + 1] = (starts[keep], inverse[keep], at_pos[keep])
            top += 1
        return self._levels[n]

    def top_ngram_chars(self, n: int) -> int:
        """Characters covered by the most frequent repeated n-gram, times its count.

        An n-gram is measured as its words joined by single spaces. Ties between n-grams of the
        same count go to the one that occurs first. 0 when no n-gram occurs twice.
        """
        pos, _, counts = self._level(n)
        if len(pos) == 0:
            return 0
        best = int(np.argmax(counts))
        start = int(pos[best])
        chars = int(self._cum[start + n] - self._cum[start]) + n - 1
        return chars * int(counts[best])

    def duplicate_ngram_chars(self, n: int) -> int:
        """Characters in n-grams that repeat an earlier n-gram, counted without overlap.

        Scans left to right like datatrove's ``find_all_duplicate``: an n-gram already seen
        adds the length of its words (without separators) and the scan jumps past it, so no
        word is counted twice; otherwise the n-gram is remembered and the scan moves one word.
        """
        pos, group, _ = self._level(n)
        if len(pos) == 0:
            return 0
        cum = self._cum
        seen: set[int] = set()
        total = 0
        next_free = -1
        for start, key in zip(pos.tolist(), group.tolist(), strict=True):
            if start < next_free:
                continue
            if key in seen:
                total += int(cum[start + n] - cum[start])
                next_free = start + n
            else:
                seen.add(key)
        return total


def ratio(numerator: float, denominator: float) -> float:
    """numerator / denominator, or 0.0 for an empty denominator."""
    return numerator / denominator if denominator else 0.0


__all__ = [
    "NGramStats",
    "count_alpha_tokens",
    "duplicate_stats",
    "nonblank_lines",
    "paragraphs",
    "ratio",
    "words",
]
