"""Near-duplicate detection with MinHash LSH over the whole corpus.

Fit: each batch's alive rows get MinHash signatures (``num_perm`` permutations of hashed
shingles, lowercased by default: ``ngram`` words, or ``ngram_chars`` characters for text written
without spaces; see ``tokenizer`` and dataprep.dedup.minhash_kernels) and one bucket key per
LSH band. Rows that share a bucket in any band are candidate pairs; candidates are verified
(default: the exact Jaccard of their shingle sets must reach ``threshold``); verified pairs are
joined into clusters by union-find (connected components over the whole corpus, not greedy
first match). One row per cluster is kept: the first in input order, or the one with the
highest ``keep_highest`` value. The others get reason ``near_duplicate``; all members get
``dp_dup_cluster`` = the kept row's row number. Documents with no token never match anything.

Memory during fit, whatever the corpus size: the band keys and the candidate pairs go through
sorted runs in the run's work folder (dataprep.dedup.lsh_runs), at most ``run_rows`` records
(RunContext, default 2,097,152) of 8-16 bytes in memory at a time (about 16 bytes each on disk:
16 * bands bytes per alive row, 16 per candidate pair). Per alive row, memory holds only 8 bytes
(its row number), 8 with 'exact' verification (the end of its shingles) and 8 with
``keep_highest``; the reduce adds the union-find parents (8 bytes a row) and the cluster arrays
(about 24 bytes a row, briefly). What verification reads is spilled too, not held in memory:
4 bytes per shingle (about 4 bytes per word, or per character of an unspaced document) for
'exact', 4 * num_perm bytes per row for
'signature'; each chunk of candidate pairs reads back only its rows' part (at most PAIR_CHUNK
pairs and about VERIFY_CHUNK_SHINGLES shingles: 64 MiB).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dataprep.arrow_numpy import to_numpy
from dataprep.dedup import lsh
from dataprep.dedup.lsh_runs import BandRuns
from dataprep.dedup.minhash_kernels import (
    TOKENIZERS,
    band_hashes,
    distinct_sets,
    permutation_seeds,
    signatures,
    signatures_and_shingles,
    sorted_pair_jaccard,
)
from dataprep.dedup.minhash_shuffle import fit_minhash_shuffled
from dataprep.errors import ConfigError
from dataprep.params import check_bool, check_choice, check_number, check_string
from dataprep.registry import register
from dataprep.runners.base import ShuffleOps
from dataprep.stage import DUP_CLUSTER, ROW_COLUMN, Selector
from dataprep.storage.sorted_runs import scratch_dir
from dataprep.storage.spill import Spill

VERIFY_MODES = ("signature", "exact", "none")
# Candidate pairs verified at once: at most PAIR_CHUNK (the gathered signatures: 2 x 32 MiB at
# 128 perms) and, for 'exact', about VERIFY_CHUNK_SHINGLES shingles in the pairs' documents
# (64 MiB of spilled shingles read, and their distinct sets).
PAIR_CHUNK = 1 << 16
VERIFY_CHUNK_SHINGLES = 1 << 24


@register
class MinHashDedup(Selector):
    """Reject near-duplicates found by MinHash LSH.

    ngram: words per shingle (default 5).
    num_perm: hash permutations per signature (default 128).
    threshold: Jaccard similarity at which two documents are duplicates (default 0.8).
    bands / rows: LSH banding; null (default) picks the pair minimizing the weighted false
        positive and false negative probability, as datasketch does.
    fp_weight / fn_weight: weights of that choice (default 0.1 / 0.9: verification removes
        false positives afterwards, so the banding favours recall; datasketch uses 0.5 / 0.5,
        which at threshold 0.8 gives 9 x 13 and a collision probability of only 0.40 at J=0.8).
    lowercase: lowercase text before shingling (default True).
    tokenizer: what a shingle is made of: 'words' (whitespace-separated tokens), 'chars'
        (``ngram_chars`` consecutive characters, whitespace runs collapsed to one space) or
        'auto' (default): per document, 'chars' when at least 30% of its letters are in a
        script written without spaces (Han, Hiragana, Katakana, Thai, Lao, Khmer, Myanmar,
        Tibetan; dataprep.scripts), else 'words', with exactly the signatures of 'words'.
    ngram_chars: characters per shingle for 'chars' documents (default 3: with 2% of the
        characters edited, a copy keeps a Jaccard near 0.89, enough for the 0.8 threshold and
        signature estimation; with 5 it falls to about 0.82).
    verify: how candidate pairs are confirmed: 'exact' (true Jaccard of the shingle sets
        >= threshold, default), 'signature' (estimated Jaccard from all num_perm values >=
        threshold; no shingle spill, but pairs near the threshold are lost to estimation
        noise), or 'none' (every candidate pair is a duplicate).
    keep_highest: a numeric column; keep the cluster member with its highest value (ties: the
        first in input order). Default null keeps the first in input order.
    seed: seed of the hash permutations (default 42).
    """

    name = "minhash_dedup"
    version = 2

    def __init__(
        self,
        *,
        ngram: int = 5,
        num_perm: int = 128,
        threshold: float = 0.8,
        bands: int | None = None,
        rows: int | None = None,
        fp_weight: float = 0.1,
        fn_weight: float = 0.9,
        lowercase: bool = True,
        tokenizer: str = "auto",
        ngram_chars: int = 3,
        verify: str = "exact",
        keep_highest: str | None = None,
        seed: int = 42,
    ) -> None:
        self.ngram = ngram
        self.num_perm = num_perm
        self.threshold = threshold
        self.bands = bands
        self.rows = rows
        self.fp_weight = fp_weight
        self.fn_weight = fn_weight
        self.lowercase = lowercase
        self.tokenizer = tokenizer
        self.ngram_chars = ngram_chars
        self.verify = verify
        self.keep_highest = keep_highest
        self.seed = seed

    def check_params(self) -> None:
        check_number(self.name, "ngram", self.ngram, low=1, integer=True)
        check_choice(self.name, "tokenizer", self.tokenizer, TOKENIZERS)
        check_number(self.name, "ngram_chars", self.ngram_chars, low=1, integer=True)
        check_number(self.name, "num_perm", self.num_perm, low=2, high=4096, integer=True)
        check_number(self.name, "threshold", self.threshold, low=0, high=1, low_open=True)
        check_number(self.name, "bands", self.bands, low=1, integer=True, allow_none=True)
        check_number(self.name, "rows", self.rows, low=1, integer=True, allow_none=True)
        check_number(self.name, "fp_weight", self.fp_weight, low=0, high=1)
        check_number(self.name, "fn_weight", self.fn_weight, low=0, high=1)
        check_bool(self.name, "lowercase", self.lowercase)
        check_choice(self.name, "verify", self.verify, VERIFY_MODES)
        check_string(self.name, "keep_highest", self.keep_highest, allow_none=True)
        check_number(self.name, "seed", self.seed, low=0, integer=True)
        if (self.bands is None) != (self.rows is None):
            raise ConfigError("minhash_dedup needs both 'bands' and 'rows', or neither.")
        if self.bands is not None and self.bands * self.rows > self.num_perm:
            raise ConfigError(
                f"minhash_dedup: bands * rows must be at most num_perm ({self.num_perm}). "
                f"Got {self.bands} * {self.rows} instead."
            )

    def check_columns(self, columns: list[str]) -> None:
        if self.keep_highest is not None and self.keep_highest not in columns:
            raise ConfigError(
                f"The 'keep_highest' parameter of minhash_dedup names column "
                f"{self.keep_highest!r}, which the data does not have ({', '.join(columns)})."
            )

    @property
    def banding(self) -> tuple[int, int]:
        """(bands, rows) in use."""
        if self.bands is not None:
            return self.bands, self.rows
        return lsh.optimal_bands_rows(self.threshold, self.num_perm, self.fp_weight, self.fn_weight)

    def output_columns(self) -> dict[str, pa.DataType]:
        return {DUP_CLUSTER: pa.int64()}

    def _texts(self, batch: pa.RecordBatch) -> pa.Array:
        texts = batch.column(self.context.text_column)
        return pc.utf8_lower(texts) if self.lowercase else texts

    def fit_state(self, batch: pa.RecordBatch) -> dict:
        texts = self._texts(batch)
        seeds = permutation_seeds(self.num_perm, self.seed)
        state = {}
        tokens = {"tokenizer": self.tokenizer, "ngram_chars": self.ngram_chars}
        if self.verify == "exact":
            sigs, values, counts = signatures_and_shingles(texts, self.ngram, seeds, **tokens)
            has_shingles = counts > 0
            # Sorted distinct sets, so the reduce never sorts a set (once per batch, in workers).
            values, set_sizes = distinct_sets(values, counts)
            state["shingle_lengths"] = set_sizes[has_shingles]
            state["shingles"] = values
        else:
            sigs, shingle_counts = signatures(texts, self.ngram, seeds, **tokens)
            has_shingles = shingle_counts > 0
        bands, rows = self.banding
        state["rows"] = to_numpy(batch.column(ROW_COLUMN))[has_shingles]
        state["bands"] = band_hashes(sigs[has_shingles], bands, rows)
        if self.verify == "signature":
            state["signatures"] = sigs[has_shingles]
        if self.keep_highest is not None:
            column = batch.column(self.keep_highest).cast(pa.float64())
            values = pc.fill_null(column, -np.inf).to_numpy(zero_copy_only=False)
            state["priority"] = values[has_shingles]
        return state

    def fit(self, states: Iterable[dict]) -> None:
        bands, _ = self.banding
        with (
            scratch_dir(self.context.work_dir, "dataprep-minhash-") as folder,
            BandRuns(folder, self.name, bands, self.context.run_rows) as band_runs,
        ):
            sig_file = Spill(folder / f"{self.name}.signatures")
            shingle_file = Spill(folder / f"{self.name}.shingles")
            row_parts, priority_parts, length_parts = [], [], []
            with sig_file, shingle_file:
                for state in states:
                    row_parts.append(state["rows"])
                    band_runs.append(state["bands"])
                    priority_parts.append(state.get("priority", np.empty(0)))
                    length_parts.append(state.get("shingle_lengths", np.empty(0, np.int64)))
                    sig_file.append(state.get("signatures"))
                    shingle_file.append(state.get("shingles"))
            rows = _concat(row_parts, np.int64)
            n = len(rows)
            try:
                parent = self._join_verified(band_runs, sig_file, shingle_file, length_parts, n)
            finally:
                sig_file.remove()
                shingle_file.remove()
        labels = lsh.component_labels(parent)
        keep = lsh.representatives(
            labels, _concat(priority_parts, np.float64) if self.keep_highest else None
        )
        in_cluster = np.bincount(labels, minlength=n)[labels] > 1
        rejected = in_cluster & (keep[labels] != np.arange(n))
        self.clusters_ = int(np.unique(labels[in_cluster]).size)
        self._set_rejections(rows[rejected], np.zeros(rejected.sum(), np.int16), ["near_duplicate"])
        self._set_row_values(DUP_CLUSTER, rows[in_cluster], rows[keep[labels[in_cluster]]])

    def fit_shuffled(self, ops: ShuffleOps) -> None:
        """The fit on a distributed runner (dataprep.dedup.minhash_shuffle)."""
        members, keep, labels = fit_minhash_shuffled(self, ops)
        rejected = keep != members
        self.clusters_ = int(np.unique(labels).size)
        self._set_rejections(
            members[rejected], np.zeros(rejected.sum(), np.int16), ["near_duplicate"]
        )
        self._set_row_values(DUP_CLUSTER, members, keep)

    def _join_verified(self, band_runs, sig_file, shingle_file, length_parts, n) -> np.ndarray:
        """Union-find parents of the ``n`` rows after joining every verified candidate pair;
        sets candidate_pairs_ and verified_pairs_. Pairs are verified in bounded chunks, each
        reading only its rows' signatures or shingles from the spill."""
        parent = lsh.new_forest(n)
        self.candidate_pairs_ = self.verified_pairs_ = 0
        ends = np.cumsum(_concat(length_parts, np.int64)) if self.verify == "exact" else None
        for block in band_runs.candidate_pairs():
            self.candidate_pairs_ += len(block)
            weights = None if ends is None else _set_sizes(ends, block).sum(axis=1)
            for pairs in _pair_chunks(block, weights, VERIFY_CHUNK_SHINGLES):
                rows, local = np.unique(pairs, return_inverse=True)
                local = local.reshape(pairs.shape)
                if self.verify == "signature":
                    first = rows * self.num_perm
                    sigs, _ = sig_file.read_ranges(np.uint32, first, first + self.num_perm)
                    sigs = sigs.reshape(len(rows), self.num_perm)
                    pairs = pairs[_signature_similarity(sigs, local) >= self.threshold]
                elif self.verify == "exact":
                    sizes = _set_sizes(ends, rows)
                    shingles, local_ends = shingle_file.read_ranges(
                        np.uint32, ends[rows] - sizes, ends[rows]
                    )
                    similarity = sorted_pair_jaccard(shingles, local_ends, local)
                    pairs = pairs[similarity >= self.threshold]
                self.verified_pairs_ += len(pairs)
                lsh.union_pairs(parent, pairs)
        return parent


