"""The default runner: a loop over record batches, or a process pool for ``num_proc > 1``.

Results always come back in input order, so output does not depend on ``num_proc``. At most
``2 * num_proc`` batches are in flight, which keeps memory bounded however large the corpus.

Between passes the verdicts of the stages already run are kept in a decision log
(dataprep.storage.decisions), so a filter is not run twice. A run is resumable: each fit pass
is checkpointed, and the writing pass (dataprep.runners.local_write) checkpoints every
complete output part (dataprep.storage.checkpoint).
"""

from __future__ import annotations

import multiprocessing
import pickle
import signal
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing
from typing import Any

from dataprep.passes import PassPlan, pass_task
from dataprep.progress import progress_bar
from dataprep.runners.base import Job, Runner, Session, Written
from dataprep.runners.local_write import write_pass
from dataprep.storage.decisions import DecisionLog

# Set in each worker process by _init_worker: the task's payload, unpickled once per process.
_WORKER_PAYLOAD: Any = None
_WORKER_FUNCTION: Callable[[Any, Any], Any] | None = None


def _init_worker(function: Callable[[Any, Any], Any], payload_bytes: bytes) -> None:
    global _WORKER_FUNCTION, _WORKER_PAYLOAD
    # Ctrl-C is the driver's to handle: it stops the pool (terminate) and keeps the checkpoints.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _WORKER_FUNCTION = function
    _WORKER_PAYLOAD = pickle.loads(payload_bytes)


def _run_in_worker(item: Any) -> Any:
    return _WORKER_FUNCTION(_WORKER_PAYLOAD, item)


class LocalRunner(Runner):
    """Applies ``function(payload, item)`` to each item, in order.

    num_proc: worker processes; 1 (default) runs in this process. Workers are started with
    'spawn' (safe with Arrow's and numba's threads); the payload (e.g. the fitted stages) is
    pickled once per pool, so it must be picklable.
    """

    name = "local"
    resumable = True

    def __init__(self, num_proc: int = 1) -> None:
        self.num_proc = max(1, int(num_proc))

    def session(self, job: Job) -> LocalSession:
        return LocalSession(self, job)

    def map(
        self, function: Callable[[Any, Any], Any], payload: Any, items: Iterable[Any]
    ) -> Iterator[Any]:
        if self.num_proc == 1:
            for item in items:
                yield function(payload, item)
            return
        context = multiprocessing.get_context("spawn")
        payload_bytes = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
        with context.Pool(
            self.num_proc, initializer=_init_worker, initargs=(function, payload_bytes)
        ) as pool:
            pending: deque = deque()
            for item in items:
                pending.append(pool.apply_async(_run_in_worker, (item,)))
                if len(pending) >= 2 * self.num_proc:
                    yield pending.popleft().get()
            while pending:
                yield pending.popleft().get()


class LocalSession(Session):
    """One local run: the decision log of the passes so far and the seconds per stage."""

    def __init__(self, runner: LocalRunner, job: Job) -> None:
        self.runner = runner
        self.job = job
        self.log: DecisionLog | None = None
        self.seconds = [0.0] * len(job.stages)

    def plan(self, upto: int, fit_stage=None) -> PassPlan:
        return PassPlan.upto(self.job.stages, upto, self.log.covered if self.log else 0, fit_stage)

    def items(self, label: str) -> Iterator:
        """(batch, cached decisions or None) for every batch of the corpus, in input order."""
        batches = self.job.corpus.iter_batches()
        batches = progress_bar(batches, label, enabled=self.job.settings.progress)
        if self.log is None:
            return ((batch, None) for batch in batches)
        return zip(batches, self.log.read(), strict=True)

    def map(self, plan: PassPlan, items: Iterable) -> Iterator:
        return self.runner.map(pass_task, plan, items)

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
            results = self.map(plan, self.items(f"fit {stage.name}"))
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
