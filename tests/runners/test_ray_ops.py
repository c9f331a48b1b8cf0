"""The pure helpers of dataprep.runners.ray_ops (no Ray cluster): as_batch, column_values."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from dataprep.runners.ray_ops import as_batch, column_values


def test_as_batch_joins_the_chunks_of_a_table():
    table = pa.concat_tables(
        [pa.table({"a": [1, 2], "b": ["x", "y"]}), pa.table({"a": [3], "b": ["z"]})]
    )
    assert table.column("a").num_chunks == 2
    batch = as_batch(table)
    assert isinstance(batch, pa.RecordBatch)
    assert batch.to_pydict() == {"a": [1, 2, 3], "b": ["x", "y", "z"]}


def test_as_batch_of_an_empty_table_keeps_its_schema():
    schema = pa.schema([("a", pa.int64()), ("b", pa.string())])
    batch = as_batch(schema.empty_table())
    assert batch.num_rows == 0
    assert batch.schema == schema


def test_column_values_of_an_int_column():
    chunked = pa.chunked_array([[1, 2], [3]], pa.int64())
    values = column_values(chunked)
    assert values.dtype == np.int64
    assert values.tolist() == [1, 2, 3]
    assert column_values(pa.array([7], pa.int32())).tolist() == [7]


def test_column_values_of_a_fixed_size_list_column_is_a_matrix():
    column = pa.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], pa.list_(pa.float32(), 3))
    matrix = column_values(pa.chunked_array([column[:1], column[1:]]))
    assert matrix.shape == (2, 3)
    assert matrix.dtype == np.float32
    assert matrix.tolist() == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
