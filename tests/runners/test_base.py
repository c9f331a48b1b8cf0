"""What a runner is (dataprep.runners.base): partition_of and the default hooks."""

from __future__ import annotations

import numpy as np

from dataprep.runners.base import Runner, Session, partition_of


class TinySession(Session):
    def fit(self, index):
        pass

    def write(self):
        return None


class TinyRunner(Runner):
    name = "tiny"

    def session(self, job):
        return TinySession()


def test_partition_of_is_in_range_and_deterministic():
    keys = np.arange(1000, dtype=np.int64) * 7919 - 3000
    parts = partition_of(keys, 7)
    assert parts.dtype == np.int64
    assert parts.min() >= 0 and parts.max() < 7
    assert np.array_equal(parts, partition_of(keys.copy(), 7))
    assert partition_of(np.array([5]), 1).tolist() == [0]


def test_equal_keys_get_equal_partitions():
    keys = np.array([3, 10**12, 3, -1, 10**12, -1], dtype=np.int64)
    parts = partition_of(keys, 16)
    assert parts[0] == parts[2] and parts[1] == parts[4] and parts[3] == parts[5]


def test_partition_of_spreads_keys_evenly():
    counts = np.bincount(partition_of(np.arange(10_000), 8), minlength=8)
    assert len(counts) == 8
    assert counts.min() > 1250 * 0.9 and counts.max() < 1250 * 1.1
    # consecutive keys do not all land in one partition (the mix is not the identity)
    assert len(set(partition_of(np.arange(0, 8000, 8), 8).tolist())) == 8


def test_default_hooks():
    session = TinyRunner().session(None)
    assert session.restore([0, 2]) == 0
    session.close()
    runner = TinyRunner()
    assert runner.processes == 1
    assert runner.write_schedule(None, None, None) is None
    runner.check()
    assert Runner.resumable is False
