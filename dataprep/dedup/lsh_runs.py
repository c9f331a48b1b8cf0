"""LSH candidate pairs out of core: band keys and candidate pairs go through sorted runs in the
run's work folder (dataprep.storage.sorted_runs), so memory does not grow with the corpus.

The pairs are exactly those of ``lsh.candidate_pairs`` on the whole band-key matrix (tested
equal): per band, the rows of one bucket (equal key), in row order, give all their pairs when
there are at most ``ALL_PAIRS_BUCKET_LIMIT`` of them, else a star from the first member plus a
chain through the others; the pairs of all bands are merged with repeats dropped, sorted by the
first row, then the second.

Memory bound (``run_rows`` from RunContext, default 2,097,152 records):
- reading: band keys of at most ``run_rows // bands`` rows (8 * bands bytes a row, so about
  ``8 * run_rows`` bytes), then per band a sorted run of (key, row) records (16 bytes each);
- pairs: each band's runs are merged (one window per run) and its buckets streamed through a
  kernel that carries only the open bucket (up to ``ALL_PAIRS_BUCKET_LIMIT`` rows) from one
  block to the next; the pairs go to sorted runs of (row, row) records, merged unique;
- so O(run_rows) records at any time, whatever the corpus and bucket sizes.
Disk: 16 * bands bytes per row (band runs, one band deleted after it is done) plus 16 bytes per
candidate pair (after dropping repeats within each run).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numba as nb
import numpy as np

from dataprep.dedup.lsh import ALL_PAIRS_BUCKET_LIMIT
from dataprep.settings import DEFAULT_RUN_ROWS
from dataprep.storage.sorted_runs import SortedRuns


@nb.njit(cache=True)
def _grow(left, right, count, needed):
    capacity = len(left)
    if count + needed <= capacity:
        return left, right
    while count + needed > capacity:
        capacity *= 2
    new_left = np.empty(capacity, dtype=np.int64)
    new_right = np.empty(capacity, dtype=np.int64)
    new_left[:count] = left[:count]
    new_right[:count] = right[:count]
    return new_left, new_right


@nb.njit(cache=True)
def _stream_bucket_pairs(keys, members, limit, open_key, state, buffer, final):
    """Pairs of the buckets in one block of (key, member) records sorted by key then member.

    The bucket still open at the end of a block is carried to the next call: ``open_key[0]``
    its key; ``state`` = [open (0/1), size so far, first member, last member]; ``buffer``
    its first ``limit`` members. ``final``: the stream ends after this block (close the bucket).
    A bucket of at most ``limit`` members gives all its pairs; a larger one gives (first, s_j)
    for every later member s_j and (s_{j-1}, s_j) for j >= 2, as lsh.bucket_pairs does.
    """
    n = len(keys)
    left = np.empty(max(16, 2 * n), dtype=np.int64)
    right = np.empty(max(16, 2 * n), dtype=np.int64)
    count = 0
    for i in range(n + (1 if final else 0)):
        if i < n and state[0] == 1 and keys[i] == open_key[0]:
            member = members[i]
            size = state[1] + 1
            left, right = _grow(left, right, count, 2 * limit + 2)
            if size <= limit:
                buffer[size - 1] = member
            else:
                if size == limit + 1:  # now known to be large: star and chain so far
                    for j in range(1, limit):
                        left[count], right[count] = buffer[0], buffer[j]
                        count += 1
                        if j >= 2:
                            left[count], right[count] = buffer[j - 1], buffer[j]
                            count += 1
                left[count], right[count] = state[2], member
                count += 1
                if size - 1 >= 2:
                    left[count], right[count] = state[3], member
                    count += 1
            state[1] = size
            state[3] = member
            continue
        if state[0] == 1 and 1 < state[1] <= limit:  # close a small bucket: all its pairs
            size = state[1]
            left, right = _grow(left, right, count, size * (size - 1) // 2)
            for a in range(size):
                for b in range(a + 1, size):
                    left[count], right[count] = buffer[a], buffer[b]
                    count += 1
        state[0] = 0
        if i < n:
            state[0], state[1], state[2], state[3] = 1, 1, members[i], members[i]
            buffer[0] = members[i]
            open_key[0] = keys[i]
    return left[:count], right[:count]


class BucketStream:
    """Candidate pairs of one band, from its (key, row) records given sorted, block by block."""

    def __init__(self, limit: int = ALL_PAIRS_BUCKET_LIMIT) -> None:
        if limit < 1:
            raise ValueError(f"limit must be at least 1. Got {limit} instead.")
        self.limit = limit
        self._key = np.zeros(1, np.uint64)
        self._state = np.zeros(4, np.int64)
        self._buffer = np.zeros(limit, np.int64)

    def pairs(self, block: np.ndarray, final: bool = False) -> np.ndarray:
        """(m, 2) uint64 pairs (first < second) of the buckets closed by ``block``; with
        ``final``, of the last open bucket too."""
        keys = np.ascontiguousarray(block[:, 0], dtype=np.uint64)
        members = np.ascontiguousarray(block[:, 1]).astype(np.int64)
        left, right = _stream_bucket_pairs(
            keys, members, self.limit, self._key, self._state, self._buffer, final
        )
        return np.column_stack([left, right]).astype(np.uint64)


class BandRuns:
    """Band keys of rows 0, 1, 2, ... (appended in row order), turned into candidate pairs.

    directory: the run's work folder; name: file-name prefix; bands: band keys per row;
    run_rows: records held in memory at a time (see the module's memory bound).
    """

    def __init__(
        self, directory: Path, name: str, bands: int, run_rows: int = DEFAULT_RUN_ROWS
    ) -> None:
        self.bands = bands
        self.run_rows = run_rows
        self.rows_per_run = max(1, run_rows // bands)
        self.rows = 0
        self._band_runs = [
            SortedRuns(directory, f"{name}.band{band:03d}", 2, run_rows=run_rows)
            for band in range(bands)
        ]
        self._pairs = SortedRuns(directory, f"{name}.pairs", 2, run_rows=run_rows, unique=True)
        self._parts: list[np.ndarray] = []
        self._buffered = 0

    def __enter__(self) -> BandRuns:
        return self

    def __exit__(self, *exc) -> None:
        self.remove()

    def append(self, band_keys: np.ndarray) -> None:
        """Band keys ((m, bands) uint64) of the next m rows."""
        band_keys = np.asarray(band_keys, dtype=np.uint64).reshape(-1, self.bands)
        while len(band_keys):
            take = band_keys[: self.rows_per_run - self._buffered]
            band_keys = band_keys[len(take) :]
            self._parts.append(take.copy())
            self._buffered += len(take)
            if self._buffered >= self.rows_per_run:
                self._write_runs(self._take_buffer())

    def _take_buffer(self) -> tuple[np.ndarray, np.ndarray]:
        """(band keys, their rows) buffered so far."""
        keys = np.concatenate(self._parts) if self._parts else np.empty((0, self.bands), np.uint64)
        rows = np.arange(self.rows, self.rows + len(keys), dtype=np.uint64)
        self.rows += len(keys)
        self._parts, self._buffered = [], 0
        return keys, rows

    def _write_runs(self, buffered: tuple[np.ndarray, np.ndarray]) -> None:
        keys, rows = buffered
        for band, runs in enumerate(self._band_runs):
            runs.write_run(np.column_stack([keys[:, band], rows]))

    def candidate_pairs(self) -> Iterator[np.ndarray]:
        """Unique candidate pairs (i < j) as int64 (m, 2) blocks, in order of i then j."""
        keys, rows = self._take_buffer()
        for band, runs in enumerate(self._band_runs):
            runs.append(np.column_stack([keys[:, band], rows]))  # fewer than run_rows: kept
            stream = BucketStream()
            for block in runs.merged():
                self._pairs.append(stream.pairs(block))
            self._pairs.append(stream.pairs(np.empty((0, 2), np.uint64), final=True))
            runs.remove()
        del keys, rows
        for block in self._pairs.merged():
            yield block.astype(np.int64)

    def remove(self) -> None:
        for runs in self._band_runs:
            runs.remove()
        self._pairs.remove()
