"""Gopher repetition filter ``gopher_repetition`` (Rae et al. 2021, Table A1), following
huggingface/datatrove's ``GopherRepetitionFilter`` as of commit
a649de79c14a550dc90f48a15c025f2dd3fd3b57 (2026-08-13; the rules are unchanged since 2024 apart
from the word tokenizer). Every threshold can be null to turn its rule off; the document is
never rewritten. ``len(text)`` (characters, line breaks included) is the denominator of every
character fraction.

Definitions (datatrove's): *paragraphs* are ``re.split(r"\n{2,}", text.strip())``, *lines*
are ``re.split("\n+", text)`` (so a text starting or ending with ``\n`` has an empty first or
last line), both compared exactly, whitespace included; *words* are the tokens of datatrove's
English word tokenizer (spaCy's rules, punctuation marks included), reproduced by
``dataprep.quality.word_tokens``.

Rules in the order they are checked (all fractions must not exceed the limit):

1. ``gopher_dup_para_frac``: paragraphs equal to an earlier paragraph / paragraphs, above
   ``dup_para_frac`` (default 0.3).
2. ``gopher_dup_para_char_frac``: characters in those repeated paragraphs / characters in the
   text, above ``dup_para_char_frac`` (default 0.2).
3. ``gopher_dup_line_frac``: lines equal to an earlier line / lines, above ``dup_line_frac``
   (default 0.3).
4. ``gopher_dup_line_char_frac``: characters in those repeated lines / characters in the text,
   above ``dup_line_char_frac`` (default 0.2).
5. ``gopher_top_{n}_gram`` for each n in ``top_n_grams`` in increasing order (default
   {2: 0.2, 3: 0.18, 4: 0.16}): the most frequent word n-gram (the earliest on ties; when none
   repeats, the first one), measured as its words joined by single spaces, times its count,
   / characters in the text. A document with fewer than n words passes.
6. ``gopher_dup_{n}_gram`` for each n in ``dup_n_grams`` in increasing order (default
   {5: 0.15, 6: 0.14, 7: 0.13, 8: 0.12, 9: 0.11, 10: 0.10}): characters (word lengths, no
   separators) in n-grams that repeat an earlier n-gram, scanning left to right and skipping past
   each repeat so that no word is counted twice, / characters in the text.

``top_n_grams`` and ``dup_n_grams`` map n to a fraction (or to null to turn that n off); keys
may be ints or digit strings (``"2"``), so JSON recipes work as well as YAML ones.

Differences from datatrove:

- Words come from ``dataprep.quality.word_tokens`` (a re-implementation of spaCy's English
  rules; 1,200 of 1,203 real pages tokenized identically), and lines, paragraphs and n-grams are
  compared through 64-bit hashes (a false match has a probability around 1e-19 per pair).
  datatrove compares n-grams of ``dup_n_grams`` as their words joined without a separator, so
  ``a bc`` and ``ab c`` match there; here they do not.
- FineWeb (2024) was built with the same rules but NLTK's ``word_tokenize`` for words; this stage
  has no ``semantics`` option because the rules did not change, only the tokenizer.
- An empty text passes here (every fraction is 0); datatrove 0.10.1 rejects it as "empty" and
  its source at the commit above divides by zero.
- A threshold of 0 is a real limit here; in datatrove 0 turns a rule off (use null for that).
"""

from __future__ import annotations

from collections.abc import Mapping

import pyarrow as pa

from dataprep.errors import ConfigError
from dataprep.params import check_number
from dataprep.quality.char_classes import token_table
from dataprep.quality.gopher import above
from dataprep.quality.text_stats import first_failures, ratio, repetition_counts
from dataprep.quality.word_tokens import special_cases
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
    version = 2

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
        base, top_chars, dup_chars = repetition_counts(
            data, offsets, token_table(), *special_cases(), max_n
        )
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
