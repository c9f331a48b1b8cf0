import pyarrow as pa
import pyarrow.dataset as ds
import pytest

from dataprep.io.writer import ShardedWriter

SCHEMA = pa.schema([("text", pa.string()), ("n", pa.int64())])


def batches(count=5, rows=10):
    for b in range(count):
        yield pa.RecordBatch.from_pylist(
            [{"text": "x" * 40, "n": b * rows + i} for i in range(rows)], schema=SCHEMA
        )


def write(path, shard_format, max_bytes=1000):
    writer = ShardedWriter(path, SCHEMA, max_shard_bytes=max_bytes, shard_format=shard_format)
    for batch in batches():
        writer.write(batch)
    return writer.close()


def test_shards_are_size_bounded_and_hold_every_row_in_order(tmp_path):
    shards = write(tmp_path / "out", "stream")
    assert len(shards) > 1
    assert sum(s["rows"] for s in shards) == 50
    assert shards[0]["file"] == f"data-00000-of-{len(shards):05d}.arrow"
    rows = []
    for shard in shards:
        with pa.memory_map(str(tmp_path / "out" / shard["file"])) as source:
            table = pa.ipc.open_stream(source).read_all()
        assert table.nbytes <= 1000 + table.nbytes // table.num_rows
        rows += table.column("n").to_pylist()
    assert rows == list(range(50))


def test_stream_format_loads_with_datasets(tmp_path):
    datasets = pytest.importorskip("datasets")
    write(tmp_path / "out", "stream")
    loaded = datasets.load_from_disk(str(tmp_path / "out"))
    assert loaded["n"] == list(range(50))
    files = sorted(str(p) for p in (tmp_path / "out").glob("*.arrow"))
    assert datasets.load_dataset("arrow", data_files=files, split="train")["n"] == list(range(50))


def test_file_format_loads_with_pyarrow_dataset(tmp_path):
    write(tmp_path / "out", "file")
    table = ds.dataset(str(tmp_path / "out"), format="arrow").to_table()
    assert sorted(table.column("n").to_pylist()) == list(range(50))


def test_empty_output_still_has_one_loadable_shard(tmp_path):
    datasets = pytest.importorskip("datasets")
    writer = ShardedWriter(tmp_path / "out", SCHEMA)
    assert writer.close() == [
        {"file": "data-00000-of-00001.arrow", "rows": 0, "bytes": writer_bytes(tmp_path)}
    ]
    assert len(datasets.load_from_disk(str(tmp_path / "out"))) == 0


def writer_bytes(tmp_path):
    return (tmp_path / "out" / "data-00000-of-00001.arrow").stat().st_size
