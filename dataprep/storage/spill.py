"""Append-only arrays in the run's work folder: compact per-row state that would otherwise grow
with the corpus is written to disk during a fit pass and read back as a memory map, or
range by range with plain reads (``read_ranges``) where the reads are scattered."""

from __future__ import annotations

from pathlib import Path

import numpy as np

SPAN_BYTES = 1 << 23  # largest single read of read_ranges


class Spill:
    """Append-only array file in the work folder; read back as a read-only memory map."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file = None

    def __enter__(self) -> Spill:
        return self

    def append(self, values: np.ndarray | None) -> None:
        if values is None:
            return
        if self._file is None:
            self._file = open(self.path, "wb")  # noqa: SIM115 - closed in __exit__
        self._file.write(np.ascontiguousarray(values).tobytes())

    def __exit__(self, *exc) -> None:
        if self._file is not None:
            self._file.close()

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)

    def open(self, dtype, shape: tuple[int, ...]) -> np.ndarray:
        if not self.path.exists() or self.path.stat().st_size == 0:
            return np.empty((0, *shape[1:]) if shape[0] != -1 else 0, dtype=dtype)
        return np.memmap(self.path, dtype=dtype, mode="r", shape=None if shape == (-1,) else shape)

    def read_ranges(
        self, dtype, starts: np.ndarray, ends: np.ndarray, *, gap_bytes: int = 1 << 18
    ) -> tuple[np.ndarray, np.ndarray]:
        """Elements [starts[k], ends[k]) of the spilled array for every k (ranges in increasing
        order, not overlapping), back to back, with the end of each range in the result.

        Reads with plain file reads into memory, not a memory map: a map's page faults bring in
        whole neighbourhoods of pages (fault-around), so scattered reads would soon make the
        whole file resident. Ranges less than ``gap_bytes`` apart are read in one call, each
        about SPAN_BYTES at most, so memory is the ranges' size plus about one span.
        """
        dtype = np.dtype(dtype)
        starts = np.asarray(starts, np.int64)
        sizes = np.asarray(ends, np.int64) - starts
        offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        out = np.empty(int(offsets[-1]), dtype)
        if len(out) == 0:
            return out, offsets[1:]
        ends = starts + sizes
        # A new read where the gap to the previous range exceeds gap_bytes, or where the range
        # would reach past SPAN_BYTES from the read's first range.
        new_read = np.ones(len(starts), dtype=bool)
        new_read[1:] = (starts[1:] - ends[:-1]) * dtype.itemsize > gap_bytes
        group_start = starts[np.maximum.accumulate(np.where(new_read, np.arange(len(starts)), 0))]
        span = (ends - group_start) * dtype.itemsize // SPAN_BYTES
        new_read[1:] |= span[1:] != span[:-1]
        bounds = np.append(np.flatnonzero(new_read), len(starts))
        with open(self.path, "rb") as f:
            for first, stop in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
                low = int(starts[first])
                f.seek(low * dtype.itemsize)
                values = np.fromfile(f, dtype, count=int(ends[stop - 1]) - low)
                shift = np.repeat(starts[first:stop] - low - offsets[first:stop], sizes[first:stop])
                out[offsets[first] : offsets[stop]] = values[
                    shift + np.arange(offsets[first], offsets[stop])
                ]
        return out, offsets[1:]
