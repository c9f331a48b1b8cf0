"""``dataprep schedule`` end to end: hand-built tables, the shipped recipes on the scored sample,
and the CLI."""

import json
from pathlib import Path

import datasets
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from dataprep.cli import builtin_recipe, main
from dataprep.config import load_schedule_recipe
from dataprep.errors import ConfigError, InputError
from dataprep.pipeline import Pipeline
from dataprep.schedule.curriculum import PACINGS, Curriculum
from dataprep.schedule.run import ScheduleRun
from dataprep.score.text import LengthScorer
from dataprep.settings import RunSettings


def read_rows(folder: Path) -> pa.Table:
    return datasets.load_from_disk(str(folder)).data.table


def write_table(path: Path, difficulty: list) -> Path:
    texts = [f"document {i}" for i in range(len(difficulty))]
    table = pa.table({"id": [f"d{i}" for i in range(len(difficulty))], "text": texts})
    table = table.append_column("hardness", pa.array(difficulty, pa.float64()))
    pq.write_table(table, path)
    return path


def test_rows_are_written_in_plan_order_with_step_bucket_and_competence(tmp_path):
    source = write_table(tmp_path / "in.parquet", [0.5, 0.1, None, 0.9, 0.3, float("nan"), 0.7])
    curriculum = Curriculum(
        pacing="linear",
        difficulty_column="hardness",
        batch_size=2,
        epochs=2,
        c0=0.2,
        ramp_steps=3,
        num_buckets=5,
    )
    result = ScheduleRun(curriculum, settings=RunSettings(batch_rows=3)).run(
        [str(source)], tmp_path / "out"
    )
    assert (result.rows_in, result.rows_scheduled, result.rows_rejected) == (7, 5, 2)
    assert (result.samples, result.steps) == (10, 5)

    data = read_rows(tmp_path / "out" / "data").to_pydict()
    assert data["dp_step"] == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]
    # competence 0.2, 0.4667, 0.7333, 1, 1 (linear, c0 0.2, T 3)
    expected = [0.2, 0.2, 0.2 + 0.8 / 3, 0.2 + 0.8 / 3, 0.2 + 1.6 / 3, 0.2 + 1.6 / 3, 1, 1, 1, 1]
    assert data["dp_competence"] == pytest.approx(expected)
    # difficulty CDF: 0.1 -> 0.2, 0.3 -> 0.4, 0.5 -> 0.6, 0.7 -> 0.8, 0.9 -> 1.0
    cdf = {0.1: 0.2, 0.3: 0.4, 0.5: 0.6, 0.7: 0.8, 0.9: 1.0}
    for hardness, competence in zip(data["hardness"], data["dp_competence"], strict=True):
        assert cdf[hardness] <= competence + 1e-9
    assert data["hardness"][:2] == [0.1, 0.1]  # step 0: only the easiest row is eligible
    bucket = {0.1: 0, 0.3: 1, 0.5: 2, 0.7: 3, 0.9: 4}
    assert data["dp_bucket"] == [bucket[h] for h in data["hardness"]]
    # steps 3 and 4 (full competence) are the first 4 rows of a shuffled epoch of the 5 rows;
    # with less than an epoch after the ramp, a row unlocked late may go unserved
    assert len(set(data["id"][6:])) == 4
    assert set(data["id"]) <= {"d0", "d1", "d3", "d4", "d6"}
    for row_id, text in zip(data["id"], data["text"], strict=True):
        assert text == f"document {row_id[1:]}"  # rows stay whole when gathered

    rejected = read_rows(tmp_path / "out" / "rejected").to_pydict()
    assert rejected["id"] == ["d2", "d5"]
    assert rejected["dp_reject_reason"] == ["missing_difficulty"] * 2
    assert rejected["dp_reject_stage"] == ["schedule"] * 2

    stats = json.loads((tmp_path / "out" / "stats.json").read_text())
    assert stats["reasons"] == {"missing_difficulty": 2}
    assert stats["served"]["rows_never"] == 5 - len(set(data["id"])) and stats["samples"] == 10
    assert sum(stats["served"]["histogram"].values()) == 5
    assert stats["served"]["mean"] == pytest.approx(2.0)
    plan = json.loads((tmp_path / "out" / "schedule.json").read_text())
    assert plan["steps"] == 5 and plan["ramp_steps"] == 3 and plan["full_competence_step"] == 3
    assert plan["competence"]["values"] == pytest.approx(expected[::2], abs=1e-6)
    assert [b["rows"] for b in plan["buckets"]] == [1, 1, 1, 1, 1]
    assert plan["buckets"][0] == {"bucket": 0, "rows": 1, "min": 0.1, "max": 0.1}
    assert [p["eligible_rows"] for p in plan["phases"]] == [1, 2, 3, 5]
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["data"]["rows"] == 10 and manifest["rejected"]["rows"] == 2
    assert manifest["rows_in"] == 7 and manifest["command"] == "schedule"


