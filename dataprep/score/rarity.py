"""``word_rarity``: how rare a document's words are under a unigram model of a corpus.

Score (mean surprisal, in nats) of a document with word tokens ``w_1 .. w_m``::

    score = (1 / m) * sum_i -ln p(w_i),    p(w) = (count(w) + 1) / (N + V)

the add-one (Laplace) estimate (Jurafsky & Martin, "Speech and Language Processing", 3rd ed.,
sec. 3.5.1) over a vocabulary of ``V = num_buckets`` hashed buckets: ``count(w)`` is the number
of training tokens whose bucket equals w's bucket and ``N`` the number of training tokens.
Words are the runs of Unicode word characters (regex ``\\w+``) of the lowercased text; a word's
bucket is ``xxh3_64(utf8(word)) mod num_buckets``. Distinct words that share a bucket share a
count (the usual feature-hashing approximation); with the default 2**20 buckets a corpus of
100,000 distinct words has about 5% of them sharing a bucket. A document without words scores
NaN. Higher scores mean rarer words. A document written without spaces (``dataprep.scripts``:
at least 30% of its letters in Han, Kana, Thai, Lao, Khmer, Myanmar or Tibetan) scores NaN too:
its ``\\w+`` runs are whole phrases, almost all unseen, which would rank it as the rarest text.
Its tokens still count in the model learned from the corpus (a few long, rare ones).

Parameters:
    num_buckets: the number of hashed buckets V, an int in [1, 2**28] (default 2**20 = 1,048,576).
    reference: path of a local reference corpus (JSONL, optionally .gz/.zst, Parquet, Arrow, or
        a .txt/.txt.gz file with one document per line) to learn the counts from, or null
        (default) to learn them from the corpus being scored. Read on ``fit``.
    reference_column: the text column of a tabular reference (default "text").

Memory: one int64 count array of ``num_buckets`` entries (8 MiB by default), whatever the corpus
size; the per-batch fit state is the batch's distinct buckets and their counts.
"""

from __future__ import annotations

import gzip
import math
import re
from collections.abc import Iterable, Iterator

import numpy as np
import pyarrow as pa
import xxhash

from dataprep.errors import ConfigError, DataprepError
from dataprep.params import check_number, check_string
from dataprep.registry import register
from dataprep.scripts import unspaced_mask
from dataprep.stage import Scorer, text_values

WORD_RE = re.compile(r"\w+")
FLUSH_TOKENS = 1 << 20  # reference tokens buffered between bincounts


def read_reference_texts(path: str, text_column: str, stage: str) -> Iterator[str]:
    """The documents of a local reference corpus: one per line of a ``.txt`` / ``.txt.gz`` file,
    else the ``text_column`` of every record read by ``dataprep.io.readers.open_corpus``.
    Raises ConfigError naming the path when it cannot be read."""
    from dataprep.io.readers import open_corpus

    try:
        lower = path.lower()
        if lower.endswith((".txt", ".txt.gz")):
            opener = gzip.open if lower.endswith(".gz") else open
            with opener(path, "rt", encoding="utf-8") as f:
                for line in f:
                    yield line.rstrip("\n")
        else:
            corpus = open_corpus([path], text_column=text_column)
            for batch in corpus.iter_batches():
                yield from text_values(batch, text_column)
    except (OSError, UnicodeDecodeError, ValueError, DataprepError) as error:
        raise ConfigError(
            f"{stage} cannot read its reference corpus {path!r}: {error}".rstrip(".") + "."
        ) from None


def word_buckets(text: str, num_buckets: int) -> np.ndarray:
    """The bucket (int64) of every lowercased word token of ``text``, in order."""
    hashes = [xxhash.xxh3_64_intdigest(w.encode("utf-8")) for w in WORD_RE.findall(text.lower())]
    return (np.array(hashes, dtype=np.uint64) % np.uint64(num_buckets)).astype(np.int64)


@register
class WordRarityScorer(Scorer):
    """Mean negative log add-one unigram probability of a document's words (module docstring)."""

    name = "word_rarity"
    version = 2
    needs_fit = True

    def __init__(
        self,
        *,
        num_buckets: int = 2**20,
        reference: str | None = None,
        reference_column: str = "text",
    ) -> None:
        self.num_buckets = num_buckets
        self.reference = reference
        self.reference_column = reference_column

    def check_params(self) -> None:
        check_number(self.name, "num_buckets", self.num_buckets, low=1, high=2**28, integer=True)
        check_string(self.name, "reference", self.reference, allow_none=True)
        check_string(self.name, "reference_column", self.reference_column)

    def _count(self, texts: Iterable[str]) -> np.ndarray:
        counts = np.zeros(self.num_buckets, dtype=np.int64)
        pending: list[np.ndarray] = []
        size = 0
        for text in texts:
            pending.append(word_buckets(text, self.num_buckets))
            size += len(pending[-1])
            if size >= FLUSH_TOKENS:
                counts += np.bincount(np.concatenate(pending), minlength=self.num_buckets)
                pending, size = [], 0
        if pending:
            counts += np.bincount(np.concatenate(pending), minlength=self.num_buckets)
        return counts

    def fit_state(self, batch: pa.RecordBatch) -> tuple[np.ndarray, np.ndarray] | None:
        """(distinct buckets, their token counts) of the batch; None with a reference."""
        if self.reference is not None:
            return None
        texts = text_values(batch, self.context.text_column)
        parts = [word_buckets(t, self.num_buckets) for t in texts]
        buckets = np.concatenate(parts) if parts else np.zeros(0, np.int64)
        return np.unique(buckets, return_counts=True)

    def fit(self, states: Iterable) -> None:
        counts = np.zeros(self.num_buckets, dtype=np.int64)
        for state in states:  # always drained: the pipeline's pass runs while we iterate
            if state is not None:
                buckets, bucket_counts = state
                np.add.at(counts, buckets, bucket_counts.astype(np.int64))
        if self.reference is not None:
            texts = read_reference_texts(self.reference, self.reference_column, self.name)
            counts = self._count(texts)
        self.counts_ = counts
        self.total_ = int(counts.sum())
        denominator = self.total_ + self.num_buckets
        self.surprisal_ = np.log(denominator) - np.log(counts + 1.0)

    def score(self, batch: pa.RecordBatch) -> np.ndarray:
        if not hasattr(self, "surprisal_"):
            raise RuntimeError(f"{self.name} must be fitted before score")
        texts = text_values(batch, self.context.text_column)
        unspaced = unspaced_mask(batch.column(self.context.text_column))
        out = np.full(len(texts), np.nan)
        for i, text in enumerate(texts):
            if unspaced[i]:
                continue
            buckets = word_buckets(text, self.num_buckets)
            if len(buckets):
                out[i] = math.fsum(self.surprisal_[buckets].tolist()) / len(buckets)
        return out
