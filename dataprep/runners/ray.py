"""The Ray runner (``--runner ray``): the pipeline's passes on Ray Data.

1. The corpus is read into Ray's object store (dataprep.runners.ray_read): same rows, ids,
   row numbers and bad-input verdicts as the local reader.
2. For each stage that must see the whole corpus, the stages before it transform the blocks
   (dataprep.passes.transform in ``map_batches`` with ``batch_format="pyarrow"``; stages that
   load a model run in an actor pool, one GPU per actor when the cluster has GPUs), the result
   is materialized (so every stage runs once per row), and the stage is fitted: by its
   ``fit_shuffled`` against this runner's primitives (dataprep.runners.ray_ops) when it has
   one, otherwise from its per-batch states streamed to the driver in input order, exactly as
   the local runner does.
3. The writing pass transforms the blocks and every worker writes its block's kept and rejected
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

from dataprep.io.writer import ShardedWriter, write_pieces
from dataprep.output import conform
from dataprep.passes import PassPlan, alive_rows, start_batch, transform
from dataprep.runners.base import Job, Runner, Session, Written
from dataprep.runners.ray_ops import RayOps, as_batch, map_blocks
from dataprep.runners.ray_read import read_corpus
from dataprep.runners.ray_session import RaySession, require_ray
from dataprep.stage import ROW_COLUMN, Stage, alive_mask
from dataprep.stats import Totals
from dataprep.storage.checkpoint import WRITERS


class _Tally:
    """A Ray actor summing the seconds each stage spent in the workers."""

    def __init__(self, count: int) -> None:
        self.seconds = [0.0] * count

    def add(self, first: int, seconds: list[float]) -> None:
        for offset, value in enumerate(seconds):
            self.seconds[first + offset] += value

    def get(self) -> list[float]:
        return self.seconds


def _apply(table: pa.Table, plan: PassPlan, tally) -> pa.Table:
    """The stages of ``plan`` applied to one block."""
    batch, seconds = transform(plan, start_batch(as_batch(table), None))
    if plan.stages and tally is not None:
        tally.add.remote(plan.first, seconds)
    return pa.Table.from_batches([batch])


def _fit_state(table: pa.Table, stage: Stage) -> pa.Table:
    """The pickled fit state of the block's alive rows (one row per block)."""
    state = stage.fit_state(alive_rows(as_batch(table)))
    return pa.table({"state": pa.array([pickle.dumps(state, protocol=5)], pa.large_binary())})


def _write_block(table: pa.Table, plan: PassPlan, tally, settings: dict) -> pa.Table:
    """Transform one block with the last stages, write its kept and rejected rows as shards
    named after its first row, and return where they went plus the block's stats."""
    batch = as_batch(_apply(table, plan, tally))
    alive = alive_mask(batch)
    first_row = int(batch.column(ROW_COLUMN)[0].as_py()) if batch.num_rows else -1
    written = {}
    for name, rows in (("data", alive), ("rejected", ~alive)):
        part = conform(batch.filter(pa.array(rows)), settings["schemas"][name])
        folder = Path(settings["folder"]) / name
        written[name] = write_pieces(part, folder, first_row, **settings["options"])
    totals = settings["totals"]
    stats = totals.batch_stats(batch)
    scores = totals.batch_scores(batch)
    return pa.table(
        {
            "rows": [batch.num_rows],
            "parts": [pickle.dumps(written)],
            "stats": [pickle.dumps((stats, scores), protocol=5)],
        }
    )


class RayRunner(Runner):
    """Runs the passes on Ray Data.

    address: the Ray cluster to join (default None: start a local instance).
    cpus: CPUs of that local instance (default None: all).
    progress: show Ray Data's progress bars (default False).
    """

    name = "ray"

    def __init__(self, address: str | None = None, cpus: int | None = None, progress=False):
        self.address, self.cpus, self.progress = address, cpus, progress

    def check(self) -> None:
        require_ray()

    def session(self, job: Job) -> RayRunSession:
        return RayRunSession(self, job)

    def write_schedule(self, run, corpus, tmp_dir):
        from dataprep.runners.ray_schedule import schedule_on_ray  # loads the schedule modules

        with RaySession(self.address, self.cpus, self.progress) as session:
            return schedule_on_ray(run, corpus, tmp_dir, session)


class RayRunSession(Session):
    """One run on Ray: the corpus blocks, transformed up to the last fitted stage."""

    def __init__(self, runner: RayRunner, job: Job) -> None:
        import ray

        self.job = job
        self.ray = RaySession(runner.address, runner.cpus, runner.progress).__enter__()
        try:
            self.tally = ray.remote(_Tally).options(num_cpus=0).remote(len(job.stages))
            self.data = read_corpus(job.corpus, self.ray)
        except BaseException:
            self.close()
            raise
        self.fit_seconds = [0.0] * len(job.stages)
        self.done = 0  # stages before this one have transformed self.data

    def close(self) -> None:
        self.ray.__exit__(None, None, None)

    def _plan(self, upto: int) -> PassPlan:
        return PassPlan.upto(self.job.stages, upto).tail(self.done)

    def fit(self, index: int) -> None:
        stages = self.job.stages
        stage = stages[index]
        if index > self.done:
            plan = self._plan(index)
            data = map_blocks(self.data, _apply, (plan, self.tally), plan.stages, self.ray)
            self.data = data.materialize()
            self.done = index
        start = time.perf_counter()
        if hasattr(stage, "fit_shuffled"):
            stage.fit_shuffled(RayOps(self.ray, self.data, stage))
        else:
            states = map_blocks(self.data, _fit_state, (stage,), [stage], self.ray)

            def unpickled():
                for batch in states.iter_batches(batch_size=None, batch_format="pyarrow"):
                    for blob in batch.column("state").to_pylist():
                        yield pickle.loads(blob)

            stage.fit(unpickled())
        self.fit_seconds[index] += time.perf_counter() - start

    def write(self) -> Written:
        import ray

        job = self.job
        folder, settings = job.folder, job.settings
        options = {
            "max_shard_bytes": settings.max_shard_bytes,
            "shard_format": settings.shard_format,
        }
        writers = {
            name: ShardedWriter(folder.tmp_dir / name, schema, **options)
            for name, schema in zip(WRITERS, job.schemas, strict=True)
        }
        totals = Totals(job.stages, [0.0] * len(job.stages), job.corpus.on_error == "reject")
        block_settings = {
            "options": options,
            "folder": str(folder.tmp_dir),
            "schemas": dict(zip(WRITERS, job.schemas, strict=True)),
            "totals": totals,
        }
        plan = self._plan(len(job.stages))
        args = (plan, self.tally, block_settings)
        blocks = map_blocks(self.data, _write_block, args, plan.stages, self.ray)
        parts = {name: [] for name in WRITERS}
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
        transform_seconds = ray.get(self.tally.get.remote())
        for i in range(len(job.stages)):
            stats = totals.stats[totals.offset + i]
            stats.seconds = self.fit_seconds[i] + transform_seconds[i]
        kept_shards = writers["data"].close()
        rejected_shards = writers["rejected"].close()
        rows = (writers["data"].rows, writers["rejected"].rows)
        return Written(kept_shards, rejected_shards, *rows, totals)
