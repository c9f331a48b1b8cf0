import gzip
import json

import pyarrow as pa
import pytest

from dataprep.io import jsonl

SCHEMA = pa.schema([("text", pa.string()), ("n", pa.int64())])


def test_blocks_end_at_line_breaks_and_count_lines(tmp_path, monkeypatch):
    monkeypatch.setattr(jsonl, "JSON_BLOCK_BYTES", 40)
    lines = [json.dumps({"text": "x" * i, "n": i}) for i in range(30)]
    path = tmp_path / "a.jsonl.gz"
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    blocks = list(jsonl.iter_blocks(path))
    assert b"".join(block for block, _, _ in blocks).decode().splitlines() == lines
    assert all(block.endswith(b"\n") for block, _, _ in blocks)
    assert [first for _, first, _ in blocks] == sorted({first for _, first, _ in blocks})
    assert blocks[0][1] == 1


def test_a_line_longer_than_a_block_is_read_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(jsonl, "JSON_BLOCK_BYTES", 16)
    monkeypatch.setattr(jsonl, "READ_BYTES", 16)
    path = tmp_path / "a.jsonl"
    path.write_text('{"text": "short"}\n{"text": "' + "y" * 500 + '"}\n')
    texts = [
        row["text"]
        for block, first, _ in jsonl.iter_blocks(path)
        for row in jsonl.read_chunk(block, first, SCHEMA, "text", None).batch.to_pylist()
    ]
    assert texts == ["short", "y" * 500]


def test_fast_and_slow_paths_read_good_rows_identically():
    good = b'{"text": "a", "n": 1}\n\n{"text": "b", "n": 2}\n'
    fast = jsonl.read_chunk(good, 1, SCHEMA, "text", None)
    assert fast.bad == [] and fast.batch.to_pylist() == [
        {"text": "a", "n": 1},
        {"text": "b", "n": 2},
    ]
    assert [fast.line_of(i) for i in range(2)] == [1, 3]  # a blank line is skipped
    slow = jsonl.read_chunk(good + b'{"text": "c", "n": "x"}\n', 1, SCHEMA, "text", None)
    assert slow.batch.slice(0, 2).to_pylist() == fast.batch.to_pylist()
    assert [(b.kind, b.line, b.position) for b in slow.bad] == [("schema_drift", 4, 2)]
    assert "column 'n' does not hold int64" in slow.bad[0].message


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        (b"{nope", "not_json"),
        (b'{"text": NaN}', "not_json"),
        (b'"just a string"', "not_json"),
        (b'{"text": "\xff"}', "invalid_utf8"),
        (b'{"text": ["a"]}', "non_string_text"),
        (b'{"text": "a", "z": 1}', "schema_drift"),
    ],
)
def test_slow_path_kinds(line, kind):
    chunk = jsonl.read_chunk(b'{"text": "ok", "n": 1}\n' + line + b"\n", 10, SCHEMA, "text", None)
    assert [(b.kind, b.line) for b in chunk.bad] == [(kind, 11)]
    assert chunk.batch.column("text").to_pylist() == [
        "ok",
        line.decode("utf-8", errors="replace"),
    ]


def test_infer_schema_ignores_odd_text_values(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text('{"text": 5, "n": 1}\n{"text": false, "n": 2}\n')
    assert jsonl.infer_schema(path, "text").field("n").type == pa.int64()
    (tmp_path / "empty.jsonl").write_text("\n  \n")
    assert jsonl.infer_schema(tmp_path / "empty.jsonl", "text") is None
