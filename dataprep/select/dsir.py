"""``dsir``: Data Selection with Importance Resampling (Xie, Santurkar, Ma & Liang 2023, "Data
Selection for Language Models via Importance Resampling", NeurIPS 2023, arXiv:2302.03169).

Matches the reference implementation, github.com/p-lambda/dsir at commit
4802a1c71cdb1ae3c8367e20df64fe14da6d597d (``data_selection/hashed_ngram_dsir.py`` and
``data_selection/base.py``, class ``HashedNgramDSIR``), with the deviations listed below.

Features (``get_ngram_counts``): the text is lowercased and split by NLTK's WordPunct rule,
the regular expression ``\\w+|[^\\w\\s]+`` (runs of word characters, runs of other non-space
characters). Every unigram, and for ngrams = n >= 2 every 2..n-gram (its words joined by one
space), is hashed into one of ``num_buckets`` buckets by
int(sha256(utf-8 bytes).hexdigest(), 16) mod num_buckets. A document's feature vector f holds
its bucket counts.

Importance weights (``fit_importance_estimator``, ``importance_estimator``):
    r = raw bucket counts / their sum, over the input rows still alive (the raw corpus);
    t = (target bucket counts + target_laplace_smoothing) / their sum, over the target corpus;
    log w(x) = sum_b f_b(x) * (log(t_b + 1e-8) - log(r_b + 1e-8)).

Resampling (``resample``): rows with fewer than ``min_example_length`` tokens are never
selected (reason ``too_short``). Each remaining row's key is log w plus standard Gumbel noise,
drawn as ``numpy.random.RandomState(seed).gumbel(size=m)`` over the m remaining rows in input
order (the reference calls ``np.random.gumbel`` on the global generator, so with one input
file, num_proc=1 and ``np.random.seed(seed)`` just before ``resample`` it draws the same
noise); the k rows with the largest keys are kept: the Gumbel top-k trick, i.e. sampling k
rows without replacement with probability proportional to w. ``top_k: true`` keeps the k
largest log w with no noise (the reference's ``top_k=True``). Equal keys: the earlier row
first. Rows not kept get reason ``not_in_coreset``.

Deviations from the reference:
- The raw distribution is fitted on every alive row (the reference's ``num_tokens_to_fit='all'``;
  its default 'auto' stops counting after 100,000 * num_buckets features per virtual shard,
  1e9 for the default 10,000 buckets).
- Length is the number of WordPunct tokens. The reference's (sum f + n(n-1)/2) // n equals it
  except for empty documents with ngrams >= 3 and one-token documents with ngrams = 5.
- k comes from ``fraction`` / ``budget`` over the alive rows (the reference takes a count,
  ``num_to_sample``). When fewer than k rows are long enough, all of them are kept (the
  reference fails in argpartition). Selection is without replacement only: a stage never
  duplicates rows.
- Only the 'wordpunct' tokenizer (the reference default; its 'word_tokenize' needs NLTK data)
  and a single pooled target (no ``separate_targets`` / ``target_proportions``).

Output: ``dp_score_dsir``, the log importance weight log w of every alive row (short rows
included), float64.

Length: log w is a sum over a row's features, not a mean, and its expectation over the raw
distribution is negative (-KL per feature), so among rows of unequal length it favours short
rows. The reference README asks for documents broken into equal-length word chunks first (its
experiments use 128 words, ``experimental/preprocessing/reformat_and_chunk_data.py``); give
this stage such chunks, or rows of similar length, for results like the paper's.

Parameters (defaults):
  target: path of the target corpus: a file, folder or glob in any format dataprep reads
      (JSON Lines, Parquet, Arrow, save_to_disk folders); required. Read once, on the driver,
      at the start of fit. Records the reader calls bad (null, empty, non-string or over
      4 MiB text) are skipped.
  target_column: the text column of the target (default "text").
  num_buckets: hash buckets, an int in [1, 2**24] (default 10,000, as the reference).
  ngrams: the largest n-gram order, an int in [1, 5] (default 2: unigrams and bigrams).
  min_example_length: fewer tokens than this and a row is never selected (default 100).
  target_laplace_smoothing: pseudo-count added to every target bucket (default 0.0).
  top_k: deterministic top-k by log w instead of Gumbel sampling (default false).
  fraction: the share of the alive rows to keep, a float in (0, 1] (rounded half up, at least
      1); default 0.1 when ``budget`` is unset.
  budget: instead of ``fraction``, as for the coreset selectors: a float in (0, 1) or an
      int >= 1 (a row count). Default unset.
  seed: seed of the Gumbel noise, an int in [0, 2**32 - 1] (default 0).

Why a spill: the weights need r, which is known only after the whole fit pass, and the
pipeline gives a fit stage one pass; so each row's hashed features are written to disk and read
back once r is known.

Memory, per alive row: during fit 8 bytes of row number, 8 of log weight, 4 of length and 4
of feature count (plus 16 for the selection keys and order at the end); after fit the stage
holds the log weight with its row number (16 bytes) and, like every selector, the rejected
rows (10 bytes each). The hashed features are spilled to the run's work folder (2 bytes per
feature when num_buckets <= 65,536, else 4; about ngrams features per token) and read back in
chunks of about 4 million features; the target is counted batch by batch. On the driver, three
arrays of num_buckets float64 / int64 (240 KB at the default). Time: one sha256 per distinct
feature of a batch, about 2-6 microseconds per token at ngrams = 2, plus O(n log n) for the
top-k.
"""

