from pathlib import Path

import pyarrow as pa
import pytest

from dataprep.errors import InputError
from dataprep.io.formats import detect_format, iter_file_batches, peek_schema


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
