"""The Ray runner gives the local runner's output: the default filter and score recipes on a
real multi-file corpus, then variants of each dedup stage (local Ray, 2 CPUs)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from dataprep.cli import main
from dataprep.config import build_stages
from dataprep.pipeline import Pipeline
from tests.runners.conftest import assert_same_rows, read_output

pytestmark = pytest.mark.slow


def _run_both(command: str, inputs: list[str], tmp_path, *extra: str):
    outputs = {}
    for runner in ("local", "ray"):
        out = tmp_path / f"{command}-{runner}"
        result = CliRunner().invoke(
            main, [command, *inputs, "-o", str(out), "-q", "--runner", runner, *extra]
        )
        assert result.exit_code == 0, result.output
        outputs[runner] = out
    return outputs["local"], outputs["ray"]


def test_default_filter_recipe_same_rows_reasons_and_stats(ray_cluster, real_corpus, tmp_path):
    local, ray = _run_both("filter", real_corpus, tmp_path)
    assert_same_rows(local, ray)
    rejected = read_output(ray, "rejected")
    reasons = set(rejected.column("dp_reject_reason").to_pylist())
    # The corpus holds 40 exact and 60 near copies: both dedup stages must have found some.
    assert "exact_duplicate" in reasons and "near_duplicate" in reasons
    assert json.loads((ray / "stats.json").read_text())["runner"] == "ray"


def test_default_score_recipe_same_scores(ray_cluster, real_corpus, tmp_path):
    local, ray = _run_both("score", real_corpus, tmp_path)
    assert_same_rows(local, ray)
    kept = read_output(ray, "data")
    assert kept.num_rows == 2080
    assert kept.column("dp_score_difficulty").null_count == 0


def _pipelines(stages: list[dict], **options):
    return [Pipeline(build_stages(stages), runner=r, **options) for r in ("local", "ray")]


@pytest.mark.parametrize(
    "stage",
    [
        {"exact_dedup": {"lowercase": False}},
        {"minhash_dedup": {"verify": "signature", "threshold": 0.7}},
        {"minhash_dedup": {"verify": "none", "ngram": 3}},
        {"minhash_dedup": {"keep_highest": "quality"}},
    ],
    ids=["exact", "minhash-signature", "minhash-none", "minhash-keep-highest"],
)
def test_dedup_variants_match_local(ray_cluster, real_corpus, tmp_path, stage):
    import random

    # A numeric column for keep_highest: a seeded value per row.
    inputs = []
    rng = random.Random(1)
    for number, path in enumerate(real_corpus):
        target = tmp_path / f"q-{number}.jsonl"
        with open(path) as source, open(target, "w") as sink:
            for line in source:
                record = json.loads(line)
                record["quality"] = rng.random()
                sink.write(json.dumps(record) + "\n")
        inputs.append(str(target))
    local, ray = _pipelines([stage])
    local.run(inputs, tmp_path / "local")
    result = ray.run(inputs, tmp_path / "ray")
    assert_same_rows(tmp_path / "local", tmp_path / "ray")
    assert result.rows_rejected > 0


def test_semantic_dedup_matches_local_on_given_vectors(ray_cluster, tmp_path):
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    # 3 tight groups of near-identical vectors plus spread-out ones, over two Parquet files.
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(3, 16))
    vectors = np.concatenate(
        [centres[i % 3] + rng.normal(scale=0.01, size=16) for i in range(60)]
    ).reshape(60, 16)
    vectors = np.concatenate([vectors, rng.normal(size=(140, 16))])
    table = pa.table(
        {
            "id": [f"v{i}" for i in range(200)],
            "text": [f"row {i}" for i in range(200)],
            "emb": [list(map(float, v)) for v in vectors],
        }
    )
    pq.write_table(table.slice(0, 120), tmp_path / "a.parquet")
    pq.write_table(table.slice(120), tmp_path / "b.parquet")
    inputs = [str(tmp_path / "a.parquet"), str(tmp_path / "b.parquet")]
    for keep in ("hard", "random"):
        stage = {
            "semantic_dedup": {
                "embedding_column": "emb",
                "num_clusters": 4,
                "kmeans_sample": 150,
                "eps": 0.05,
                "keep": keep,
            }
        }
        local, ray = _pipelines([stage])
        local.run(inputs, tmp_path / f"local-{keep}")
        result = ray.run(inputs, tmp_path / f"ray-{keep}")
        assert_same_rows(tmp_path / f"local-{keep}", tmp_path / f"ray-{keep}")
        assert result.rows_rejected >= 50  # most of the 60 near-identical rows


def test_resume_is_refused_on_ray(tmp_path, real_corpus):
    pytest.importorskip("ray")
    result = CliRunner().invoke(
        main, ["filter", real_corpus[0], "-o", str(tmp_path / "o"), "--runner", "ray", "--resume"]
    )
    assert result.exit_code == 1
    assert "Error: --resume is only available with the local runner" in result.output
