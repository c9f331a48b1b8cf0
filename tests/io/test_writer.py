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


def read_parquet_shards(folder, shards):
    import pyarrow.parquet as pq

    return [pq.read_table(folder / shard["file"]) for shard in shards]


def test_parquet_shards_hold_the_rows_of_the_arrow_shards(tmp_path):
    arrow = write(tmp_path / "arrow", "stream")
    parquet = write(tmp_path / "parquet", "parquet")
    assert len(parquet) > 1
    assert [s["rows"] for s in parquet] == [s["rows"] for s in arrow]  # the same boundaries
    assert [s["file"] for s in parquet] == [s["file"].replace(".arrow", ".parquet") for s in arrow]
    tables = read_parquet_shards(tmp_path / "parquet", parquet)
    assert [t.num_rows for t in tables] == [s["rows"] for s in parquet]
    assert sorted(p.name for p in (tmp_path / "parquet").iterdir()) == [s["file"] for s in parquet]
    table = ds.dataset(str(tmp_path / "parquet")).to_table()  # no other file in the folder
    assert table.column("n").to_pylist() == list(range(50))
    assert table.schema.equals(SCHEMA)


def test_parquet_restore_continues_an_interrupted_write_to_the_same_bytes(tmp_path):
    full = write(tmp_path / "full", "parquet")
    saved = []  # (part, batch index, rows of that batch it had consumed), as checkpoints do
    writer = ShardedWriter(tmp_path / "out", SCHEMA, max_shard_bytes=1000, shard_format="parquet")
    current = [0]
    writer.on_shard = lambda part, consumed: saved.append((part, current[0], consumed))
    for index, batch in enumerate(batches()):
        current[0] = index
        writer.write(batch)
        if len(saved) == 2:
            break  # "killed" with part 2 open
    assert (tmp_path / "out" / "part-00002.parquet").exists()  # the open part: partial
    (tmp_path / "out" / "part-00007.parquet").write_bytes(b"partial")
    resumed = ShardedWriter(
        tmp_path / "out", SCHEMA, max_shard_bytes=1000, shard_format="parquet", resume=True
    )
    resumed.restore([part for part, _, _ in saved])
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "part-00000.parquet",
        "part-00001.parquet",
    ]
    _, next_batch, consumed = saved[-1]
    for index, batch in enumerate(batches()):
        if index >= next_batch:
            resumed.write(batch.slice(consumed) if index == next_batch else batch)
    assert resumed.close() == full
    for shard in full:
        assert (tmp_path / "out" / shard["file"]).read_bytes() == (
            tmp_path / "full" / shard["file"]
        ).read_bytes()


def test_empty_parquet_output_has_one_shard_with_the_schema(tmp_path):
    import pyarrow.parquet as pq

    writer = ShardedWriter(tmp_path / "out", SCHEMA, shard_format="parquet")
    assert [s["file"] for s in writer.close()] == ["data-00000-of-00001.parquet"]
    table = pq.read_table(tmp_path / "out" / "data-00000-of-00001.parquet")
    assert table.num_rows == 0 and table.schema.equals(SCHEMA)
