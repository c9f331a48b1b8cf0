"""The default runner: a loop over record batches, or a pool of ``num_proc`` worker processes
that lives for the whole run (dataprep.runners.worker_pool).

Results always come back in input order, so output does not depend on ``num_proc``. Between
passes the verdicts of the stages already run are kept in a decision log
(dataprep.storage.decisions), so a filter is not run twice, and a run with more than one pass
parses its input once (dataprep.storage.parsed): later passes read the parsed batches from the
work folder. A run is resumable: each fit pass is checkpointed, and the writing pass
(dataprep.runners.local_write) checkpoints every complete output part
(dataprep.storage.checkpoint).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing
from typing import Any

from dataprep.passes import PassPlan, pass_task, pass_task_by_ref
from dataprep.progress import PassProgress
from dataprep.runners.base import Job, Runner, Session, Written
from dataprep.runners.local_write import write_pass
from dataprep.runners.worker_pool import WorkerPool
from dataprep.settings import resolve_processes
from dataprep.storage import parsed
from dataprep.storage.decisions import DecisionLog


class LocalRunner(Runner):
    """Runs the passes on this machine.

    num_proc: worker processes, or 'auto' (one per usable CPU); 1 (default) runs everything
        in this process.
    """

    name = "local"
    resumable = True

    def __init__(self, num_proc: int | str = 1) -> None:
        self.num_proc = max(1, resolve_processes(num_proc))

    @property
    def processes(self) -> int:
        return self.num_proc

    def session(self, job: Job) -> LocalSession:
        return LocalSession(self, job)


class LocalSession(Session):
    """One local run: the decision log of the passes so far and the seconds per stage."""

    def __init__(self, runner: LocalRunner, job: Job) -> None:
        self.runner = runner
        self.job = job
        self.log: DecisionLog | None = None
        self.seconds = [0.0] * len(job.stages)
        self.parsed = parsed.ParsedCorpus(job.folder.work_dir / "parsed.arrow")
        self.progress = PassProgress(job.stages, enabled=job.settings.progress)
        self.pool = None
        if runner.num_proc > 1:
            self.pool = WorkerPool(runner.num_proc, job.folder.work_dir)
            self.pool.start_early()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
        parsed.release()

    def plan(self, upto: int, fit_stage=None) -> PassPlan:
        return PassPlan.upto(self.job.stages, upto, self.log.covered if self.log else 0, fit_stage)

    def items(self, last: bool = False) -> Iterator:
        """(batch or BatchRef, cached decisions or None) for every batch of the corpus, in
        input order: from the parsed corpus when an earlier pass wrote it, else from the input,
        kept in the parsed corpus unless this is the ``last`` pass and runs here (workers are
        given references to the parsed batches, not the batches)."""
        if self.parsed.complete:
            batches = self.parsed.refs()
        else:
            batches = self.job.corpus.iter_batches()
            if self.pool is not None or not last:
                batches = self.parsed.keeping(batches, as_refs=self.pool is not None)
        if self.log is None:
            return ((batch, None) for batch in batches)
        return zip(batches, self.log.read(), strict=True)

    def map(self, plan: PassPlan, items: Iterable) -> Iterator:
        """``pass_task`` on every item, in order: in the pool, or here with one process. A
        writing pass's batches come back whole either way."""
        if self.pool is None:
            return _in_process(pass_task, plan, items)
        results = self.pool.map(pass_task_by_ref, plan, items)
        if plan.fit_stage is not None:
            return results
        return _applied(results)

    def restore(self, fit_indices: list[int]) -> int:
        state, work_dir = self.job.folder.state, self.job.folder.work_dir
        done = state.load_fits(fit_indices)
        for index, fitted, marker in done:
            self.job.stages[index].__dict__.update(fitted.__dict__)
            self.seconds = marker["seconds"]
            if marker["log"]:
                self.log = DecisionLog(work_dir / marker["log"]["file"], marker["log"]["covered"])
        return len(done)

    def fit(self, index: int) -> None:
        """One pass: earlier stages transform, stage ``index`` fits; the decision log then
        covers the stages before ``index``."""
        stage = self.job.stages[index]
        log, seconds, work_dir = self.log, self.seconds, self.job.folder.work_dir
        plan = self.plan(index, stage)
        new_log = DecisionLog(work_dir / f"decisions-{index}.arrow", index) if index else None
        waited = [0.0]

        def states():
            results = self.map(plan, self.items())
            with closing(results):
                counted = self.progress.fit_pass(results, index)
                for fit_state, decisions, task_seconds in _timed(counted, waited):
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
        self.log = new_log or log
        described = {"file": self.log.path.name, "covered": self.log.covered} if self.log else None
        self.job.folder.state.save_fit(index, stage, described, list(seconds))
        if new_log is not None and log is not None:
            log.remove()  # after the checkpoint, which no longer needs it

    def write(self) -> Written:
        return write_pass(self)


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


def _applied(results: Iterator) -> Iterator:
    """The writing pass's (ColumnChanges, seconds) results as (batch, seconds)."""
    with closing(results):
        for changes, seconds in results:
            yield changes.apply(), seconds


def _in_process(function: Callable[[Any, Any], Any], payload: Any, items: Iterable) -> Iterator:
    for item in items:
        yield function(payload, item)
