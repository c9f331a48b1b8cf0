"""The writing pass: the last pass over the corpus, which runs every stage and writes OUT/data,
OUT/rejected, stats.json and manifest.json into the run's temporary folder.

It is resumable: each complete output part is checkpointed (dataprep.checkpoint) with the stats
as they were at the start of the batch being written, and a resumed run restarts at the
earliest batch any still-open part began in, each writer skipping the rows it already holds.
"""

from __future__ import annotations

import itertools
import json
import pickle
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from dataprep.checkpoint import WRITERS, RunState, crash_point, write_restart
from dataprep.io.bad_input import INPUT_STAGE
from dataprep.io.readers import Corpus
from dataprep.io.writer import ShardedWriter
from dataprep.stage import REJECT_REASON, REJECT_STAGE, Scorer, alive_mask
from dataprep.stats import StageStats, ValueSample, batch_stage_stats

REJECT_COLUMNS = {REJECT_STAGE: pa.string(), REJECT_REASON: pa.string()}


@dataclass
class RunResult:
    """What a finished run wrote: the output folder, row counts and per-stage stats."""

    out_dir: Path
    rows_in: int
    rows_kept: int
    rows_rejected: int
    stages: list[StageStats]
    input: StageStats | None = None  # bad input records rejected (on_error='reject' only)


def write_pass(self, corpus, runner, tmp_dir, log, seconds, state, resuming) -> RunResult:
    """The writing pass of Pipeline ``self`` into ``tmp_dir``: ``log`` holds the decisions of
    the fit passes, ``seconds`` their time per stage, ``state`` the checkpoints; when
    ``resuming``, it restarts at the batch dataprep.checkpoint says."""
    kept_schema, rejected_schema = output_schemas(self, corpus)
    options = {"max_shard_bytes": self.max_shard_bytes, "shard_format": self.shard_format}
    writers = {
        "data": ShardedWriter(tmp_dir / "data", kept_schema, resume=resuming, **options),
        "rejected": ShardedWriter(
            tmp_dir / "rejected", rejected_schema, resume=resuming, **options
        ),
    }
    names = [stage.name for stage in self.stages]
    if corpus.on_error == "reject":
        names.insert(0, INPUT_STAGE)
        seconds = [0.0, *seconds]
    totals = Totals(names, seconds, self.stages, corpus.on_error == "reject")
    written = state.load_written() if resuming else None
    parts = {w: state.load_parts(w) for w in WRITERS} if resuming else {w: [] for w in WRITERS}
    if written is not None:
        parts, totals = written["parts"], written["totals"]
    for writer_name, writer in writers.items():
        writer.restore(parts[writer_name])
    if written is None:
        restart, starts = write_restart(parts)
        if restart > 0:
            first = min(WRITERS, key=lambda w: (starts[w][0], w))
            totals = pickle.loads(state.load_part_state(first, len(parts[first]) - 1))
        _write_batches(self, corpus, runner, log, writers, totals, state, restart, starts)
        for writer in writers.values():
            writer._close_part()
        parts = {name: list(writer._parts) for name, writer in writers.items()}
        state.save_written({"parts": parts, "totals": totals})
    kept_shards = writers["data"].close()
    rejected_shards = writers["rejected"].close()
    stages = totals.finish(self.stages)
    result = RunResult(
        tmp_dir, totals.rows_in, writers["data"].rows, writers["rejected"].rows, stages
    )
    if corpus.on_error == "reject":
        result.input, result.stages = stages[0], stages[1:]
    write_json(tmp_dir / "stats.json", _stats_json(self, result, corpus))
    manifest = _manifest(self, corpus, result, kept_shards, rejected_shards)
    write_json(tmp_dir / "manifest.json", manifest)
    return result


def output_schemas(self, corpus: Corpus) -> tuple[pa.Schema, pa.Schema]:
    """(kept, rejected) schemas of Pipeline ``self``'s output for ``corpus``."""
    kept_schema = corpus.output_schema
    for name, arrow_type in self.output_columns().items():
        kept_schema = kept_schema.append(pa.field(name, arrow_type))
    rejected_schema = kept_schema
    for name, arrow_type in {**REJECT_COLUMNS, **corpus.input_error_columns}.items():
        rejected_schema = rejected_schema.append(pa.field(name, arrow_type))
    return kept_schema, rejected_schema


def _write_batches(self, corpus, runner, log, writers, totals, state, restart, starts):
    """Transform batches ``restart``.. and write them; each writer skips the rows its kept
    parts already hold (``starts``: the (batch, row) where its next part begins)."""
    schemas = {name: writer.schema for name, writer in writers.items()}
    current = [restart]
    for name, writer in writers.items():
        writer.on_shard = _part_saver(state, name, current, totals)
    from dataprep.pipeline import _pass_task  # the per-batch task every pass shares

    plan = self._plan(len(self.stages), log, None)
    items = itertools.islice(self._items(corpus, log, "transform"), restart, None)
    with closing(runner.map(_pass_task, plan, items)) as results:
        for index, (batch, task_seconds) in enumerate(results, start=restart):
            current[0] = index
            alive = alive_mask(batch)
            for name, rows in (("data", alive), ("rejected", ~alive)):
                first_batch, first_row = starts[name]
                if index < first_batch:
                    continue
                part = conform(batch.filter(pa.array(rows)), schemas[name])
                writers[name].write(part.slice(first_row) if index == first_batch else part)
            totals.add(batch, task_seconds)
            crash_point("batch_written")
    for writer in writers.values():
        writer.on_shard = None


