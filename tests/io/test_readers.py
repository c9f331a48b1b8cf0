import gzip
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard

from dataprep.errors import InputError
from dataprep.io.readers import open_corpus
from dataprep.stage import ROW_COLUMN

RECORDS = [{"text": f"document {i}", "n": i} for i in range(25)]


def write_jsonl(path, records, opener=open):
    with opener(path, "wt", encoding="utf-8") as f:
        for record in records:
            f.write(json.dumps(record) + "\n")
    return path


def read_all(corpus):
    return pa.Table.from_batches(list(corpus.iter_batches()))


def test_every_format_reads_the_same_rows(tmp_path):
    table = pa.Table.from_pylist(RECORDS)
    write_jsonl(tmp_path / "a.jsonl", RECORDS)
    write_jsonl(tmp_path / "b.jsonl.gz", RECORDS, gzip.open)
    with (
        open(tmp_path / "c.jsonl.zst", "wb") as raw,
        zstandard.ZstdCompressor().stream_writer(raw) as f,
    ):
        f.write("".join(json.dumps(r) + "\n" for r in RECORDS).encode())
    pq.write_table(table, tmp_path / "d.parquet")
    with pa.OSFile(str(tmp_path / "e.arrow"), "wb") as f, pa.ipc.new_file(f, table.schema) as w:
        w.write_table(table)
    with pa.OSFile(str(tmp_path / "f.arrow"), "wb") as f, pa.ipc.new_stream(f, table.schema) as w:
        w.write_table(table)
    for name in ["a.jsonl", "b.jsonl.gz", "c.jsonl.zst", "d.parquet", "e.arrow", "f.arrow"]:
        corpus = open_corpus([str(tmp_path / name)], batch_rows=10)
        batches = list(corpus.iter_batches())
        assert [b.num_rows for b in batches] == [10, 10, 5], name
        got = pa.Table.from_batches(batches)
        assert got.column("text").to_pylist() == [r["text"] for r in RECORDS], name
        assert got.column("id").to_pylist() == [f"{name}:{i}" for i in range(25)], name


def test_saved_hf_dataset_folder(tmp_path):
    datasets = pytest.importorskip("datasets")
    datasets.Dataset.from_list(RECORDS).save_to_disk(str(tmp_path / "saved"))
    got = read_all(open_corpus([str(tmp_path / "saved")]))
    assert got.column("n").to_pylist() == list(range(25))


def test_directory_and_glob_inputs_are_one_corpus_with_global_row_numbers(tmp_path):
    (tmp_path / "sub").mkdir()
    write_jsonl(tmp_path / "sub" / "x.jsonl", RECORDS[:5])
    write_jsonl(tmp_path / "y.jsonl", RECORDS[5:])
    (tmp_path / "notes.txt").write_text("ignored")
    with pytest.warns(UserWarning, match="notes.txt: not a JSONL, Parquet or Arrow file"):
        got = read_all(open_corpus([str(tmp_path)]))
    assert got.column(ROW_COLUMN).to_pylist() == list(range(25))
    assert got.column("id").to_pylist()[:1] == ["sub/x.jsonl:0"]
    assert got.column("id").to_pylist()[5] == "y.jsonl:0"
    globbed = read_all(open_corpus([str(tmp_path / "**" / "*.jsonl")]))
    assert globbed.num_rows == 25


def test_existing_id_column_is_kept(tmp_path):
    write_jsonl(tmp_path / "a.jsonl", [{"text": "t", "doc_id": "abc"}])
    corpus = open_corpus([str(tmp_path / "a.jsonl")], id_column="doc_id")
    assert not corpus.generate_ids
    assert read_all(corpus).column("doc_id").to_pylist() == ["abc"]


def test_missing_text_column_lists_the_columns(tmp_path):
    write_jsonl(tmp_path / "a.jsonl", [{"body": "t", "n": 1}])
    with pytest.raises(InputError, match=r"no text column 'text'; the columns are body, n"):
        open_corpus([str(tmp_path / "a.jsonl")])


def test_non_string_text_column_is_refused(tmp_path):
    write_jsonl(tmp_path / "a.jsonl", [{"text": 5}])
    with pytest.raises(InputError, match=r"a.jsonl:line 1: column 'text' holds int, expected a s"):
        read_all(open_corpus([str(tmp_path / "a.jsonl")]))
    pq.write_table(pa.table({"text": [5]}), tmp_path / "a.parquet")
    with pytest.raises(InputError, match="holds int64, expected strings"):
        open_corpus([str(tmp_path / "a.parquet")])


def test_bad_json_line_names_file_and_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "ok"}\n{"text": "fine"}\n{"text": broken}\n')
    with pytest.raises(InputError, match=r"bad.jsonl:line 3: not valid JSON"):
        read_all(open_corpus([str(path)]))


