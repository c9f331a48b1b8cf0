"""Every kind of bad input: a one-line error naming file, line or row and column (fail), or a
rejected row with reason bad_input_<kind> and nothing else lost (reject)."""

import gzip
import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from dataprep.cli import main
from dataprep.errors import InputError
from dataprep.io.bad_input import SeenIds, row_problems
from dataprep.io.readers import open_corpus
from dataprep.stage import REJECT_REASON, REJECT_STAGE

GOOD = [json.dumps({"text": f"document number {i}"}).encode() for i in range(4)]


def write_lines(path, lines, opener=open):
    with opener(path, "wb") as f:
        f.write(b"\n".join(lines) + b"\n")
    return path


def read(path, **options):
    corpus = open_corpus([str(path)], **options)
    return pa.Table.from_batches(list(corpus.iter_batches()))


CASES = [
    ("not_json", b'{"text": broken}', r"line 3: not valid JSON"),
    ("not_json", b"[1, 2]", r"line 3: expected a JSON object, got list"),
    ("invalid_utf8", b'{"text": "caf\xe9"}', r"line 3: invalid UTF-8 bytes"),
    ("null_text", b'{"text": null}', r"line 3: column 'text' is null"),
    ("empty_text", b'{"text": ""}', r"line 3: column 'text' is empty"),
    ("non_string_text", b'{"text": 5}', r"line 3: column 'text' holds int, expected a string"),
    ("schema_drift", b'{"text": "x", "extra": 1}', r"line 3: column 'extra' is not in the schema"),
]


@pytest.fixture
def small_blocks(monkeypatch):
    """Blocks of about two lines: the schema comes from lines 1-2, bad lines are read later."""
    from dataprep.io import jsonl

    monkeypatch.setattr(jsonl, "JSON_BLOCK_BYTES", 64)


@pytest.mark.parametrize(("kind", "line", "message"), CASES)
def test_each_bad_line_fails_with_file_line_and_column(tmp_path, small_blocks, kind, line, message):
    path = write_lines(tmp_path / "in.jsonl", [*GOOD[:2], line, *GOOD[2:]])
    with pytest.raises(InputError, match=rf"in\.jsonl:{message}.*RunSettings\(on_error='reject'\)"):
        read(path)


@pytest.mark.parametrize(("kind", "line", "message"), CASES)
def test_each_bad_line_is_rejected_and_nothing_else_is_lost(
    tmp_path, small_blocks, kind, line, message
):
    path = write_lines(tmp_path / "in.jsonl", [*GOOD[:2], line, *GOOD[2:]])
    table = read(path, on_error="reject")
    assert table.num_rows == 5
    assert table.column(REJECT_REASON).to_pylist() == [None, None, f"bad_input_{kind}", None, None]
    assert table.column(REJECT_STAGE).to_pylist()[2] == "input"
    assert table.column("id").to_pylist() == [f"in.jsonl:{i}" for i in range(5)]
    assert table.column("text").to_pylist()[3] == "document number 2"
    error = table.column("dp_input_error").to_pylist()[2]
    assert error.startswith("in.jsonl:line 3: ")
    if kind in ("not_json", "invalid_utf8", "non_string_text", "schema_drift"):
        # what could be read of it is kept: the raw line
        assert table.column("text").to_pylist()[2] == line.decode("utf-8", errors="replace")