def test_descending_order_treats_high_values_as_easy(tmp_path):
    source = write_table(tmp_path / "in.parquet", [1.0, 2.0, 3.0, 4.0])
    curriculum = Curriculum(
        pacing="sorted", difficulty_column="hardness", order="descending", batch_size=2, epochs=1
    )
    ScheduleRun(curriculum).run([str(source)], tmp_path / "out")
    assert read_rows(tmp_path / "out" / "data")["hardness"].to_pylist() == [4.0, 3.0, 2.0, 1.0]


def test_plan_longer_than_many_chunks_is_deterministic_and_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr("dataprep.schedule.run.CHUNK_SAMPLES", 64)  # many gather chunks
    values = np.random.default_rng(0).random(500).tolist()
    source = write_table(tmp_path / "in.parquet", values)
    curriculum = Curriculum(pacing="root", difficulty_column="hardness", batch_size=8, epochs=3)
    runs = []
    for name in ("a", "b"):
        ScheduleRun(curriculum, settings=RunSettings(batch_rows=37, max_shard_bytes=20_000)).run(
            [str(source)], tmp_path / name
        )
        runs.append(read_rows(tmp_path / name / "data"))
    assert runs[0].equals(runs[1])
    assert runs[0].num_rows == 1_500
    assert len(list((tmp_path / "a" / "data").glob("data-*.arrow"))) > 1
    shards_a = sorted((tmp_path / "a" / "data").glob("*.arrow"))
    shards_b = sorted((tmp_path / "b" / "data").glob("*.arrow"))
    assert [p.read_bytes() for p in shards_a] == [p.read_bytes() for p in shards_b]
    ids = runs[0]["id"].to_pylist()
    lookup = {f"d{i}": v for i, v in enumerate(values)}
    assert runs[0]["hardness"].to_pylist() == [lookup[i] for i in ids]


