"""Append-only arrays in the run's work folder: compact per-row state that would otherwise grow
with the corpus is written to disk during a fit pass and read back as a memory map (whose pages
``Spill.drop_pages`` releases from the resident set after each bounded piece of work)."""

from __future__ import annotations

import mmap
from pathlib import Path

import numpy as np


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

    @staticmethod
    def drop_pages(values: np.ndarray) -> None:
        """Take the pages of a memory map returned by ``open`` out of this process's resident
        memory (they stay in the page cache; reading them again maps them back), so that
        random reads over a large spill do not add its whole size to the process's RSS."""
        mapped = getattr(values, "_mmap", None)  # numpy.memmap's mmap object
        if mapped is not None and hasattr(mapped, "madvise"):
            mapped.madvise(mmap.MADV_DONTNEED)
