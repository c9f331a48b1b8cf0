"""Gopher repetition filter ``gopher_repetition`` (Rae et al. 2021, Table A1), following
huggingface/datatrove's ``GopherRepetitionFilter``. Tokens, lines and paragraphs are defined in
``dataprep.quality.text_stats``; a ratio over an empty set is 0; every threshold can be null to
turn its rule off. The document is never rewritten.

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

- Repetition compares lines and paragraphs with surrounding whitespace stripped, leaves blank
  ones out, and splits paragraphs at any blank line (datatrove: at two or more ``\\n`` in a row).
  Lines, paragraphs and n-grams are compared through 64-bit hashes (see ``text_stats``).
- A top n-gram counts only when it occurs at least twice; datatrove also flags a short document
  whose single n-gram is long compared to the text, which is not repetition.
- A threshold of 0 is a real limit here; in datatrove 0 turns a rule off (use null for that).
"""

from __future__ import annotations

from collections.abc import Mapping

import pyarrow as pa

from dataprep.errors import ConfigError
from dataprep.params import check_number
from dataprep.quality.gopher import above
from dataprep.quality.text_stats import char_table, first_failures, ratio, repetition_counts
from dataprep.registry import register
from dataprep.stage import Filter
from dataprep.strings import string_buffers

TOP_N_GRAMS = {2: 0.2, 3: 0.18, 4: 0.16}
DUP_N_GRAMS = {5: 0.15, 6: 0.14, 7: 0.13, 8: 0.12, 9: 0.11, 10: 0.10}


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
        top, dup = self._top(), self._dup()
        max_n = max([n for n, _ in top + dup], default=0)
        data, offsets = string_buffers(batch.column(self.context.text_column))
        base, top_chars, dup_chars = repetition_counts(data, offsets, char_table(), max_n)
        chars, paras, dup_paras, dup_para_chars, lines, dup_lines, dup_line_chars = base.T
        rules = [
            ("gopher_dup_para_frac", above(ratio(dup_paras, paras), self.dup_para_frac)),
            (
                "gopher_dup_para_char_frac",
                above(ratio(dup_para_chars, chars), self.dup_para_char_frac),
            ),
            ("gopher_dup_line_frac", above(ratio(dup_lines, lines), self.dup_line_frac)),
            (
                "gopher_dup_line_char_frac",
                above(ratio(dup_line_chars, chars), self.dup_line_char_frac),
            ),
        ]
        rules += [
            (f"gopher_top_{n}_gram", ratio(top_chars[:, n], chars) > limit) for n, limit in top
        ]
        rules += [
            (f"gopher_dup_{n}_gram", ratio(dup_chars[:, n], chars) > limit) for n, limit in dup
        ]
        return first_failures(batch.num_rows, rules)
