"""``--columns`` / ``RunSettings(columns=...)``: inputs whose columns differ read as one corpus,
the listed columns kept in the order listed, the others dropped before anything else
(dataprep.io.columns), for filter, score and schedule, from the CLI and from Python."""

import glob
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from dataprep.cli import main
from dataprep.dedup.exact import ExactDedup
from dataprep.errors import ConfigError, InputError, OutputError
from dataprep.io.readers import open_corpus
from dataprep.pipeline import Pipeline
from dataprep.schedule.curriculum import Curriculum
from dataprep.schedule.run import ScheduleRun
from dataprep.settings import RunSettings

EXACT = "stages:\n  - exact_dedup: {}\n"


def write_jsonl(path: Path, records: list[dict]) -> str:
    path.write_text("".join(json.dumps(record) + "\n" for record in records))
    return str(path)


def read_output(folder: Path, part: str) -> list[dict]:
    files = sorted(glob.glob(str(folder / part / "*.arrow")))
    return pa.concat_tables([pa.ipc.open_stream(f).read_all() for f in files]).to_pylist()


@pytest.fixture
def differing(tmp_path) -> list[str]:
    """Three inputs whose columns differ: a.jsonl (id, text, meta), b.jsonl (id, text, lang;
    its b1 repeats a1's text) and c.parquet (text, id, score)."""
    a = write_jsonl(
        tmp_path / "a.jsonl",
        [{"id": "a1", "text": "alpha one", "meta": 1}, {"id": "a2", "text": "beta two", "meta": 2}],
    )
    b = write_jsonl(
        tmp_path / "b.jsonl",
        [
            {"id": "b1", "text": "alpha one", "lang": "en"},
            {"id": "b2", "text": "gamma three", "lang": "fr"},
        ],
    )
    table = pa.table({"text": ["delta four"], "id": ["c1"], "score": [0.5]})
    pq.write_table(table, tmp_path / "c.parquet")
    return [a, b, str(tmp_path / "c.parquet")]


def run_cli(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_filter_keeps_the_listed_columns_in_their_order_and_the_manifest_says_so(
    tmp_path, differing
):
    recipe = tmp_path / "exact.yaml"
    recipe.write_text(EXACT)
    out = tmp_path / "out"
    result = run_cli("filter", *differing, "-o", out, "-c", recipe, "--columns", "text,id", "-q")
    assert result.exit_code == 0, result.output
    assert read_output(out, "data") == [
        {"text": "alpha one", "id": "a1", "dp_dup_cluster": 0},
        {"text": "beta two", "id": "a2", "dp_dup_cluster": None},
        {"text": "gamma three", "id": "b2", "dp_dup_cluster": None},
        {"text": "delta four", "id": "c1", "dp_dup_cluster": None},
    ]
    rejected = read_output(out, "rejected")
    assert [(r["id"], r["text"], r["dp_reject_stage"]) for r in rejected] == [
        ("b1", "alpha one", "exact_dedup")
    ]
    assert "meta" not in rejected[0] and "lang" not in rejected[0]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["columns"] == ["text", "id"]
    assert manifest["ids_generated"] is False


def test_without_columns_the_error_names_the_differing_columns_and_suggests_columns(
    tmp_path, differing
):
    result = run_cli("filter", *differing[:2], "-o", tmp_path / "out")
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {differing[1]}: columns differ from a.jsonl (missing: ['meta']; extra: "
        "['lang']); to keep only the columns every input has, pass --columns id,text\n"
    )
    with pytest.raises(InputError) as error:
        Pipeline([ExactDedup()]).run(differing[:2], tmp_path / "out")
    assert str(error.value).endswith("pass RunSettings(columns=['id', 'text'])")


def test_a_shared_column_whose_types_differ_is_not_suggested(tmp_path):
    a = write_jsonl(tmp_path / "a.jsonl", [{"id": "a", "text": "one", "n": 1}])
    b = write_jsonl(tmp_path / "b.jsonl", [{"id": "b", "text": "two", "n": "x", "m": 0}])
    with pytest.raises(InputError, match=r"pass RunSettings\(columns=\['id', 'text'\]\)$"):
        open_corpus([a, b])


def test_a_listed_column_missing_from_a_file_is_one_line_naming_file_and_column(
    tmp_path, differing
):
    result = run_cli("filter", *differing, "-o", tmp_path / "out", "--columns", "id,text,lang")
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {differing[0]}: no column 'lang', which --columns keeps; the file's columns "
        "are id, text, meta\n"
    )
    with pytest.raises(
        InputError, match=r"c\.parquet: no column 'lang', which RunSettings\.columns keeps"
    ):
        open_corpus(differing[1:], columns=["id", "text", "lang"])
    assert not (tmp_path / "out").exists()


