"""Rejection decisions of one pass, kept on disk for the next pass.

A recipe with a whole-corpus stage after some filters reads the corpus more than once. The
filters' verdicts from one pass are written here (an Arrow IPC stream, zstd-compressed, in the
run's work folder) and read back in step with the corpus batches, so the next pass does not run
those filters again. Disk use is a few bytes per row; memory use is one batch.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa

from dataprep.stage import REJECT_REASON, REJECT_STAGE

SCHEMA = pa.schema([(REJECT_STAGE, pa.string()), (REJECT_REASON, pa.string())])


class DecisionLog:
    """Per-row (dp_reject_stage, dp_reject_reason) of every batch, in corpus order.

    covered: how many leading stages of the recipe the decisions account for.
    """

    def __init__(self, path: Path, covered: int) -> None:
        self.path = path
        self.covered = covered
        self._sink = None
        self._writer = None

    def append(self, stages: pa.Array, reasons: pa.Array) -> None:
        if self._writer is None:
            self._sink = pa.OSFile(str(self.path), "wb")
            options = pa.ipc.IpcWriteOptions(compression="zstd")
            self._writer = pa.ipc.new_stream(self._sink, SCHEMA, options=options)
        self._writer.write_batch(pa.RecordBatch.from_arrays([stages, reasons], schema=SCHEMA))

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._sink.close()
            self._writer = None

    def read(self) -> Iterator[tuple[pa.Array, pa.Array]]:
        with pa.memory_map(str(self.path)) as source:
            for batch in pa.ipc.open_stream(source):
                yield batch.column(0), batch.column(1)

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)
