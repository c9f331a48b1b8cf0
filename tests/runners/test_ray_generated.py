"""The Ray runner writes the local runner's rows for a filter recipe and a schedule, on the
generated corpus (tests/generated_corpus.py), so without ../shared/data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dataprep.settings import RunSettings
from tests.generated_corpus import generated_records, ids_of, write_jsonl
from tests.runners.conftest import assert_same_rows, read_output, run_both

# ---- the Ray runner ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def local_ray():
    """A local Ray instance with 2 CPUs for this module's Ray tests (joined, not restarted, by
    each run; when tests/runners' session-wide instance is up already, that one is used)."""
    pytest.importorskip("ray")
    from dataprep.runners.ray_session import RaySession

    session = RaySession(num_cpus=2)
    session.__enter__()
    yield session
    session.__exit__(None, None, None)


def two_files(folder: Path, records: list[dict]) -> list[str]:
    cut = len(records) * 3 // 5
    return [
        write_jsonl(folder / "part-0.jsonl", records[:cut]),
        write_jsonl(folder / "part-1.jsonl", records[cut:]),
    ]


@pytest.mark.slow
def test_ray_runs_a_filter_recipe_to_the_local_rows(local_ray, tmp_path):
    """A length filter, exact and MinHash dedup (distributed fits) and two scorers, one fitted
    (word_rarity: states streamed to the driver), on two files: the local run's rows, reasons,
    clusters, scores and stats."""
    records = generated_records(2, 1500, vectors=False)
    stages = [
        {"length_filter": {"min_words": 6}},
        {"exact_dedup": {}},
        {"minhash_dedup": {}},
        {"word_rarity": {}},
        {"length": {"unit": "words"}},
    ]
    result = run_both(stages, two_files(tmp_path, records), tmp_path)
    rejected = read_output(tmp_path / "ray", "rejected")
    reasons = rejected.column("dp_reject_reason").to_pylist()
    assert reasons.count("length_below_min_words") > 20
    assert reasons.count("exact_duplicate") > 100 and reasons.count("near_duplicate") > 100
    assert result.rows_rejected == rejected.num_rows == 1500 - result.rows_kept
    # Exact copies of a document that passed the length filter are all rejected as such.
    exact_ids = ids_of(rejected, reason="exact_duplicate")
    copies = {r["id"] for r in records if r["kind"] == "exact" and len(r["text"].split()) >= 6}
    assert copies <= exact_ids
    assert json.loads((tmp_path / "ray" / "stats.json").read_text())["runner"] == "ray"


@pytest.mark.slow
def test_ray_schedule_writes_the_local_plan(local_ray, tmp_path):
    """The default linear curriculum over a quality column with nulls, on two files: the same
    rows in the same plan order, the same rejected rows, schedule.json and stats.json."""
    from dataprep.schedule.curriculum import Curriculum
    from dataprep.schedule.run import ScheduleRun

    records = generated_records(3, 1200, vectors=False)
    inputs = two_files(tmp_path, records)
    curriculum = Curriculum(difficulty_column="quality", batch_size=16, epochs=2, seed=4)
    for runner, cpus in (("local", None), ("ray", 2)):
        settings = RunSettings(runner=runner, ray_cpus=cpus)
        ScheduleRun(curriculum, settings=settings).run(inputs, tmp_path / runner)
    local, ray = read_output(tmp_path / "local", "data"), read_output(tmp_path / "ray", "data")
    present = sum(r["quality"] is not None for r in records)
    assert local.num_rows == 2 * present
    assert local.equals(ray)  # plan order, not only the same rows
    steps = local.column("dp_step").to_pylist()
    assert steps == sorted(steps) and steps[-1] == (2 * present - 1) // 16
    assert local.column("id").to_pylist()[:present] != [
        r["id"] for r in records if r["quality"] is not None
    ]
    assert_same_rows(tmp_path / "local", tmp_path / "ray")
    rejected = read_output(tmp_path / "ray", "rejected")
    assert set(rejected.column("dp_reject_reason").to_pylist()) == {"missing_difficulty"}
    assert rejected.num_rows == len(records) - present
    for name in ("schedule.json", "stats.json"):
        assert json.loads((tmp_path / "local" / name).read_text()) == json.loads(
            (tmp_path / "ray" / name).read_text()
        )
