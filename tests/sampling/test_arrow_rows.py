"""Row gather from memory-mapped Arrow: every column kind, many chunks, equal to pyarrow take."""

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dataprep.errors import InputError
from dataprep.sampling.arrow_rows import open_arrow, open_arrow_files


def test_take_equals_pyarrow_take_for_every_column_kind(tmp_path):
    n = 2000
    table = pa.table(
        {
            "s": pa.array([f"row {i} " * (i % 4) for i in range(n)]),
            "ls": pa.array([f"{i}" for i in range(n)], pa.large_string()),
            "b": pa.array([bytes([i % 256]) * (i % 3) for i in range(n)], pa.binary()),
            "i": pa.array(np.arange(n, dtype=np.int16)),
            "f": pa.array(np.arange(n) / 3.0),
            "nulls": pa.array([None if i % 5 == 0 else i for i in range(n)]),
            "flag": pa.array([i % 2 == 0 for i in range(n)]),
            "lists": pa.array([[i, i + 1] for i in range(n)]),
        }
    )
    for name, writer in (("stream.arrow", pa.ipc.new_stream), ("file.arrow", pa.ipc.new_file)):
        with writer(str(tmp_path / name), table.schema) as sink:
            for batch in table.to_batches(max_chunksize=70):  # many chunks
                sink.write_batch(batch)
        rows = open_arrow(tmp_path / name)
        assert rows.tables[0].column(0).num_chunks > 20 and rows.num_rows == n
        indices = np.random.default_rng(0).integers(0, n, 300)
        got = rows.take(indices)
        assert got.equals(pa.RecordBatch.from_pydict(table.take(indices).to_pydict(), table.schema))
        assert rows._column(0, "s").kind == "var" and rows._column(0, "nulls").kind is None


def test_a_folder_of_parquet_shards_takes_like_pyarrow(tmp_path):
    n = 500
    table = pa.table(
        {
            "s": pa.array([f"row {i}" for i in range(n)]),
            "ls": pa.array([f"{i}" for i in range(n)], pa.large_string()),
            "nulls": pa.array([None if i % 5 == 0 else i for i in range(n)]),
            "lists": pa.array([[i, i + 1] for i in range(n)]),
        }
    )
    folder = tmp_path / "data"
    folder.mkdir()
    for number, (start, length) in enumerate([(0, 300), (300, 200)]):
        name = f"data-{number:05d}-of-00002.parquet"
        pq.write_table(table.slice(start, length), folder / name, row_group_size=70)
    rows = open_arrow(folder)
    assert rows.num_rows == n and rows.schema.equals(table.schema)
    assert rows.tables[0].column(0).num_chunks > 1  # one chunk per row group
    indices = np.random.default_rng(1).integers(0, n, 200)
    assert rows.take(indices).to_pylist() == table.take(indices).to_pylist()
    again = open_arrow_files(rows.paths)  # how a DataLoader worker reopens it
    assert again.take(indices).to_pylist() == table.take(indices).to_pylist()


def test_a_folder_without_shards_and_a_bad_parquet_file_are_input_errors(tmp_path):
    with pytest.raises(InputError, match=r"the folder holds no \.arrow or \.parquet file"):
        open_arrow(tmp_path)
    (tmp_path / "bad.parquet").write_bytes(b"not parquet")
    with pytest.raises(InputError, match=r"bad\.parquet: not a Parquet file"):
        open_arrow(tmp_path)
