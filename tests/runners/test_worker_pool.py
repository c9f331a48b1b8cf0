"""The local runner's worker pool: ordered results, one pool across passes, errors reach the
caller, an early stop leaves nothing running."""

import os
import time

import pytest

from dataprep.runners.worker_pool import WorkerPool


def scale(payload, item):
    return payload * item


def pid_of(payload, item):
    return os.getpid()


def test_results_come_back_in_input_order_and_the_pool_outlives_a_pass(tmp_path):
    pool = WorkerPool(2, tmp_path)
    try:
        items = (i for i in range(25))  # consumed lazily
        assert list(pool.map(scale, 3, items)) == [3 * i for i in range(25)]
        workers = set(pool.pids)
        first = set(pool.map(pid_of, None, range(20)))
        assert list(pool.map(scale, 5, range(4))) == [0, 5, 10, 15]  # a new payload
        second = set(pool.map(pid_of, None, range(20)))
        # The same two processes serve every pass (whichever of them takes each task).
        assert len(workers) == 2 and first | second <= workers and os.getpid() not in workers
        assert not list(tmp_path.iterdir())  # payload files are removed after each pass
    finally:
        pool.close()


def test_worker_errors_reach_the_caller(tmp_path):
    pool = WorkerPool(2, tmp_path)
    try:
        with pytest.raises(TypeError):
            list(pool.map(scale, None, [1, 2]))
        assert list(pool.map(scale, 2, [1])) == [2]  # a new pool after the failed pass
    finally:
        pool.close()


def test_an_early_stop_stops_the_workers(tmp_path):
    pool = WorkerPool(2, tmp_path)
    results = pool.map(scale, 1, range(100))
    assert next(results) == 0
    workers = pool.pids
    assert len(workers) == 2
    results.close()
    assert pool.pids == []
    deadline = time.monotonic() + 10
    while any(_running(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_running(pid) for pid in workers)


def _running(pid: int) -> bool:
    """The process exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
