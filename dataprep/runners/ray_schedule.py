"""``dataprep schedule --runner ray``: the curriculum plan gathered on Ray Data.

1. The corpus is read as by the Ray filter runner (dataprep.runners.ray_read). Workers write the
   rows that cannot be scheduled (bad input in reject mode, a missing or non-finite difficulty)
   to OUT/rejected.
2. The driver reads the difficulty of the schedulable rows (8 bytes per row, as the local run
   does) and draws the same plan with the same seed, chunk by chunk; each chunk goes to the
   object store as (plan position, row, step, bucket, competence), so the driver never holds
   the whole plan.
3. A keyed shuffle on the row (dataprep.runners.ray_graph.attach) brings each plan entry its
   row (a row served twice is attached twice), a
   distributed sort on the plan position restores consumption order, and the workers write the
   shards, named by their first position, so OUT/data holds the rows in plan order exactly as
   the local run writes them.
"""

from __future__ import annotations

import pickle
from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dataprep.io.writer import ShardedWriter, write_pieces
from dataprep.output import conform
from dataprep.runners.ray_graph import attach
from dataprep.runners.ray_ops import as_batch, collect
from dataprep.runners.ray_read import read_corpus
from dataprep.runners.ray_session import RaySession
from dataprep.schedule.curriculum import PlanDrawer
from dataprep.schedule.plan_output import (
    BUCKET_COLUMN,
    COMPETENCE_COLUMN,
    MISSING_DIFFICULTY,
    STEP_COLUMN,
    ScheduleResult,
    check_schedulable,
    difficulty_values,
    plan_for,
    schedule_schemas,
)
from dataprep.schedule.plan_report import PlanReport
from dataprep.stage import REJECT_REASON, REJECT_STAGE, ROW_COLUMN

POSITION = "_dp_position"
PLAN_CHUNK = 1 << 22  # plan entries per chunk put into the object store (about 100 MB)


