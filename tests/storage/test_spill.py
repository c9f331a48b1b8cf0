import numpy as np

from dataprep.storage.spill import Spill


def test_appended_arrays_read_back_as_one_memory_map(tmp_path):
    with Spill(tmp_path / "v") as spill:
        spill.append(np.arange(6, dtype=np.float32).reshape(2, 3))
        spill.append(None)  # ignored
        spill.append(np.arange(6, 9, dtype=np.float32).reshape(1, 3))
    out = spill.open(np.float32, (3, 3))
    assert isinstance(out, np.memmap)
    assert out.tolist() == np.arange(9, dtype=np.float32).reshape(3, 3).tolist()
    spill.remove()
    assert not (tmp_path / "v").exists()


def test_nothing_appended_opens_empty(tmp_path):
    with Spill(tmp_path / "v") as spill:
        pass
    assert spill.open(np.uint32, (-1,)).shape == (0,)
    assert spill.open(np.float32, (0, 4)).shape == (0, 4)


def test_read_ranges_gives_the_ranges_back_to_back(tmp_path):
    with Spill(tmp_path / "v") as spill:
        spill.append(np.arange(100, dtype=np.uint32) * 10)
    values, ends = spill.read_ranges(np.uint32, np.array([2, 5, 50]), np.array([4, 5, 53]))
    assert values.tolist() == [20, 30, 500, 510, 520]
    assert ends.tolist() == [2, 2, 5]  # the empty range [5, 5) ends where the first did
    empty, no_ends = spill.read_ranges(np.uint32, np.array([], np.int64), np.array([], np.int64))
    assert empty.shape == (0,) and no_ends.shape == (0,)


def test_read_ranges_splits_reads_at_gaps_and_span_size(tmp_path, monkeypatch):
    from dataprep.storage import spill as spill_module

    data = np.random.default_rng(0).integers(0, 1 << 30, 5000).astype(np.uint32)
    with Spill(tmp_path / "v") as spill:
        spill.append(data)
    starts = np.sort(np.random.default_rng(1).choice(4990, 300, replace=False))
    starts = starts[np.concatenate([[True], np.diff(starts) >= 5])]  # not overlapping
    ends = starts + np.random.default_rng(2).integers(0, 5, len(starts))
    expected = np.concatenate([data[a:b] for a, b in zip(starts, ends, strict=True)])
    for gap_bytes, span_bytes in [(0, 1 << 23), (1 << 16, 1 << 23), (1 << 16, 64)]:
        monkeypatch.setattr(spill_module, "SPAN_BYTES", span_bytes)
        values, got_ends = spill.read_ranges(np.uint32, starts, ends, gap_bytes=gap_bytes)
        assert np.array_equal(values, expected)
        assert got_ends.tolist() == np.cumsum(ends - starts).tolist()
