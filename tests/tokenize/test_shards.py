"""Shard writing (dataprep.tokenize.shards): cuts at document boundaries, the document table,
padding and dropped tokens of fixed-length sequences."""

import numpy as np
import pyarrow as pa

from dataprep.tokenize.indexed import read_index
from dataprep.tokenize.shards import ShardLayout, ShardWriter


def test_documents_fill_a_shard_up_to_the_first_boundary_at_or_after_the_limit(tmp_path):
    writer = ShardWriter(tmp_path, ShardLayout(np.dtype(np.uint16), 10), pa.string())
    assert writer.documents_that_fit(np.array([4, 5, 3, 2])) == 3  # 4 + 5 + 3 = 12 >= 10
    assert writer.documents_that_fit(np.array([4, 5])) == 2  # not full: all of them
    writer.write(
        np.arange(9, dtype=np.uint16), np.array([4, 5]), np.array([7, 8]), pa.array(["a", "b"])
    )
    assert not writer.full
    assert writer.documents_that_fit(np.array([1, 1])) == 1
    writer.write(np.array([9], dtype=np.uint16), np.array([1]), np.array([9]), pa.array(["c"]))
    assert writer.full
    record = writer.close()
    assert record == {
        "prefix": "part-00000",
        "documents": 3,
        "tokens": 10,
        "first_row": 7,
        "sequences": None,
        "padding": 0,
        "dropped": 0,
    }
    assert np.fromfile(tmp_path / "part-00000.bin", dtype=np.uint16).tolist() == list(range(10))
    assert read_index(tmp_path / "part-00000.idx").lengths.tolist() == [4, 5, 1]
    docs = pa.ipc.open_file(tmp_path / "part-00000.docs.arrow").read_all().to_pydict()
    assert docs == {
        "row": [7, 8, 9],
        "id": ["a", "b", "c"],
        "offset": [0, 4, 9],
        "tokens": [4, 5, 1],
    }
    assert writer.close() is None  # nothing open


def test_a_padded_shard_ends_with_pad_tokens_outside_the_index(tmp_path):
    layout = ShardLayout(np.dtype(np.uint16), 100, seq_len=4, remainder="pad", pad_id=99)
    writer = ShardWriter(tmp_path, layout, pa.int64(), first=3)
    writer.write(np.arange(1, 7, dtype=np.uint16), np.array([6]), np.array([0]), pa.array([5]))
    record = writer.close()
    assert (record["prefix"], record["sequences"], record["padding"]) == ("part-00003", 2, 2)
    bin_tokens = np.fromfile(tmp_path / "part-00003.bin", dtype=np.uint16).tolist()
    assert bin_tokens == [1, 2, 3, 4, 5, 6, 99, 99]
    assert read_index(tmp_path / "part-00003.idx").lengths.tolist() == [6]


def test_a_dropped_remainder_stays_in_the_file_but_outside_the_sequences(tmp_path):
    layout = ShardLayout(np.dtype(np.int32), 100, seq_len=4, remainder="drop")
    writer = ShardWriter(tmp_path, layout, pa.int64())
    writer.write(np.arange(7, dtype=np.int32), np.array([3, 4]), np.array([0, 1]), pa.array([0, 1]))
    record = writer.close()
    assert (record["sequences"], record["dropped"], record["padding"]) == (1, 3, 0)
    assert np.fromfile(tmp_path / "part-00000.bin", dtype=np.int32).tolist() == list(range(7))
