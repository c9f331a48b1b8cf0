"""``dataprep schedule``: write a curriculum-ordered dataset.

Output (atomic, like every command)::

    OUT/data/          the plan's rows in the order a trainer consumes them, with dp_step,
                       dp_bucket and dp_competence; rows repeat when the plan is longer than the
                       data
    OUT/rejected/      rows without a finite difficulty (reason missing_difficulty)
    OUT/schedule.json  the plan: pacing and parameters, bucket edges, phases, competence per
                       step, and the difficulty and bucket mix along the steps
    OUT/stats.json     rows in, scheduled, rejected, and how often rows were served
    OUT/manifest.json  version, recipe, inputs with fingerprints, shards, counts

Two passes: the first copies the rows with a difficulty to a scratch Arrow file and keeps their
difficulty (8 bytes a row); the plan is then drawn in chunks of steps and each chunk's rows are
taken from the memory-mapped scratch file, so memory stays bounded by the chunk and the per-row
arrays (about 32 bytes a row), whatever the length of the plan.
"""

from __future__ import annotations

import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dataprep.errors import ConfigError, InputError
from dataprep.io.bad_input import DEFAULT_MAX_TEXT_BYTES
from dataprep.io.readers import DEFAULT_BATCH_ROWS, Corpus, open_corpus
from dataprep.io.writer import DEFAULT_MAX_SHARD_BYTES, ShardedWriter
from dataprep.pipeline import check_output, prepare_output
from dataprep.progress import progress_bar
from dataprep.runners.ray_session import check_runner
from dataprep.schedule.curriculum import Curriculum, DifficultyOrder, PlanDrawer
from dataprep.schedule.plan_report import PlanReport
from dataprep.stage import REJECT_REASON, REJECT_STAGE, ROW_COLUMN
from dataprep.write_pass import conform, write_json

STEP_COLUMN = "dp_step"
BUCKET_COLUMN = "dp_bucket"
COMPETENCE_COLUMN = "dp_competence"
PLAN_COLUMNS = {STEP_COLUMN: pa.int64(), BUCKET_COLUMN: pa.int32(), COMPETENCE_COLUMN: pa.float64()}
MISSING_DIFFICULTY = "missing_difficulty"
CHUNK_SAMPLES = 1 << 16  # samples drawn and gathered at once, fewer for long rows
CHUNK_BYTES = 64 << 20


@dataclass
class ScheduleResult:
    """What a finished schedule run wrote."""

    out_dir: Path
    rows_in: int
    rows_scheduled: int
    rows_rejected: int
    samples: int
    steps: int