from __future__ import annotations

import glob
import hashlib
import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pyarrow as pa

from dataprep.errors import ConfigError, DataprepError
from dataprep.io.readers import open_corpus
from dataprep.params import check_bool, check_number, check_string
from dataprep.registry import register
from dataprep.select.base import NOT_SELECTED, CoresetSelector, FractionOrBudget
from dataprep.stage import REJECT_STAGE, ROW_COLUMN, text_values
from dataprep.storage.sorted_runs import scratch_dir
from dataprep.storage.spill import Spill

WORDPUNCT = re.compile(r"\w+|[^\w\s]+")  # nltk.tokenize.WordPunctTokenizer
EPSILON = 1e-8  # the reference's log(p + 1e-8)
TOO_SHORT = "too_short"
CHUNK_FEATURES = 1 << 22
CACHE_ENTRIES = 1 << 18
# A column name no target will have, so the reader generates ids (never 'duplicate_id').
_TARGET_IDS = "_dp_dsir_target_id"


def tokenize(text: str) -> list[str]:
    """The lowercased WordPunct tokens of ``text``."""
    return WORDPUNCT.findall(text.lower())


def hash_bucket(ngram: str, num_buckets: int) -> int:
    """The reference's ``hash_buckets``: sha256 of the UTF-8 bytes, as an integer, mod buckets."""
    return int.from_bytes(hashlib.sha256(ngram.encode("utf-8")).digest(), "big") % num_buckets