def test_the_text_column_must_be_kept(tmp_path, differing):
    result = run_cli("filter", *differing, "-o", tmp_path / "out", "--columns", "id")
    assert result.output == "Error: --columns id does not keep the text column 'text'; add it\n"


def test_without_the_id_column_ids_are_generated(tmp_path, differing):
    corpus = open_corpus(differing, columns=["text"])
    rows = pa.Table.from_batches(list(corpus.iter_batches())).drop_columns(["_dp_row"])
    assert rows.to_pylist() == [
        {"text": "alpha one", "id": "a.jsonl:0"},
        {"text": "beta two", "id": "a.jsonl:1"},
        {"text": "alpha one", "id": "b.jsonl:0"},
        {"text": "gamma three", "id": "b.jsonl:1"},
        {"text": "delta four", "id": "c.parquet:0"},
    ]


def test_a_later_key_is_dropped_not_schema_drift(tmp_path, monkeypatch):
    """Without columns, a key the first block lacks is bad input (schema_drift); with them it
    is dropped like any column not listed, on the per-line path too (line 4 is not JSON)."""
    from dataprep.io import jsonl

    monkeypatch.setattr(jsonl, "JSON_BLOCK_BYTES", 32)  # the schema comes from line 1 alone
    path = tmp_path / "a.jsonl"
    lines = ['{"id": "1", "text": "one"}', '{"id": "2", "text": "two", "extra": [1]}']
    path.write_text("\n".join([*lines, '{"id": "3", "text": "six", "extra": 2}', "no"]) + "\n")
    with pytest.raises(InputError, match="column 'extra' is not in the schema"):
        list(open_corpus([str(path)]).iter_batches())
    corpus = open_corpus([str(path)], on_error="reject", columns=["id", "text"])
    rows = pa.Table.from_batches(list(corpus.iter_batches())).to_pydict()
    assert rows["id"] == ["1", "2", "3", "a.jsonl:4"]
    assert rows["text"] == ["one", "two", "six", "no"]
    assert rows["dp_reject_reason"] == [None, None, None, "bad_input_not_json"]
    assert "extra" not in rows


def test_columns_of_an_arrow_file_are_selected(tmp_path):
    table = pa.table({"x": [1, 2], "text": ["one", "two"], "y": ["p", "q"]})
    with pa.OSFile(str(tmp_path / "t.arrow"), "wb") as f, pa.ipc.new_file(f, table.schema) as w:
        w.write_table(table)
    corpus = open_corpus([str(tmp_path / "t.arrow")], columns=("text", "y"))
    assert corpus.output_schema.names == ["text", "y", "id"]
    rows = pa.Table.from_batches(list(corpus.iter_batches()))
    assert rows.column("y").to_pylist() == ["p", "q"]


