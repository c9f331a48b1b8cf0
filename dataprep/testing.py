"""Helpers for testing stages, ours or yours: run one stage over a few records in memory."""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

import numpy as np
import pyarrow as pa

from dataprep.embed.settings import EncoderSettings
from dataprep.stage import REJECT_REASON, REJECT_STAGE, ROW_COLUMN, RunContext, Stage, alive_mask


def make_batch(records: list[dict], schema: pa.Schema | None = None) -> pa.RecordBatch:
    """A record batch of ``records`` with the internal row numbers and empty reject columns."""
    batch = pa.RecordBatch.from_pylist(records, schema=schema)
    batch = batch.append_column(ROW_COLUMN, pa.array(np.arange(batch.num_rows, dtype=np.int64)))
    batch = batch.append_column(REJECT_STAGE, pa.nulls(batch.num_rows, pa.string()))
    return batch.append_column(REJECT_REASON, pa.nulls(batch.num_rows, pa.string()))


def run_stage(
    stage: Stage,
    records: list[dict] | pa.RecordBatch,
    *,
    text_column: str = "text",
    batch_rows: int | None = None,
    run_rows: int | None = None,
    encoder: EncoderSettings | None = None,
) -> pa.RecordBatch:
    """Check, fit (when the stage needs it) and transform ``records``; returns the batch with the
    stage's columns and ``dp_reject_stage`` / ``dp_reject_reason``.

    batch_rows: split into batches of this many rows for fit_state (default: one batch).
    run_rows: records of fit state held in memory before a sorted run is written (RunContext;
        default: its default), e.g. tiny to test the out-of-core path.
    encoder: the run's encoder settings, read by embedding stages (RunContext; default: its
        default), e.g. ``EncoderSettings(column="vec")`` to read vectors from a column.
    """
    stage.check_params()
    batch = make_batch(records) if isinstance(records, list) else records
    with tempfile.TemporaryDirectory(prefix="dataprep-test-") as work_dir:
        context = RunContext(text_column=text_column, work_dir=Path(work_dir))
        if run_rows is not None:
            context = dataclasses.replace(context, run_rows=run_rows)
        if encoder is not None:
            context = dataclasses.replace(context, encoder=encoder)
        stage.bind(context)
        if stage.needs_fit:
            step = batch_rows or max(1, batch.num_rows)
            alive = batch.filter(pa.array(alive_mask(batch)))
            pieces = [alive.slice(i, step) for i in range(0, max(1, alive.num_rows), step)]
            stage.fit(stage.fit_state(piece) for piece in pieces)
        return stage.transform_batch(batch)


def reasons_of(batch: pa.RecordBatch) -> list[str | None]:
    """The rejection reason of every row (None for kept rows)."""
    return batch.column(REJECT_REASON).to_pylist()


def same_column(left: pa.ChunkedArray | pa.Array, right: pa.ChunkedArray | pa.Array) -> bool:
    """Whether two columns are equal, value by value, a NaN equal to a NaN (Arrow's ``equals``
    finds NaN unequal to itself; scores of some rows are NaN by design)."""
    if not left.type.equals(right.type) or len(left) != len(right):
        return False
    if not pa.types.is_floating(left.type):
        return left.equals(right)
    nulls = [c.is_null().to_numpy(zero_copy_only=False) for c in (left, right)]
    values = [c.to_numpy(zero_copy_only=False) for c in (left, right)]
    return np.array_equal(*nulls) and np.array_equal(*values, equal_nan=True)
