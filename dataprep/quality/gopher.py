"""Gopher rule-based quality filter ``gopher_quality`` (``gopher_repetition`` is in
``dataprep.quality.gopher_repetition``).

Source: Rae et al. 2021, "Scaling Language Models: Methods, Analysis & Insights from Training
Gopher", appendix A (MassiveText quality filter and Table A1 repetition filter). Semantics follow
huggingface/datatrove's ``GopherQualityFilter`` and ``GopherRepetitionFilter``; the differences
are listed below. Both filters decide per document and never rewrite text. Every threshold can
be set to null (None) to turn its rule off. Tokens, words, lines and paragraphs are defined in
``dataprep.quality.text_stats``: a *token* is a whitespace-separated piece of text and a *word*
is a token that is not punctuation-only, measured with its outer punctuation stripped. A ratio
over an empty set (no tokens, no lines) is 0.

gopher_quality: rules in the order they are checked (the first failing rule names the reason)

1. ``gopher_short_doc``: fewer than ``min_doc_words`` words (default 50).
2. ``gopher_long_doc``: more than ``max_doc_words`` words (default 100000).
3. ``gopher_below_avg_word_length``: mean word length below ``min_avg_word_length`` characters
   (default 3). A document with no words has mean length 0.
4. ``gopher_above_avg_word_length``: mean word length above ``max_avg_word_length`` (default 10).
5. ``gopher_symbol_word_ratio``: ``#`` characters per token, or ellipses (``...`` or ``…``) per
   token, above ``max_symbol_word_ratio`` (default 0.1); each symbol is checked on its own.
6. ``gopher_bullet_lines``: fraction of non-blank lines starting with a bullet (``•``, ``-``,
   ``*``, ``–``, ``—``, ``·``, ``‣``, ``◦``, ``●``, ``○``, ``▪``, ``▫``, ``■``, ``□``, ``►``,
   ``▸``, ``➢``) above ``max_bullet_lines_ratio`` (default 0.9).
7. ``gopher_ellipsis_lines``: fraction of non-blank lines ending with ``...`` or ``…`` above
   ``max_ellipsis_lines_ratio`` (default 0.3).
8. ``gopher_alpha_words``: fraction of tokens holding at least one alphabetic character below
   ``min_alpha_words_ratio`` (default 0.8).
9. ``gopher_stop_words``: fewer than ``min_stop_words`` occurrences (default 2) of the words in
   ``stop_words`` (default the, be, to, of, and, that, have, with), compared case-insensitively.

Documents written without spaces (Chinese, Japanese, Thai...: at least 30% of their letters in
such scripts, the rule of ``dataprep.scripts``) have no whitespace words, so for them:

- the word count of rules 1-2 and the denominator of rule 5 are *word units*
  (``dataprep.scripts.word_units``): one per letter of an unspaced script plus one per
  whitespace token without such a letter;
- rules 3-4 (mean word length) and 9 (stop words: the defaults are English) are skipped.

datatrove instead takes a ``language`` and splits words with that language's tokenizer (e.g.
jieba for Chinese, which gives about 1.5 characters per word) and its stop words; dataprep needs
no language label nor tokenizer, and counts a Chinese text of 50 characters as 50 word units.

Differences from datatrove:

- Tokens come from whitespace splitting, not NLTK: punctuation stays attached to tokens. Word
  counts and word lengths strip outer punctuation to stay close to NLTK's counts; the symbol and
  alpha ratios use all tokens as their denominator, as datatrove does.
- Stop words are matched case-insensitively ("The" counts); datatrove matches case-sensitively.
- Line ratios of ``gopher_quality`` ignore blank lines (datatrove counts them, so blank lines
  between paragraphs halve every line ratio), and bullets include ``*`` and a few other marks
  besides datatrove's ``•`` and ``-``.
- A threshold of 0 is a real limit here; in datatrove 0 turns a rule off (use null for that).
"""

from __future__ import annotations

import numba as nb
import numpy as np
import pyarrow as pa

from dataprep.errors import ConfigError
from dataprep.params import check_number, check_string_list
from dataprep.quality.text_stats import (
    ALPHA,
    BREAK,
    PUNCT,
    SPACE,
    char_table,
    decode,
    first_failures,
    lower_table,
    ratio,
)
from dataprep.registry import register
from dataprep.scripts import unspaced_mask, word_units
from dataprep.stage import Filter
from dataprep.strings import string_buffers

STOP_WORDS = ["the", "be", "to", "of", "and", "that", "have", "with"]
BULLETS = "•-*–—·‣◦●○▪▫■□►▸➢"

