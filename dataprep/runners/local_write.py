"""The local writing pass: the last pass over the corpus, which runs every stage and streams
the kept and rejected rows into OUT/data and OUT/rejected of the run's temporary folder.

It is resumable: each complete output part is checkpointed (dataprep.storage.checkpoint) with
the stats as they were at the start of the batch being written, and a resumed run restarts at
the earliest batch any still-open part began in, each writer skipping the rows it already holds.
"""

from __future__ import annotations

import itertools
import pickle
from contextlib import closing

from dataprep.arrow_numpy import from_numpy
from dataprep.io.writer import ShardedWriter
from dataprep.output import conform
from dataprep.runners.base import Written
from dataprep.stage import alive_mask
from dataprep.stats import Totals
from dataprep.storage.checkpoint import WRITERS, RunState, crash_point, write_restart


def write_pass(session) -> Written:
    """The writing pass of a local session (dataprep.runners.local.LocalSession): ``session``
    gives the job, the decision log of the fit passes and their seconds per stage."""
    job = session.job
    folder, settings = job.folder, job.settings
    state, resuming = folder.state, folder.resuming
    options = {"max_shard_bytes": settings.max_shard_bytes, "shard_format": settings.shard_format}
    writers = {
        name: ShardedWriter(folder.tmp_dir / name, schema, resume=resuming, **options)
        for name, schema in zip(WRITERS, job.schemas, strict=True)
    }
    totals = Totals(job.stages, session.seconds, job.corpus.on_error == "reject")
    written = state.load_written() if resuming else None
    parts = {w: state.load_parts(w) for w in WRITERS} if resuming else {w: [] for w in WRITERS}
    if written is not None:
        parts, totals = written["parts"], written["totals"]
    for name, writer in writers.items():
        writer.restore(parts[name])
    if written is None:
        restart, starts = write_restart(parts)
        if restart > 0:
            first = min(WRITERS, key=lambda w: (starts[w][0], w))
            totals = pickle.loads(state.load_part_state(first, len(parts[first]) - 1))
        _write_batches(session, writers, totals, restart, starts)
        for writer in writers.values():
            writer.finish_part()
        parts = {name: writer.parts for name, writer in writers.items()}
        state.save_written({"parts": parts, "totals": totals})
    kept_shards = writers["data"].close()
    rejected_shards = writers["rejected"].close()
    rows = (writers["data"].rows, writers["rejected"].rows)
    return Written(kept_shards, rejected_shards, *rows, totals)


def _write_batches(session, writers, totals: Totals, restart: int, starts) -> None:
    """Transform batches ``restart``.. and write them; each writer skips the rows its kept
    parts already hold (``starts``: the (batch, row) where its next part begins)."""
    state = session.job.folder.state
    current = [restart]
    for name, writer in writers.items():
        writer.on_shard = _part_saver(state, name, current, totals)
    plan = session.plan(len(session.job.stages))
    items = itertools.islice(session.items(last=True), restart, None)
    with closing(session.map(plan, items)) as results:
        counted = session.progress.write_pass(results, resumed=restart > 0)
        for index, (batch, task_seconds) in enumerate(counted, start=restart):
            current[0] = index
            alive = alive_mask(batch)
            for name, rows in (("data", alive), ("rejected", ~alive)):
                first_batch, first_row = starts[name]
                if index < first_batch:
                    continue
                part = conform(batch.filter(from_numpy(rows)), writers[name].schema)
                writers[name].write(part.slice(first_row) if index == first_batch else part)
            totals.add(batch, task_seconds)
            crash_point("batch_written")
    for writer in writers.values():
        writer.on_shard = None


def _part_saver(state: RunState, writer: str, current: list[int], totals: Totals):
    def save(part: dict, consumed: int) -> None:
        # Stats are added after both writers took the batch: totals are the batch's start.
        snapshot = pickle.dumps(totals, protocol=pickle.HIGHEST_PROTOCOL)
        state.save_part(writer, part, current[0], consumed, snapshot)

    return save
