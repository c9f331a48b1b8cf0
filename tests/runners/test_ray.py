"""The Ray runner gives the local runner's output for the default filter and score recipes on a
real multi-file corpus (local Ray, 2 CPUs). The dedup stages' variants are in
test_ray_fits.py, test_ray_minhash.py and test_ray_semantic.py."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from dataprep.cli import main
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
    stats = json.loads((ray / "stats.json").read_text())
    assert stats["runner"] == "ray"
    # c4_line_cleaner rewrote pages on Ray too (same texts and totals as the local run)
    assert stats["stages"]["c4_line_cleaner"]["modified"]["lines_removed"] > 0


def test_default_score_recipe_same_scores(ray_cluster, real_corpus, tmp_path):
    local, ray = _run_both("score", real_corpus, tmp_path)
    assert_same_rows(local, ray)
    kept = read_output(ray, "data")
    assert kept.num_rows == 2080
    assert kept.column("dp_score_difficulty").null_count == 0


def test_resume_is_refused_on_ray(tmp_path, real_corpus):
    pytest.importorskip("ray")
    result = CliRunner().invoke(
        main, ["filter", real_corpus[0], "-o", str(tmp_path / "o"), "--runner", "ray", "--resume"]
    )
    assert result.exit_code == 1
    assert "Error: --resume is not available with the ray runner" in result.output


def test_parquet_output_on_ray_has_the_local_arrow_rows(ray_cluster, tmp_path):
    from tests.test_parquet_output import KEPT, RECORDS, SMALL, read

    corpus = tmp_path / "in.jsonl"
    corpus.write_text("".join(json.dumps(r) + "\n" for r in RECORDS))
    local, ray = _run_both("filter", [str(corpus)], tmp_path, *SMALL, "--shard-format", "parquet")
    arrow = tmp_path / "arrow"
    result = CliRunner().invoke(main, ["filter", str(corpus), "-o", str(arrow), "-q", *SMALL])
    assert result.exit_code == 0, result.output
    for part in ("data", "rejected"):
        expected = read(arrow, part).to_pylist()
        assert read(ray, part).to_pylist() == expected, part
        assert read(local, part).to_pylist() == expected, part
    shards = json.loads((ray / "manifest.json").read_text())["data"]["shards"]
    assert all(s["file"].endswith(".parquet") for s in shards)
    assert sorted(p.name for p in (ray / "data").iterdir()) == [s["file"] for s in shards]
    assert read(ray).column("id").to_pylist() == KEPT


def test_columns_same_rows_on_ray(ray_cluster, tmp_path):
    """--columns reads inputs whose columns differ alike on both runners."""
    (tmp_path / "a.jsonl").write_text(
        '{"id": "a1", "text": "alpha one", "meta": 1}\n{"id": "a2", "text": "beta", "meta": 2}\n'
    )
    (tmp_path / "b.jsonl").write_text('{"id": "b1", "text": "alpha one", "lang": "en"}\n')
    inputs = [str(tmp_path / "a.jsonl"), str(tmp_path / "b.jsonl")]
    local, ray = _run_both("score", inputs, tmp_path, "--columns", "id,text")
    assert_same_rows(local, ray)
    assert read_output(ray, "data").column_names[:2] == ["id", "text"]
    assert json.loads((ray / "manifest.json").read_text())["columns"] == ["id", "text"]