def test_missing_or_non_numeric_difficulty_column_is_a_clear_error(tmp_path):
    source = write_table(tmp_path / "in.parquet", [0.1, 0.2])
    with pytest.raises(ConfigError, match=r"no difficulty column 'dp_score_difficulty' \(run"):
        ScheduleRun(Curriculum()).run([str(source)], tmp_path / "out")
    with pytest.raises(InputError, match="difficulty column 'text' holds string"):
        ScheduleRun(Curriculum(difficulty_column="text")).run([str(source)], tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_no_row_with_a_difficulty_is_an_error_and_leaves_no_output(tmp_path):
    source = write_table(tmp_path / "in.parquet", [None, None])
    with pytest.raises(InputError, match="no row has a finite 'hardness'"):
        ScheduleRun(Curriculum(difficulty_column="hardness")).run([str(source)], tmp_path / "out")
    assert not (tmp_path / "out").exists() and not list(tmp_path.glob(".out*"))


@pytest.fixture(scope="module")
def scored_sample(tmp_path_factory):
    """The bundled sample scored with the default score recipe (as `dataprep score` does)."""
    out = tmp_path_factory.mktemp("scored") / "out"
    result = CliRunner().invoke(
        main,
        [
            "score",
            str(Path(__file__).parents[2] / "data/kjv_chapters.jsonl.gz"),
            "-o",
            str(out),
            "-q",
        ],
    )
    assert result.exit_code == 0, result.output
    return out / "data"


@pytest.mark.parametrize("pacing", PACINGS)
def test_every_shipped_recipe_runs_as_is(tmp_path, scored_sample, pacing):
    recipe = load_schedule_recipe(builtin_recipe(f"schedule/{pacing}.yaml"))
    assert recipe["schedule"]["pacing"] == pacing
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["schedule", str(scored_sample), "-o", str(out), "--pacing", pacing, "-q"]
    )
    assert result.exit_code == 0, result.output
    data = read_rows(out / "data")
    assert data.num_rows == 2 * 1_278
    stats = json.loads((out / "stats.json").read_text())
    # two epochs, the second at full competence: shuffled epochs of every row (sorted, anti:
    # two passes). The ramp takes round(80 / 2) = 40 steps of 32, so 1,276 samples are left for
    # the 1,278 rows: at most the 2 rows that epoch misses can go unserved, if the ramp never
    # drew them.
    plan = json.loads((out / "schedule.json").read_text())
    after_ramp = 2 * 1_278 - (plan["full_competence_step"] or 0) * 32
    assert stats["served"]["rows_never"] <= max(0, 1_278 - after_ramp) <= 2
    difficulty = np.array(data["dp_score_difficulty"].to_pylist())
    first, last = difficulty[: len(difficulty) // 4].mean(), difficulty[-len(difficulty) // 4 :]
    if pacing in ("linear", "root", "exponential", "baby_steps", "sorted"):
        assert first < last.mean() - 0.05  # easy first
    if pacing == "anti":
        assert first > last.mean() + 0.05


def test_cli_overrides_and_messages(tmp_path, scored_sample):
    out = tmp_path / "out"
    args = ["schedule", str(scored_sample), "-o", str(out), "--pacing", "baby_steps"]
    result = CliRunner().invoke(main, [*args, "--total-samples", "100", "--batch-size", "10"])
    assert result.exit_code == 0, result.output
    assert "1,278 rows in: 1,278 scheduled as 100 samples in 10 steps (baby_steps)" in result.output
    plan = json.loads((out / "schedule.json").read_text())
    assert plan["params"]["total_samples"] == 100 and plan["params"]["epochs"] is None
    result = CliRunner().invoke(main, [*args, "--difficulty-column", "nope"])
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and "no difficulty column 'nope'" in result.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("schedule:\n  pacing: linear\n  c00: 0.1\n")
    result = CliRunner().invoke(
        main, ["schedule", str(scored_sample), "-o", str(out), "-c", str(bad)]
    )
    assert result.exit_code == 1 and "schedule has no parameter 'c00'" in result.output
    bad.write_text("stages: []\n")
    result = CliRunner().invoke(
        main, ["schedule", str(scored_sample), "-o", str(out), "-c", str(bad)]
    )
    assert "unknown key 'stages'" in result.output


def test_a_scored_pipeline_output_feeds_the_schedule_from_python(tmp_path, sample_corpus):
    Pipeline([LengthScorer()]).run([str(sample_corpus)], tmp_path / "scored")
    curriculum = Curriculum(pacing="exponential", difficulty_column="dp_score_length")
    result = ScheduleRun(curriculum).run([str(tmp_path / "scored" / "data")], tmp_path / "out")
    assert result.rows_scheduled == 1_278
    lengths = read_rows(tmp_path / "out" / "data")["dp_score_length"].to_pylist()
    corpus = sorted(read_rows(tmp_path / "scored" / "data")["dp_score_length"].to_pylist())
    assert max(lengths[:32]) <= corpus[51]  # the first step: the shortest 4% (52 rows)
    assert max(lengths) == corpus[-1]


def test_bad_input_records_are_rejected_with_their_reason_in_reject_mode(tmp_path):
    source = tmp_path / "in.jsonl"
    lines = [
        '{"id": "a", "text": "one", "hardness": 0.2}',
        "this line is not json",
        '{"id": "b", "text": "two", "hardness": 0.1}',
        '{"id": "c", "text": "three", "hardness": null}',
    ]
    source.write_text("\n".join(lines) + "\n")
    curriculum = Curriculum(pacing="sorted", difficulty_column="hardness", batch_size=1, epochs=1)
    with pytest.raises(InputError, match="line 2"):
        ScheduleRun(curriculum).run([str(source)], tmp_path / "strict")
    result = ScheduleRun(curriculum, settings=RunSettings(on_error="reject")).run(
        [str(source)], tmp_path / "out"
    )
    assert (result.rows_in, result.rows_scheduled, result.rows_rejected) == (4, 2, 2)
    assert read_rows(tmp_path / "out" / "data")["id"].to_pylist() == ["b", "a"]
    rejected = read_rows(tmp_path / "out" / "rejected").to_pydict()
    assert sorted(rejected["dp_reject_reason"]) == ["bad_input_not_json", "missing_difficulty"]
    stats = json.loads((tmp_path / "out" / "stats.json").read_text())
    assert stats["reasons"] == {"bad_input_not_json": 1, "missing_difficulty": 1}


def test_a_baby_steps_plan_with_fewer_phases_than_buckets_is_warned_about(tmp_path):
    """17 rows, 2 epochs of batch 32: 2 steps and a ramp of 1, so 10 buckets unlock in 2 phases."""
    source = write_table(tmp_path / "in.parquet", [float(i) for i in range(17)])
    args = ["schedule", str(source), "-o", str(tmp_path / "out"), "--pacing", "baby_steps"]
    result = CliRunner().invoke(main, [*args, "--difficulty-column", "hardness"])
    assert result.exit_code == 0, result.output
    message = (
        "baby_steps unlocks the rows in 2 phases, not num_buckets=10: its ramp of 1 step leaves "
        "no step to 8 of the 10 phases (the plan: 34 samples in 2 steps of batch_size 32; "
        "lengthen the plan or its ramp, or lower batch_size)"
    )
    assert [line for line in result.output.splitlines() if "warning" in line] == [
        f"warning: {message}"
    ]
    stats = json.loads((tmp_path / "out" / "stats.json").read_text())
    assert stats["warnings"] == [message]
    plan = json.loads((tmp_path / "out" / "schedule.json").read_text())
    assert [phase["eligible_rows"] for phase in plan["phases"]] == [1, 17]
    # one phase per bucket: 200 samples in batches of 10 give a ramp of 10 steps
    result = CliRunner().invoke(
        main,
        [
            *args,
            "--overwrite",
            "--difficulty-column",
            "hardness",
            "--total-samples",
            "200",
            "--batch-size",
            "10",
        ],
    )
    assert result.exit_code == 0 and "warning" not in result.output, result.output
    assert "warnings" not in json.loads((tmp_path / "out" / "stats.json").read_text())
