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

import logging
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dataprep.errors import ConfigError, InputError
from dataprep.io.readers import Corpus, open_corpus
from dataprep.io.writer import ShardedWriter
from dataprep.output import OutputFolder, conform, manifest, write_json
from dataprep.progress import progress_bar
from dataprep.runners import make_runner
from dataprep.schedule.curriculum import Curriculum
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
from dataprep.settings import RunSettings
from dataprep.stage import REJECT_REASON, REJECT_STAGE, ROW_COLUMN

CHUNK_SAMPLES = 1 << 16  # samples drawn and gathered at once, fewer for long rows
CHUNK_BYTES = 64 << 20

logger = logging.getLogger("dataprep")


class ScheduleRun:
    """Writes the curriculum plan of ``curriculum`` over a corpus.

    settings: how the run reads and writes (dataprep.settings.RunSettings; default: its
        defaults). With runner 'ray' the rows are gathered into plan order by a join and a
        distributed sort (see dataprep.runners.ray_schedule); num_proc and run_rows are not
        used (the local run is one streaming pass).
    config: the recipe to record in the manifest (default: the curriculum's parameters).
    """

    def __init__(
        self, curriculum: Curriculum, *, settings: RunSettings | None = None, config=None
    ) -> None:
        self.curriculum = curriculum
        self.settings = settings or RunSettings()
        self.config = config or {"schedule": curriculum.get_params()}

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
        settings = self.settings
        settings.check()
        runner = make_runner(settings)
        runner.check()
        corpus = open_corpus(
            inputs,
            text_column=text_column,
            id_column=id_column,
            batch_rows=settings.batch_rows,
            on_error=settings.on_error,
            max_text_bytes=settings.max_text_bytes,
            columns=settings.columns,
        )
        _check_difficulty_column(corpus, self.curriculum.difficulty_column)
        folder = OutputFolder(out_dir, overwrite)
        try:
            folder.start()
            try:
                result = runner.write_schedule(self, corpus, folder.tmp_dir)
                if result is None:  # the runner has no schedule of its own: run it here
                    result = self._run(corpus, folder.tmp_dir)
            except BaseException:
                folder.discard()
                raise
            folder.finish()
        finally:
            folder.release()
        result.out_dir = folder.out_dir
        return result

    def _writer(self, directory: Path, schema: pa.Schema) -> ShardedWriter:
        return ShardedWriter(
            directory,
            schema,
            max_shard_bytes=self.settings.max_shard_bytes,
            shard_format=self.settings.shard_format,
        )

    def _run(self, corpus: Corpus, tmp_dir: Path) -> ScheduleResult:
        scratch = tmp_dir / "work" / "rows.arrow"
        kept_schema, rejected_schema = schedule_schemas(corpus)
        rejected = self._writer(tmp_dir / "rejected", rejected_schema)
        reasons: Counter = Counter()
        values, rows_in = self._copy_rows(corpus, scratch, rejected, rejected_schema, reasons)
        rejected_shards = rejected.close()

        difficulty, drawer, report = plan_for(self.curriculum, values)
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
        for message in stats.get("warnings", []):
            logger.warning("warning: %s", message)
        write_json(folder / "stats.json", stats)
        head = {
            "command": "schedule",
            "config": self.config,
            "schedule": self.curriculum.get_params(),
        }
        tail = {
            "rows_in": result.rows_in,
            "rows_scheduled": result.rows_scheduled,
            "steps": result.steps,
        }
        document = manifest(
            corpus,
            head,
            self.settings.shard_format,
            (result.samples, shards[0]),
            (result.rows_rejected, shards[1]),
            tail,
        )
        write_json(folder / "manifest.json", document)

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
            batches = progress_bar(
                corpus.iter_batches(),
                "pass 1/2 (read)",
                enabled=self.settings.progress,
                unit="rows",
                count=lambda batch: batch.num_rows,
            )
            for batch in batches:
                rows_in += batch.num_rows
                batch = batch.drop_columns([ROW_COLUMN])
                if REJECT_STAGE in batch.schema.names:  # bad input records, in reject mode
                    bad_input = pc.is_valid(batch.column(REJECT_STAGE))
                    bad = batch.filter(bad_input)
                    reasons.update(bad.column(REJECT_REASON).to_pylist())
                    rejected.write(conform(bad, rejected_schema))
                    batch = batch.filter(pc.invert(bad_input)).select(corpus.output_schema.names)
                values = difficulty_values(batch, column)
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
        check_schedulable(values, column, rows_in)
        return values, rows_in

    def _write_plan(self, drawer, difficulty, reader, starts, kept, kept_schema, report) -> None:
        """Draw the plan chunk by chunk and write each chunk's rows in plan order."""
        row_bytes = max(1, sum(reader.get_batch(i).nbytes for i in range(len(starts) - 1)))
        row_bytes //= max(1, int(starts[-1]))
        samples_per_chunk = max(1, min(CHUNK_SAMPLES, CHUNK_BYTES // row_bytes))
        steps_per_chunk = max(1, samples_per_chunk // self.curriculum.batch_size)
        chunk_starts = range(0, drawer.steps, steps_per_chunk)
        for first in progress_bar(
            chunk_starts,
            "pass 2/2 (write the plan)",
            enabled=self.settings.progress,
            total=drawer.steps,
            unit="steps",
            count=lambda first: min(drawer.steps, first + steps_per_chunk) - first,
        ):
            last = min(drawer.steps, first + steps_per_chunk)
            rows, steps = drawer.draw(first, last)
            competence = drawer.competence(first, last)[steps - first]
            report.add(rows, steps)
            batch = _take(reader, starts, rows)
            batch = batch.append_column(STEP_COLUMN, pa.array(steps))
            batch = batch.append_column(BUCKET_COLUMN, pa.array(difficulty.bucket[rows]))
            batch = batch.append_column(COMPETENCE_COLUMN, pa.array(competence))
            kept.write(conform(batch, kept_schema))


def _check_difficulty_column(corpus: Corpus, column: str) -> None:
    if column not in corpus.output_schema.names:
        hint = " (run `dataprep score` first)" if column.startswith("dp_score_") else ""
        names = ", ".join(corpus.output_schema.names)
        raise ConfigError.naming(
            lambda arg: (
                f"{corpus.sources[0].path}: no difficulty column {column!r}{hint}; the "
                f"columns are {names} (choose one with {arg('difficulty_column')})"
            )
        )
    arrow_type = corpus.output_schema.field(column).type
    if not (pa.types.is_integer(arrow_type) or pa.types.is_floating(arrow_type)):
        raise InputError(
            f"{corpus.sources[0].path}: difficulty column {column!r} holds {arrow_type}, "
            "expected numbers"
        )


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