def _concat(parts: list[np.ndarray], dtype, empty_shape=(0,)) -> np.ndarray:
    parts = [p for p in parts if len(p)]
    return (
        np.concatenate(parts).astype(dtype, copy=False) if parts else np.empty(empty_shape, dtype)
    )


def _set_sizes(ends: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Shingles of each row (any shape of row positions), from the cumulative ``ends``."""
    return ends[rows] - np.where(rows > 0, ends[np.maximum(rows - 1, 0)], 0)


def _pair_chunks(pairs: np.ndarray, weights: np.ndarray | None, budget: int):
    """Consecutive slices of ``pairs``: at most PAIR_CHUNK pairs, and, with ``weights`` (per
    pair), about ``budget`` total weight (always at least one pair)."""
    total = None if weights is None else np.cumsum(weights)
    start = 0
    while start < len(pairs):
        end = min(start + PAIR_CHUNK, len(pairs))
        if total is not None:
            used = total[start - 1] if start else 0
            end = min(end, max(start + 1, int(np.searchsorted(total, used + budget, "right"))))
        yield pairs[start:end]
        start = end


def _signature_similarity(sigs: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    out = np.empty(len(pairs))
    for start in range(0, len(pairs), PAIR_CHUNK):
        chunk = pairs[start : start + PAIR_CHUNK]
        out[start : start + len(chunk)] = (sigs[chunk[:, 0]] == sigs[chunk[:, 1]]).mean(axis=1)
    return out