def test_score_and_schedule_take_columns(tmp_path, differing):
    scored = tmp_path / "scored"
    result = run_cli("score", *differing, "-o", scored, "--columns", "id,text", "-q")
    assert result.exit_code == 0, result.output
    rows = read_output(scored, "data")
    assert [r["id"] for r in rows] == ["a1", "a2", "b1", "b2", "c1"]
    assert {"meta", "lang", "score"}.isdisjoint(rows[0])
    assert json.loads((scored / "manifest.json").read_text())["columns"] == ["id", "text"]

    plan = tmp_path / "plan"
    result = run_cli(
        "schedule",
        *differing,
        "-o",
        plan,
        "--columns",
        "id,text,score",
        "--difficulty-column",
        "score",
        "-q",
    )
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {differing[0]}: no column 'score', which --columns keeps; the file's columns "
        "are id, text, meta\n"
    )
    result = run_cli(
        "schedule", differing[2], scored / "data", "-o", plan, "--columns", "id,text", "-q"
    )
    assert result.exit_code == 1 and "no difficulty column 'dp_score_difficulty'" in result.output
    result = run_cli(
        "schedule", scored / "data", "-o", plan, "--columns", "dp_score_difficulty,text,id"
    )
    assert result.exit_code == 0, result.output
    manifest = json.loads((plan / "manifest.json").read_text())
    assert manifest["columns"] == ["dp_score_difficulty", "text", "id"]
    names = read_output(plan, "data")[0].keys()
    assert list(names)[:3] == ["dp_score_difficulty", "text", "id"]


def test_schedule_run_from_python_takes_columns(tmp_path, differing):
    curriculum = Curriculum(difficulty_column="score", batch_size=1, epochs=1)
    settings = RunSettings(columns=["id", "text", "score"])
    ScheduleRun(curriculum, settings=settings).run([differing[2]], tmp_path / "plan")
    manifest = json.loads((tmp_path / "plan" / "manifest.json").read_text())
    assert manifest["columns"] == ["id", "text", "score"]


class CrashingDedup(ExactDedup):
    """exact_dedup that raises while writing while ``crash`` is set (the run 'dies')."""

    name = "exact_dedup"
    crash = True

    def transform_batch(self, batch):
        if CrashingDedup.crash:
            raise RuntimeError("crash")
        return super().transform_batch(batch)


def test_a_resume_with_other_columns_is_refused(tmp_path, differing):
    out = tmp_path / "out"
    CrashingDedup.crash = True
    kept = Pipeline([CrashingDedup()], settings=RunSettings(columns=["id", "text"]))
    with pytest.raises(RuntimeError, match="crash"):
        kept.run(differing, out)
    CrashingDedup.crash = False
    other = Pipeline([CrashingDedup()], settings=RunSettings(columns=["text", "id"]))
    with pytest.raises(OutputError, match=r"the columns changed: \['id', 'text'\] -> \['text'"):
        other.run(differing, out, resume=True)
    result = kept.run(differing, out, resume=True)
    assert (result.rows_in, result.rows_kept) == (5, 4)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("id,,text", "'id,,text' has an empty column name"),
        ("id,text,id", "'id,text,id' lists 'id' twice"),
    ],
)
def test_bad_columns_flag(tmp_path, differing, value, message):
    result = run_cli("filter", *differing, "-o", tmp_path / "out", "--columns", value)
    assert result.exit_code == 2 and message in result.output


@pytest.mark.parametrize("value", ["id,text", [], ["id", "id"], ["id", ""]])
def test_bad_columns_setting(value):
    with pytest.raises(ConfigError, match="'columns' must be a non-empty list of distinct"):
        RunSettings(columns=value).check()


def test_a_recipe_sets_columns_and_the_flag_wins(tmp_path, differing):
    recipe = tmp_path / "r.yaml"
    recipe.write_text(EXACT + "columns: [id, text]\n")
    result = run_cli("filter", *differing, "-o", tmp_path / "a", "-c", recipe, "-q")
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "a" / "manifest.json").read_text())["columns"] == ["id", "text"]
    result = run_cli(
        "filter", *differing, "-o", tmp_path / "b", "-c", recipe, "--columns", "text", "-q"
    )
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "b" / "manifest.json").read_text())["columns"] == ["text"]