class ScheduleRun:
    """Writes the curriculum plan of ``curriculum`` over a corpus.

    batch_rows: rows per record batch read (default 8192).
    max_shard_bytes: size bound of one output shard (default 256 MiB).
    shard_format: 'stream' (datasets.save_to_disk layout, default) or 'file'.
    progress: show progress bars (default False).
    config: the recipe to record in the manifest (default: the curriculum's parameters).
    on_error: 'fail' (default) stops at a bad input record; 'reject' writes it to OUT/rejected
        with reason bad_input_<kind> (see dataprep.io.bad_input).
    max_text_bytes: longer texts are bad input (default: the reader's limit).
    runner / ray_address / ray_cpus: 'local' (default) or 'ray', as for ``Pipeline``; on Ray
        the rows are gathered into plan order by a join and a distributed sort (see
        dataprep.runners.ray_schedule).
    """

    def __init__(
        self,
        curriculum: Curriculum,
        *,
        batch_rows: int = DEFAULT_BATCH_ROWS,
        max_shard_bytes: int = DEFAULT_MAX_SHARD_BYTES,
        shard_format: str = "stream",
        progress: bool = False,
        config: dict | None = None,
        on_error: str = "fail",
        max_text_bytes: int = DEFAULT_MAX_TEXT_BYTES,
        runner: str = "local",
        ray_address: str | None = None,
        ray_cpus: int | None = None,
    ) -> None:
        self.curriculum = curriculum
        self.runner = runner
        self.ray_address = ray_address
        self.ray_cpus = ray_cpus
        self.batch_rows = batch_rows
        self.max_shard_bytes = max_shard_bytes
        self.shard_format = shard_format
        self.progress = progress
        self.config = config or {"schedule": curriculum.get_params()}
        self.on_error = on_error
        self.max_text_bytes = max_text_bytes

    def run(
        self,
        inputs: list[str],
        out_dir: str | Path,
        *,
        text_column: str = "text",
        id_column: str = "id",
        overwrite: bool = False,
    ) -> ScheduleResult:
        """Read ``inputs`` and write the curriculum-ordered dataset to ``out_dir``."""
        self.curriculum.check_params()
        check_runner(self.runner, self.ray_address, self.ray_cpus)
        out_dir = Path(out_dir)
        corpus = open_corpus(
            inputs,
            text_column=text_column,
            id_column=id_column,
            batch_rows=self.batch_rows,
            on_error=self.on_error,
            max_text_bytes=self.max_text_bytes,
        )
        _check_difficulty_column(corpus, self.curriculum.difficulty_column)
        check_output(out_dir, overwrite)
        tmp_dir = out_dir.parent / f".{out_dir.name}.dataprep-tmp"
        prepare_output(out_dir, tmp_dir)
        try:
            result = self._run(corpus, tmp_dir)
        except BaseException:
            shutil.rmtree(tmp_dir, ignore_errors=True)
            raise
        if out_dir.exists():
            shutil.rmtree(out_dir)
        tmp_dir.rename(out_dir)
        result.out_dir = out_dir
        return result

    def _writer(self, directory: Path, schema: pa.Schema) -> ShardedWriter:
        return ShardedWriter(
            directory, schema, max_shard_bytes=self.max_shard_bytes, shard_format=self.shard_format
        )

    def _run(self, corpus: Corpus, tmp_dir: Path) -> ScheduleResult:
        if self.runner == "ray":
            from dataprep.runners.ray_schedule import schedule_on_ray

            return schedule_on_ray(self, corpus, tmp_dir)
        scratch = tmp_dir / "work" / "rows.arrow"
        scratch.parent.mkdir()
        kept_schema, rejected_schema = output_schemas(corpus)
        rejected = self._writer(tmp_dir / "rejected", rejected_schema)
        reasons: Counter = Counter()
        values, rows_in = self._copy_rows(corpus, scratch, rejected, rejected_schema, reasons)
        rejected_shards = rejected.close()

        curriculum = self.curriculum
        difficulty = DifficultyOrder.from_values(
            values,
            descending=curriculum.order == "descending",
            num_buckets=curriculum.num_buckets,
            seed=curriculum.seed,
        )
        drawer = PlanDrawer(curriculum, difficulty)
        report = PlanReport(curriculum, difficulty, values, drawer.steps)
        kept = self._writer(tmp_dir / "data", kept_schema)
        with pa.memory_map(str(scratch)) as source:
            reader = pa.ipc.open_file(source)
            starts = _batch_starts(reader)
            self._write_plan(drawer, difficulty, reader, starts, kept, kept_schema, report)
        kept_shards = kept.close()
        shutil.rmtree(scratch.parent)

        result = ScheduleResult(
            tmp_dir, rows_in, len(values), rejected.rows, drawer.samples, drawer.steps
        )
        self.write_reports(corpus, result, report, reasons, (kept_shards, rejected_shards))
        return result

    def write_reports(self, corpus, result, report, reasons: Counter, shards: tuple) -> None:
        """schedule.json, stats.json and manifest.json of a finished plan into result.out_dir;
        ``shards``: the (kept, rejected) shard lists."""
        folder = result.out_dir
        write_json(folder / "schedule.json", report.schedule_json())
        stats = report.stats_json(result.rows_in, result.rows_rejected, dict(reasons))
        write_json(folder / "stats.json", stats)
        write_json(folder / "manifest.json", self._manifest(corpus, result, *shards))

    def _copy_rows(
        self, corpus, scratch, rejected, rejected_schema, reasons: Counter
    ) -> tuple[np.ndarray, int]:
        """Rows with a finite difficulty go to the scratch file, the others (and bad input
        records) to ``rejected``, counted in ``reasons``. Returns the kept rows' difficulties
        and the number of rows read."""
        column = self.curriculum.difficulty_column
        chunks = []
        rows_in = 0
        with pa.ipc.new_file(str(scratch), corpus.output_schema) as scratch_writer:
            batches = progress_bar(corpus.iter_batches(), "read", enabled=self.progress)
            for batch in batches:
                rows_in += batch.num_rows
                batch = batch.drop_columns([ROW_COLUMN])
                if REJECT_STAGE in batch.schema.names:  # bad input records, in reject mode
                    bad_input = pc.is_valid(batch.column(REJECT_STAGE))
                    bad = batch.filter(bad_input)
                    reasons.update(bad.column(REJECT_REASON).to_pylist())
                    rejected.write(conform(bad, rejected_schema))
                    batch = batch.filter(pc.invert(bad_input)).select(corpus.output_schema.names)
                values = _difficulty_values(batch, column)
                finite = np.isfinite(values)
                if not finite.all():
                    bad = batch.filter(pa.array(~finite))
                    reasons[MISSING_DIFFICULTY] += bad.num_rows
                    bad = bad.append_column(REJECT_STAGE, pa.array(["schedule"] * bad.num_rows))
                    why = pa.array([MISSING_DIFFICULTY] * bad.num_rows)
                    rejected.write(conform(bad.append_column(REJECT_REASON, why), rejected_schema))
                    batch = batch.filter(pa.array(finite))
                if batch.num_rows:
                    scratch_writer.write_batch(conform(batch, corpus.output_schema))
                    chunks.append(values[finite])
        values = np.concatenate(chunks) if chunks else np.zeros(0)
        if len(values) == 0:
            raise InputError(
                f"no row has a finite {column!r}; nothing to schedule "
                f"({rows_in:,} rows read, all rejected)"
            )
        return values, rows_in

    def _write_plan(self, drawer, difficulty, reader, starts, kept, kept_schema, report) -> None:
        """Draw the plan chunk by chunk and write each chunk's rows in plan order."""
        row_bytes = max(1, sum(reader.get_batch(i).nbytes for i in range(len(starts) - 1)))
        row_bytes //= max(1, int(starts[-1]))
        samples_per_chunk = max(1, min(CHUNK_SAMPLES, CHUNK_BYTES // row_bytes))
        steps_per_chunk = max(1, samples_per_chunk // self.curriculum.batch_size)
        chunk_starts = range(0, drawer.steps, steps_per_chunk)
        for first in progress_bar(chunk_starts, "schedule", enabled=self.progress):
            last = min(drawer.steps, first + steps_per_chunk)
            rows, steps = drawer.draw(first, last)
            competence = drawer.competence(first, last)[steps - first]
            report.add(rows, steps)
            batch = _take(reader, starts, rows)
            batch = batch.append_column(STEP_COLUMN, pa.array(steps))
            batch = batch.append_column(BUCKET_COLUMN, pa.array(difficulty.bucket[rows]))
            batch = batch.append_column(COMPETENCE_COLUMN, pa.array(competence))
            kept.write(conform(batch, kept_schema))

    def _manifest(self, corpus, result, kept_shards, rejected_shards) -> dict:
        from dataprep import __version__

        return {
            "dataprep_version": __version__,
            "command": "schedule",
            "config": self.config,
            "schedule": self.curriculum.get_params(),
            "text_column": corpus.text_column,
            "id_column": corpus.id_column,
            "ids_generated": corpus.generate_ids,
            "inputs": corpus.describe_inputs(),
            "shard_format": self.shard_format,
            "data": {"rows": result.samples, "shards": kept_shards},
            "rejected": {"rows": result.rows_rejected, "shards": rejected_shards},
            "rows_in": result.rows_in,
            "rows_scheduled": result.rows_scheduled,
            "steps": result.steps,
        }


def output_schemas(corpus: Corpus) -> tuple[pa.Schema, pa.Schema]:
    """(kept, rejected) schemas of a schedule's output: the corpus columns plus the plan
    columns; plus the reject columns (and dp_input_error in reject mode)."""
    kept_schema = corpus.output_schema
    for name, arrow_type in PLAN_COLUMNS.items():
        kept_schema = kept_schema.append(pa.field(name, arrow_type))
    rejected_schema = corpus.output_schema
    for name in (REJECT_STAGE, REJECT_REASON):
        rejected_schema = rejected_schema.append(pa.field(name, pa.string()))
    for name, arrow_type in corpus.input_error_columns.items():
        rejected_schema = rejected_schema.append(pa.field(name, arrow_type))
    return kept_schema, rejected_schema


def _check_difficulty_column(corpus: Corpus, column: str) -> None:
    if column not in corpus.output_schema.names:
        hint = " (run `dataprep score` first)" if column.startswith("dp_score_") else ""
        raise ConfigError(
            f"{corpus.sources[0].path}: no difficulty column {column!r}{hint}; the columns are "
            f"{', '.join(corpus.output_schema.names)} (choose one with difficulty_column)"
        )
    arrow_type = corpus.output_schema.field(column).type
    if not (pa.types.is_integer(arrow_type) or pa.types.is_floating(arrow_type)):
        raise InputError(
            f"{corpus.sources[0].path}: difficulty column {column!r} holds {arrow_type}, "
            "expected numbers"
        )


def _difficulty_values(batch: pa.RecordBatch, column: str) -> np.ndarray:
    values = batch.column(column).cast(pa.float64())
    return pc.fill_null(values, np.nan).to_numpy(zero_copy_only=False)


def _batch_starts(reader: pa.ipc.RecordBatchFileReader) -> np.ndarray:
    sizes = [reader.get_batch(i).num_rows for i in range(reader.num_record_batches)]
    return np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)


def _take(reader: pa.ipc.RecordBatchFileReader, starts: np.ndarray, rows: np.ndarray):
    """The scratch file's ``rows`` (global row numbers, repeats allowed), in the given order."""
    batch_of = np.searchsorted(starts, rows, side="right") - 1
    by_batch = np.argsort(batch_of, kind="stable")
    sorted_batches = batch_of[by_batch]
    bounds = np.flatnonzero(np.diff(sorted_batches)) + 1
    pieces = []
    for group in np.split(by_batch, bounds):
        index = int(batch_of[group[0]])
        local = rows[group] - starts[index]
        pieces.append(reader.get_batch(index).take(pa.array(local)))
    gathered = pa.Table.from_batches(pieces).combine_chunks().to_batches()[0]
    inverse = np.empty(len(rows), dtype=np.int64)
    inverse[by_batch] = np.arange(len(rows))
    return gathered.take(pa.array(inverse))
