"""The Ray runner for ``Pipeline`` (``--runner ray``): the same passes as the local runner, on
Ray Data.

1. The corpus is read into Ray's object store (dataprep.runners.ray_read): same rows, ids,
   row numbers and bad-input verdicts as the local reader.
2. For each stage that must see the whole corpus, the stages before it transform the blocks
   (``map_batches`` with ``batch_format="pyarrow"``; stages that load a model run in an actor
   pool, one GPU per actor when the cluster has GPUs), the result is materialized (so every
   stage runs once per row), and the stage is fitted: distributed for the dedup stages
   (dataprep.runners.ray_fits), otherwise from its per-batch states streamed to the driver in
   input order, exactly as the local runner does.
3. The last pass transforms the blocks and every worker writes its block's kept and rejected
   rows as Arrow shards; the driver only renames them into the output layout and merges the
   per-block stats (in input order, so score summaries equal the local runner's).

Same config, same input: same kept and rejected rows, reasons and columns as the local runner
(shards are cut differently: one or more per block). ``--resume`` is not available on Ray.
"""

from __future__ import annotations

import pickle
import time
from pathlib import Path

import pyarrow as pa

from dataprep.io.bad_input import INPUT_STAGE
from dataprep.io.writer import ShardedWriter
from dataprep.runners.ray_read import read_corpus
from dataprep.runners.ray_session import RaySession
from dataprep.stage import ROW_COLUMN, RunContext, Stage, alive_mask
from dataprep.stats import StageStats, batch_stage_stats
from dataprep.write_pass import (
    RunResult,
    Totals,
    _manifest,
    _stats_json,
    conform,
    output_schemas,
    write_json,
)


class _Tally:
    """A Ray actor summing the seconds each stage spent in the workers."""

    def __init__(self, count: int) -> None:
        self.seconds = [0.0] * count

    def add(self, first: int, seconds: list[float]) -> None:
        for offset, value in enumerate(seconds):
            self.seconds[first + offset] += value

    def get(self) -> list[float]:
        return self.seconds


def _as_batch(table: pa.Table) -> pa.RecordBatch:
    batches = table.combine_chunks().to_batches()
    if batches:
        return batches[0]
    return pa.RecordBatch.from_pylist([], schema=table.schema)


def _apply(table: pa.Table, stages: list[Stage], first: int, tally) -> pa.Table:
    """Stages ``first``.. (given as ``stages``) applied to one block."""
    from dataprep.pipeline import _start_batch

    batch = _start_batch(_as_batch(table), None)
    seconds = []
    for stage in stages:
        start = time.perf_counter()
        batch = stage.transform_batch(batch)
        seconds.append(time.perf_counter() - start)
    if stages and tally is not None:
        tally.add.remote(first, seconds)
    return pa.Table.from_batches([batch])


def _fit_state(table: pa.Table, stage: Stage) -> pa.Table:
    """The pickled fit state of the block's alive rows (one row per block)."""
    batch = _as_batch(table)
    alive = alive_mask(batch)
    if not alive.all():
        batch = batch.filter(pa.array(alive))
    state = stage.fit_state(batch)
    return pa.table({"state": pa.array([pickle.dumps(state, protocol=5)], pa.large_binary())})


class _ModelWorker:
    """An actor-pool worker: unpickles its stages (and so loads their models) once."""

    def __init__(self, function, *args) -> None:
        self.function, self.args = function, args

    def __call__(self, table: pa.Table) -> pa.Table:
        return self.function(table, *self.args)


def map_stages(data, function, args: tuple, stages: list[Stage], session: RaySession):
    """``data.map_batches(function, fn_args=args)`` over whole blocks; in an actor pool (one GPU
    per actor when the cluster has GPUs) when one of ``stages`` loads a model."""
    options = {"batch_size": None, "batch_format": "pyarrow"}
    if any(stage.loads_model for stage in stages):
        gpus = session.gpus
        return data.map_batches(
            _ModelWorker,
            fn_constructor_args=(function, *args),
            concurrency=max(1, gpus or session.cpus - 1),
            num_gpus=1 if gpus else 0,
            **options,
        )
    return data.map_batches(function, fn_args=args, **options)


