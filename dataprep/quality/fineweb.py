"""FineWeb's custom rule-based quality filter: ``fineweb_quality``.

Source: Penedo et al. 2024, "The FineWeb Datasets: Decanting the Web for the Finest Text Data at
Scale", section 3.3 (the three custom filters, plus the list-like-document rule of its reference
implementation), as implemented by huggingface/datatrove's ``FineWebQualityFilter``. It decides
per document and never rewrites text; a threshold set to null turns its rule off.

``semantics`` picks the datatrove version followed:

- ``"2025"`` (default): datatrove as of commit a649de79c14a550dc90f48a15c025f2dd3fd3b57
  (2026-08-13; these rules last changed in 84277597, December 2024, for FineWeb-2; datatrove
  0.10.1 has the same code). Lines are the pieces of ``text.split("\n")`` that are not blank
  (``line.strip() != ""``); a text with none is rejected as ``fineweb_empty``. Comparisons are
  strict, and a line ends in punctuation when its last character is in datatrove's
  ``TERMINAL_PUNCTUATION`` (``. ? !`` and about 160 sentence enders of other scripts, e.g.
  ``。 ！ ？ । ؟ ‼``; not quotes).
- ``"2024"``: the code FineWeb was built with (datatrove c72b1e4a, 2024-05-02): every piece of
  ``text.split("\n")`` is a line, blank ones included (the duplicate rule alone skips blank
  lines); rules 1-3 reject at the threshold too (``<=``, ``>=``, ``>=``); the line-ending
  characters are ``.``, ``'``, ``"``, ``!`` and ``?``.

Rules, in the order they are checked (the first failing one names the reason); "``<`` (2024:
``<=``)" gives the rejecting comparison:

1. ``fineweb_line_punct_ratio``: the fraction of lines whose last character (trailing
   whitespace included: ``"end. "`` does not end in punctuation) is a line-ending character,
   ``<`` (2024: ``<=``) ``line_punct_thr`` (default 0.12). With ``line_punct_exclude_zero``
   (default false) a fraction of exactly 0 is not rejected by this rule.
2. ``fineweb_short_line_ratio``: the fraction of lines of at most ``short_line_length``
   characters (default 30) ``>`` (2024: ``>=``) ``short_line_thr`` (default 0.67).
3. ``fineweb_char_dup_ratio``: characters in non-blank lines equal (exactly) to an earlier line,
   over the characters of the text without its ``\n``, ``>`` (2024: ``>=``)
   ``char_duplicates_ratio`` (default 0.01).
4. ``fineweb_list_ratio``: ``\n`` characters per word token ``>`` ``new_line_ratio`` (default
   0.3). Word tokens are datatrove's (spaCy's English rules, punctuation marks included),
   reproduced by ``dataprep.quality.word_tokens``.

Differences from datatrove: tokens come from ``dataprep.quality.word_tokens`` (1,200 of
1,203 real pages tokenized exactly as spaCy does); the 2024 code counted NLTK
``word_tokenize`` tokens, which this package does not reproduce. A ratio over an empty set is 0
where datatrove divides by zero (2024: an empty text). A threshold of 0 is a real limit here;
datatrove has no null.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import methodcaller

import numba as nb
import numpy as np
import pyarrow as pa

from dataprep.params import check_bool, check_choice, check_number
from dataprep.quality.char_classes import DT_TERMINAL, token_table
from dataprep.quality.word_tokens import decode_into, special_cases, tokenize
from dataprep.registry import register
from dataprep.stage import Filter, text_values
from dataprep.strings import string_buffers

SEMANTICS = ("2025", "2024")
STOP_CHARS_2024 = (".", "'", '"', "!", "?")
STOP_CHARS = tuple(DT_TERMINAL)
REASONS = (
    "fineweb_empty",
    "fineweb_line_punct_ratio",
    "fineweb_short_line_ratio",
    "fineweb_char_dup_ratio",
    "fineweb_list_ratio",
)


@nb.njit(cache=True)
def token_counts(data, offsets, table, specials, special_lengths, units):
    """Tokens per document of the UTF-8 strings data[offsets[d]:offsets[d + 1]]."""
    n_docs = len(offsets) - 1
    out = np.zeros(n_docs, np.int64)
    longest = 1
    for d in range(n_docs):
        longest = max(longest, offsets[d + 1] - offsets[d])
    cps = np.empty(longest, np.int32)
    tok_lo = np.empty(longest, np.int64)
    tok_hi = np.empty(longest, np.int64)
    scratch = np.empty(longest, np.int64)
    for d in range(n_docs):
        n = decode_into(data, offsets[d], offsets[d + 1], cps)
        out[d] = tokenize(cps, n, table, specials, special_lengths, units, tok_lo, tok_hi, scratch)
    return out


@register
class FineWebQualityFilter(Filter):
    """FineWeb's line-based rules; see the module docstring for the rules and defaults."""

    name = "fineweb_quality"
    version = 2

    def __init__(
        self,
        *,
        line_punct_thr: float | None = 0.12,
        line_punct_exclude_zero: bool = False,
        short_line_thr: float | None = 0.67,
        short_line_length: int = 30,
        char_duplicates_ratio: float | None = 0.01,
        new_line_ratio: float | None = 0.3,
        semantics: str = "2025",
    ) -> None:
        self.line_punct_thr = line_punct_thr
        self.line_punct_exclude_zero = line_punct_exclude_zero
        self.short_line_thr = short_line_thr
        self.short_line_length = short_line_length
        self.char_duplicates_ratio = char_duplicates_ratio
        self.new_line_ratio = new_line_ratio
        self.semantics = semantics

    def check_params(self) -> None:
        for param in ("line_punct_thr", "short_line_thr", "char_duplicates_ratio"):
            check_number(self.name, param, getattr(self, param), low=0, high=1, allow_none=True)
        check_number(self.name, "new_line_ratio", self.new_line_ratio, low=0, allow_none=True)
        check_number(self.name, "short_line_length", self.short_line_length, low=0, integer=True)
        check_bool(self.name, "line_punct_exclude_zero", self.line_punct_exclude_zero)
        check_choice(self.name, "semantics", self.semantics, SEMANTICS)

    def reason_names(self) -> list[str]:
        """Every reason this stage can give, in the order its rules are checked."""
        return list(REASONS) if self.semantics == "2025" else list(REASONS[1:])

    def reject_reasons(self, batch: pa.RecordBatch) -> list[str | None]:
        column = batch.column(self.context.text_column)
        if self.new_line_ratio is None:
            tokens = [0] * batch.num_rows
        else:
            buffers = string_buffers(column)
            tokens = token_counts(*buffers, token_table(), *special_cases()).tolist()
        check = self._checker()
        texts = text_values(batch, self.context.text_column)
        return [check(text, n) for text, n in zip(texts, tokens, strict=True)]

    def _checker(self) -> Callable[[str, int], str | None]:
        """A per-document function (text, token count) with every threshold bound locally."""
        punct_thr, exclude_zero = self.line_punct_thr, self.line_punct_exclude_zero
        short_thr, short_length = self.short_line_thr, self.short_line_length
        dup_thr, list_thr = self.char_duplicates_ratio, self.new_line_ratio
        is_short = short_length.__ge__
        current = self.semantics == "2025"
        ends_in_stop_char = methodcaller("endswith", STOP_CHARS if current else STOP_CHARS_2024)

        def check(text: str, n_tokens: int) -> str | None:
            lines = text.split("\n")
            non_blank = [line for line in lines if line.strip()]
            if current:
                lines = non_blank
                if not lines:
                    return "fineweb_empty"
            n_lines = len(lines)
            if punct_thr is not None:
                ratio = sum(map(ends_in_stop_char, lines)) / n_lines
                fails = ratio < punct_thr if current else ratio <= punct_thr
                if fails and not (ratio == 0 and exclude_zero):
                    return "fineweb_line_punct_ratio"
            if short_thr is not None:
                ratio = sum(map(is_short, map(len, lines))) / n_lines
                if ratio > short_thr if current else ratio >= short_thr:
                    return "fineweb_short_line_ratio"
            breaks = text.count("\n")
            if dup_thr is not None:
                seen: set[str] = set()
                dup_chars = 0
                for line in non_blank:
                    if line in seen:
                        dup_chars += len(line)
                    else:
                        seen.add(line)
                content = len(text) - breaks
                ratio = dup_chars / content if content else 0.0
                if ratio > dup_thr if current else ratio >= dup_thr:
                    return "fineweb_char_dup_ratio"
            if list_thr is not None and n_tokens and breaks / n_tokens > list_thr:
                return "fineweb_list_ratio"
            return None

        return check
