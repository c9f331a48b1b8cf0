"""One pass over the corpus, per batch: what every runner does to each batch, whatever runs it.

A pipeline makes one pass per stage that must see the whole corpus (its fit pass: the stages
before it transform each batch, then the stage computes its ``fit_state`` on the rows still
alive) and one final writing pass (every stage transforms each batch). ``pass_task`` is that
per-batch work; the local runner maps it over a process pool, the Ray runner over blocks.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from dataprep.arrow_numpy import from_numpy
from dataprep.compile_notice import compile_seconds
from dataprep.stage import (
    REJECT_COLUMNS,
    REJECT_REASON,
    REJECT_STAGE,
    Filter,
    Modifier,
    Stage,
    alive_mask,
    set_column,
)
from dataprep.storage.parsed import BatchRef, batch_of


def start_batch(batch: pa.RecordBatch, cached: tuple[pa.Array, pa.Array] | None):
    """The batch with its reject columns: empty (or the reader's, for bad input records), or
    ``cached``, the decisions of an earlier pass (which include the reader's)."""
    for position, (name, arrow_type) in enumerate(REJECT_COLUMNS.items()):
        if cached:
            batch = set_column(batch, name, cached[position])
        elif name not in batch.schema.names:
            batch = batch.append_column(name, pa.nulls(batch.num_rows, arrow_type))
    return batch


@dataclass
class PassPlan:
    """What a worker does to each batch in one pass.

    stages: the stages to apply, in order.
    skip: skip[i] is True when stage i's verdicts are already in the batch (cached by an
        earlier pass), so it is not run again.
    fit_stage: the stage whose fit_state is computed on the alive rows afterwards (None in the
        writing pass).
    first: the index (in the pipeline) of stages[0]; per-stage seconds are reported from it.
    """

    stages: list[Stage]
    skip: list[bool]
    fit_stage: Stage | None = None
    first: int = 0

    @classmethod
    def upto(cls, stages: list[Stage], upto: int, covered: int = 0, fit_stage=None) -> PassPlan:
        """The plan applying ``stages[:upto]``, where the verdicts of the first ``covered``
        stages are cached (a filter that adds no column is then skipped)."""
        skip = [
            i < covered and isinstance(stage, Filter) and not stage.output_columns()
            for i, stage in enumerate(stages[:upto])
        ]
        return cls(stages[:upto], skip, fit_stage)

    def tail(self, first: int) -> PassPlan:
        """The same pass from stage ``first`` on (the earlier stages already applied)."""
        return PassPlan(self.stages[first:], self.skip[first:], self.fit_stage, first)


def transform(plan: PassPlan, batch: pa.RecordBatch) -> tuple[pa.RecordBatch, list[float]]:
    """The batch after every stage of ``plan``; seconds spent per stage (compiling kernels on
    first use left out)."""
    seconds = []
    for i, (stage, skip) in enumerate(zip(plan.stages, plan.skip, strict=True)):
        start, compiled = time.perf_counter(), compile_seconds()
        if isinstance(stage, Modifier) and i + 1 < len(plan.stages):
            batch = _modify_as_reached(stage, batch, [s.name for s in plan.stages[i + 1 :]])
        elif not skip:
            batch = stage.transform_batch(batch)
        seconds.append(time.perf_counter() - start - (compile_seconds() - compiled))
    return batch, seconds


def _modify_as_reached(stage: Modifier, batch: pa.RecordBatch, later: list[str]):
    """Apply a modifier to the rows alive when they reach it. The cached decisions of an earlier
    pass may already hold rejections by the ``later`` stages: those rows are rewritten too, as in
    a pass without cached decisions, so the output does not depend on the passes run."""
    decided = batch.column(REJECT_STAGE), batch.column(REJECT_REASON)
    hidden = pc.is_in(decided[0], value_set=pa.array(later, pa.string()))
    if not pc.any(hidden).as_py():
        return stage.transform_batch(batch)
    for name, column in zip((REJECT_STAGE, REJECT_REASON), decided, strict=True):
        batch = set_column(
            batch, name, pc.if_else(hidden, pa.nulls(len(column), pa.string()), column)
        )
    batch = stage.transform_batch(batch)
    for name, column in zip((REJECT_STAGE, REJECT_REASON), decided, strict=True):
        batch = set_column(batch, name, column)
    return batch


def alive_rows(batch: pa.RecordBatch) -> pa.RecordBatch:
    """The rows no stage has rejected."""
    alive = alive_mask(batch)
    return batch if alive.all() else batch.filter(from_numpy(alive))


def pass_task(plan: PassPlan, item: tuple[pa.RecordBatch, Any]):
    """One batch of one pass: ``item`` is (batch as read, or a BatchRef to it in the parsed
    corpus; cached decisions or None).

    Writing pass (no fit stage): (transformed batch, seconds per stage). Fit pass: (fit state
    of the alive rows, the batch's decisions, seconds per stage with the fit stage's last).
    """
    batch, cached = item
    batch, seconds = transform(plan, start_batch(batch_of(batch), cached))
    if plan.fit_stage is None:
        return batch, seconds
    decisions = (batch.column(REJECT_STAGE), batch.column(REJECT_REASON))
    start, compiled = time.perf_counter(), compile_seconds()
    state = plan.fit_stage.fit_state(alive_rows(batch))
    seconds.append(time.perf_counter() - start - (compile_seconds() - compiled))
    return state, decisions, seconds


@dataclass
class ColumnChanges:
    """A transformed batch sent back as the columns that differ from the batch at ``ref``
    (the stages' new columns and verdicts, and any column a stage rewrote): the input columns,
    usually most of the bytes, are read again from the parsed corpus instead of being pickled.

    ref: where the batch as read is; schema: the transformed batch's schema; changed: its
    columns whose data is not the read batch's, by name.
    """

    ref: BatchRef
    schema: pa.Schema
    changed: dict[str, pa.Array]

    @classmethod
    def between(cls, ref: BatchRef, read: pa.RecordBatch, transformed: pa.RecordBatch):
        changed = {}
        for name, column in zip(transformed.schema.names, transformed.columns, strict=True):
            index = read.schema.get_field_index(name)
            if index < 0 or not _same_data(read.column(index), column):
                changed[name] = column
        return cls(ref, transformed.schema, changed)

    def apply(self) -> pa.RecordBatch:
        """The transformed batch."""
        read = self.ref.read()
        columns = [
            self.changed[name] if name in self.changed else read.column(name)
            for name in self.schema.names
        ]
        return pa.RecordBatch.from_arrays(columns, schema=self.schema)


def _same_data(first: pa.Array, second: pa.Array) -> bool:
    """Whether two arrays are views of the same memory (not merely equal values)."""
    if first.type != second.type or first.offset != second.offset or len(first) != len(second):
        return False
    for a, b in zip(first.buffers(), second.buffers(), strict=True):
        if (a is None) != (b is None) or (
            a is not None and (a.address, a.size) != (b.address, b.size)
        ):
            return False
    return True


def pass_task_by_ref(plan: PassPlan, item: tuple[BatchRef, Any]):
    """``pass_task`` for a worker process given a BatchRef: a writing pass returns
    (ColumnChanges, seconds per stage) instead of the whole batch."""
    if plan.fit_stage is not None:
        return pass_task(plan, item)
    ref, cached = item
    read = ref.read()
    batch, seconds = transform(plan, start_batch(read, cached))
    return ColumnChanges.between(ref, read, batch), seconds
