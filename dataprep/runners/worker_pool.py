"""The local runner's worker processes: one pool per run, kept warm across its passes.

Workers are forked where that is safe (Linux, and no library that is not fork-safe loaded in
the driver: torch, TensorFlow, JAX, scikit-learn's OpenMP, faiss). The pool is then started
only after the driver has run the first task of the first pass itself, so the workers inherit
every module and compiled kernel that task loaded and start in milliseconds; Arrow re-creates
its thread pools in a forked child (its at-fork handlers). Elsewhere workers are started with
'spawn' as soon as the run starts, so their start-up (a fresh interpreter's imports) overlaps
with the driver's first reads; it is paid once per run, not once per pass. A pass's payload
(its plan: the stages, fitted) is pickled once to a file in the run's work folder; each task
carries the file's path and each worker unpickles it once per pass. Results come back in input
order; at most ``2 * processes`` tasks are in flight, which keeps memory bounded however large
the corpus.
"""

from __future__ import annotations

import itertools
import multiprocessing
import pickle
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

_NOTHING = object()

# In each worker: the payload of the pass it last ran a task of ({path: payload}), and the
# barrier every worker meets once it has started.
_PAYLOADS: dict[str, Any] = {}
_STARTED: list = []


# Modules after whose loading a forked child can hang (threads or OpenMP state that fork does
# not carry over safely): with any of them loaded, workers are spawned.
NOT_FORK_SAFE = ("torch", "tensorflow", "jax", "sklearn", "faiss", "sentence_transformers")


def fork_is_safe() -> bool:
    """Whether workers may be forked from this process now."""
    return sys.platform.startswith("linux") and not any(
        name in sys.modules for name in NOT_FORK_SAFE
    )


def _init_worker(barrier) -> None:
    # Ctrl-C is the driver's to handle: it stops the pool (terminate) and keeps the checkpoints.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _STARTED[:] = [barrier]


def _meet(_: int) -> None:
    _STARTED[0].wait(timeout=120)


def _run_task(task: tuple[Callable, str, Any]) -> Any:
    function, payload_path, item = task
    if payload_path not in _PAYLOADS:
        _PAYLOADS.clear()
        _PAYLOADS[payload_path] = pickle.loads(Path(payload_path).read_bytes())
    return function(_PAYLOADS[payload_path], item)


class WorkerPool:
    """``processes`` worker processes for one run.

    scratch: a folder for the passes' payload files (the run's work folder).
    start_method: 'auto' (default: 'fork' when ``fork_is_safe()`` at the first task, else
        'spawn'), 'fork' or 'spawn'.
    """

    def __init__(self, processes: int, scratch: Path, start_method: str = "auto") -> None:
        if start_method not in ("auto", "fork", "spawn"):
            raise ValueError(f"start_method must be auto, fork or spawn. Got {start_method!r}.")
        self.processes = processes
        self.scratch = Path(scratch)
        self.start_method = start_method
        self.started_with: str | None = None  # the start method of the running pool
        self._payloads = itertools.count()
        self._pool = None
        self._started = None

    def _chosen_method(self) -> str:
        if self.start_method == "auto":
            return "fork" if fork_is_safe() else "spawn"
        return self.start_method

    def start_early(self) -> None:
        """Start spawned workers now, so they start while the driver reads; forked workers
        start at the first task instead (after the driver ran it, see ``map``)."""
        if self._chosen_method() == "spawn":
            self.start()

    def start(self) -> None:
        """Start the workers without waiting for them (``map`` starts them too). Ctrl-C during
        the pool's creation is held back and raised once it exists."""
        if self._pool is not None:
            return
        method = self._chosen_method()
        context = multiprocessing.get_context(method)
        interrupted = []
        previous = signal.signal(signal.SIGINT, lambda *_: interrupted.append(True))
        try:
            barrier = context.Barrier(self.processes)
            self._pool = context.Pool(self.processes, _init_worker, (barrier,))
            # One task per worker, each waiting until all have started.
            self._started = self._pool.map_async(_meet, range(self.processes), chunksize=1)
            self.started_with = method
        finally:
            signal.signal(signal.SIGINT, previous)
        if interrupted:
            self.close()
            raise KeyboardInterrupt

    def map(self, function: Callable[[Any, Any], Any], payload: Any, items: Iterable) -> Iterator:
        """``function(payload, item)`` for each item, in order (``function`` must be a
        module-level function and ``payload`` picklable). When the pool is not running and
        workers are forked, the first item is run here and the pool forked after it, if there
        is a second item."""
        items = iter(items)
        # Pickled before any task runs here: what a task may cache on the payload stays out.
        path = self.scratch / f"payload-{next(self._payloads)}.pkl"
        path.write_bytes(pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL))
        pending: deque = deque()
        try:
            if self._pool is None and self._chosen_method() == "fork":
                first = next(items, _NOTHING)
                if first is _NOTHING:
                    return
                yield function(payload, first)
                second = next(items, _NOTHING)
                if second is _NOTHING:  # one batch in all: no pool to start
                    return
                items = itertools.chain([second], items)
            self.start()
            pool = self._pool
            for item in items:
                pending.append(pool.apply_async(_run_task, ((function, str(path), item),)))
                if len(pending) >= 2 * self.processes:
                    yield pending.popleft().get()
            while pending:
                yield pending.popleft().get()
        finally:
            if pending:  # stopped early (an error or Ctrl-C): the tasks in flight are dropped
                self.close()
            path.unlink(missing_ok=True)

    @property
    def pids(self) -> list[int]:
        """The worker processes' ids (empty when the pool is not running)."""
        return [] if self._pool is None else [worker.pid for worker in self._pool._pool]

    def close(self) -> None:
        """Stop the workers (running tasks are abandoned). Waits for workers still starting:
        one stopped half-started prints a traceback about the pool's vanished semaphores."""
        if self._pool is None:
            return
        try:
            self._started.wait(timeout=120)
        finally:
            self._pool.terminate()
            self._pool.join()
            self._pool = None
