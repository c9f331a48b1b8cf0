import numpy as np
import pytest

from dataprep.storage import sorted_runs
from dataprep.storage.sorted_runs import SortedRuns, scratch_dir, sort_records

RECORDS = np.array([[2, 1], [1, 5], [2, 0], [1, 5], [0, 9]], dtype=np.uint64)


def merged(runs: SortedRuns) -> list[list[int]]:
    return [record for block in runs.merged() for record in block.tolist()]


def test_runs_of_two_merge_into_lexicographic_order(tmp_path):
    with SortedRuns(tmp_path, "t", 2, run_rows=2) as runs:
        runs.append(RECORDS)
        # Two full runs on disk, sorted: [1 5, 2 1] and [1 5, 2 0]; [0 9] is still buffered.
        assert [count for _, count in runs.runs] == [2, 2]
        assert np.fromfile(runs.runs[0][0], np.uint64).tolist() == [1, 5, 2, 1]
        assert np.fromfile(runs.runs[1][0], np.uint64).tolist() == [1, 5, 2, 0]
        assert len(runs) == 5
        assert merged(runs) == [[0, 9], [1, 5], [1, 5], [2, 0], [2, 1]]
    assert list(tmp_path.iterdir()) == []  # leaving the block removes the run files


def test_unique_drops_repeats_within_and_across_runs(tmp_path):
    with SortedRuns(tmp_path, "t", 2, run_rows=2, unique=True) as runs:
        runs.append(RECORDS)
        runs.append(np.array([[1, 5], [0, 9]], dtype=np.uint64))
        assert merged(runs) == [[0, 9], [1, 5], [2, 0], [2, 1]]


def test_fewer_records_than_a_run_never_touch_the_disk(tmp_path):
    with SortedRuns(tmp_path, "t", 2, run_rows=100) as runs:
        runs.append(RECORDS)
        assert merged(runs) == [[0, 9], [1, 5], [1, 5], [2, 0], [2, 1]]
        assert runs.runs == [] and list(tmp_path.iterdir()) == []


def test_order_is_unsigned_with_the_first_column_most_significant():
    big = 1 << 63  # would be negative as int64
    records = np.array([[big, 0], [1, 2], [1, 1], [0, big]], dtype=np.uint64)
    assert sort_records(records).tolist() == [[0, big], [1, 1], [1, 2], [big, 0]]


def test_nothing_appended_merges_to_nothing(tmp_path):
    with SortedRuns(tmp_path, "t", 3, run_rows=4) as runs:
        assert merged(runs) == []


def test_bad_run_size_is_refused(tmp_path):
    with pytest.raises(ValueError, match="run_rows must be at least 1"):
        SortedRuns(tmp_path, "t", 1, run_rows=0)


@pytest.mark.parametrize("unique", [False, True])
@pytest.mark.parametrize("width", [1, 2, 3])
def test_tiny_runs_and_windows_equal_one_in_memory_sort(tmp_path, monkeypatch, width, unique):
    # Windows of 1-3 records force many merge steps, partial windows and frontiers that fall
    # inside other runs' windows.
    monkeypatch.setattr(sorted_runs, "MIN_WINDOW", 1)
    rng = np.random.default_rng(width)
    records = rng.integers(0, 6, size=(600, width)).astype(np.uint64)
    records[::7, 0] = np.uint64(1 << 63) + records[::7, 0]
    expected = np.unique(records, axis=0) if unique else sort_records(records)
    for run_rows in (1, 5, 40, 1000):
        with SortedRuns(tmp_path, "t", width, run_rows=run_rows, unique=unique) as runs:
            for chunk in np.array_split(records, 13):
                runs.append(chunk)
            files = len(runs.runs)
            blocks = list(runs.merged())
        assert np.concatenate(blocks).tolist() == expected.tolist()
        # A merge step takes at most one window of run_rows // (files + 1) records per run.
        assert max(len(block) for block in blocks) <= max(run_rows, files + 1)


def test_appended_arrays_are_copied(tmp_path):
    records = RECORDS.copy()
    with SortedRuns(tmp_path, "t", 2, run_rows=100) as runs:
        runs.append(records)
        records[:] = 7
        assert merged(runs)[0] == [0, 9]


def test_scratch_dir_is_the_work_dir_or_a_removed_temporary_one(tmp_path):
    with scratch_dir(tmp_path, "x-") as folder:
        assert folder == tmp_path
    with scratch_dir(None, "dataprep-x-") as folder:
        assert folder.is_dir() and folder.name.startswith("dataprep-x-")
    assert not folder.exists()
    assert tmp_path.exists()
