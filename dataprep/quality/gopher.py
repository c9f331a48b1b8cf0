"""Gopher rule-based quality filter ``gopher_quality`` (``gopher_repetition`` is in
``dataprep.quality.gopher_repetition``).

Source: Rae et al. 2021, "Scaling Language Models: Methods, Analysis & Insights from Training
Gopher", appendix A. Semantics follow huggingface/datatrove's ``GopherQualityFilter`` as of
commit a649de79c14a550dc90f48a15c025f2dd3fd3b57 (2026-08-13; the rules last changed in
f9bbe093, January 2025; datatrove 0.10.1 has the same code). The document is never rewritten;
every threshold can be null (None) to turn its rule off.

Definitions (as datatrove's): a *token* is what datatrove's English word tokenizer (spaCy's
rule tokenizer) returns, punctuation marks included, reproduced by
``dataprep.quality.word_tokens``; a *word* is a token holding a character outside datatrove's
punctuation set (``datatrove.utils.text.PUNCTUATION_SET``); *lines* are those of
``str.splitlines()``, blank ones included.

Rules in the order they are checked (the first failing rule names the reason):

1. ``gopher_short_doc``: fewer than ``min_doc_words`` words (default 50).
2. ``gopher_long_doc``: more than ``max_doc_words`` words (default 100000).
3. ``gopher_below_avg_word_length``: mean word length below ``min_avg_word_length`` characters
   (default 3). With no words the mean is undefined and rules 3-4 pass, as in datatrove.
4. ``gopher_above_avg_word_length``: mean word length above ``max_avg_word_length`` (default 10).
5. ``gopher_symbol_word_ratio``: ``#`` characters per token, or ellipses (``...`` or ``…``,
   non-overlapping) per token, above ``max_symbol_word_ratio`` (default 0.1).
6. ``gopher_bullet_lines``: fraction of lines starting (after leading whitespace) with ``•`` or
   ``-`` above ``max_bullet_lines_ratio`` (default 0.9).
7. ``gopher_ellipsis_lines``: fraction of lines ending (before trailing whitespace) with ``...``
   or ``…`` above ``max_ellipsis_lines_ratio`` (default 0.3).
8. ``gopher_alpha_words``: fraction of tokens holding a letter (``str.isalpha``) below
   ``min_alpha_words_ratio`` (default 0.8).
9. ``gopher_stop_words``: fewer than ``min_stop_words`` (default 2) of the words in
   ``stop_words`` (default the, be, to, of, and, that, have, with) appear as tokens, matched
   case-sensitively ("The" is not "the"); each stop word counts once however often it appears.

``semantics`` (default ``"2025"``) picks the datatrove version followed: ``"2024"`` is the code
FineWeb was built with (datatrove c72b1e4a, 2024-05-02), which differs in two ways: rule 9
counts stop word *occurrences* (``the the`` is 2), and the punctuation set of the word
definition lacks datatrove's later ``TERMINAL_PUNCTUATION`` (so a token like ``।`` or ``‼`` is
a word). Both use the same tokenizer (see Differences).

Documents written without spaces (Chinese, Japanese, Thai...: at least 30% of their letters in
such scripts, the rule of ``dataprep.scripts``) have no whitespace words, so for them:

- the word count of rules 1-2 and the denominator of rule 5 are *word units*
  (``dataprep.scripts.word_units``): one per letter of an unspaced script plus one per
  whitespace token without such a letter;
- rules 3-4 (mean word length), 8 (alpha tokens: an unspaced text's tokens are long runs of
  letters, split at symbols) and 9 (stop words: the defaults are English) are skipped.

datatrove instead takes a ``language`` and splits words with that language's tokenizer (e.g.
jieba for Chinese, which gives about 1.5 characters per word) and its stop words; dataprep needs
no language label nor tokenizer, and counts a Chinese text of 50 characters as 50 word units.

Differences from datatrove:

- Tokens come from ``dataprep.quality.word_tokens``, a numba re-implementation of spaCy's
  English rules: 1,200 of 1,203 real pages get exactly spaCy's tokens (the other three split
  ``……`` in two). The 2024 code used NLTK's
  ``word_tokenize``, which this package does not reproduce (it keeps hyphenated words whole and
  splits fewer periods).
- A threshold of 0 is a real limit here; in datatrove 0 turns a rule off (use null for that).
- Ratios over zero tokens or lines are 0 here; datatrove divides by zero (it raises).
"""

from __future__ import annotations

import numba as nb
import numpy as np
import pyarrow as pa

from dataprep.errors import ConfigError
from dataprep.params import check_choice, check_number, check_string_list
from dataprep.quality.char_classes import T_ALPHA, T_DT_PUNCT, T_DT_TERMINAL, T_SPACE, token_table
from dataprep.quality.text_stats import first_failures, ratio
from dataprep.quality.word_tokens import decode_into, find, hash_set, special_cases, tokenize
from dataprep.registry import register
from dataprep.scripts import unspaced_mask, word_units
from dataprep.stage import Filter
from dataprep.strings import string_buffers

STOP_WORDS = ["the", "be", "to", "of", "and", "that", "have", "with"]
SEMANTICS = ("2025", "2024")

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


@nb.njit(inline="always")
def _is_break(c):
    # what str.splitlines() splits at
    return (
        c == 10
        or c == 13
        or c == 11
        or c == 12
        or 28 <= c <= 30
        or c == 0x85
        or (c == 0x2028 or c == 0x2029)
    )


