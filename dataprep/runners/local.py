"""The default runner: a loop over record batches, or a process pool for ``num_proc > 1``.

Results always come back in input order, so output does not depend on ``num_proc``. At most
``2 * num_proc`` batches are in flight, which keeps memory bounded however large the corpus.
"""

from __future__ import annotations

import multiprocessing
import pickle
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any

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


class LocalRunner:
    """Applies ``function(payload, item)`` to each item, in order.

    num_proc: worker processes; 1 (default) runs in this process. Workers are started with
    'spawn' (safe with Arrow's and numba's threads); the payload (e.g. the fitted stages) is
    pickled once per pool, so it must be picklable.
    """

    def __init__(self, num_proc: int = 1) -> None:
        self.num_proc = max(1, int(num_proc))

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