def _stats_json(self, result: RunResult, corpus: Corpus) -> dict:
    stats = {
        "rows_in": result.rows_in,
        "rows_kept": result.rows_kept,
        "rows_rejected": result.rows_rejected,
        "num_proc": self.num_proc,
    }
    if self.runner != "local":
        stats["runner"] = self.runner
    if result.input is not None:
        stats["input"] = {**result.input.to_dict(), "warnings": corpus.warnings}
    stats["stages"] = {stats.name: stats.to_dict() for stats in result.stages}
    return stats


def _manifest(self, corpus, result, kept_shards, rejected_shards) -> dict:
    from dataprep import __version__

    return {
        "dataprep_version": __version__,
        "config": self.config,
        "stages": [
            {"name": s.name, "version": s.version, "params": s.get_params()} for s in self.stages
        ],
        "text_column": corpus.text_column,
        "id_column": corpus.id_column,
        "ids_generated": corpus.generate_ids,
        **({"on_error": self.on_error} if self.on_error != "fail" else {}),
        "inputs": corpus.describe_inputs(),
        "shard_format": self.shard_format,
        "data": {"rows": result.rows_kept, "shards": kept_shards},
        "rejected": {"rows": result.rows_rejected, "shards": rejected_shards},
        "rows_in": result.rows_in,
    }


class Totals:
    """Running stats of the writing pass: rows in, per-stage stats, scorer samples. Pickled
    into every part checkpoint (the state at the start of the batch being written)."""

    def __init__(self, names, seconds, stages, with_input: bool) -> None:
        self.rows_in = 0
        self.names = names
        self.stats = [StageStats(n, seconds=s) for n, s in zip(names, seconds, strict=True)]
        offset = 1 if with_input else 0
        self.samples = {
            i + offset: (s.score_column, ValueSample())
            for i, s in enumerate(stages)
            if isinstance(s, Scorer)
        }
        self.offset = offset

    def add(self, batch: pa.RecordBatch, task_seconds: list[float]) -> None:
        task_seconds = [0.0] * self.offset + list(task_seconds)
        stats = batch_stage_stats(batch, self.names)
        for i, stage_stats in enumerate(stats):
            stage_stats.seconds = task_seconds[i]
        self.add_parts(batch.num_rows, stats, self.batch_scores(batch))

    def batch_scores(self, batch: pa.RecordBatch) -> dict[str, np.ndarray]:
        """The score columns of a transformed batch, for ``add_parts``."""
        return {
            column: batch.column(column).to_numpy(zero_copy_only=False)
            for column, _ in self.samples.values()
        }

    def add_parts(self, rows: int, stats: list[StageStats], scores: dict[str, np.ndarray]):
        """Add one batch's row count, per-stage stats and score columns (computed elsewhere,
        e.g. in a Ray worker), in input order."""
        self.rows_in += rows
        for i, stage_stats in enumerate(stats):
            self.stats[i] = self.stats[i] + stage_stats
        for column, sample in self.samples.values():
            sample.add(scores[column])

    def finish(self, stages) -> list[StageStats]:
        for i, (_, sample) in self.samples.items():
            self.stats[i].score = sample.summary()
        return self.stats


def _part_saver(state: RunState, writer: str, current: list[int], totals: Totals):
    def save(part: dict, consumed: int) -> None:
        # Stats are added after both writers took the batch: totals are the batch's start.
        snapshot = pickle.dumps(totals, protocol=pickle.HIGHEST_PROTOCOL)
        state.save_part(writer, part, current[0], consumed, snapshot)

    return save


def load_result(out_dir: Path) -> RunResult:
    """The RunResult of a finished output folder, from its stats.json."""
    stats = json.loads((out_dir / "stats.json").read_text())
    stages = [StageStats.from_dict(name, s) for name, s in stats["stages"].items()]
    result = RunResult(
        out_dir, stats["rows_in"], stats["rows_kept"], stats["rows_rejected"], stages
    )
    if "input" in stats:
        result.input = StageStats.from_dict(INPUT_STAGE, stats["input"])
    return result


def conform(batch: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
    """The batch's columns in ``schema`` order; declared columns a stage did not add are null."""
    columns = []
    for field in schema:
        if field.name in batch.schema.names:
            column = batch.column(field.name)
            columns.append(column if column.type == field.type else column.cast(field.type))
        else:
            columns.append(pa.nulls(batch.num_rows, field.type))
    return pa.RecordBatch.from_arrays(columns, schema=schema)


def write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=False, default=_json_default) + "\n")


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} to JSON")
