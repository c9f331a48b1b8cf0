"""Exact deduplication: hash each normalized text, keep the first occurrence in input order.

Duplicates get reason ``exact_duplicate``; every row of a duplicate group (the kept first copy
included) gets ``dp_dup_cluster`` = the row number of the kept copy.

Fit: each alive row's record (128-bit xxh3 hash, row number) goes to sorted runs in the run's
work folder (dataprep.storage.sorted_runs); their merge brings equal hashes together in row
order, so the first row of each group is the kept copy. Memory whatever the corpus size: at most
``run_rows`` records of 24 bytes (RunContext; default 2,097,152: 48 MiB, about 150 MiB while a
run is sorted). Disk: 24 bytes per alive row, removed after the fit. What the fit learns is 16
bytes per duplicate row while it is collected, then 10 bytes per duplicate row (rejections) and
16 bytes per member of a duplicate group (``dp_dup_cluster``).

On a distributed runner (``fit_shuffled``) the records are shuffled on the hash instead, and
each partition is sorted and reduced by the same ``DuplicateGroups``.
"""

from __future__ import annotations

from collections.abc import Iterable
from unicodedata import is_normalized, normalize

import numba as nb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import xxhash

from dataprep.arrow_numpy import bools, from_numpy, strings_at, to_numpy
from dataprep.params import check_bool
from dataprep.registry import register
from dataprep.runners.base import ShuffleOps, partition_of
from dataprep.stage import DUP_CLUSTER, ROW_COLUMN, Selector
from dataprep.storage.sorted_runs import SortedRuns, scratch_dir, sort_records
from dataprep.strings import string_buffers