def test_a_missing_text_column_lists_the_columns_in_one_cli_line(tmp_path):
    path = write_lines(tmp_path / "in.jsonl", [b'{"body": "x", "n": 1}'])
    result = CliRunner().invoke(main, ["filter", str(path), "-o", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert "no text column 'text'; the columns are body, n" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_a_10_mb_document_is_too_long(tmp_path):
    huge = json.dumps({"text": "word " * (2 << 20)}).encode()  # 10 MiB
    path = write_lines(tmp_path / "in.jsonl", [GOOD[0], huge, GOOD[1]])
    with pytest.raises(InputError, match=r"in\.jsonl:line 2: column 'text' holds 10,485,760 b"):
        read(path)
    table = read(path, on_error="reject")
    assert table.column(REJECT_REASON).to_pylist() == [None, "bad_input_too_long", None]
    assert len(table.column("text")[1].as_py()) == 10 << 20  # kept whole in rejected
    assert read(path, max_text_bytes=11 << 20).num_rows == 3


def test_duplicate_ids_name_both_places_or_reject_the_later(tmp_path):
    lines = [json.dumps({"id": i, "text": "t"}).encode() for i in ["a", "b", "a", "c"]]
    path = write_lines(tmp_path / "in.jsonl", lines)
    with pytest.raises(
        InputError,
        match=r"in\.jsonl:line 3: id 'a' in column 'id' repeats the id"
        r" at in\.jsonl:line 1",
    ):
        read(path)
    table = read(path, on_error="reject")
    assert table.column(REJECT_REASON).to_pylist() == [None, None, "bad_input_duplicate_id", None]
    pq.write_table(pa.table({"id": [1, 2, 3, 2], "text": ["x"] * 4}), tmp_path / "p.parquet")
    with pytest.raises(InputError, match=r"p\.parquet:row 3: id 2 .* at p\.parquet:row 1"):
        read(tmp_path / "p.parquet")


def test_schema_drift_between_files(tmp_path):
    write_lines(tmp_path / "a.jsonl", [b'{"text": "x", "n": 1}'])
    write_lines(tmp_path / "b.jsonl", [b'{"text": "y", "m": 2}', b'{"text": "z", "m": 3}'])
    paths = [str(tmp_path / "a.jsonl"), str(tmp_path / "b.jsonl")]
    with pytest.raises(InputError, match=r"b\.jsonl: columns differ"):
        open_corpus(paths)
    table = pa.Table.from_batches(list(open_corpus(paths, on_error="reject").iter_batches()))
    assert table.column(REJECT_REASON).to_pylist() == [None, *["bad_input_schema_drift"] * 2]
    assert json.loads(table.column("text")[1].as_py()) == {"m": 2, "text": "y"}


def test_an_empty_file_fails_or_is_skipped_with_a_warning(tmp_path):
    (tmp_path / "empty.jsonl").write_text("")
    write_lines(tmp_path / "full.jsonl", GOOD)
    paths = [str(tmp_path / "empty.jsonl"), str(tmp_path / "full.jsonl")]
    with pytest.raises(InputError, match=r"empty\.jsonl: the file is empty"):
        open_corpus(paths)
    with pytest.warns(UserWarning, match="empty"):
        corpus = open_corpus(paths, on_error="reject")
    assert corpus.warnings == ["empty.jsonl: the file is empty; skipped"]
    assert sum(b.num_rows for b in corpus.iter_batches()) == 4


@pytest.mark.parametrize("suffix", [".gz", ".zst"])
def test_a_truncated_compressed_file_names_the_last_good_line(tmp_path, suffix):
    lines = [json.dumps({"text": f"line {i} " + "x" * 50}).encode() for i in range(20000)]
    data = b"\n".join(lines) + b"\n"
    if suffix == ".gz":
        packed = gzip.compress(data)
    else:
        import zstandard

        packed = zstandard.ZstdCompressor().compress(data)
    path = tmp_path / f"in.jsonl{suffix}"
    path.write_bytes(packed[: len(packed) // 2])
    with pytest.raises(
        InputError,
        match=r"in\.jsonl\.\w+:line \d+: the compressed stream ends ea"
        r"rly .*the last complete line is line \d+",
    ):
        read(path)
    table = read(path, on_error="reject")
    reasons = table.column(REJECT_REASON).to_pylist()
    assert reasons[-1] == "bad_input_truncated" and set(reasons[:-1]) == {None}
    assert table.num_rows > 1000  # the rows read so far are kept
    assert table.column("text").to_pylist()[:-1] == [
        json.loads(line)["text"] for line in lines[: table.num_rows - 1]
    ]


def test_output_folder_holding_another_run_and_unwritable_output(tmp_path):
    path = write_lines(tmp_path / "in.jsonl", GOOD)
    runner = CliRunner()
    assert (
        runner.invoke(main, ["filter", str(path), "-o", str(tmp_path / "o"), "-q"]).exit_code == 0
    )
    again = runner.invoke(main, ["filter", str(path), "-o", str(tmp_path / "o")])
    assert again.exit_code == 1
    assert "already exists and holds another run; choose another -o or pass --overwrite" in (
        again.output
    )
    (tmp_path / "file").write_text("x")
    bad = runner.invoke(main, ["filter", str(path), "-o", str(tmp_path / "file" / "o")])
    assert bad.exit_code == 1 and "cannot be written" in bad.output
    assert len(bad.output.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("recipe", "message"),
    [
        ("stages: [exact_dedup]\nbatch_rows: many\n", "'batch_rows' must be a positive integer"),
        ("stages: [exact_dedup]\non_error: ignore\n", "'on_error' must be 'fail' or 'reject'"),
        ("stages: [exact_dedup]\nbatchrows: 5\n", "unknown key 'batchrows'. Did you mean"),
        ("stages:\n  - minhash_dedup: {threshold: high}\n", "threshold"),
    ],
)
def test_config_with_wrong_types_or_unknown_keys(tmp_path, recipe, message):
    path = write_lines(tmp_path / "in.jsonl", GOOD)
    (tmp_path / "r.yaml").write_text(recipe)
    args = ["filter", str(path), "-o", str(tmp_path / "o"), "-c", str(tmp_path / "r.yaml")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1 and message in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_reject_mode_end_to_end_counts_bad_input(tmp_path):
    lines = [*GOOD, b"{oops", b'{"text": null}']
    path = write_lines(tmp_path / "in.jsonl", lines)
    out = tmp_path / "o"
    result = CliRunner().invoke(
        main,
        [
            "filter",
            str(path),
            "-o",
            str(out),
            "-c",
            "configs/filter/dedup.yaml",
            "--on-error",
            "reject",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "2 bad input records rejected" in result.output
    stats = json.loads((out / "stats.json").read_text())
    assert stats["input"]["reasons"] == {"bad_input_not_json": 1, "bad_input_null_text": 1}
    assert stats["rows_in"] == 6 == stats["rows_kept"] + stats["rows_rejected"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["rows_in"] == 6 and manifest["on_error"] == "reject"


def test_row_problems_and_seen_ids_units():
    batch = pa.RecordBatch.from_pylist([{"text": "ok"}, {"text": None}, {"text": ""}])
    kinds = [kind for _, kind, _ in row_problems(batch, "text", 10, set())]
    assert kinds == ["null_text", "empty_text"]
    seen = SeenIds(capacity=4)
    ids = pa.array([f"id{i}" for i in range(1000)] + ["id5", None, None])
    earlier = seen.add(ids, np.arange(1003), np.zeros(1003, bool))
    assert np.flatnonzero(earlier >= 0).tolist() == [1000] and earlier[1000] == 5