_RATIO_PARAMS = (
    "max_symbol_word_ratio",
    "max_bullet_lines_ratio",
    "max_ellipsis_lines_ratio",
    "min_alpha_words_ratio",
)
QUALITY_REASONS = (
    "gopher_short_doc",
    "gopher_long_doc",
    "gopher_below_avg_word_length",
    "gopher_above_avg_word_length",
    "gopher_symbol_word_ratio",
    "gopher_bullet_lines",
    "gopher_ellipsis_lines",
    "gopher_alpha_words",
    "gopher_stop_words",
)


@nb.njit(cache=True)
def _quality_counts(data, offsets, table, lower, bullets, stop_chars, stop_offsets):
    """Per document: [tokens, words, word characters, '#', ellipses, tokens with a letter,
    non-blank lines, bullet lines, ellipsis lines, stop word occurrences]."""
    n_docs = len(offsets) - 1
    out = np.zeros((n_docs, 10), np.int64)
    longest_stop = 0
    for s in range(len(stop_offsets) - 1):
        longest_stop = max(longest_stop, stop_offsets[s + 1] - stop_offsets[s])
    word = np.empty(longest_stop + 1, np.int64)
    for d in range(n_docs):
        i, end = offsets[d], offsets[d + 1]
        counts = out[d]
        dots = pos = 0
        in_tok = tok_alpha = nonblank = ends_ellipsis = False
        w_lo = w_hi = w_first = w_last = c1 = c2 = -1
        while i <= end:
            if i < end:
                c, w = decode(data, i)
                flags = table[c]
            else:
                c, w, flags = 10, 1, SPACE | BREAK  # a final line break closes everything
            if c == 46:
                dots += 1
            else:
                counts[4] += dots // 3 + (c == 0x2026)
                dots = 0
            counts[3] += c == 35
            if flags & SPACE and in_tok:
                in_tok = False
                counts[0] += 1
                counts[5] += tok_alpha
                if w_lo >= 0:
                    counts[1] += 1
                    length = w_last - w_first + 1
                    counts[2] += length
                    if length <= longest_stop:
                        k, j = 0, w_lo
                        while j < w_hi:
                            x, step = decode(data, j)
                            word[k] = lower[x] if x < 0x10000 else x
                            k += 1
                            j += step
                        for s in range(len(stop_offsets) - 1):
                            a = stop_offsets[s]
                            if stop_offsets[s + 1] - a == length:
                                same = True
                                for k in range(length):
                                    if stop_chars[a + k] != word[k]:
                                        same = False
                                        break
                                if same:
                                    counts[9] += 1
                                    break
            if flags & BREAK:
                if nonblank:
                    counts[6] += 1
                    counts[8] += ends_ellipsis
                nonblank = False
                c1 = c2 = -1
            else:
                if not flags & SPACE:
                    if not in_tok:
                        in_tok, tok_alpha, w_lo = True, False, -1
                    if flags & ALPHA:
                        tok_alpha = True
                    if not flags & PUNCT:
                        if w_lo < 0:
                            w_lo, w_first = i, pos
                        w_hi, w_last = i + w, pos
                    if not nonblank:
                        nonblank = True
                        for bullet in bullets:
                            if bullet == c:
                                counts[7] += 1
                                break
                    ends_ellipsis = c == 0x2026 or (c == 46 and c1 == 46 and c2 == 46)
                c2, c1 = c1, c
            pos += 1
            i += w
    return out


def above(values: np.ndarray, limit: float | None) -> np.ndarray | None:
    return None if limit is None else values > limit


def _below(values: np.ndarray, limit: float | None) -> np.ndarray | None:
    return None if limit is None else values < limit


