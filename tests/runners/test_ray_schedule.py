"""``dataprep schedule --runner ray`` writes the local run's plan: the same rows in the same
order, the same schedule.json and stats.json (local Ray, 2 CPUs)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from dataprep.cli import main
from dataprep.testing import same_column
from tests.runners.conftest import assert_same_rows, read_output

pytestmark = pytest.mark.slow


def test_default_schedule_recipe_same_plan(ray_cluster, real_corpus, tmp_path):
    scored = tmp_path / "scored"
    result = CliRunner().invoke(main, ["score", *real_corpus, "-o", str(scored), "-q"])
    assert result.exit_code == 0, result.output
    outputs = {}
    for runner in ("local", "ray"):
        out = tmp_path / runner
        result = CliRunner().invoke(
            main, ["schedule", str(scored / "data"), "-o", str(out), "-q", "--runner", runner]
        )
        assert result.exit_code == 0, result.output
        outputs[runner] = out
    local, ray = read_output(outputs["local"], "data"), read_output(outputs["ray"], "data")
    assert local.num_rows == 2 * 2080  # epochs: 2
    # plan order, not only the same rows (NaN scores, e.g. rarity of unspaced text, compare equal)
    assert local.schema.equals(ray.schema)
    for name in local.column_names:
        assert same_column(local.column(name), ray.column(name)), name
    for name in ("schedule.json", "stats.json"):
        assert json.loads((outputs["local"] / name).read_text()) == json.loads(
            (outputs["ray"] / name).read_text()
        )


def test_rows_without_difficulty_are_rejected_alike(ray_cluster, tmp_path):
    path = tmp_path / "d.jsonl"
    records = [{"id": f"r{i}", "text": f"text {i}", "d": (i % 7) / 7} for i in range(50)]
    records[3]["d"] = None
    records[40]["d"] = None
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    recipe = tmp_path / "root.yaml"
    recipe.write_text(
        "schedule:\n  pacing: root\n  difficulty_column: d\n  batch_size: 4\n  epochs: 1\n"
    )
    outputs = {}
    for runner in ("local", "ray"):
        out = tmp_path / runner
        args = ["schedule", str(path), "-c", str(recipe), "-o", str(out), "-q"]
        result = CliRunner().invoke(main, [*args, "--runner", runner])
        assert result.exit_code == 0, result.output
        outputs[runner] = out
    assert_same_rows(outputs["local"], outputs["ray"])
    rejected = read_output(outputs["ray"], "rejected").sort_by("id")
    assert rejected.column("id").to_pylist() == ["r3", "r40"]
    assert set(rejected.column("dp_reject_reason").to_pylist()) == {"missing_difficulty"}
    assert read_output(outputs["local"], "data").equals(read_output(outputs["ray"], "data"))
