"""FineWeb's custom rule-based quality filter: ``fineweb_quality``.

Source: Penedo et al. 2024, "The FineWeb Datasets: Decanting the Web for the Finest Text Data at
Scale", section 3.3 (the three custom filters, plus the list-like-document rule of its reference
implementation), as implemented by huggingface/datatrove's ``FineWebQualityFilter``, whose
definitions and comparisons this stage follows. It decides per document and never rewrites text.

Lines are the pieces of ``text.split("\\n")`` after ``\\r\\n`` and lone ``\\r`` are read as
``\\n``; blank lines count as lines, as in datatrove. Rules, in the order they are checked (the
first failing one names the reason); a threshold set to null turns its rule off:

1. ``fineweb_line_punct_ratio``: the fraction of lines ending (after trailing whitespace) in
   ``.``, ``'``, ``"``, ``!`` or ``?`` must be above ``line_punct_thr`` (default 0.12): a document
   is rejected when the fraction is <= the threshold. With ``line_punct_exclude_zero`` (default
   false) a fraction of exactly 0 is not rejected by this rule.
2. ``fineweb_short_line_ratio``: the fraction of lines of at most ``short_line_length``
   characters (default 30, whole line counted) must be below ``short_line_thr`` (default 0.67):
   rejected when the fraction is >= the threshold.
3. ``fineweb_char_dup_ratio``: characters in non-blank lines equal to an earlier line, over the
   characters of the text without its line breaks, must be below ``char_duplicates_ratio``
   (default 0.01): rejected when the fraction is >= the threshold.
4. ``fineweb_list_ratio``: line breaks per token (whitespace-separated) must not exceed
   ``new_line_ratio`` (default 0.3): rejected when the ratio is > the threshold.

A ratio over an empty set is 0 (e.g. a text with no characters besides line breaks has a
duplicate-character fraction of 0).

Differences from datatrove: tokens are whitespace-separated (datatrove counts NLTK tokens, which
also count punctuation marks, so its list ratio is a little lower on the same text); trailing
whitespace is ignored when checking a line's last character; ``\\r\\n`` and ``\\r`` are line
breaks (datatrove splits at ``\\n`` only, so ``\\r\\n`` lines never end in punctuation there).
"""

from __future__ import annotations

from collections.abc import Callable
from operator import methodcaller

import numba as nb
import numpy as np
import pyarrow as pa

from dataprep.params import check_bool, check_number
from dataprep.quality.text_stats import SPACE, char_table, decode
from dataprep.registry import register
from dataprep.stage import Filter, text_values
from dataprep.strings import string_buffers

STOP_CHARS = (".", "'", '"', "!", "?")
REASONS = (
    "fineweb_line_punct_ratio",
    "fineweb_short_line_ratio",
    "fineweb_char_dup_ratio",
    "fineweb_list_ratio",
)
_ENDS_IN_STOP_CHAR = methodcaller("endswith", STOP_CHARS)


@nb.njit(cache=True)
def token_counts(data, offsets, table):
    """Whitespace-separated tokens per document (what ``len(str.split())`` gives)."""
    n_docs = len(offsets) - 1
    out = np.zeros(n_docs, np.int64)
    for d in range(n_docs):
        i, end = offsets[d], offsets[d + 1]
        in_token = False
        count = 0
        while i < end:
            if data[i] < 0x80:
                space = (table[data[i]] & SPACE) != 0
                i += 1
            else:
                c, w = decode(data, i)
                space = (table[c] & SPACE) != 0
                i += w
            if not space and not in_token:
                count += 1
            in_token = not space
        out[d] = count
    return out


@register
class FineWebQualityFilter(Filter):
    """FineWeb's line-based rules; see the module docstring for the rules and defaults."""

    name = "fineweb_quality"
    version = 1

    def __init__(
        self,
        *,
        line_punct_thr: float | None = 0.12,
        line_punct_exclude_zero: bool = False,
        short_line_thr: float | None = 0.67,
        short_line_length: int = 30,
        char_duplicates_ratio: float | None = 0.01,
        new_line_ratio: float | None = 0.3,
    ) -> None:
        self.line_punct_thr = line_punct_thr
        self.line_punct_exclude_zero = line_punct_exclude_zero
        self.short_line_thr = short_line_thr
        self.short_line_length = short_line_length
        self.char_duplicates_ratio = char_duplicates_ratio
        self.new_line_ratio = new_line_ratio

    def check_params(self) -> None:
        for param in ("line_punct_thr", "short_line_thr", "char_duplicates_ratio"):
            check_number(self.name, param, getattr(self, param), low=0, high=1, allow_none=True)
        check_number(self.name, "new_line_ratio", self.new_line_ratio, low=0, allow_none=True)
        check_number(self.name, "short_line_length", self.short_line_length, low=0, integer=True)
        check_bool(self.name, "line_punct_exclude_zero", self.line_punct_exclude_zero)

    def reason_names(self) -> list[str]:
        """Every reason this stage can give, in the order its rules are checked."""
        return list(REASONS)

    def reject_reasons(self, batch: pa.RecordBatch) -> list[str | None]:
        column = batch.column(self.context.text_column)
        if self.new_line_ratio is None:
            tokens = [0] * batch.num_rows
        else:
            tokens = token_counts(*string_buffers(column), char_table()).tolist()
        check = self._checker()
        texts = text_values(batch, self.context.text_column)
        return [check(text, n) for text, n in zip(texts, tokens, strict=True)]

    def _checker(self) -> Callable[[str, int], str | None]:
        """A per-document function (text, token count) with every threshold bound locally."""
        punct_thr, exclude_zero = self.line_punct_thr, self.line_punct_exclude_zero
        short_thr, short_length = self.short_line_thr, self.short_line_length
        dup_thr, list_thr = self.char_duplicates_ratio, self.new_line_ratio
        is_short = short_length.__ge__

        def check(text: str, n_tokens: int) -> str | None:
            if "\r" in text:
                text = text.replace("\r\n", "\n").replace("\r", "\n")
            lines = text.split("\n")
            n_lines = len(lines)
            if punct_thr is not None:
                ratio = sum(map(_ENDS_IN_STOP_CHAR, map(str.rstrip, lines))) / n_lines
                if ratio <= punct_thr and not (ratio == 0 and exclude_zero):
                    return "fineweb_line_punct_ratio"
            if short_thr is not None and sum(map(is_short, map(len, lines))) / n_lines >= short_thr:
                return "fineweb_short_line_ratio"
            breaks = n_lines - 1
            if dup_thr is not None:
                seen: set[str] = set()
                dup_chars = 0
                for line in lines:
                    if line in seen:
                        dup_chars += len(line)
                    elif not line.isspace() and line:
                        seen.add(line)
                content = len(text) - breaks
                if content and dup_chars / content >= dup_thr:
                    return "fineweb_char_dup_ratio"
            if list_thr is not None and n_tokens and breaks / n_tokens > list_thr:
                return "fineweb_list_ratio"
            return None

        return check