def run_on_ray(pipeline, corpus, tmp_dir: Path) -> RunResult:
    """Every pass of ``pipeline`` on Ray; writes OUT/data, OUT/rejected, stats and manifest
    into ``tmp_dir``."""
    import ray

    from dataprep.runners.ray_fits import fit_on_ray

    stages = pipeline.stages
    work_dir = tmp_dir / "work"
    work_dir.mkdir(exist_ok=True)
    context = RunContext(corpus.text_column, corpus.id_column, work_dir)
    for stage in stages:
        stage.bind(context)
    with RaySession(pipeline.ray_address, pipeline.ray_cpus, pipeline.progress) as session:
        tally = ray.remote(_Tally).options(num_cpus=0).remote(len(stages))
        data = read_corpus(corpus, session)
        fit_seconds = [0.0] * len(stages)
        done = 0
        for index, stage in enumerate(stages):
            if not stage.needs_fit:
                continue
            if index > done:
                args = (stages[done:index], done, tally)
                data = map_stages(data, _apply, args, stages[done:index], session).materialize()
            start = time.perf_counter()
            fit_on_ray(stage, data, session)
            fit_seconds[index] += time.perf_counter() - start
            done = index
        result = _write(pipeline, corpus, data, stages[done:], done, tally, tmp_dir, session)
        transform_seconds = ray.get(tally.get.remote())
    for i, stats in enumerate(result.stages):
        stats.seconds = fit_seconds[i] + transform_seconds[i]
    write_json(tmp_dir / "stats.json", _stats_json(pipeline, result, corpus))
    return result


def _write_block(table: pa.Table, stages, first, tally, settings: dict) -> pa.Table:
    """Transform one block with the last stages, write its kept and rejected rows as shards
    named after its first row, and return where they went plus the block's stats."""
    table = _apply(table, stages, first, tally)
    batch = _as_batch(table)
    alive = alive_mask(batch)
    first_row = int(batch.column(ROW_COLUMN)[0].as_py()) if batch.num_rows else -1
    written = {}
    for name, rows in (("data", alive), ("rejected", ~alive)):
        part = conform(batch.filter(pa.array(rows)), settings["schemas"][name])
        written[name] = _write_parts(part, settings, Path(settings["folder"]) / name, first_row)
    totals = settings["totals"]
    stats = batch_stage_stats(batch, totals.names)
    scores = totals.batch_scores(batch)
    return pa.table(
        {
            "rows": [batch.num_rows],
            "parts": [pickle.dumps(written)],
            "stats": [pickle.dumps((stats, scores), protocol=5)],
        }
    )


def _write_parts(batch: pa.RecordBatch, settings: dict, folder: Path, first_row: int) -> list:
    """Shard files of at most about max_shard_bytes for ``batch``: [{part, rows}]."""
    if batch.num_rows == 0:
        return []
    limit = settings["max_shard_bytes"]
    step = max(1, limit // max(1, batch.nbytes // batch.num_rows))
    parts = []
    for number, start in enumerate(range(0, batch.num_rows, step)):
        piece = batch.slice(start, step)
        name = f"part-r{first_row:012d}-{number:04d}.arrow"
        with pa.OSFile(str(folder / name), "wb") as sink:
            new = pa.ipc.new_stream if settings["shard_format"] == "stream" else pa.ipc.new_file
            with new(sink, batch.schema) as writer:
                writer.write_batch(piece)
        parts.append({"part": name, "rows": piece.num_rows})
    return parts


def _write(pipeline, corpus, data, stages, first, tally, tmp_dir, session) -> RunResult:
    kept_schema, rejected_schema = output_schemas(pipeline, corpus)
    options = {"max_shard_bytes": pipeline.max_shard_bytes, "shard_format": pipeline.shard_format}
    writers = {
        "data": ShardedWriter(tmp_dir / "data", kept_schema, **options),
        "rejected": ShardedWriter(tmp_dir / "rejected", rejected_schema, **options),
    }
    names = [stage.name for stage in pipeline.stages]
    with_input = corpus.on_error == "reject"
    if with_input:
        names.insert(0, INPUT_STAGE)
    totals = Totals(names, [0.0] * len(names), pipeline.stages, with_input)
    settings = {
        **options,
        "folder": str(tmp_dir),
        "schemas": {"data": kept_schema, "rejected": rejected_schema},
        "totals": totals,
    }
    blocks = map_stages(data, _write_block, (stages, first, tally, settings), stages, session)
    parts = {"data": [], "rejected": []}
    for result in blocks.iter_batches(batch_size=None, batch_format="pyarrow"):
        for rows, written, stats in zip(
            result.column("rows").to_pylist(),
            result.column("parts").to_pylist(),
            result.column("stats").to_pylist(),
            strict=True,
        ):
            stage_stats, scores = pickle.loads(stats)
            totals.add_parts(rows, stage_stats, scores)
            for name, entries in pickle.loads(written).items():
                parts[name].extend(entries)
    for name, writer in writers.items():
        writer.restore(sorted(parts[name], key=lambda part: part["part"]))
    kept_shards = writers["data"].close()
    rejected_shards = writers["rejected"].close()
    stages_stats: list[StageStats] = totals.finish(pipeline.stages)
    result = RunResult(
        tmp_dir, totals.rows_in, writers["data"].rows, writers["rejected"].rows, stages_stats
    )
    if with_input:
        result.input, result.stages = stages_stats[0], stages_stats[1:]
    manifest = _manifest(pipeline, corpus, result, kept_shards, rejected_shards)
    write_json(tmp_dir / "manifest.json", manifest)
    return result
