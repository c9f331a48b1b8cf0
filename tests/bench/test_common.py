"""The bench harnesses' shared helpers: reading small JSONL inputs, the embedding column, fitting
a stage in memory and writing results.json / report.md."""

import gzip
import json

import numpy as np
import pyarrow as pa
import pytest

from dataprep.bench.common import embedding_array, fit_in_memory, read_records, write_results
from dataprep.errors import ConfigError
from dataprep.stage import RunContext

RECORDS = [{"text": "a", "label": 0, "extra": 1}, {"text": "b", "label": 1}]


def _lines(records):
    return "".join(json.dumps(r) + "\n" for r in records)


def test_read_records_plain_and_gzip_keep_only_the_fields_asked_for(tmp_path):
    plain = tmp_path / "r.jsonl"
    plain.write_text(_lines(RECORDS) + "\n   \n")  # blank lines are skipped
    packed = tmp_path / "r.jsonl.gz"
    packed.write_bytes(gzip.compress(_lines(RECORDS).encode()))
    for path in (plain, packed):
        assert read_records(path, None) == RECORDS
        assert read_records(str(path), ["label"]) == [{"label": 0}, {"label": 1}]
        # a field only the first record has reads as None in the others
        assert read_records(path, ["extra", "text"]) == [
            {"extra": 1, "text": "a"},
            {"extra": None, "text": "b"},
        ]


def test_read_records_errors_are_one_sentence(tmp_path):
    missing = tmp_path / "missing.jsonl"
    with pytest.raises(ConfigError, match=r"missing\.jsonl: no such file\.$"):
        read_records(missing, None)
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n\n")
    with pytest.raises(ConfigError, match=r"empty\.jsonl: no records\.$"):
        read_records(empty, None)
    path = tmp_path / "r.jsonl"
    path.write_text(_lines(RECORDS))
    with pytest.raises(ConfigError) as error:
        read_records(path, ["text", "topic"])
    assert str(error.value) == f"{path}: no field 'topic'; the fields are text, label, extra."


def test_embedding_array_is_one_list_per_row():
    column = embedding_array(np.array([[1, 2], [3, 4], [5, 6]], np.float64))
    assert column.type == pa.list_(pa.float32())
    assert column.to_pylist() == [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]


class RecordingStage:
    """Records what fit_in_memory calls, in order."""

    def __init__(self):
        self.calls = []

    def check_params(self):
        self.calls.append("check_params")

    def bind(self, context):
        self.calls.append(("bind", type(context), context.work_dir))

    def fit_state(self, batch):
        self.calls.append(("fit_state", batch.num_rows, batch.schema.names))
        return "state"

    def fit(self, states):
        self.calls.append(("fit", states))


def test_fit_in_memory_checks_binds_and_fits_one_batch(tmp_path):
    stage = RecordingStage()
    columns = {"a": pa.array([1, 2, 3]), "b": pa.array(["x", "y", "z"])}
    assert fit_in_memory(stage, columns, tmp_path) is stage
    assert stage.calls == [
        "check_params",
        ("bind", RunContext, tmp_path),
        ("fit_state", 3, ["a", "b"]),
        ("fit", ["state"]),
    ]
    assert fit_in_memory(RecordingStage(), columns).calls[1] == ("bind", RunContext, None)


def test_write_results_writes_json_with_the_indent_and_the_report(tmp_path):
    out = tmp_path / "new" / "out"
    write_results(out, {"a": [1]}, "# Report\n")
    assert (out / "results.json").read_text() == '{\n "a": [\n  1\n ]\n}\n'
    assert (out / "report.md").read_text() == "# Report\n"
    write_results(out, {"a": [1]}, "", indent=2)
    assert (out / "results.json").read_text() == '{\n  "a": [\n    1\n  ]\n}\n'