@nb.njit(cache=True)
def quality_counts(data, offsets, table, specials, special_lengths, units, stops, symbol_flags):
    """Per document: [tokens, words, word characters, '#', ellipses, tokens with a letter, lines,
    bullet lines, ellipsis lines, distinct stop words, stop word occurrences].

    A word is a token holding a character without ``symbol_flags`` (datatrove's punctuation
    set); lines are those of ``str.splitlines()``, blank ones included.
    """
    n_docs = len(offsets) - 1
    out = np.zeros((n_docs, 11), np.int64)
    longest = 1
    for d in range(n_docs):
        longest = max(longest, offsets[d + 1] - offsets[d])
    cps = np.empty(longest, np.int32)
    tok_lo = np.empty(longest, np.int64)
    tok_hi = np.empty(longest, np.int64)
    scratch = np.empty(longest, np.int64)
    seen = np.zeros(len(stops), np.bool_)
    for d in range(n_docs):
        counts = out[d]
        n = decode_into(data, offsets[d], offsets[d + 1], cps)
        n_tok = tokenize(cps, n, table, specials, special_lengths, units, tok_lo, tok_hi, scratch)
        counts[0] = n_tok
        seen[:] = False
        for t in range(n_tok):
            word = alpha = False
            for k in range(tok_lo[t], tok_hi[t]):
                flags = table[cps[k]]
                word |= (flags & symbol_flags) == 0
                alpha |= (flags & T_ALPHA) != 0
            if word:
                counts[1] += 1
                counts[2] += tok_hi[t] - tok_lo[t]
            counts[5] += alpha
            s = find(cps, tok_lo[t], tok_hi[t], stops)
            if s >= 0:
                counts[10] += 1
                counts[9] += not seen[s]
                seen[s] = True
        dots = 0
        line_start = 0
        first = last = -1
        k = 0
        while k <= n:
            c = cps[k] if k < n else 10
            if c == 46:
                dots += 1
            else:
                counts[4] += dots // 3 + (c == 0x2026)
                dots = 0
            counts[3] += c == 35
            if _is_break(c):
                if k < n or k > line_start:  # splitlines: no empty line after a final break
                    counts[6] += 1
                    if first >= 0:
                        counts[7] += cps[first] == 0x2022 or cps[first] == 45
                        counts[8] += cps[last] == 0x2026 or (
                            last - first >= 2
                            and cps[last] == 46
                            and cps[last - 1] == 46
                            and cps[last - 2] == 46
                        )
                if c == 13 and k + 1 < n and cps[k + 1] == 10:
                    k += 1
                line_start = k + 1
                first = last = -1
            elif not table[c] & T_SPACE:
                if first < 0:
                    first = k
                last = k
            k += 1
    return out


def above(values: np.ndarray, limit: float | None) -> np.ndarray | None:
    return None if limit is None else values > limit


def _below(values: np.ndarray, limit: float | None) -> np.ndarray | None:
    return None if limit is None else values < limit


@register
class GopherQualityFilter(Filter):
    """Gopher's document quality rules; see the module docstring for the rules and defaults."""

    name = "gopher_quality"
    version = 3

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
        semantics: str = "2025",
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
        self.semantics = semantics

    def check_params(self) -> None:
        for param in ("min_doc_words", "max_doc_words", "min_stop_words"):
            value = getattr(self, param)
            check_number(self.name, param, value, low=0, integer=True, allow_none=True)
        for param in ("min_avg_word_length", "max_avg_word_length"):
            check_number(self.name, param, getattr(self, param), low=0, allow_none=True)
        for param in _RATIO_PARAMS:
            check_number(self.name, param, getattr(self, param), low=0, high=1, allow_none=True)
        check_string_list(self.name, "stop_words", self.stop_words)
        check_choice(self.name, "semantics", self.semantics, SEMANTICS)
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

    def reject_reasons(self, batch: pa.RecordBatch) -> list[str | None]:
        data, offsets = string_buffers(batch.column(self.context.text_column))
        symbol_flags = T_DT_PUNCT | (T_DT_TERMINAL if self.semantics == "2025" else 0)
        stops = hash_set(list(dict.fromkeys(self.stop_words)))
        counts = quality_counts(data, offsets, token_table(), *special_cases(), stops, symbol_flags)
        tokens, n_words, word_chars, hashes, ellipses, alpha, lines, bullet_lines = counts.T[:8]
        ellipsis_lines, distinct_stops, stop_occurrences = counts.T[8:]
        stops_found = distinct_stops if self.semantics == "2025" else stop_occurrences
        with np.errstate(invalid="ignore", divide="ignore"):
            avg = np.where(n_words > 0, word_chars / np.maximum(n_words, 1), np.nan)
        symbol_base = tokens
        texts = batch.column(self.context.text_column)
        unspaced = unspaced_mask(texts)
        if unspaced.any():
            # Word units for text without spaces; no word length, no (English) stop words.
            n_words = np.where(unspaced, word_units(texts), n_words)
            symbol_base = np.where(unspaced, n_words, tokens)
            avg = np.where(unspaced, np.nan, avg)
            stops_found = np.where(unspaced, np.iinfo(np.int64).max, stops_found)
            alpha = np.where(unspaced, tokens, alpha)  # rule 8 passes: runs of letters as tokens
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
            ("gopher_stop_words", _below(stops_found, self.min_stop_words)),
        ]
        return first_failures(batch.num_rows, rules)
