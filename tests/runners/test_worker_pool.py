"""The local runner's worker pool: ordered results, one pool across passes, errors reach the
caller, an early stop leaves nothing running."""

import os
import sys
import time

import pytest

from dataprep.runners import worker_pool
from dataprep.runners.worker_pool import WorkerPool, fork_is_safe

# Set in the driver before the pool starts: forked workers see it, spawned ones do not.
DRIVER_STATE = {"loaded": False}


def scale(payload, item):
    return payload * item


def pid_of(payload, item):
    return os.getpid()


def loaded_here(payload, item):
    return os.getpid(), DRIVER_STATE["loaded"]


def test_forked_workers_start_after_the_driver_ran_the_first_task(tmp_path, monkeypatch):
    monkeypatch.setitem(DRIVER_STATE, "loaded", True)
    pool = WorkerPool(2, tmp_path, start_method="fork")
    try:
        pool.start_early()  # nothing yet: forked workers start at the first task
        assert pool.pids == []
        results = list(pool.map(loaded_here, None, range(6)))
        assert results[0] == (os.getpid(), True)  # the first task ran in the driver
        workers = {pid for pid, _ in results[1:]}
        assert os.getpid() not in workers and workers <= set(pool.pids)
        assert all(loaded for _, loaded in results)  # the workers inherited the driver's state
        assert pool.started_with == "fork"
    finally:
        pool.close()


def test_spawned_workers_start_early_and_run_every_task(tmp_path, monkeypatch):
    monkeypatch.setitem(DRIVER_STATE, "loaded", True)
    pool = WorkerPool(2, tmp_path, start_method="spawn")
    try:
        pool.start_early()
        assert len(pool.pids) == 2
        results = list(pool.map(loaded_here, None, range(4)))
        assert os.getpid() not in {pid for pid, _ in results}
        assert not any(loaded for _, loaded in results)  # a fresh interpreter each
        assert pool.started_with == "spawn"
    finally:
        pool.close()


def test_auto_forks_unless_a_library_unsafe_after_fork_is_loaded(tmp_path, monkeypatch):
    for name in worker_pool.NOT_FORK_SAFE:
        monkeypatch.delitem(sys.modules, name, raising=False)
    assert fork_is_safe() == sys.platform.startswith("linux")
    monkeypatch.setitem(sys.modules, "torch", sys)
    assert not fork_is_safe()
    pool = WorkerPool(2, tmp_path)
    try:
        assert next(iter(pool.map(loaded_here, None, range(3))))[0] != os.getpid()
        assert pool.started_with == "spawn"
    finally:
        pool.close()


def test_an_unknown_start_method_is_refused(tmp_path):
    with pytest.raises(ValueError, match="auto, fork or spawn"):
        WorkerPool(2, tmp_path, start_method="forkserver")


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
    assert [next(results), next(results)] == [0, 1]  # the pool runs (a forked one after the first)
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


def test_a_single_item_starts_no_forked_pool(tmp_path):
    pool = WorkerPool(2, tmp_path, start_method="fork")
    try:
        assert list(pool.map(loaded_here, None, [0])) == [(os.getpid(), False)]
        assert pool.pids == [] and pool.started_with is None
        pids = [pid for pid, _ in pool.map(loaded_here, None, range(3))]
        assert pids[0] == os.getpid() and os.getpid() not in pids[1:]
        assert pool.started_with == "fork"
    finally:
        pool.close()
