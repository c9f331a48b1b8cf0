import numpy as np

from dataprep.spill import Spill


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


def test_dropped_pages_read_back_unchanged(tmp_path):
    values = np.arange(1 << 20, dtype=np.uint32)
    with Spill(tmp_path / "v") as spill:
        spill.append(values)
    out = spill.open(np.uint32, (-1,))
    assert int(out[::4096].sum()) == int(values[::4096].sum())
    Spill.drop_pages(out)
    Spill.drop_pages(np.zeros(3))  # not a memory map: nothing to do
    assert np.array_equal(out, values)
