"""The output contract: OutputFolder's temporary folder and rename, conform, output_schemas,
manifest and load_result (dataprep.output)."""

from __future__ import annotations

import json

import pyarrow as pa
import pytest

from dataprep.errors import OutputError
from dataprep.io.readers import open_corpus
from dataprep.output import (
    OutputFolder,
    conform,
    load_result,
    manifest,
    output_schemas,
    write_json,
)


@pytest.fixture
def corpus(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text('{"text": "a b c", "n": 1}\n{"text": "d e", "n": 2}\n')
    return open_corpus([str(path)])


def test_start_on_a_fresh_folder_creates_the_tmp_folder_with_work(tmp_path):
    folder = OutputFolder(tmp_path / "out")
    assert folder.start({"x": 1}) is None
    assert folder.tmp_dir == tmp_path / ".out.dataprep-tmp"
    assert (folder.tmp_dir / "work").is_dir()
    assert folder.work_dir == folder.tmp_dir / "work"
    assert json.loads((folder.tmp_dir / "resume.json").read_text()) == {"x": 1}
    assert not (tmp_path / "out").exists()


def test_start_refuses_a_non_empty_out_dir_without_overwrite(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "something").write_text("x")
    with pytest.raises(OutputError, match="already exists and is not empty") as error:
        OutputFolder(out).start()
    assert str(out) in str(error.value)
    assert not (tmp_path / ".out.dataprep-tmp").exists()
    (out / "manifest.json").write_text("{}")
    with pytest.raises(OutputError, match="holds another run"):
        OutputFolder(out).start()
    assert OutputFolder(out, overwrite=True).start() is None


def test_an_empty_existing_out_dir_is_accepted(tmp_path):
    (tmp_path / "out").mkdir()
    assert OutputFolder(tmp_path / "out").start() is None


def test_finish_renames_into_place_and_drops_checkpoints_and_work(tmp_path):
    folder = OutputFolder(tmp_path / "out")
    folder.start({"x": 1})
    (folder.tmp_dir / "checkpoints" / "fit-0.json").write_text("{}")
    (folder.work_dir / "scratch").write_text("x")
    (folder.tmp_dir / "stats.json").write_text("{}")
    folder.finish()
    assert not folder.tmp_dir.exists()
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["stats.json"]


def test_finish_replaces_an_existing_out_dir(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "old").write_text("x")
    folder = OutputFolder(out, overwrite=True)
    folder.start()
    (folder.tmp_dir / "new").write_text("y")
    folder.finish()
    assert sorted(p.name for p in out.iterdir()) == ["new"]


def test_a_leftover_tmp_folder_is_replaced_on_a_fresh_start(tmp_path):
    tmp_dir = tmp_path / ".out.dataprep-tmp"
    tmp_dir.mkdir()
    (tmp_dir / "stale").write_text("x")
    (tmp_dir / "resume.json").write_text('{"old": true}')
    folder = OutputFolder(tmp_path / "out")
    assert folder.start({"new": 1}) is None
    assert not folder.resuming
    assert not (tmp_dir / "stale").exists()
    assert json.loads((tmp_dir / "resume.json").read_text()) == {"new": 1}


def test_resume_with_a_manifest_only_tmp_folder_renames_it(tmp_path):
    tmp_dir = tmp_path / ".out.dataprep-tmp"
    tmp_dir.mkdir()
    (tmp_dir / "manifest.json").write_text("{}")
    folder = OutputFolder(tmp_path / "out")
    assert folder.start({"x": 1}, resume=True) == tmp_path / "out"
    assert not tmp_dir.exists()
    assert (tmp_path / "out" / "manifest.json").read_text() == "{}"


def test_resume_refuses_a_changed_fingerprint(tmp_path):
    interrupted = OutputFolder(tmp_path / "out")
    interrupted.start({"batch_rows": 1})
    interrupted.release()  # the interrupted run has ended
    with pytest.raises(OutputError, match="cannot resume: the batch_rows changed: 1 -> 2"):
        OutputFolder(tmp_path / "out").start({"batch_rows": 2}, resume=True)


def test_discard_removes_the_tmp_folder(tmp_path):
    folder = OutputFolder(tmp_path / "out")
    folder.start({"x": 1})
    folder.discard()
    assert not folder.tmp_dir.exists()
    assert not (tmp_path / "out").exists()
    folder.discard()  # nothing left: no error


def test_conform_orders_columns_adds_nulls_and_casts():
    batch = pa.RecordBatch.from_pydict({"b": pa.array([1, 2], pa.int32()), "a": ["x", "y"]})
    schema = pa.schema([("a", pa.string()), ("b", pa.int64()), ("c", pa.float64())])
    result = conform(batch, schema)
    assert result.schema == schema
    assert result.to_pydict() == {"a": ["x", "y"], "b": [1, 2], "c": [None, None]}


def test_conform_drops_undeclared_columns():
    batch = pa.RecordBatch.from_pydict({"a": [1], "_dp_row": [0]})
    assert conform(batch, pa.schema([("a", pa.int64())])).schema.names == ["a"]


def test_output_schemas_kept_and_rejected_columns(corpus):
    kept, rejected = output_schemas(corpus, {"dp_score_x": pa.float64()})
    assert kept.names == ["text", "n", "id", "dp_score_x"]
    assert kept.field("id").type == pa.string()
    assert rejected.names == [
        "text",
        "n",
        "id",
        "dp_score_x",
        "dp_reject_stage",
        "dp_reject_reason",
    ]
    kept, rejected = output_schemas(corpus, {"dp_step": pa.int64()}, rejected_extra=False)
    assert kept.names == ["text", "n", "id", "dp_step"]
    assert rejected.names == ["text", "n", "id", "dp_reject_stage", "dp_reject_reason"]


def test_output_schemas_add_the_input_error_column_in_reject_mode(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text('{"text": "a"}\n')
    corpus = open_corpus([str(path)], on_error="reject")
    kept, rejected = output_schemas(corpus, {})
    assert "dp_input_error" not in kept.names
    assert rejected.names[-3:] == ["dp_reject_stage", "dp_reject_reason", "dp_input_error"]


def test_manifest_key_order(corpus):
    from dataprep import __version__

    result = manifest(
        corpus,
        {"command": "filter", "config": {"stages": []}},
        "stream",
        (1, [{"file": "d"}]),
        (1, []),
        {"rows_in": 2},
    )
    assert list(result) == [
        "dataprep_version",
        "command",
        "config",
        "text_column",
        "id_column",
        "ids_generated",
        "inputs",
        "shard_format",
        "data",
        "rejected",
        "rows_in",
    ]
    assert result["dataprep_version"] == __version__
    assert result["ids_generated"] is True
    assert result["data"] == {"rows": 1, "shards": [{"file": "d"}]}
    assert result["rejected"] == {"rows": 1, "shards": []}
    assert [i["file"] for i in result["inputs"]] == ["in.jsonl"]


def test_manifest_names_on_error_only_in_reject_mode(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text('{"text": "a"}\n')
    corpus = open_corpus([str(path)], on_error="reject")
    result = manifest(corpus, {}, "file", (0, []), (0, []), {})
    assert list(result).index("on_error") == list(result).index("ids_generated") + 1
    assert result["on_error"] == "reject"


def test_load_result_round_trips_stats_json(tmp_path):
    stage = {"rows_in": 5, "rows_rejected": 2, "reasons": {"short": 2}, "seconds": 0.5}
    stats = {
        "rows_in": 6,
        "rows_kept": 3,
        "rows_rejected": 3,
        "stages": {"length_filter": stage},
        "input": {"rows_in": 6, "rows_rejected": 1, "reasons": {"bad": 1}, "seconds": 0.0},
    }
    write_json(tmp_path / "stats.json", stats)
    result = load_result(tmp_path)
    assert (result.out_dir, result.rows_in, result.rows_kept, result.rows_rejected) == (
        tmp_path,
        6,
        3,
        3,
    )
    [only] = result.stages
    assert (only.name, only.rows_in, only.rows_rejected, dict(only.reasons)) == (
        "length_filter",
        5,
        2,
        {"short": 2},
    )
    assert only.seconds == 0.5
    assert result.input.name == "input"
    assert dict(result.input.reasons) == {"bad": 1}
    del stats["input"]
    write_json(tmp_path / "stats.json", stats)
    assert load_result(tmp_path).input is None


def test_a_folder_is_locked_from_start_to_release(tmp_path):
    first = OutputFolder(tmp_path / "out")
    first.start({"x": 1})
    with pytest.raises(OutputError, match="another dataprep run"):
        OutputFolder(tmp_path / "out").start({"x": 1}, resume=True)
    assert first.tmp_dir.exists()  # the refused run touched nothing
    first.release()
    second = OutputFolder(tmp_path / "out")
    assert second.start({"x": 1}, resume=True) is None and second.resuming
    second.release()


def test_a_start_that_fails_releases_the_lock(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "f").write_text("x")
    with pytest.raises(OutputError, match="not empty"):
        OutputFolder(tmp_path / "out").start()
    assert not (tmp_path / ".out.dataprep-lock").exists()
