"""Reading on Ray: global row numbers over several files, and ids repeated across files."""

from __future__ import annotations

import json

import numpy as np
import pytest

from dataprep.errors import InputError
from dataprep.io.readers import open_corpus
from dataprep.runners.ray_read import read_corpus

pytestmark = pytest.mark.slow


def _write(path, ids):
    path.write_text("".join(json.dumps({"id": i, "text": f"text of {i}"}) + "\n" for i in ids))
    return str(path)


def test_row_numbers_and_ids_equal_the_local_reader(ray_cluster, tmp_path):
    inputs = [
        _write(tmp_path / "a.jsonl", [f"a{i}" for i in range(5)]),
        _write(tmp_path / "b.jsonl", [f"b{i}" for i in range(3)]),
        _write(tmp_path / "c.jsonl", [f"c{i}" for i in range(4)]),
    ]
    corpus = open_corpus(inputs, batch_rows=2)
    rows = read_corpus(corpus, ray_cluster).take_all()
    assert [r["_dp_row"] for r in rows] == list(range(12))
    local = [r for b in corpus.iter_batches() for r in b.to_pylist()]
    assert [r["id"] for r in rows] == [r["id"] for r in local]


def test_an_id_repeated_in_a_later_file_fails_naming_both(ray_cluster, tmp_path):
    inputs = [
        _write(tmp_path / "a.jsonl", ["x", "y", "z"]),
        _write(tmp_path / "b.jsonl", ["p", "y"]),
    ]
    corpus = open_corpus(inputs)
    with pytest.raises(InputError) as error:
        read_corpus(corpus, ray_cluster)
    repeat = f"{tmp_path / 'b.jsonl'}:row 1: id 'y' in column 'id' repeats the id at a.jsonl:row 1"
    assert str(error.value) == (
        f"{repeat} (pass RunSettings(on_error='reject') to keep going and reject such rows)"
    )
    assert (
        error.value.for_cli()
        == f"{repeat} (pass --on-error reject to keep going and reject such rows)"
    )


def test_reject_mode_keeps_the_first_occurrence(ray_cluster, tmp_path):
    inputs = [
        _write(tmp_path / "a.jsonl", ["x", "y"]),
        _write(tmp_path / "b.jsonl", ["y", "q"]),
        _write(tmp_path / "c.jsonl", ["x", "y"]),
    ]
    corpus = open_corpus(inputs, on_error="reject")
    rows = read_corpus(corpus, ray_cluster).take_all()
    rejected = {r["_dp_row"]: r["dp_input_error"] for r in rows if r["dp_reject_stage"]}
    assert rejected == {
        2: "b.jsonl:row 0: id 'y' in column 'id' repeats the id at a.jsonl:row 1",
        4: "c.jsonl:row 0: id 'x' in column 'id' repeats the id at a.jsonl:row 0",
        5: "c.jsonl:row 1: id 'y' in column 'id' repeats the id at a.jsonl:row 1",
    }
    assert {r["dp_reject_reason"] for r in rows if r["dp_reject_stage"]} == {
        "bad_input_duplicate_id"
    }
    assert np.array_equal(sorted(r["_dp_row"] for r in rows), np.arange(6))


def test_a_bad_record_fails_with_the_local_message(ray_cluster, tmp_path):
    good = _write(tmp_path / "a.jsonl", ["x"])
    bad = tmp_path / "b.jsonl"
    bad.write_text('{"id": "q", "text": "fine"}\n{"id": "r", "text": \n')
    corpus = open_corpus([good, str(bad)])
    with pytest.raises(InputError) as ray_error:
        read_corpus(corpus, ray_cluster)
    with pytest.raises(InputError) as local_error:
        list(corpus.iter_batches())
    assert str(ray_error.value) == str(local_error.value)
    assert "b.jsonl:line 2" in str(ray_error.value)
