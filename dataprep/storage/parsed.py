"""The corpus parsed once: the record batches of a run's first pass, kept in its work folder for
the later passes.

A recipe with whole-corpus stages reads the corpus once per pass. The first pass writes every
batch as the reader gave it (rows, ids, row numbers, bad-input verdicts) to an Arrow IPC file
(LZ4-compressed buffers); later passes read batch ``i`` back from the memory-mapped file instead
of reading and parsing the input again, and a worker process given ``BatchRef(path, i)`` reads
it there itself, so batches are not pickled from the driver to the workers either. The file is
written under a temporary name and renamed when complete, so its presence means it is whole
(a resumed run uses it; an interrupted first pass starts over).

Disk: the corpus's Arrow size after LZ4 (text compresses about 2x), removed with the work folder.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

COMPRESSION = "lz4"

# In each process: the open memory-mapped readers ({path: reader}).
_READERS: dict[str, pa.ipc.RecordBatchFileReader] = {}


@dataclass(frozen=True)
class BatchRef:
    """Batch ``index`` of the parsed corpus file at ``path``."""

    path: str
    index: int

    def read(self) -> pa.RecordBatch:
        reader = _READERS.get(self.path)
        if reader is None:
            _READERS.clear()  # one run's file at a time
            reader = pa.ipc.open_file(pa.memory_map(self.path))
            _READERS[self.path] = reader
        return reader.get_batch(self.index)


def release() -> None:
    """Close this process's memory-mapped readers (at the end of a run)."""
    _READERS.clear()


def batch_of(item: pa.RecordBatch | BatchRef) -> pa.RecordBatch:
    """The record batch an item stands for."""
    return item.read() if isinstance(item, BatchRef) else item


class ParsedCorpus:
    """The parsed corpus file of one run, at ``path`` (e.g. OUT's work folder / parsed.arrow)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._partial = self.path.with_name(self.path.name + ".partial")

    @property
    def complete(self) -> bool:
        return self.path.exists()

    def refs(self) -> Iterator[BatchRef]:
        """A reference to every batch, in order (the file must be complete)."""
        with pa.memory_map(str(self.path)) as source:
            count = pa.ipc.open_file(source).num_record_batches
        return (BatchRef(str(self.path), index) for index in range(count))

    def keeping(self, batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        """``batches`` unchanged, each also written to the file, which is complete (renamed)
        once they are exhausted. A batch whose schema differs from the first one's stops the
        copy (the file is dropped: later passes read the input again)."""
        writer, schema = None, None
        options = pa.ipc.IpcWriteOptions(compression=COMPRESSION)
        try:
            for batch in batches:
                if writer is None and schema is None:
                    schema = batch.schema
                    writer = pa.ipc.new_file(str(self._partial), schema, options=options)
                if writer is not None and not batch.schema.equals(schema):
                    writer.close()
                    writer = None
                    self._partial.unlink(missing_ok=True)
                if writer is not None:
                    writer.write_batch(batch)
                yield batch
            if writer is not None:
                writer.close()
                writer = None
                self._partial.rename(self.path)
        finally:
            if writer is not None:  # stopped early: no complete copy
                writer.close()
                self._partial.unlink(missing_ok=True)
