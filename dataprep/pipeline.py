"""Pipeline: check params -> fit whole-corpus stages (one pass each) -> transform -> write.

Output layout (atomic: built under a hidden temporary folder, renamed into place when complete):

    OUT/data/        kept rows, Arrow shards
    OUT/rejected/    rejected rows, with dp_reject_stage and dp_reject_reason
    OUT/stats.json   per stage: rows in, rows rejected, reasons, seconds
    OUT/manifest.json  version, config, inputs with fingerprints, shards, counts
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from dataprep.checkpoint import FINGERPRINT_FILE, RunState, crash_point
from dataprep.decisions import DecisionLog
from dataprep.errors import ConfigError, DataprepError, OutputError
from dataprep.io.bad_input import DEFAULT_MAX_TEXT_BYTES, check_on_error
from dataprep.io.readers import DEFAULT_BATCH_ROWS, Corpus, open_corpus
from dataprep.io.writer import DEFAULT_MAX_SHARD_BYTES
from dataprep.progress import progress_bar
from dataprep.runners.local import LocalRunner
from dataprep.runners.ray_session import check_runner
from dataprep.stage import (
    REJECT_REASON,
    REJECT_STAGE,
    Filter,
    RunContext,
    Stage,
    alive_mask,
    set_column,
)
from dataprep.write_pass import REJECT_COLUMNS, RunResult, load_result, write_pass

__all__ = ["Pipeline", "RunResult"]

logger = logging.getLogger("dataprep")


def _start_batch(batch: pa.RecordBatch, cached: tuple[pa.Array, pa.Array] | None):
    """Add the reject columns: empty (or the reader's, for bad input records), or the decisions
    of an earlier pass (which include the reader's)."""
    for position, (name, arrow_type) in enumerate(REJECT_COLUMNS.items()):
        if cached:
            batch = set_column(batch, name, cached[position])
        elif name not in batch.schema.names:
            batch = batch.append_column(name, pa.nulls(batch.num_rows, arrow_type))
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
    on_error: 'fail' (default): the first bad input record stops the run with an InputError
        naming file, line or row and column; 'reject': bad records become rejected rows
        (dp_reject_stage 'input', dp_reject_reason 'bad_input_<kind>'); see
        dataprep.io.bad_input.
    max_text_bytes: a text longer than this many UTF-8 bytes is bad input (default 4 MiB).
    runner: 'local' (default: this machine, num_proc processes) or 'ray' (Ray Data; see
        dataprep.runners.ray_pipeline); same output rows either way.
    ray_address: the Ray cluster to join (default None: start a local Ray instance).
    ray_cpus: CPUs of that local Ray instance (default None: all).

    A local run is resumable (see dataprep.checkpoint): an interrupted or crashed run keeps its
    temporary folder, and ``run(..., resume=True)`` continues it.
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
        on_error: str = "fail",
        max_text_bytes: int = DEFAULT_MAX_TEXT_BYTES,
        runner: str = "local",
        ray_address: str | None = None,
        ray_cpus: int | None = None,
    ) -> None:
        self.stages = list(stages)
        self.runner = runner
        self.ray_address = ray_address
        self.ray_cpus = ray_cpus
        self.num_proc = num_proc
        self.batch_rows = batch_rows
        self.max_shard_bytes = max_shard_bytes
        self.shard_format = shard_format
        self.progress = progress
        self.on_error = on_error
        self.max_text_bytes = max_text_bytes
        self.config = config or {
            "stages": [{s.name: s.get_params()} for s in self.stages],
        }

    def check(self) -> None:
        """Validate every stage before any data is read."""
        try:
            check_on_error(self.on_error)
        except DataprepError as error:
            raise ConfigError(str(error)) from None
        limit = self.max_text_bytes
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
            raise ConfigError(f"max_text_bytes must be a positive integer. Got {limit!r} instead.")
        check_runner(self.runner, self.ray_address, self.ray_cpus)
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
        resume: bool = False,
    ) -> RunResult:
        """Read ``inputs``, run every stage and write ``out_dir``.

        text_column / id_column: see open_corpus; overwrite: replace an existing ``out_dir``
        (default False); resume: continue the interrupted run whose temporary folder
        (``.OUT.dataprep-tmp``) is beside ``out_dir``, refusing with the reason when its config
        or inputs changed (default False: a leftover temporary folder is replaced).
        """
        self.check()
        if resume and self.runner != "local":
            raise ConfigError("--resume is only available with the local runner")
        out_dir = Path(out_dir)
        corpus = open_corpus(
            inputs,
            text_column=text_column,
            id_column=id_column,
            batch_rows=self.batch_rows,
            on_error=self.on_error,
            max_text_bytes=self.max_text_bytes,
        )
        columns = list(corpus.output_schema.names)
        for stage in self.stages:
            stage.check_columns(columns)
            columns += [c for c in stage.output_columns() if c not in columns]
        tmp_dir = out_dir.parent / f".{out_dir.name}.dataprep-tmp"
        state = RunState(tmp_dir)
        fingerprint = self.fingerprint(corpus)
        resuming = resume and tmp_dir.exists()
        if resuming and not (tmp_dir / FINGERPRINT_FILE).exists():
            if (tmp_dir / "manifest.json").exists():  # interrupted just before the rename
                return self._finish(tmp_dir, out_dir, load_result(tmp_dir))
            resuming = False
        if resuming:
            reason = state.change_from(fingerprint)
            if reason:
                raise OutputError(
                    f"{out_dir}: cannot resume: {reason}; rerun without --resume to start over"
                )
            check_output(out_dir, overwrite)
            logger.info("resuming the interrupted run in %s", tmp_dir)
        elif resume and (out_dir / "manifest.json").exists():
            logger.info("nothing to resume: %s is complete", out_dir)
            return load_result(out_dir)
        else:
            check_output(out_dir, overwrite)
            prepare_output(out_dir, tmp_dir)
            state.start(fingerprint)
        try:
            result = self._run_passes(corpus, tmp_dir, state, resuming)
        except DataprepError:
            shutil.rmtree(tmp_dir, ignore_errors=True)  # bad input: nothing to resume
            raise
        state.finish()
        return self._finish(tmp_dir, out_dir, result)

    def _finish(self, tmp_dir: Path, out_dir: Path, result: RunResult) -> RunResult:
        crash_point("before_rename")
        if out_dir.exists():
            shutil.rmtree(out_dir)
        tmp_dir.rename(out_dir)
        result.out_dir = out_dir
        return result

    def fingerprint(self, corpus: Corpus) -> dict:
        """What a resumed run must share with the interrupted one (see dataprep.checkpoint)."""
        from dataprep import __version__

        return {
            "dataprep_version": __version__,
            "stages": [
                {"name": s.name, "version": s.version, "params": s.get_params()}
                for s in self.stages
            ],
            "inputs": [
                {k: v for k, v in i.items() if k != "path"} for i in corpus.describe_inputs()
            ],
            "config": self.config,
            "batch_rows": self.batch_rows,
            "max_shard_bytes": self.max_shard_bytes,
            "shard_format": self.shard_format,
            "on_error": self.on_error,
            "max_text_bytes": self.max_text_bytes,
            "text_column": corpus.text_column,
            "id_column": corpus.id_column,
        }

    def _run_passes(self, corpus: Corpus, tmp_dir: Path, state: RunState, resuming) -> RunResult:
        """Fit passes, then the writing pass, into ``tmp_dir``; checkpoints in ``state``."""
        if self.runner == "ray":
            from dataprep.runners.ray_pipeline import run_on_ray

            return run_on_ray(self, corpus, tmp_dir)
        work_dir = tmp_dir / "work"
        work_dir.mkdir(exist_ok=True)
        context = RunContext(corpus.text_column, corpus.id_column, work_dir)
        for stage in self.stages:
            stage.bind(context)
        runner = LocalRunner(self.num_proc)
        seconds = [0.0] * len(self.stages)
        log = None
        fit_indices = [i for i, stage in enumerate(self.stages) if stage.needs_fit]
        done = state.load_fits(fit_indices) if resuming else []
        for index, fitted, marker in done:
            self.stages[index].__dict__.update(fitted.__dict__)
            seconds = marker["seconds"]
            if marker["log"]:
                log = DecisionLog(work_dir / marker["log"]["file"], marker["log"]["covered"])
        for index in fit_indices[len(done) :]:
            log = self._fit_stage(index, corpus, runner, log, seconds, work_dir, state)
        return write_pass(self, corpus, runner, tmp_dir, log, seconds, state, resuming)

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

    def _fit_stage(self, index, corpus, runner, log, seconds, work_dir, state):
        """One pass: earlier stages transform, stage ``index`` fits. Returns the new decision
        log (covering stages before ``index``) for the next pass."""
        stage = self.stages[index]
        plan = self._plan(index, log, stage)
        new_log = DecisionLog(work_dir / f"decisions-{index}.arrow", index) if index else None
        waited = [0.0]

        def states():
            results = runner.map(_pass_task, plan, self._items(corpus, log, f"fit {stage.name}"))
            with closing(results):
                for fit_state, decisions, task_seconds in _timed(results, waited):
                    for i, value in enumerate(task_seconds[:-1]):
                        seconds[i] += value
                    seconds[index] += task_seconds[-1]
                    if new_log is not None:
                        new_log.append(*decisions)
                    yield fit_state

        start = time.perf_counter()
        stage.fit(states())
        # The reduce on the driver: wall time minus the time spent waiting for mapped batches.
        seconds[index] += time.perf_counter() - start - waited[0]
        if new_log is not None:
            new_log.close()
        current = new_log or log
        described = {"file": current.path.name, "covered": current.covered} if current else None
        state.save_fit(index, stage, described, list(seconds))
        if new_log is not None and log is not None:
            log.remove()  # after the checkpoint, which no longer needs it
        return current


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


def check_output(out_dir: Path, overwrite: bool) -> None:
    if out_dir.exists() and not overwrite and (out_dir.is_file() or any(out_dir.iterdir())):
        what = "holds another run" if (out_dir / "manifest.json").exists() else "is not empty"
        raise OutputError(
            f"{out_dir}: already exists and {what}; choose another -o or pass --overwrite"
        )


def prepare_output(out_dir: Path, tmp_dir: Path) -> None:
    """Create the temporary folder to build the output in, beside ``out_dir``; a leftover one
    from an interrupted run is replaced (say so)."""
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        if tmp_dir.exists():
            logger.warning(
                "replacing %s, left by an interrupted run (use --resume to continue one)", tmp_dir
            )
            shutil.rmtree(tmp_dir)
        tmp_dir.mkdir()
    except OSError as error:
        raise OutputError(f"{out_dir}: cannot be written: {error.strerror}") from None