def normalize_texts(
    texts: pa.Array,
    *,
    nfkc: bool,
    lowercase: bool,
    collapse_whitespace: bool,
    strip_punctuation: bool,
    strip_digits: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Normalized UTF-8 bytes of each text as (data, int64 offsets); null reads as "".

    Whitespace collapsing turns each run of ASCII whitespace into one space and trims both ends
    (after NFKC, Unicode spaces such as U+00A0 are ASCII spaces already).
    """
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks()
    if texts.null_count:
        texts = pc.fill_null(texts, "")
    if nfkc:
        texts = nfkc_normalize(texts)
    if lowercase:
        texts = pc.utf8_lower(texts)
    if strip_punctuation:
        texts = pc.replace_substring_regex(texts, r"[\p{P}\p{S}]", "")
    if strip_digits:
        texts = pc.replace_substring_regex(texts, r"\p{Nd}", "")
    data, offsets = string_buffers(texts)
    if collapse_whitespace:
        return _collapse_whitespace(data, offsets)
    return data, offsets


def nfkc_normalize(texts: pa.Array) -> pa.Array:
    """Unicode NFKC of each text of a string array without nulls (Python's unicodedata: the
    Unicode version of the running Python, 14.0 on 3.11).

    Only non-ASCII texts are looked at (NFKC leaves ASCII unchanged), and only those the quick
    check does not find normalized already are rewritten: on real web text this is about 3x
    faster than Arrow's utf8_normalize, which rewrites every text it is given.
    """
    non_ascii = np.flatnonzero(~bools(pc.string_is_ascii(texts)))
    if len(non_ascii) == 0:
        return texts
    values = texts.take(from_numpy(non_ascii)).to_pylist()
    changed = [i for i, text in enumerate(values) if not is_normalized("NFKC", text)]
    if not changed:
        return texts
    mask = np.zeros(len(texts), dtype=bool)
    mask[non_ascii[changed]] = True
    normalized = [normalize("NFKC", values[i]) for i in changed]
    normalized = strings_at(len(changed), np.arange(len(changed)), normalized).cast(texts.type)
    return pc.replace_with_mask(texts, from_numpy(mask), normalized)


@nb.njit(cache=True)
def _collapse_whitespace(data, offsets):
    n = len(offsets) - 1
    out = np.empty(max(1, offsets[n] - offsets[0]), dtype=np.uint8)
    out_offsets = np.zeros(n + 1, dtype=np.int64)
    size = 0
    for d in range(n):
        pending_space = False
        started = False
        for i in range(offsets[d], offsets[d + 1]):
            byte = data[i]
            if byte == 32 or 9 <= byte <= 13:
                pending_space = started
            else:
                if pending_space:
                    out[size] = 32
                    size += 1
                    pending_space = False
                out[size] = byte
                size += 1
                started = True
        out_offsets[d + 1] = size
    return out, out_offsets


def hash128(data: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """xxh3-128 of each byte string data[offsets[i]:offsets[i+1]] as an (n, 2) uint64 array."""
    n = len(offsets) - 1
    out = np.empty((n, 2), dtype=np.uint64)
    view = memoryview(data)
    for i in range(n):
        digest = xxhash.xxh3_128_intdigest(view[offsets[i] : offsets[i + 1]])
        out[i, 0] = digest >> 64
        out[i, 1] = digest & _LOW_64
    return out


_LOW_64 = (1 << 64) - 1


@register
class ExactDedup(Selector):
    """Reject rows whose normalized text equals that of an earlier row.

    nfkc: apply Unicode NFKC normalization first (default True).
    lowercase: compare case-insensitively (default True).
    collapse_whitespace: turn every whitespace run into one space and trim (default True).
    strip_punctuation: drop Unicode punctuation and symbols (default False).
    strip_digits: drop decimal digits (default False).
    """

    name = "exact_dedup"
    version = 2  # 2: NFKC by Python's unicodedata (was Arrow's utf8proc)

    def __init__(
        self,
        *,
        nfkc: bool = True,
        lowercase: bool = True,
        collapse_whitespace: bool = True,
        strip_punctuation: bool = False,
        strip_digits: bool = False,
    ) -> None:
        self.nfkc = nfkc
        self.lowercase = lowercase
        self.collapse_whitespace = collapse_whitespace
        self.strip_punctuation = strip_punctuation
        self.strip_digits = strip_digits

    def check_params(self) -> None:
        for name, value in self.get_params().items():
            check_bool(self.name, name, value)

    def output_columns(self) -> dict[str, pa.DataType]:
        return {DUP_CLUSTER: pa.int64()}

    def fit_state(self, batch: pa.RecordBatch) -> tuple[np.ndarray, np.ndarray]:
        data, offsets = normalize_texts(batch.column(self.context.text_column), **self.get_params())
        return to_numpy(batch.column(ROW_COLUMN)), hash128(data, offsets)

    def fit(self, states: Iterable[tuple[np.ndarray, np.ndarray]]) -> None:
        with (
            scratch_dir(self.context.work_dir, "dataprep-exact-") as folder,
            SortedRuns(folder, self.name, 3, run_rows=self.context.run_rows) as runs,
        ):
            for rows, hashes in states:
                runs.append(np.column_stack([hashes, rows.astype(np.uint64)]))
            duplicates = DuplicateGroups()
            for block in runs.merged():
                duplicates.add(block)
        self.set_duplicates(*duplicates.result())

    def fit_shuffled(self, ops: ShuffleOps) -> None:
        """The fit on a distributed runner: each alive row's (hash, row) record is shuffled on
        the hash, and each partition finds its groups as the local fit does."""
        keys = ops.rows(_keyed_hashes, self, ops.partitions)
        found = ops.collect(ops.group(keys, _partition_duplicates), ["row", "first"])
        self.set_duplicates(found["row"], found["first"])

    def set_duplicates(self, rows: np.ndarray, representatives: np.ndarray) -> None:
        """Learn the duplicate ``rows`` and the first row of each one's group."""
        self._set_rejections(rows, np.zeros(len(rows), np.int16), ["exact_duplicate"])
        # Every member of a duplicate group, the kept first copy too, names the kept copy.
        kept = np.unique(representatives)
        self._set_row_values(
            DUP_CLUSTER, np.concatenate([rows, kept]), np.concatenate([representatives, kept])
        )


class DuplicateGroups:
    """Duplicate rows and their groups' first rows, from (hash_high, hash_low, row) records
    given sorted, block after block; a group may span blocks."""

    def __init__(self) -> None:
        self.last_hash: np.ndarray | None = None  # hash of the last record seen
        self.last_representative = -1  # the first row of its group
        self.rows: list[np.ndarray] = []
        self.representatives: list[np.ndarray] = []

    def add(self, block: np.ndarray) -> None:
        if len(block) == 0:
            return
        hashes, rows = block[:, :2], block[:, 2].astype(np.int64)
        same_as_previous = np.zeros(len(block), dtype=bool)
        same_as_previous[1:] = np.all(hashes[1:] == hashes[:-1], axis=1)
        if self.last_hash is not None:
            same_as_previous[0] = bool(np.all(hashes[0] == self.last_hash))
        group_start = np.maximum.accumulate(np.where(same_as_previous, 0, np.arange(len(block))))
        representative = rows[group_start]
        # Rows before the block's first new group continue the group of the previous block.
        continued = np.argmin(same_as_previous) if not same_as_previous.all() else len(block)
        representative[:continued] = self.last_representative
        self.rows.append(rows[same_as_previous])
        self.representatives.append(representative[same_as_previous])
        self.last_hash = hashes[-1].copy()
        self.last_representative = int(representative[-1])

    def result(self) -> tuple[np.ndarray, np.ndarray]:
        """(duplicate rows, the first row of each one's group)."""
        if not self.rows:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        return np.concatenate(self.rows), np.concatenate(self.representatives)


def _keyed_hashes(batch: pa.RecordBatch, stage: ExactDedup, partitions: int) -> pa.Table:
    rows, hashes = stage.fit_state(batch)
    return pa.table(
        {
            "part": partition_of(hashes[:, 0], partitions),
            "h0": hashes[:, 0],
            "h1": hashes[:, 1],
            "row": rows,
        }
    )


def _partition_duplicates(table: pa.Table) -> pa.Table:
    """The duplicate rows of one partition of (hash, row) records, with their groups' first
    rows."""
    columns = [table.column(name).to_numpy().astype(np.uint64) for name in ("h0", "h1", "row")]
    duplicates = DuplicateGroups()
    duplicates.add(sort_records(np.column_stack(columns)))
    rows, first = duplicates.result()
    return pa.table({"row": rows, "first": first})