def test_inputs_with_different_columns_are_refused(tmp_path):
    write_jsonl(tmp_path / "a.jsonl", [{"text": "t", "n": 1}])
    write_jsonl(tmp_path / "b.jsonl", [{"text": "t", "m": 1}])
    with pytest.raises(
        InputError, match=r"b.jsonl: columns differ .*missing: \['n'\]; extra: \['m'\]"
    ):
        open_corpus([str(tmp_path / "a.jsonl"), str(tmp_path / "b.jsonl")])


def test_compatible_types_are_unified(tmp_path):
    write_jsonl(tmp_path / "a.jsonl", [{"text": "t", "n": 1}])
    write_jsonl(tmp_path / "b.jsonl", [{"text": "t", "n": 1.5}])
    got = read_all(open_corpus([str(tmp_path / "a.jsonl"), str(tmp_path / "b.jsonl")]))
    assert got.column("n").to_pylist() == [1.0, 1.5]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: None, "no such file or directory"),
        (lambda p: p.write_text("x"), "unsupported file type"),
    ],
)
def test_unreadable_inputs(tmp_path, make, message):
    path = tmp_path / "input.txt"
    make(path)
    with pytest.raises(InputError, match=message):
        open_corpus([str(path)])


def test_empty_json_file_is_a_clear_error(tmp_path):
    (tmp_path / "empty.jsonl").write_text("")
    with pytest.raises(InputError, match=r"empty\.jsonl: the file is empty"):
        open_corpus([str(tmp_path / "empty.jsonl")])


def test_files_an_input_folder_holds_but_cannot_read_are_warned_about(tmp_path):
    write_jsonl(tmp_path / "docs.jsonl", RECORDS[:3])
    (tmp_path / "table.csv").write_text("text\nnot read\n")
    (tmp_path / ".hidden.jsonl").write_text("{}\n")
    with pytest.warns(UserWarning, match=r"table\.csv: not a JSONL, Parquet or Arrow file"):
        corpus = open_corpus([str(tmp_path)])
    assert read_all(corpus).num_rows == 3
    assert corpus.warnings == [
        f"{tmp_path / 'table.csv'}: not a JSONL, Parquet or Arrow file; not read"
    ]


def test_a_saved_dataset_inside_an_input_folder_is_read_as_one(tmp_path):
    datasets = pytest.importorskip("datasets")
    write_jsonl(tmp_path / "a.jsonl", RECORDS[:2])
    datasets.Dataset.from_list(RECORDS[2:5]).save_to_disk(str(tmp_path / "saved"))
    corpus = open_corpus([str(tmp_path)])  # no "columns differ" from dataset_info.json
    assert read_all(corpus).column("n").to_pylist() == [0, 1, 2, 3, 4]
    assert corpus.warnings == []


def test_dataprep_output_is_never_read_back_as_input(tmp_path):
    from dataprep.pipeline import Pipeline
    from dataprep.quality.simple import LengthFilter

    write_jsonl(tmp_path / "in" / "a.jsonl", RECORDS[:4]) if (
        tmp_path / "in"
    ).mkdir() is None else None
    Pipeline([LengthFilter()]).run([str(tmp_path / "in")], tmp_path / "in" / "out")
    with pytest.raises(InputError, match=r"out: is a dataprep output folder; pass .*out/data"):
        open_corpus([str(tmp_path / "in" / "out")])
    with pytest.warns(UserWarning, match=r"out: a dataprep output folder; not read"):
        corpus = open_corpus([str(tmp_path / "in")])  # OUT was written inside the input
    assert read_all(corpus).num_rows == 4
    assert read_all(open_corpus([str(tmp_path / "in" / "out" / "data")])).num_rows == 4


def test_the_run_records_what_it_did_not_read(tmp_path):
    import json as json_module

    from dataprep.pipeline import Pipeline
    from dataprep.quality.simple import LengthFilter

    (tmp_path / "in").mkdir()
    write_jsonl(tmp_path / "in" / "a.jsonl", RECORDS[:2])
    (tmp_path / "in" / "b.csv").write_text("text\nx\n")
    with pytest.warns(UserWarning):
        Pipeline([LengthFilter()]).run([str(tmp_path / "in")], tmp_path / "run_out")
    for name in ("stats.json", "manifest.json"):
        document = json_module.loads((tmp_path / "run_out" / name).read_text())
        assert len(document["input_warnings"]) == 1
        assert "b.csv: not a JSONL" in document["input_warnings"][0]


def test_stored_rows_is_the_total_only_when_every_file_knows_its_rows(tmp_path):
    table = pa.Table.from_pylist(RECORDS)
    pq.write_table(table, tmp_path / "a.parquet")
    with pa.ipc.new_file(str(tmp_path / "b.arrow"), table.schema) as writer:
        writer.write_table(table.slice(0, 10))
    write_jsonl(tmp_path / "c.jsonl", RECORDS[:3])
    both = open_corpus([str(tmp_path / "a.parquet"), str(tmp_path / "b.arrow")])
    assert both.stored_rows() == 35 == read_all(both).num_rows
    mixed = open_corpus([str(tmp_path / "a.parquet"), str(tmp_path / "c.jsonl")])
    assert mixed.stored_rows() is None