def hashed_ngrams(
    texts: Iterable[str], ngrams: int, num_buckets: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(buckets of every feature, back to back; features per text; tokens per text).

    A text's features are its unigrams, then its bigrams, ... up to ``ngrams``-grams."""
    cache: dict[str, int] = {}  # per call, so memory stays bounded

    def bucket(ngram: str) -> int:
        value = cache.get(ngram)
        if value is None:
            if len(cache) >= CACHE_ENTRIES:
                cache.clear()
            value = cache[ngram] = hash_bucket(ngram, num_buckets)
        return value

    buckets: list[int] = []
    sizes, lengths = [], []
    for text in texts:
        tokens = tokenize(text)
        before = len(buckets)
        buckets.extend(bucket(token) for token in tokens)
        for n in range(2, ngrams + 1):
            grams = (" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
            buckets.extend(bucket(gram) for gram in grams)
        sizes.append(len(buckets) - before)
        lengths.append(len(tokens))
    dtype = np.uint16 if num_buckets <= 1 << 16 else np.uint32
    return np.array(buckets, dtype), np.array(sizes, np.int32), np.array(lengths, np.int32)


def gumbel_top_k(log_weights: np.ndarray, k: int, seed: int, top_k: bool) -> np.ndarray:
    """Positions of the k largest log_weights + Gumbel(0, 1) noise (RandomState(seed), one draw
    per row in order), or of the k largest log_weights when ``top_k``; equal keys: the earlier
    position first. Returned in selection order (largest key first)."""
    keys = np.asarray(log_weights, np.float64)
    if not top_k:
        keys = keys + np.random.RandomState(seed).gumbel(size=len(keys))
    return np.lexsort((np.arange(len(keys)), -keys))[:k]


@register
class DSIR(FractionOrBudget, CoresetSelector):
    """Importance resampling towards a target corpus on hashed n-gram features (module
    docstring)."""

    name = "dsir"
    version = 1
    default_fraction = 0.1

    def __init__(
        self,
        *,
        target: str = "",
        target_column: str = "text",
        num_buckets: int = 10000,
        ngrams: int = 2,
        min_example_length: int = 100,
        target_laplace_smoothing: float = 0.0,
        top_k: bool = False,
        fraction: float | None = None,
        budget: float | int | None = None,
        seed: int = 0,
    ) -> None:
        self.target = target
        self.target_column = target_column
        self.num_buckets = num_buckets
        self.ngrams = ngrams
        self.min_example_length = min_example_length
        self.target_laplace_smoothing = target_laplace_smoothing
        self.top_k = top_k
        self.fraction = fraction
        self.budget = budget
        self.seed = seed

    def check_params(self) -> None:
        check_string(self.name, "target", self.target)
        check_string(self.name, "target_column", self.target_column)
        check_number(self.name, "num_buckets", self.num_buckets, low=1, high=2**24, integer=True)
        check_number(self.name, "ngrams", self.ngrams, low=1, high=5, integer=True)
        check_number(self.name, "min_example_length", self.min_example_length, low=0, integer=True)
        check_number(self.name, "target_laplace_smoothing", self.target_laplace_smoothing, low=0)
        check_bool(self.name, "top_k", self.top_k)
        self.check_fraction_or_budget()
        check_number(self.name, "seed", self.seed, low=0, high=2**32 - 1, integer=True)
        if not (Path(self.target).exists() or glob.glob(self.target)):
            raise ConfigError(
                f"The 'target' parameter of {self.name} must be an existing file, folder or "
                f"glob pattern. Got {self.target!r} instead."
            )

    @property
    def score_column(self) -> str:
        return f"dp_score_{self.name}"

    def output_columns(self) -> dict[str, pa.DataType]:
        return {self.score_column: pa.float64()}

    def target_counts(self) -> np.ndarray:
        """Bucket counts of the target corpus (int64, num_buckets)."""
        counts = np.zeros(self.num_buckets, np.int64)
        try:
            corpus = open_corpus(
                [self.target],
                text_column=self.target_column,
                id_column=_TARGET_IDS,
                on_error="reject",
            )
            for batch in corpus.iter_batches():
                texts = text_values(batch, self.target_column)
                if REJECT_STAGE in batch.schema.names:
                    bad = batch.column(REJECT_STAGE).is_valid().to_numpy(zero_copy_only=False)
                    texts = [text for text, skip in zip(texts, bad, strict=True) if not skip]
                buckets, _, _ = hashed_ngrams(texts, self.ngrams, self.num_buckets)
                counts += np.bincount(buckets, minlength=self.num_buckets)
        except (OSError, UnicodeDecodeError, ValueError, DataprepError) as error:
            raise ConfigError(
                f"{self.name} cannot read its target corpus {self.target!r}: {error}".rstrip(".")
                + "."
            ) from None
        if counts.sum() == 0:
            raise ConfigError(f"{self.name}: the target corpus {self.target!r} has no tokens.")
        return counts

    def fit_state(self, batch: pa.RecordBatch) -> tuple[np.ndarray, ...]:
        texts = text_values(batch, self.context.text_column)
        buckets, sizes, lengths = hashed_ngrams(texts, self.ngrams, self.num_buckets)
        return batch.column(ROW_COLUMN).to_numpy(), lengths, sizes, buckets

    def fit(self, states: Iterable[tuple[np.ndarray, ...]]) -> None:
        target = self.target_counts() + float(self.target_laplace_smoothing)  # before the pool
        raw = np.zeros(self.num_buckets, np.int64)
        rows, lengths, sizes = [np.empty(0, np.int64)], [np.empty(0, np.int32)], []
        with scratch_dir(self.context.work_dir, "dataprep-dsir-") as folder:
            spill = Spill(folder / f"{self.name}.features")
            try:
                with spill:
                    for batch_rows, batch_lengths, batch_sizes, buckets in states:
                        rows.append(batch_rows)
                        lengths.append(batch_lengths)
                        sizes.append(batch_sizes)
                        raw += np.bincount(buckets, minlength=self.num_buckets)
                        spill.append(buckets)
                self.log_diff_ = np.log(target / target.sum() + EPSILON) - np.log(
                    raw / max(int(raw.sum()), 1) + EPSILON
                )
                log_weights = self._log_weights(spill, sizes)
            finally:
                spill.remove()
        rows = np.concatenate(rows).astype(np.int64)
        eligible = np.flatnonzero(np.concatenate(lengths) >= self.min_example_length)
        k = min(self.rows_to_keep(len(rows)), len(eligible))
        chosen = eligible[gumbel_top_k(log_weights[eligible], k, self.seed, self.top_k)]
        codes = np.zeros(len(rows), np.int16)
        codes[eligible] = 1
        self._set_row_values(self.score_column, rows, log_weights)
        self._keep(rows, chosen, codes, [TOO_SHORT, NOT_SELECTED])

    def _log_weights(self, spill: Spill, sizes: list[np.ndarray]) -> np.ndarray:
        """log w of every row: the sum of log_diff_ over its spilled features, read back in
        chunks of whole rows (sequential sums, so the result never depends on the chunks)."""
        sizes = np.concatenate(sizes) if sizes else np.empty(0, np.int32)
        weights = np.zeros(len(sizes), np.float64)
        ends = np.cumsum(sizes, dtype=np.int64)
        features = spill.open(np.uint16 if self.num_buckets <= 1 << 16 else np.uint32, (-1,))
        start_row = 0
        while start_row < len(sizes):
            base = int(ends[start_row - 1]) if start_row else 0
            stop_row = max(start_row + 1, int(np.searchsorted(ends, base + CHUNK_FEATURES)))
            stop_row = min(stop_row, len(sizes))
            chunk = np.asarray(features[base : int(ends[stop_row - 1])])
            segments = np.repeat(np.arange(stop_row - start_row), sizes[start_row:stop_row])
            weights[start_row:stop_row] = np.bincount(
                segments, weights=self.log_diff_[chunk], minlength=stop_row - start_row
            )
            start_row = stop_row
        return weights