def _verdicts(batch: pa.RecordBatch, column: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(values, schedulable mask, bad input mask) of a block."""
    values = difficulty_values(batch, column)
    bad_input = np.zeros(batch.num_rows, bool)
    if REJECT_STAGE in batch.schema.names:
        bad_input = pc.is_valid(batch.column(REJECT_STAGE)).to_numpy(zero_copy_only=False)
    return values, np.isfinite(values) & ~bad_input, bad_input


def _write_rejected(table: pa.Table, column: str, settings: dict) -> pa.Table:
    batch = as_batch(table)
    _, ok, bad_input = _verdicts(batch, column)
    missing = ~ok & ~bad_input
    if REJECT_STAGE not in batch.schema.names:
        batch = batch.append_column(REJECT_STAGE, pa.nulls(batch.num_rows, pa.string()))
        batch = batch.append_column(REJECT_REASON, pa.nulls(batch.num_rows, pa.string()))
    stages = pc.if_else(pa.array(missing), "schedule", batch.column(REJECT_STAGE))
    reasons = pc.if_else(pa.array(missing), MISSING_DIFFICULTY, batch.column(REJECT_REASON))
    batch = batch.set_column(batch.schema.get_field_index(REJECT_STAGE), REJECT_STAGE, stages)
    batch = batch.set_column(batch.schema.get_field_index(REJECT_REASON), REJECT_REASON, reasons)
    rejected = conform(batch.filter(pa.array(~ok)), settings["schema"])
    first_row = int(batch.column(ROW_COLUMN)[0].as_py()) if batch.num_rows else -1
    parts = write_pieces(rejected, Path(settings["folder"]), first_row, **settings["options"])
    counts = Counter(rejected.column(REJECT_REASON).to_pylist())
    return pa.table(
        {
            "rows": [batch.num_rows],
            "parts": [pickle.dumps(parts)],
            "reasons": [pickle.dumps(dict(counts))],
        }
    )


def _schedulable(table: pa.Table, column: str) -> pa.Table:
    batch = as_batch(table)
    values, ok, _ = _verdicts(batch, column)
    return pa.table({"row": batch.column(ROW_COLUMN).to_numpy()[ok], "value": values[ok]})


def _plan_rows(table: pa.Table, kept_rows, schema: pa.Schema) -> pa.Table:
    """The schedulable rows of a block, keyed by their index among all schedulable rows."""
    batch = as_batch(table)
    rows = batch.column(ROW_COLUMN).to_numpy()
    where = np.searchsorted(kept_rows, rows)
    found = (where < len(kept_rows)) & (kept_rows[np.minimum(where, len(kept_rows) - 1)] == rows)
    kept = conform(batch.filter(pa.array(found)), schema)
    return pa.Table.from_batches([kept]).append_column("_dp_kept", pa.array(where[found]))


def _write_plan_block(table: pa.Table, settings: dict) -> pa.Table:
    table = table.sort_by(POSITION)
    batch = as_batch(table)
    first = int(batch.column(POSITION)[0].as_py()) if batch.num_rows else -1
    part = conform(batch, settings["schema"])
    parts = write_pieces(part, Path(settings["folder"]), first, **settings["options"])
    return pa.table({"parts": [pickle.dumps(parts)]})


def _finish(writer: ShardedWriter, parts: list[dict]) -> list[dict]:
    writer.restore(sorted(parts, key=lambda part: part["part"]))
    return writer.close()


def schedule_on_ray(run, corpus, tmp_dir: Path, session: RaySession) -> ScheduleResult:
    """ScheduleRun ``run`` on Ray (``session``); writes its output into ``tmp_dir``."""

    curriculum = run.curriculum
    column = curriculum.difficulty_column
    options = {
        "max_shard_bytes": run.settings.max_shard_bytes,
        "shard_format": run.settings.shard_format,
    }
    kept_schema, rejected_schema = schedule_schemas(corpus)
    rejected = ShardedWriter(tmp_dir / "rejected", rejected_schema, **options)
    kept = ShardedWriter(tmp_dir / "data", kept_schema, **options)
    data = read_corpus(corpus, session)
    settings = {"options": options, "folder": str(tmp_dir / "rejected"), "schema": rejected_schema}
    rows_in, reasons, parts = 0, Counter(), []
    written = data.map_batches(
        _write_rejected, fn_args=(column, settings), batch_format="pyarrow", batch_size=None
    )
    for row in written.iter_rows():
        rows_in += row["rows"]
        parts += pickle.loads(row["parts"])
        reasons.update(pickle.loads(row["reasons"]))
    rejected_shards = _finish(rejected, parts)
    found = collect(
        data.map_batches(_schedulable, fn_args=(column,), batch_format="pyarrow"),
        ["row", "value"],
    )
    values = found["value"]
    check_schedulable(values, column, rows_in)
    difficulty, drawer, report = plan_for(curriculum, values)
    plan = _plan_dataset(drawer, difficulty, report, curriculum.batch_size)
    row_schema = corpus.output_schema
    rows = data.map_batches(
        _plan_rows, fn_args=(found["row"], row_schema), batch_format="pyarrow", batch_size=None
    )
    row_columns = {name: name for name in row_schema.names}
    joined = attach(plan, "_dp_kept", rows, "_dp_kept", row_columns, session.partitions)
    ordered = joined.sort(POSITION)
    settings = {"options": options, "folder": str(tmp_dir / "data"), "schema": kept_schema}
    parts = []
    for row in ordered.map_batches(
        _write_plan_block, fn_args=(settings,), batch_format="pyarrow", batch_size=None
    ).iter_rows():
        parts += pickle.loads(row["parts"])
    kept_shards = _finish(kept, parts)
    result = ScheduleResult(
        tmp_dir, rows_in, len(values), rejected.rows, drawer.samples, drawer.steps
    )
    run.write_reports(corpus, result, report, reasons, (kept_shards, rejected_shards))
    return result


def _plan_dataset(drawer: PlanDrawer, difficulty, report: PlanReport, batch_size: int):
    """The plan as a Ray Dataset of (position, kept-row index, step, bucket, competence), drawn
    and handed to the object store chunk by chunk."""
    import ray.data

    steps_per_chunk = max(1, PLAN_CHUNK // batch_size)
    tables, position = [], 0
    for first in range(0, drawer.steps, steps_per_chunk):
        last = min(drawer.steps, first + steps_per_chunk)
        rows, steps = drawer.draw(first, last)
        competence = drawer.competence(first, last)[steps - first]
        report.add(rows, steps)
        tables.append(
            ray.put(
                pa.table(
                    {
                        POSITION: np.arange(position, position + len(rows), dtype=np.int64),
                        "_dp_kept": rows.astype(np.int64),
                        STEP_COLUMN: steps,
                        BUCKET_COLUMN: difficulty.bucket[rows],
                        COMPETENCE_COLUMN: competence,
                    }
                )
            )
        )
        position += len(rows)
    return ray.data.from_arrow_refs(tables)
