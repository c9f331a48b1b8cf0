"""One shard file in each format: Parquet row groups sized by bytes, Arrow IPC as before, and
the readers of output shards (columns, formats, folders)."""

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dataprep.io.shard_files import (
    PartFile,
    is_parquet,
    iter_shard,
    shard_files,
    shard_schema,
    shard_suffix,
)

SCHEMA = pa.schema([("text", pa.string()), ("n", pa.int64())])


def batches(count=5, rows=10):
    """``count`` batches of ``rows`` rows of 52 Arrow bytes each (40 characters, an offset, an
    int64); n counts the rows."""
    return [
        pa.RecordBatch.from_pylist(
            [{"text": "x" * 40, "n": b * rows + i} for i in range(rows)], schema=SCHEMA
        )
        for b in range(count)
    ]


def write(path, shard_format, **options):
    part = PartFile(path, SCHEMA, shard_format, **options)
    for batch in batches():
        part.write(batch)
    part.close()
    return path


def test_parquet_row_groups_close_at_the_byte_target_not_at_each_batch(tmp_path):
    path = write(tmp_path / "p.parquet", "parquet", row_group_bytes=1000)
    parquet = pq.ParquetFile(path)
    sizes = [parquet.metadata.row_group(i).num_rows for i in range(parquet.num_row_groups)]
    # 520 bytes a batch: a group closes on the row that reaches 1,000 bytes (20 rows)
    assert sizes == [20, 20, 10]
    assert parquet.metadata.row_group(0).column(0).compression == "ZSTD"
    assert pq.read_table(path).column("n").to_pylist() == list(range(50))


def test_parquet_default_row_groups_hold_a_small_part_in_one_group(tmp_path):
    parquet = pq.ParquetFile(write(tmp_path / "p.parquet", "parquet"))
    assert parquet.num_row_groups == 1 and parquet.metadata.num_rows == 50


def test_the_same_batches_give_the_same_parquet_bytes(tmp_path):
    first = write(tmp_path / "a.parquet", "parquet", row_group_bytes=700)
    second = write(tmp_path / "b.parquet", "parquet", row_group_bytes=700)
    assert first.read_bytes() == second.read_bytes()


@pytest.mark.parametrize(
    ("shard_format", "opener"), [("stream", "open_stream"), ("file", "open_file")]
)
def test_arrow_formats_write_one_record_batch_per_write(tmp_path, shard_format, opener):
    path = write(tmp_path / "p.arrow", shard_format)
    reader = getattr(pa.ipc, opener)(pa.memory_map(str(path)))
    table = reader.read_all()
    assert [len(b) for b in table.to_batches()] == [10] * 5
    assert table.column("n").to_pylist() == list(range(50))


def test_an_empty_parquet_part_keeps_the_schema(tmp_path):
    PartFile(tmp_path / "e.parquet", SCHEMA, "parquet").close()
    table = pq.read_table(tmp_path / "e.parquet")
    assert table.num_rows == 0 and table.schema.names == ["text", "n"]


def test_suffixes():
    assert [shard_suffix(f) for f in ("stream", "file", "parquet")] == [
        ".arrow",
        ".arrow",
        ".parquet",
    ]
    assert is_parquet("a/data-00000-of-00001.parquet") and not is_parquet("a/x.arrow")


@pytest.mark.parametrize(
    ("shard_format", "name"), [("parquet", "p.parquet"), ("stream", "p.arrow")]
)
def test_iter_shard_reads_only_the_columns_asked_for(tmp_path, shard_format, name):
    path = write(tmp_path / name, shard_format)
    assert shard_schema(path).names == ["text", "n"]
    got = list(iter_shard(path, ["n", "missing"]))
    assert all(batch.schema.names == ["n"] for batch in got)
    assert [v for batch in got for v in batch.column("n").to_pylist()] == list(range(50))
    whole = pa.Table.from_batches(list(iter_shard(path)))
    assert whole.column("text").to_pylist() == ["x" * 40] * 50


def test_iter_shard_of_a_parquet_shard_without_those_columns_yields_nothing(tmp_path):
    path = write(tmp_path / "p.parquet", "parquet")
    assert list(iter_shard(path, ["missing"])) == []


def test_shard_files_lists_arrow_shards_else_parquet_shards(tmp_path):
    assert shard_files(tmp_path / "absent") == []
    folder = tmp_path / "data"
    folder.mkdir()
    for name in ("data-00001-of-00002.parquet", "data-00000-of-00002.parquet", "state.json"):
        (folder / name).write_bytes(b"")
    assert [p.name for p in shard_files(folder)] == [
        "data-00000-of-00002.parquet",
        "data-00001-of-00002.parquet",
    ]
    (folder / "data-00000-of-00001.arrow").write_bytes(b"")
    assert [p.name for p in shard_files(folder)] == ["data-00000-of-00001.arrow"]
