"""Pipeline: check params -> fit whole-corpus stages (one pass each) -> transform -> write.

Output layout (atomic: built under a hidden temporary folder, renamed into place when complete):

    OUT/data/        kept rows, Arrow shards
    OUT/rejected/    rejected rows, with dp_reject_stage and dp_reject_reason
    OUT/stats.json   per stage: rows in, rows rejected, reasons, seconds
    OUT/manifest.json  version, config, inputs with fingerprints, shards, counts
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from dataprep.decisions import DecisionLog
from dataprep.errors import ConfigError, OutputError
from dataprep.io.readers import DEFAULT_BATCH_ROWS, Corpus, open_corpus
from dataprep.io.writer import DEFAULT_MAX_SHARD_BYTES, ShardedWriter
from dataprep.progress import progress_bar
from dataprep.runners.local import LocalRunner
from dataprep.stage import (
    REJECT_REASON,
    REJECT_STAGE,
    Filter,
    RunContext,
    Scorer,
    Stage,
    alive_mask,
)
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


def _start_batch(batch: pa.RecordBatch, cached: tuple[pa.Array, pa.Array] | None):
    """Add the reject columns: empty, or the decisions of an earlier pass."""
    for position, (name, arrow_type) in enumerate(REJECT_COLUMNS.items()):
        values = cached[position] if cached else pa.nulls(batch.num_rows, arrow_type)
        batch = batch.append_column(name, values)
    return batch


@dataclass
class _PassPlan:
    """What a worker does to each batch in one pass.

    stages: the stages to apply, in order; skip[i]: stage i's verdicts are already in the
    batch (from the decision log), so it is not run again; fit_stage: the stage whose
    fit_state is computed on the alive rows afterwards (None in the final pass).
    """

    stages: list[Stage]
    skip: list[bool]
    fit_stage: Stage | None = None


def _pass_task(plan: _PassPlan, item: tuple[pa.RecordBatch, Any]):
    batch, cached = item
    batch = _start_batch(batch, cached)
    seconds = []
    for stage, skip in zip(plan.stages, plan.skip, strict=True):
        start = time.perf_counter()
        if not skip:
            batch = stage.transform_batch(batch)
        seconds.append(time.perf_counter() - start)
    if plan.fit_stage is None:
        return batch, seconds
    decisions = (batch.column(REJECT_STAGE), batch.column(REJECT_REASON))
    alive = alive_mask(batch)
    if not alive.all():
        batch = batch.filter(pa.array(alive))
    start = time.perf_counter()
    state = plan.fit_stage.fit_state(batch)
    seconds.append(time.perf_counter() - start)
    return state, decisions, seconds


class Pipeline:
    """Runs stages over a corpus and writes the output contract.

    stages: the stages in order; a row rejected by one stage is not seen by later ones.
    num_proc: worker processes for per-batch work (default 1); output does not depend on it.
    batch_rows: rows per record batch (default 8192).
    max_shard_bytes: size bound of one output shard (default 256 MiB).
    shard_format: 'stream' (datasets.save_to_disk layout, default) or 'file' (Arrow IPC file).
    progress: show progress bars (default False).
    config: the resolved recipe to record in the manifest (default: built from the stages).
    """

    def __init__(
        self,
        stages: list[Stage],
        *,
        num_proc: int = 1,
        batch_rows: int = DEFAULT_BATCH_ROWS,
        max_shard_bytes: int = DEFAULT_MAX_SHARD_BYTES,
        shard_format: str = "stream",
        progress: bool = False,
        config: dict | None = None,
    ) -> None:
        self.stages = list(stages)
        self.num_proc = num_proc
        self.batch_rows = batch_rows
        self.max_shard_bytes = max_shard_bytes
        self.shard_format = shard_format
        self.progress = progress
        self.config = config or {
            "stages": [{s.name: s.get_params()} for s in self.stages],
        }

    def check(self) -> None:
        """Validate every stage before any data is read."""
        names = [stage.name for stage in self.stages]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ConfigError(f"Stage {repeated[0]!r} appears twice; each stage may appear once.")
        for stage in self.stages:
            stage.check_requirements()
            stage.check_params()

    def output_columns(self) -> dict[str, pa.DataType]:
        columns: dict[str, pa.DataType] = {}
        for stage in self.stages:
            columns.update(stage.output_columns())
        return columns

    def run(
        self,
        inputs: list[str],
        out_dir: str | Path,
        *,
        text_column: str = "text",
        id_column: str = "id",
        overwrite: bool = False,
    ) -> RunResult:
        """Read ``inputs``, run every stage and write ``out_dir``."""
        self.check()
        out_dir = Path(out_dir)
        corpus = open_corpus(
            inputs, text_column=text_column, id_column=id_column, batch_rows=self.batch_rows
        )
        columns = list(corpus.output_schema.names)
        for stage in self.stages:
            stage.check_columns(columns)
            columns += [c for c in stage.output_columns() if c not in columns]
        tmp_dir = _prepare_output(out_dir, overwrite)
        try:
            result = self._run_passes(corpus, tmp_dir)
        except BaseException:
            shutil.rmtree(tmp_dir, ignore_errors=True)  # nothing half-written stays behind
            raise
        if out_dir.exists():
            shutil.rmtree(out_dir)
        tmp_dir.rename(out_dir)
        result.out_dir = out_dir
        return result

    def _run_passes(self, corpus: Corpus, tmp_dir: Path) -> RunResult:
        """Fit passes, then the writing pass, into ``tmp_dir``."""
        work_dir = tmp_dir / "work"
        work_dir.mkdir()
        context = RunContext(corpus.text_column, corpus.id_column, work_dir)
        for stage in self.stages:
            stage.bind(context)
        runner = LocalRunner(self.num_proc)
        seconds = [0.0] * len(self.stages)
        log = None
        for index, stage in enumerate(self.stages):
            if stage.needs_fit:
                log = self._fit_stage(index, corpus, runner, log, seconds, work_dir)
        result = self._write(corpus, runner, tmp_dir, log, seconds)
        shutil.rmtree(work_dir)
        return result

    def _plan(self, upto: int, log: DecisionLog | None, fit_stage: Stage | None) -> _PassPlan:
        covered = log.covered if log else 0
        skip = [
            i < covered and isinstance(stage, Filter) and not stage.output_columns()
            for i, stage in enumerate(self.stages[:upto])
        ]
        return _PassPlan(self.stages[:upto], skip, fit_stage)

    def _items(self, corpus: Corpus, log: DecisionLog | None, label: str) -> Iterator:
        batches = progress_bar(corpus.iter_batches(), label, enabled=self.progress)
        if log is None:
            return ((batch, None) for batch in batches)
        return zip(batches, log.read(), strict=True)

    def _fit_stage(self, index, corpus, runner, log, seconds, work_dir) -> DecisionLog | None:
        """One pass: earlier stages transform, stage ``index`` fits. Returns the new decision
        log (covering stages before ``index``) for the next pass."""
        stage = self.stages[index]
        plan = self._plan(index, log, stage)
        new_log = DecisionLog(work_dir / f"decisions-{index}.arrow", index) if index else None
        waited = [0.0]

        def states():
            results = runner.map(_pass_task, plan, self._items(corpus, log, f"fit {stage.name}"))
            for state, decisions, task_seconds in _timed(results, waited):
                for i, value in enumerate(task_seconds[:-1]):
                    seconds[i] += value
                seconds[index] += task_seconds[-1]
                if new_log is not None:
                    new_log.append(*decisions)
                yield state

        start = time.perf_counter()
        stage.fit(states())
        # The reduce on the driver: wall time minus the time spent waiting for mapped batches.
        seconds[index] += time.perf_counter() - start - waited[0]
        if new_log is not None:
            new_log.close()
        if log is not None:
            log.remove()
        return new_log or log

    def _write(
        self, corpus: Corpus, runner: LocalRunner, tmp_dir: Path, log, seconds: list[float]
    ) -> RunResult:
        kept_schema = corpus.output_schema
        for name, arrow_type in self.output_columns().items():
            kept_schema = kept_schema.append(pa.field(name, arrow_type))
        rejected_schema = kept_schema
        for name, arrow_type in REJECT_COLUMNS.items():
            rejected_schema = rejected_schema.append(pa.field(name, arrow_type))
        options = {"max_shard_bytes": self.max_shard_bytes, "shard_format": self.shard_format}
        kept_writer = ShardedWriter(tmp_dir / "data", kept_schema, **options)
        rejected_writer = ShardedWriter(tmp_dir / "rejected", rejected_schema, **options)
        names = [stage.name for stage in self.stages]
        totals = [StageStats(name, seconds=s) for name, s in zip(names, seconds, strict=True)]
        samples = {i: ValueSample() for i, s in enumerate(self.stages) if isinstance(s, Scorer)}
        rows_in = 0
        plan = self._plan(len(self.stages), log, None)
        items = self._items(corpus, log, "transform")
        for batch, task_seconds in runner.map(_pass_task, plan, items):
            rows_in += batch.num_rows
            for i, stats in enumerate(batch_stage_stats(batch, names)):
                stats.seconds = task_seconds[i]
                totals[i] = totals[i] + stats
            for i, sample in samples.items():
                column = batch.column(self.stages[i].score_column)
                sample.add(column.to_numpy(zero_copy_only=False))
            alive = alive_mask(batch)
            kept_writer.write(_conform(batch.filter(pa.array(alive)), kept_schema))
            rejected_writer.write(_conform(batch.filter(pa.array(~alive)), rejected_schema))
        for i, sample in samples.items():
            totals[i].score = sample.summary()
        kept_shards = kept_writer.close()
        rejected_shards = rejected_writer.close()
        result = RunResult(tmp_dir, rows_in, kept_writer.rows, rejected_writer.rows, totals)
        _write_json(tmp_dir / "stats.json", self._stats_json(result))
        manifest = self._manifest(corpus, result, kept_shards, rejected_shards)
        _write_json(tmp_dir / "manifest.json", manifest)
        return result

    def _stats_json(self, result: RunResult) -> dict:
        return {
            "rows_in": result.rows_in,
            "rows_kept": result.rows_kept,
            "rows_rejected": result.rows_rejected,
            "num_proc": self.num_proc,
            "stages": {stats.name: stats.to_dict() for stats in result.stages},
        }

    def _manifest(self, corpus, result, kept_shards, rejected_shards) -> dict:
        from dataprep import __version__

        return {
            "dataprep_version": __version__,
            "config": self.config,
            "stages": [
                {"name": s.name, "version": s.version, "params": s.get_params()}
                for s in self.stages
            ],
            "text_column": corpus.text_column,
            "id_column": corpus.id_column,
            "ids_generated": corpus.generate_ids,
            "inputs": corpus.describe_inputs(),
            "shard_format": self.shard_format,
            "data": {"rows": result.rows_kept, "shards": kept_shards},
            "rejected": {"rows": result.rows_rejected, "shards": rejected_shards},
            "rows_in": result.rows_in,
        }


def _timed(items: Iterator, waited: list[float]) -> Iterator:
    """``items`` unchanged; adds the time spent waiting for each one to ``waited[0]``."""
    iterator = iter(items)
    while True:
        start = time.perf_counter()
        item = next(iterator, _DONE)
        waited[0] += time.perf_counter() - start
        if item is _DONE:
            return
        yield item


_DONE = object()


def _conform(batch: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
    """The batch's columns in ``schema`` order; declared columns a stage did not add are null."""
    columns = []
    for field in schema:
        if field.name in batch.schema.names:
            column = batch.column(field.name)
            columns.append(column if column.type == field.type else column.cast(field.type))
        else:
            columns.append(pa.nulls(batch.num_rows, field.type))
    return pa.RecordBatch.from_arrays(columns, schema=schema)


def _write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=False, default=_json_default) + "\n")


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


def _prepare_output(out_dir: Path, overwrite: bool) -> Path:
    """The temporary folder to build the output in, beside ``out_dir``."""
    if out_dir.exists() and not overwrite and (out_dir.is_file() or any(out_dir.iterdir())):
        raise OutputError(
            f"{out_dir}: already exists and is not empty; choose another -o or pass --overwrite"
        )
    tmp_dir = out_dir.parent / f".{out_dir.name}.dataprep-tmp"
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        if tmp_dir.exists():
            shutil.rmtree(tmp_dir)
        tmp_dir.mkdir()
    except OSError as error:
        raise OutputError(f"{out_dir}: cannot be written: {error.strerror}") from None
    return tmp_dir
