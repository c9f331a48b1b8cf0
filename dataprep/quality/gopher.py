"""Gopher rule-based quality filters: ``gopher_quality`` and ``gopher_repetition``.

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

gopher_repetition: rules in the order they are checked (all fractions must not exceed the limit)

1. ``gopher_dup_para_frac``: paragraphs equal to an earlier paragraph / paragraphs, above
   ``dup_para_frac`` (default 0.3).
2. ``gopher_dup_para_char_frac``: characters in those repeated paragraphs / characters in the
   text, above ``dup_para_char_frac`` (default 0.2).
3. ``gopher_dup_line_frac``: non-blank lines equal to an earlier line / non-blank lines, above
   ``dup_line_frac`` (default 0.3).
4. ``gopher_dup_line_char_frac``: characters in those repeated lines / characters in the text,
   above ``dup_line_char_frac`` (default 0.2).
5. ``gopher_top_{n}_gram`` for each n in ``top_n_grams`` in increasing order (default
   {2: 0.2, 3: 0.18, 4: 0.16}): the most frequent token n-gram, measured as its tokens joined by
   single spaces, times its count, / characters in the text.
6. ``gopher_dup_{n}_gram`` for each n in ``dup_n_grams`` in increasing order (default
   {5: 0.15, 6: 0.14, 7: 0.13, 8: 0.12, 9: 0.11, 10: 0.10}): characters (token lengths, no
   separators) in n-grams that repeat an earlier n-gram, scanning left to right and skipping past
   each repeat so that no token is counted twice, / characters in the text.

``top_n_grams`` and ``dup_n_grams`` map n to a fraction (or to null to turn that n off); keys
may be ints or digit strings (``"2"``), so JSON recipes work as well as YAML ones.

Differences from datatrove:

- Tokens come from whitespace splitting, not NLTK: punctuation stays attached to tokens. Word
  counts and word lengths strip outer punctuation to stay close to NLTK's counts; the symbol and
  alpha ratios use all tokens as their denominator, as datatrove does.
- Stop words are matched case-insensitively ("The" counts); datatrove matches case-sensitively.
- Line ratios of ``gopher_quality`` ignore blank lines (datatrove counts them, so blank lines
  between paragraphs halve every line ratio), and bullets include ``*`` and a few other marks
  besides datatrove's ``•`` and ``-``.
- Repetition compares lines and paragraphs with surrounding whitespace stripped, and leaves blank
  ones out.
- A top n-gram counts only when it occurs at least twice; datatrove also flags a short document
  whose single n-gram is long compared to the text, which is not repetition.
- A threshold of 0 is a real limit here; in datatrove 0 turns a rule off (use null for that).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pyarrow as pa

from dataprep.errors import ConfigError
from dataprep.params import check_number, check_string_list
from dataprep.quality.text_stats import (
    NGramStats,
    count_alpha_tokens,
    duplicate_stats,
    nonblank_lines,
    paragraphs,
    ratio,
    words,
)
from dataprep.registry import register
from dataprep.stage import Filter, text_values

STOP_WORDS = ["the", "be", "to", "of", "and", "that", "have", "with"]
TOP_N_GRAMS = {2: 0.2, 3: 0.18, 4: 0.16}
DUP_N_GRAMS = {5: 0.15, 6: 0.14, 7: 0.13, 8: 0.12, 9: 0.11, 10: 0.10}
BULLETS = ("•", "-", "*", "–", "—", "·", "‣", "◦", "●", "○", "▪", "▫", "■", "□", "►", "▸", "➢")
ELLIPSES = ("...", "…")

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


def _check_order(stage: str, low_name: str, low: Any, high_name: str, high: Any) -> None:
    if low is not None and high is not None and low > high:
        raise ConfigError(
            f"The {low_name!r} parameter of {stage} must not exceed {high_name!r}. "
            f"Got {low!r} > {high!r} instead."
        )


@register
class GopherQualityFilter(Filter):
    """Gopher's document quality rules; see the module docstring for the rules and defaults."""

    name = "gopher_quality"
    version = 1

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
            check_number(
                self.name, param, getattr(self, param), low=0, integer=True, allow_none=True
            )
        for param in ("min_avg_word_length", "max_avg_word_length"):
            check_number(self.name, param, getattr(self, param), low=0, allow_none=True)
        for param in (
            "max_symbol_word_ratio",
            "max_bullet_lines_ratio",
            "max_ellipsis_lines_ratio",
            "min_alpha_words_ratio",
        ):
            check_number(self.name, param, getattr(self, param), low=0, high=1, allow_none=True)
        check_string_list(self.name, "stop_words", self.stop_words)
        if not all(self.stop_words):
            raise ConfigError(
                f"The 'stop_words' parameter of {self.name} must hold non-empty strings. "
                f"Got {self.stop_words!r} instead."
            )
        _check_order(
            self.name, "min_doc_words", self.min_doc_words, "max_doc_words", self.max_doc_words
        )
        _check_order(
            self.name,
            "min_avg_word_length",
            self.min_avg_word_length,
            "max_avg_word_length",
            self.max_avg_word_length,
        )

    def reason_names(self) -> list[str]:
        """Every reason this stage can give, in the order its rules are checked."""
        return list(QUALITY_REASONS)

    def reject_reasons(self, batch: pa.RecordBatch) -> list[str | None]:
        check = self._checker()
        return [check(text) for text in text_values(batch, self.context.text_column)]

    def _checker(self) -> Callable[[str], str | None]:
        """A per-document function with every threshold bound to a local name."""
        min_words, max_words = self.min_doc_words, self.max_doc_words
        min_avg, max_avg = self.min_avg_word_length, self.max_avg_word_length
        max_symbol = self.max_symbol_word_ratio
        max_bullet, max_ellipsis = self.max_bullet_lines_ratio, self.max_ellipsis_lines_ratio
        min_alpha, min_stop = self.min_alpha_words_ratio, self.min_stop_words
        stop_words = frozenset(word.lower() for word in self.stop_words)
        avg_on = min_avg is not None or max_avg is not None
        lines_on = max_bullet is not None or max_ellipsis is not None

        def check(text: str) -> str | None:
            doc_words = words(text)
            n_words = len(doc_words)
            if min_words is not None and n_words < min_words:
                return "gopher_short_doc"
            if max_words is not None and n_words > max_words:
                return "gopher_long_doc"
            if avg_on:
                avg = ratio(sum(map(len, doc_words)), n_words)
                if min_avg is not None and avg < min_avg:
                    return "gopher_below_avg_word_length"
                if max_avg is not None and avg > max_avg:
                    return "gopher_above_avg_word_length"
            n_tokens = len(text.split())
            if max_symbol is not None and (
                ratio(text.count("#"), n_tokens) > max_symbol
                or ratio(text.count("...") + text.count("…"), n_tokens) > max_symbol
            ):
                return "gopher_symbol_word_ratio"
            if lines_on:
                lines = nonblank_lines(text)
                if max_bullet is not None:
                    bullets = sum(1 for line in lines if line.startswith(BULLETS))
                    if ratio(bullets, len(lines)) > max_bullet:
                        return "gopher_bullet_lines"
                if max_ellipsis is not None:
                    ellipses = sum(1 for line in lines if line.endswith(ELLIPSES))
                    if ratio(ellipses, len(lines)) > max_ellipsis:
                        return "gopher_ellipsis_lines"
            if min_alpha is not None and ratio(count_alpha_tokens(text), n_tokens) < min_alpha:
                return "gopher_alpha_words"
            if min_stop is not None:
                found = sum(map(stop_words.__contains__, map(str.lower, doc_words)))
                if found < min_stop:
                    return "gopher_stop_words"
            return None

        return check


