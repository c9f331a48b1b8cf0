"""Surface scores of one document at a time: length, Flesch reading ease, compression ratio.

``length`` (LengthScorer)
    The number of whitespace-separated words (``unit="words"``, default) or of Unicode
    characters (``unit="chars"``). A null or empty text scores 0. With ``words``, a document
    written without spaces (Chinese, Japanese, Thai...; the rule of ``dataprep.scripts``: at
    least 30% of its letters in such scripts) scores its word units instead: one per letter of
    those scripts plus one per whitespace token without such a letter (``東京は日本の首都です。``
    scores 10, not 1).

``readability`` (ReadabilityScorer)
    Flesch reading ease (Flesch 1948, "A new readability yardstick", J. Applied Psychology 32):
    ``206.835 - 1.015 * (words / sentences) - 84.6 * (syllables / words)``. Higher is easier;
    plain English prose scores about 60-70, and the score is unbounded on both sides.
    - Words: runs of letters, optionally joined by apostrophes (``don't``); numbers and
      punctuation are not words. A text with no word scores NaN.
    - Sentences: a sentence ends at a run of ``.``, ``!`` or ``?`` followed by whitespace or the
      end of the text, or at a blank line (so headings count). Segments without a word are not
      sentences; a text with words but no terminator is one sentence. Abbreviations such as
      "Mr." end a sentence too (no abbreviation list).
    - A document written without spaces (``dataprep.scripts``: at least 30% of its letters in
      Han, Kana, Thai, Lao, Khmer, Myanmar or Tibetan) scores NaN: it has no whitespace words
      and the formula is English's.
    - Syllables (English heuristic, see ``count_syllables``): the number of groups of
      consecutive vowels ``a e i o u y``; minus one for a silent final ``e`` (``make`` = 1), but
      not for a consonant + ``le`` ending (``table`` = 2) nor when the ``e`` is the only vowel
      group (``the`` = 1); at least 1 per word.

``compression_ratio`` (CompressionRatioScorer)
    ``len(utf8 bytes) / len(zlib.compress(utf8 bytes, level))`` (DEFLATE, RFC 1950/1951), with
    ``level`` in 0..9 (default 6, zlib's default). Repetitive text compresses well and scores
    high; short texts score below 1 because of zlib's 6-byte header and checksum. An empty
    text scores NaN.
"""

from __future__ import annotations

import re
import zlib

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dataprep.params import check_choice, check_number
from dataprep.registry import register
from dataprep.scripts import unspaced_mask, word_units
from dataprep.stage import Scorer, text_values

WORD_RE = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*")
SENTENCE_END_RE = re.compile(r"[.!?]+(?=\s|$)|\n[^\S\n]*\n")
VOWEL_GROUP_RE = re.compile(r"[aeiouy]+")
VOWELS = frozenset("aeiouy")


def count_syllables(word: str) -> int:
    """English syllables of one word by the heuristic in the module docstring."""
    word = word.lower().replace("'", "")
    count = len(VOWEL_GROUP_RE.findall(word))
    if count > 1 and word.endswith("e"):
        consonant_le = word.endswith("le") and len(word) > 2 and word[-3] not in VOWELS
        if not consonant_le:
            count -= 1
    return max(1, count)


def flesch_counts(text: str) -> tuple[int, int, int]:
    """(words, sentences, syllables) of a text as counted by ``readability``."""
    words = 0
    sentences = 0
    syllables = 0
    for segment in SENTENCE_END_RE.split(text):
        segment_words = WORD_RE.findall(segment)
        if segment_words:
            sentences += 1
            words += len(segment_words)
            syllables += sum(count_syllables(w) for w in segment_words)
    return words, sentences, syllables


def flesch_reading_ease(text: str) -> float:
    """Flesch reading ease of a text; NaN when it has no word."""
    words, sentences, syllables = flesch_counts(text)
    if words == 0:
        return float("nan")
    return 206.835 - 1.015 * (words / sentences) - 84.6 * (syllables / words)


@register
class LengthScorer(Scorer):
    """Document length.

    unit: "words" (whitespace-separated tokens, default; word units for documents written
        without spaces, see the module docstring) or "chars" (Unicode characters).
    """

    name = "length"
    version = 2

    def __init__(self, *, unit: str = "words") -> None:
        self.unit = unit

    def check_params(self) -> None:
        check_choice(self.name, "unit", self.unit, ["words", "chars"])

    def score(self, batch: pa.RecordBatch) -> np.ndarray:
        texts = pc.fill_null(batch.column(self.context.text_column), "")
        if self.unit == "chars":
            return pc.utf8_length(texts).to_numpy(zero_copy_only=False).astype(np.float64)
        counts = pc.count_substring_regex(texts, r"\S+").to_numpy(zero_copy_only=False)
        unspaced = unspaced_mask(texts)
        if unspaced.any():
            counts = np.where(unspaced, word_units(texts), counts)
        return counts.astype(np.float64)


@register
class ReadabilityScorer(Scorer):
    """Flesch reading ease (see the module docstring for words, sentences and syllables).
    No parameters; NaN for a text without words and for one written without spaces."""

    name = "readability"
    version = 2

    def __init__(self) -> None:
        pass

    def score(self, batch: pa.RecordBatch) -> np.ndarray:
        column = batch.column(self.context.text_column)
        unspaced = unspaced_mask(column)
        texts = text_values(batch, self.context.text_column)
        scores = [
            flesch_reading_ease(t) if not skip else np.nan
            for t, skip in zip(texts, unspaced, strict=True)
        ]
        return np.array(scores, dtype=np.float64)


@register
class CompressionRatioScorer(Scorer):
    """UTF-8 size over zlib-compressed size.

    level: zlib compression level, an int in [0, 9] (default 6).
    """

    name = "compression_ratio"
    version = 1

    def __init__(self, *, level: int = 6) -> None:
        self.level = level

    def check_params(self) -> None:
        check_number(self.name, "level", self.level, low=0, high=9, integer=True)

    def score(self, batch: pa.RecordBatch) -> np.ndarray:
        out = np.full(batch.num_rows, np.nan)
        for i, text in enumerate(text_values(batch, self.context.text_column)):
            if text:
                data = text.encode("utf-8")
                out[i] = len(data) / len(zlib.compress(data, self.level))
        return out
