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
        self, dtype, starts: np.ndarray, ends: np.ndarray, *, gap_bytes: int = 1 << 16
    ) -> tuple[np.ndarray, np.ndarray]:
        """Elements [starts[k], ends[k]) of the spilled array for every k (ranges in increasing
        order, not overlapping), back to back, with the end of each range in the result.

        Reads with plain file reads into memory, not a memory map: a map's page faults bring in
        whole neighbourhoods of pages (fault-around), so scattered reads would soon make the
        whole file resident. Ranges less than ``gap_bytes`` apart are read in one call, in
        spans of at most SPAN_BYTES, so memory is the ranges' size plus one span.
        """
        dtype = np.dtype(dtype)
        starts = np.asarray(starts, np.int64)
        sizes = np.asarray(ends, np.int64) - starts
        offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        out = np.empty(int(offsets[-1]), dtype)
        if len(out) == 0:
            return out, offsets[1:]
        ends = starts + sizes
        with open(self.path, "rb") as f:
            k = 0
            while k < len(starts):
                first, low, high = k, int(starts[k]), int(ends[k])
                k += 1
                while (
                    k < len(starts)
                    and (starts[k] - high) * dtype.itemsize <= gap_bytes
                    and (ends[k] - low) * dtype.itemsize <= SPAN_BYTES
                ):
                    high = int(ends[k])
                    k += 1
                f.seek(low * dtype.itemsize)
                span = np.fromfile(f, dtype, count=high - low)
                shift = np.repeat(starts[first:k] - low - offsets[first:k], sizes[first:k])
                out[offsets[first] : offsets[k]] = span[
                    shift + np.arange(offsets[first], offsets[k])
                ]
        return out, offsets[1:]