@register
class GopherQualityFilter(Filter):
    """Gopher's document quality rules; see the module docstring for the rules and defaults."""

    name = "gopher_quality"
    version = 2

    def __init__(
        self,
        *,
        min_doc_words: int | None = 50,
        max_doc_words: int | None = 100000,
        min_avg_word_length: float | None = 3,
        max_avg_word_length: float | None = 10,
        max_symbol_word_ratio: float | None = 0.1,
        max_bullet_lines_ratio: float | None = 0.9,
        max_ellipsis_lines_ratio: float | None = 0.3,
        min_alpha_words_ratio: float | None = 0.8,
        min_stop_words: int | None = 2,
        stop_words: list[str] = STOP_WORDS,
    ) -> None:
        self.min_doc_words = min_doc_words
        self.max_doc_words = max_doc_words
        self.min_avg_word_length = min_avg_word_length
        self.max_avg_word_length = max_avg_word_length
        self.max_symbol_word_ratio = max_symbol_word_ratio
        self.max_bullet_lines_ratio = max_bullet_lines_ratio
        self.max_ellipsis_lines_ratio = max_ellipsis_lines_ratio
        self.min_alpha_words_ratio = min_alpha_words_ratio
        self.min_stop_words = min_stop_words
        self.stop_words = stop_words

    def check_params(self) -> None:
        for param in ("min_doc_words", "max_doc_words", "min_stop_words"):
            value = getattr(self, param)
            check_number(self.name, param, value, low=0, integer=True, allow_none=True)
        for param in ("min_avg_word_length", "max_avg_word_length"):
            check_number(self.name, param, getattr(self, param), low=0, allow_none=True)
        for param in _RATIO_PARAMS:
            check_number(self.name, param, getattr(self, param), low=0, high=1, allow_none=True)
        check_string_list(self.name, "stop_words", self.stop_words)
        if not all(self.stop_words):
            raise ConfigError(
                f"The 'stop_words' parameter of {self.name} must hold non-empty strings. "
                f"Got {self.stop_words!r} instead."
            )
        for low, high in (
            ("min_doc_words", "max_doc_words"),
            ("min_avg_word_length", "max_avg_word_length"),
        ):
            low_value, high_value = getattr(self, low), getattr(self, high)
            if low_value is not None and high_value is not None and low_value > high_value:
                raise ConfigError(
                    f"The {low!r} parameter of {self.name} must not exceed {high!r}. "
                    f"Got {low_value!r} > {high_value!r} instead."
                )

    def reason_names(self) -> list[str]:
        """Every reason this stage can give, in the order its rules are checked."""
        return list(QUALITY_REASONS)

    def _stop_word_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """Stop words, lowercased like the words they are compared with, as code points."""
        lower = lower_table()
        chars: list[int] = []
        offsets = [0]
        for stop_word in dict.fromkeys(self.stop_words):
            chars += [int(lower[ord(c)]) if ord(c) < 0x10000 else ord(c) for c in stop_word]
            offsets.append(len(chars))
        return np.array(chars, np.int64), np.array(offsets, np.int64)

    def reject_reasons(self, batch: pa.RecordBatch) -> list[str | None]:
        data, offsets = string_buffers(batch.column(self.context.text_column))
        stop_chars, stop_offsets = self._stop_word_arrays()
        bullets = np.array([ord(c) for c in BULLETS], np.int64)
        counts = _quality_counts(
            data, offsets, char_table(), lower_table(), bullets, stop_chars, stop_offsets
        )
        tokens, n_words, word_chars, hashes, ellipses, alpha, lines, bullet_lines = counts.T[:8]
        ellipsis_lines, stops = counts.T[8:]
        avg = ratio(word_chars, n_words)
        symbol_base = tokens
        texts = batch.column(self.context.text_column)
        unspaced = unspaced_mask(texts)
        if unspaced.any():
            # Word units for text without spaces; no word length, no (English) stop words.
            n_words = np.where(unspaced, word_units(texts), n_words)
            symbol_base = np.where(unspaced, n_words, tokens)
            avg = np.where(unspaced, np.nan, avg)
            stops = np.where(unspaced, np.iinfo(np.int64).max, stops)
        symbol = self.max_symbol_word_ratio
        if symbol is not None:
            symbol = (ratio(hashes, symbol_base) > symbol) | (ratio(ellipses, symbol_base) > symbol)
        bullet_ratio, ellipsis_ratio = ratio(bullet_lines, lines), ratio(ellipsis_lines, lines)
        rules = [
            ("gopher_short_doc", _below(n_words, self.min_doc_words)),
            ("gopher_long_doc", above(n_words, self.max_doc_words)),
            ("gopher_below_avg_word_length", _below(avg, self.min_avg_word_length)),
            ("gopher_above_avg_word_length", above(avg, self.max_avg_word_length)),
            ("gopher_symbol_word_ratio", symbol),
            ("gopher_bullet_lines", above(bullet_ratio, self.max_bullet_lines_ratio)),
            ("gopher_ellipsis_lines", above(ellipsis_ratio, self.max_ellipsis_lines_ratio)),
            ("gopher_alpha_words", _below(ratio(alpha, tokens), self.min_alpha_words_ratio)),
            ("gopher_stop_words", _below(stops, self.min_stop_words)),
        ]
        return first_failures(batch.num_rows, rules)
