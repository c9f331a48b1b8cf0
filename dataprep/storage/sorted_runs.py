"""External sort: per-row records that would grow with the corpus are sorted in bounded chunks,
written as *sorted runs* to the run's work folder, and read back merged, in order, through
bounded windows (a k-way merge), so a whole-corpus fit never holds them all in memory.

A record is a row of ``width`` uint64 values (non-negative ints go in unchanged); records sort
lexicographically, column 0 first. ``unique=True`` drops repeated records.

Memory bound (8 * width bytes a record; ``run_rows`` records, default 2,097,152):
- appending: at most ``run_rows`` buffered records, plus, while a full buffer is written as a
  run, its lexsort permutation (8 bytes a record) and its sorted copy: about
  ``run_rows * (16 * width + 8)`` bytes at the peak (96 MiB for width 2).
- merging k run files: one window of ``run_rows // (k + 1)`` records (at least ``MIN_WINDOW``)
  per run, the records taken from them in one step and their sorted copy: about three times
  ``max(run_rows, (k + 1) * MIN_WINDOW)`` records, and k = records / run_rows, so this stays
  O(run_rows) up to about run_rows**2 / MIN_WINDOW records (10**9 at the default). The buffer
  left at the end (fewer than ``run_rows`` records) is merged from memory, never written.
- disk: 8 * width bytes per record (fewer with ``unique``), removed by ``remove()``.

The merge takes, in each step, every buffered record up to the *frontier*: the smallest last
record among the windows of runs that still have records on disk. Every record not yet read is
larger than its run's window, hence than the frontier, so the records taken are exactly the next
ones in sorted order; the run whose window ends at the frontier is emptied and refilled, so each
step makes progress.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from dataprep.settings import DEFAULT_RUN_ROWS

MIN_WINDOW = 4096


def sort_records(records: np.ndarray, unique: bool = False) -> np.ndarray:
    """``records`` ((m, width) uint64) sorted lexicographically, column 0 first; with ``unique``,
    repeated records dropped.

    One stable sort by column 0, kept when every later column is already in order among the
    records it ties (so equal keys need no more sorting: a run's rows come in increasing order,
    and a merge takes runs in order); otherwise a full lexsort.
    """
    if len(records) > 1:
        order = np.argsort(records[:, 0], kind="stable")
        result = records[order]
        if not _ordered_within_ties(result):
            width = records.shape[1]
            result = records[np.lexsort(tuple(records[:, j] for j in reversed(range(width))))]
        records = result
        if unique:
            records = records[_first_of_equal(records, None)]
    return records


def _ordered_within_ties(records: np.ndarray) -> bool:
    """Whether records sorted by column 0 are sorted lexicographically."""
    tied = records[1:, 0] == records[:-1, 0]
    for j in range(1, records.shape[1]):
        if not tied.any():
            return True
        later, earlier = records[1:, j], records[:-1, j]
        if np.any(later[tied] < earlier[tied]):
            return False
        tied &= later == earlier
    return True


def _first_of_equal(records: np.ndarray, previous: np.ndarray | None) -> np.ndarray:
    """Mask of the sorted records that differ from the one before (``previous`` before row 0)."""
    keep = np.ones(len(records), dtype=bool)
    if len(records) > 1:
        keep[1:] = np.any(records[1:] != records[:-1], axis=1)
    if previous is not None and len(records):
        keep[0] = bool(np.any(records[0] != previous))
    return keep


def _count_at_most(records: np.ndarray, limit: np.ndarray) -> int:
    """How many of the sorted ``records`` are lexicographically <= ``limit`` (a prefix)."""
    less = np.zeros(len(records), dtype=bool)
    equal = np.ones(len(records), dtype=bool)
    for j in range(records.shape[1]):
        column = records[:, j]
        less |= equal & (column < limit[j])
        equal &= column == limit[j]
    return int(np.count_nonzero(less | equal))


def _smaller(a: np.ndarray, b: np.ndarray | None) -> np.ndarray:
    if b is None:
        return a
    return a if tuple(a.tolist()) < tuple(b.tolist()) else b


class _RunReader:
    """Reads one run file in windows of records."""

    def __init__(self, path: Path, records: int, width: int) -> None:
        self.file = open(path, "rb")  # noqa: SIM115 - closed by close()
        self.left = records
        self.width = width

    def read(self, count: int) -> np.ndarray:
        count = min(count, self.left)
        values = np.fromfile(self.file, dtype=np.uint64, count=count * self.width)
        if len(values) != count * self.width:
            raise OSError(f"{self.file.name}: the sorted run is shorter than written")
        self.left -= count
        return values.reshape(count, self.width)

    def close(self) -> None:
        self.file.close()


class SortedRuns:
    """Records appended in any order, read back sorted (``merged``) with bounded memory.

    directory: where run files go (the run's work folder); name: their file-name prefix;
    width: uint64 values per record; run_rows: records buffered before a run is written;
    unique: drop repeated records.
    """

    def __init__(
        self,
        directory: Path,
        name: str,
        width: int,
        *,
        run_rows: int = DEFAULT_RUN_ROWS,
        unique: bool = False,
    ) -> None:
        if run_rows < 1:
            raise ValueError(f"run_rows must be at least 1. Got {run_rows} instead.")
        self.directory = Path(directory)
        self.name = name
        self.width = width
        self.run_rows = run_rows
        self.unique = unique
        self.runs: list[tuple[Path, int]] = []  # (file, records)
        self._parts: list[np.ndarray] = []
        self._buffered = 0

    def __enter__(self) -> SortedRuns:
        return self

    def __exit__(self, *exc) -> None:
        self.remove()

    def __len__(self) -> int:
        """Records appended (with ``unique``: after dropping repeats within each run)."""
        return sum(count for _, count in self.runs) + self._buffered

    def append(self, records: np.ndarray) -> None:
        """Add (m, width) records; a run is written each time ``run_rows`` are buffered."""
        records = np.asarray(records, dtype=np.uint64).reshape(-1, self.width)
        while len(records):
            take = records[: self.run_rows - self._buffered]
            records = records[len(take) :]
            self._parts.append(take.copy())  # never a view of the caller's array
            self._buffered += len(take)
            if self._buffered >= self.run_rows:
                self.write_run(self._take_buffer())

    def _take_buffer(self) -> np.ndarray:
        parts, self._parts, self._buffered = self._parts, [], 0
        if not parts:
            return np.empty((0, self.width), np.uint64)
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def write_run(self, records: np.ndarray) -> None:
        """Sort ``records`` and write them as one run file now (bypassing the buffer)."""
        records = sort_records(np.asarray(records, np.uint64).reshape(-1, self.width), self.unique)
        if len(records) == 0:
            return
        path = self.directory / f"{self.name}.run-{len(self.runs):05d}"
        records.tofile(path)
        self.runs.append((path, len(records)))

    def merged(self) -> Iterator[np.ndarray]:
        """Every record, sorted (repeats dropped with ``unique``), as (m, width) uint64 blocks
        of at most about ``run_rows`` records. Buffered records are merged from memory."""
        tail = sort_records(self._take_buffer(), self.unique)
        readers = [_RunReader(path, count, self.width) for path, count in self.runs]
        try:
            if not readers:
                for start in range(0, len(tail), self.run_rows):
                    yield tail[start : start + self.run_rows]
                return
            yield from self._merge(readers, tail)
        finally:
            for reader in readers:
                reader.close()

    def _merge(self, readers: list[_RunReader], tail: np.ndarray) -> Iterator[np.ndarray]:
        window = max(MIN_WINDOW, self.run_rows // (len(readers) + (len(tail) > 0)))
        heads = [reader.read(window) for reader in readers] + [tail]
        sources: list[_RunReader | None] = [*readers, None]  # None: the in-memory tail
        previous = None
        while True:
            for i, source in enumerate(sources):
                if len(heads[i]) == 0 and source is not None and source.left:
                    heads[i] = source.read(window)
            frontier = None
            for head, source in zip(heads, sources, strict=True):
                if source is not None and source.left and len(head):
                    frontier = _smaller(head[-1], frontier)
            taken = []
            for i, head in enumerate(heads):
                count = len(head) if frontier is None else _count_at_most(head, frontier)
                if count:
                    taken.append(head[:count])
                    heads[i] = head[count:]
            if not taken:
                return
            block = sort_records(np.concatenate(taken))
            if self.unique:
                block = block[_first_of_equal(block, previous)]
                if len(block):
                    previous = block[-1].copy()
            if len(block):
                yield block

    def remove(self) -> None:
        """Delete the run files and drop buffered records."""
        for path, _ in self.runs:
            path.unlink(missing_ok=True)
        self.runs = []
        self._parts, self._buffered = [], 0


@contextmanager
def scratch_dir(work_dir: Path | None, prefix: str) -> Iterator[Path]:
    """``work_dir`` (the run's work folder) or, when None, a temporary folder removed after."""
    if work_dir is not None:
        yield Path(work_dir)
        return
    with tempfile.TemporaryDirectory(prefix=prefix) as folder:
        yield Path(folder)
