from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dataprep.errors import InputError
from dataprep.io.formats import detect_format, iter_file_batches, peek_schema, stored_rows


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("a.jsonl", "jsonl"),
        ("a.json.gz", "jsonl"),
        ("a.JSONL.ZST", "jsonl"),
        ("a.ndjson", "jsonl"),
        ("a.parquet", "parquet"),
        ("data-00000-of-00001.arrow", "arrow"),
        ("a.feather", "arrow"),
        ("a.csv", None),
        ("a.gz", None),
    ],
)
def test_detect_format(name, fmt):
    assert detect_format(Path(name)) == fmt


def test_null_text_column_in_the_first_block_reads_as_strings(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text('{"text": null, "n": 1}\n')
    assert peek_schema(path, "jsonl", {"text": pa.string()}).field("text").type == pa.string()


def test_a_column_that_appears_later_is_named_with_its_line(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text('{"text": "a"}\n{"text": "b", "extra": 1}\n')
    schema = pa.schema([("text", pa.string())])
    with pytest.raises(InputError, match=r"line 2: column 'extra' is not in the schema"):
        list(iter_file_batches(path, "jsonl", schema, 10))


def test_stored_rows_reads_metadata_and_leaves_json_lines_unknown(tmp_path):
    table = pa.table({"text": [f"t{i}" for i in range(7)]})
    pq.write_table(table, tmp_path / "a.parquet", row_group_size=3)
    with pa.ipc.new_file(str(tmp_path / "b.arrow"), table.schema) as writer:
        writer.write_table(table, max_chunksize=2)
    with pa.ipc.new_stream(str(tmp_path / "c.arrow"), table.schema) as writer:
        writer.write_table(table.slice(0, 5), max_chunksize=2)
    (tmp_path / "d.jsonl").write_text('{"text": "x"}\n')
    assert stored_rows(tmp_path / "a.parquet", "parquet") == 7
    assert stored_rows(tmp_path / "b.arrow", "arrow") == 7
    assert stored_rows(tmp_path / "c.arrow", "arrow") == 5
    assert stored_rows(tmp_path / "d.jsonl", "jsonl") is None
    (tmp_path / "e.parquet").write_text("not parquet")
    with pytest.raises(InputError, match=r"e\.parquet: cannot be read as parquet"):
        stored_rows(tmp_path / "e.parquet", "parquet")
