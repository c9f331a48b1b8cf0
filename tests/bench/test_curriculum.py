"""The curriculum benchmark: the report by hand, settings checks, and a small real run."""

import json

import pytest
from conftest import shared_file

from dataprep.bench.curriculum import CurriculumBench, report_markdown, run_curriculum_bench
from dataprep.errors import ConfigError


def test_report_ranks_runs_against_random_order():
    results = {
        "settings": {
            "data": "x.jsonl",
            "train_documents": 90,
            "valid_documents": 10,
            "steps": 4,
            "batch_size": 2,
            "context": 8,
            "width": 8,
            "layers": 1,
        },
        "random_final_loss": 2.5,
        "runs": {
            "random": {"final_loss": 2.5, "step_reaching_random_final": 4, "seconds": 1.0},
            "linear": {"final_loss": 2.25, "step_reaching_random_final": 2, "seconds": 1.5},
            "anti": {"final_loss": 2.75, "step_reaching_random_final": None, "seconds": 0.5},
        },
    }
    table = report_markdown(results).splitlines()[-3:]
    assert table == [
        "| linear | 2.2500 | -0.2500 | 2 | 1.5 |",
        "| random | 2.5000 | +0.0000 | 4 | 1.0 |",
        "| anti | 2.7500 | +0.2500 | not reached | 0.5 |",
    ]


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"orders": ("linear", "cosine")}, "Unknown order 'cosine'; choose among linear"),
        ({"adaptive": ("exp3",)}, "Unknown adaptive rule 'exp3'"),
        ({"steps": 0}, "steps, batch_size and eval_every must be at least 1"),
    ],
)
def test_bad_settings_are_config_errors(settings, message):
    with pytest.raises(ConfigError, match=message):
        CurriculumBench(**settings).check()


@pytest.mark.slow
def test_small_real_run_writes_every_artifact(tmp_path):
    data = shared_file("tinyshakespeare", "tinyshakespeare.jsonl.gz")
    bench = CurriculumBench(
        steps=8,
        batch_size=8,
        eval_every=4,
        limit=200,
        context=32,
        width=32,
        layers=1,
        orders=("linear", "baby_steps"),
        adaptive=("odm", "doremi"),
    )
    results = run_curriculum_bench(data, tmp_path, bench, log=lambda line: None)
    assert list(results["runs"]) == [
        "random",
        "linear",
        "baby_steps",
        "adaptive_odm",
        "adaptive_doremi",
    ]
    random_run = results["runs"]["random"]
    assert random_run["eval_steps"] == [4, 8] and random_run["step_reaching_random_final"] == 8
    assert results["random_final_loss"] == random_run["final_loss"] == random_run["eval_loss"][-1]
    doremi = results["runs"]["adaptive_doremi"]["weights"]
    assert doremi["rule"] == "doremi" and doremi["updates"] == 8
    assert results["settings"]["train_documents"] == 180
    assert (
        json.loads((tmp_path / "results.json").read_text())["runs"].keys() == results["runs"].keys()
    )
    assert (tmp_path / "curriculum.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "| random |" in (tmp_path / "report.md").read_text()