def ngram_thresholds(stage: str, param: str, value: object) -> list[tuple[int, float]]:
    """Parse an n -> fraction mapping into sorted (n, fraction) pairs; null entries are off.

    Keys may be ints or digit strings; raises ConfigError for anything else.
    """
    if value is None:
        return []
    expected = "a mapping from n (an int >= 1) to a fraction in [0, 1] or null"
    if not isinstance(value, Mapping):
        raise ConfigError(
            f"The {param!r} parameter of {stage} must be {expected}. Got {value!r} instead."
        )
    pairs: dict[int, float] = {}
    for key, fraction in value.items():
        if isinstance(key, str) and key.strip().isdigit():
            n = int(key)
        elif isinstance(key, int) and not isinstance(key, bool):
            n = key
        else:
            n = 0
        if n < 1 or n in pairs:
            raise ConfigError(
                f"The {param!r} parameter of {stage} must be {expected}, each n once. "
                f"Got the key {key!r} instead."
            )
        check_number(stage, f"{param}[{key!r}]", fraction, low=0, high=1, allow_none=True)
        if fraction is not None:
            pairs[n] = fraction
    return sorted(pairs.items())


@register
class GopherRepetitionFilter(Filter):
    """Gopher's repetition rules (Table A1); see the module docstring for rules and defaults."""

    name = "gopher_repetition"
    version = 1

    def __init__(
        self,
        *,
        dup_line_frac: float | None = 0.3,
        dup_para_frac: float | None = 0.3,
        dup_line_char_frac: float | None = 0.2,
        dup_para_char_frac: float | None = 0.2,
        top_n_grams: Mapping[int, float | None] | None = TOP_N_GRAMS,
        dup_n_grams: Mapping[int, float | None] | None = DUP_N_GRAMS,
    ) -> None:
        self.dup_line_frac = dup_line_frac
        self.dup_para_frac = dup_para_frac
        self.dup_line_char_frac = dup_line_char_frac
        self.dup_para_char_frac = dup_para_char_frac
        self.top_n_grams = top_n_grams
        self.dup_n_grams = dup_n_grams

    def check_params(self) -> None:
        for param in ("dup_line_frac", "dup_para_frac", "dup_line_char_frac", "dup_para_char_frac"):
            check_number(self.name, param, getattr(self, param), low=0, high=1, allow_none=True)
        ngram_thresholds(self.name, "top_n_grams", self.top_n_grams)
        ngram_thresholds(self.name, "dup_n_grams", self.dup_n_grams)

    def reason_names(self) -> list[str]:
        """Every reason this stage can give with its parameters, in checking order."""
        names = [
            "gopher_dup_para_frac",
            "gopher_dup_para_char_frac",
            "gopher_dup_line_frac",
            "gopher_dup_line_char_frac",
        ]
        names += [f"gopher_top_{n}_gram" for n, _ in self._top()]
        names += [f"gopher_dup_{n}_gram" for n, _ in self._dup()]
        return names

    def _top(self) -> list[tuple[int, float]]:
        return ngram_thresholds(self.name, "top_n_grams", self.top_n_grams)

    def _dup(self) -> list[tuple[int, float]]:
        return ngram_thresholds(self.name, "dup_n_grams", self.dup_n_grams)

    def reject_reasons(self, batch: pa.RecordBatch) -> list[str | None]:
        check = self._checker()
        return [check(text) for text in text_values(batch, self.context.text_column)]

    def _checker(self) -> Callable[[str], str | None]:
        """A per-document function with every threshold bound to a local name."""
        para_frac, para_chars = self.dup_para_frac, self.dup_para_char_frac
        line_frac, line_chars = self.dup_line_frac, self.dup_line_char_frac
        top = [(n, limit, f"gopher_top_{n}_gram") for n, limit in self._top()]
        dup = [(n, limit, f"gopher_dup_{n}_gram") for n, limit in self._dup()]
        paras_on = para_frac is not None or para_chars is not None
        lines_on = line_frac is not None or line_chars is not None

        def check(text: str) -> str | None:
            length = len(text)
            if paras_on:
                paras = paragraphs(text)
                count, chars = duplicate_stats(paras)
                if para_frac is not None and ratio(count, len(paras)) > para_frac:
                    return "gopher_dup_para_frac"
                if para_chars is not None and ratio(chars, length) > para_chars:
                    return "gopher_dup_para_char_frac"
            if lines_on:
                lines = nonblank_lines(text)
                count, chars = duplicate_stats(lines)
                if line_frac is not None and ratio(count, len(lines)) > line_frac:
                    return "gopher_dup_line_frac"
                if line_chars is not None and ratio(chars, length) > line_chars:
                    return "gopher_dup_line_char_frac"
            if top or dup:
                stats = NGramStats(text.split())
                for n, limit, reason in top:
                    if ratio(stats.top_ngram_chars(n), length) > limit:
                        return reason
                for n, limit, reason in dup:
                    if ratio(stats.duplicate_ngram_chars(n), length) > limit:
                        return reason
            return None

        return check
