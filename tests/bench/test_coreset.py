"""The coreset bench harness: budgets, the split, option checks, every selector's exact budget
and determinism, the output files and the CLI (its numbers: test_coreset_metrics.py)."""

import json

import numpy as np
import pytest
from click.testing import CliRunner

from dataprep.bench.coreset import (
    METHODS,
    PREFIX_METHODS,
    budget_for,
    check_options,
    run_coreset_bench,
    select,
    split_rows,
)
from dataprep.cli import main
from dataprep.errors import ConfigError
from tests.conftest import shared_file

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class AxisEncoder:
    """Texts 'a ...' point near the x axis, 'b ...' near the y axis (normalized, 2-D)."""

    def encode(self, texts):
        out = []
        for text in texts:
            wobble = 0.05 * ((len(text) % 7) - 3) / 3
            out.append([1.0, wobble] if text.startswith("a") else [wobble, 1.0])
        vectors = np.asarray(out, np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def _toy_corpus(path, n=40):
    with open(path, "w") as f:
        for i in range(n):
            label = i % 2
            word = "a" if label == 0 else "b"
            text = f"{word} item {i} " + ("apple alpha" if label == 0 else "banana beta")
            f.write(json.dumps({"id": i, "text": text, "label": label}) + "\n")
    return path


def test_budget_is_round_half_up_and_within_bounds():
    assert budget_for(0.01, 6080) == 61  # 60.8
    assert budget_for(0.05, 50) == 3  # 2.5 rounds up
    assert budget_for(0.001, 10) == 1
    assert budget_for(1.0, 10) == 10


def test_split_is_deterministic_disjoint_and_sized():
    train, test = split_rows(100, 0.2, seed=3)
    assert len(test) == 20 and len(train) == 80
    assert not set(train) & set(test) and set(train) | set(test) == set(range(100))
    again = split_rows(100, 0.2, seed=3)
    assert train.tolist() == again[0].tolist()
    assert split_rows(100, 0.2, seed=4)[1].tolist() != test.tolist()
    with pytest.raises(ConfigError, match=r"^test_fraction must be in \(0, 1\)"):
        split_rows(100, 1.0, seed=0)


def test_bad_options_are_one_sentence_config_errors():
    with pytest.raises(
        ConfigError, match="Unknown coreset method 'kmeans'; the methods are random"
    ):
        check_options(["kmeans"], [0.1], 1, None)
    for bad in (0.0, 1.5, -0.1):
        with pytest.raises(ConfigError, match=r"in \(0, 1\]"):
            check_options(["random"], [bad], 1, None)
    with pytest.raises(ConfigError) as error:
        check_options(["score_topk"], [0.1], 1, None)
    assert str(error.value) == "The coreset method score_topk needs score_column."
    assert error.value.for_cli() == "The coreset method score_topk needs --score-column."
    check_options(list(METHODS), [1.0, 0.5], 1, None)


@pytest.mark.parametrize("method", METHODS)
def test_every_method_meets_the_budget_exactly_and_is_deterministic(method, tmp_path):
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(120, 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    labels = np.arange(120) % 3
    first = np.sort(select(method, vectors, labels, 13, 0, tmp_path))
    assert len(first) == 13 and len(set(first.tolist())) == 13
    assert np.sort(select(method, vectors, labels, 13, 0, tmp_path)).tolist() == first.tolist()
    if method == "facility_location":  # the seed is not used: std 0 is honest
        assert np.sort(select(method, vectors, labels, 13, 1, tmp_path)).tolist() == first.tolist()
    if method in PREFIX_METHODS:  # the bench reuses one large run's order for small budgets
        larger = select(method, vectors, labels, 60, 0, tmp_path)
        assert np.sort(larger[:13]).tolist() == first.tolist()
    if method == "stratified":  # 13 over three strata of 40: 5, 4, 4 (largest remainder)
        assert sorted(np.bincount(labels[first]).tolist()) == [4, 4, 5]


def test_end_to_end_writes_results_report_and_png(tmp_path):
    corpus = _toy_corpus(tmp_path / "toy.jsonl")
    out = tmp_path / "out"
    results = run_coreset_bench(
        str(corpus),
        out,
        methods=["random", "kcenter_greedy"],
        fractions=[0.1, 1.0],
        seeds=2,
        encoder=AxisEncoder(),
        log=lambda *_: None,
    )
    assert results["train"]["rows"] == 32 and results["test"]["rows"] == 8
    assert results["full"]["embedding"] == 1.0
    saved = json.loads((out / "results.json").read_text())
    assert set(saved) >= {"command", "train", "test", "full", "runs", "summary", "methods"}
    assert len(saved["runs"]) == 2 * 2 * 2
    run = saved["runs"][0]
    assert set(run) >= {"method", "fraction", "seed", "budget", "accuracy", "coverage"}
    assert [r["budget"] for r in saved["runs"][:4]] == [3, 3, 32, 32]
    full_rows = [r for r in saved["summary"] if r["fraction"] == 1.0]
    for row in full_rows:  # all rows selected: the full-data probe, radius 0, KL 0
        assert row["embedding"]["mean"] == 1.0 and row["of_full"]["embedding"] == 1.0
        assert row["kcenter_radius"]["mean"] == pytest.approx(0.0, abs=1e-6)
        assert row["label_kl"]["mean"] == pytest.approx(0.0)
        assert row["vs_random"]["embedding"] == 0.0
    report = (out / "report.md").read_text()
    assert "| method | 0.1 | 1 |" in report
    assert "| random | " in report and "| kcenter_greedy | " in report
    assert "full data: 1.0000" in report
    assert (out / "coreset.png").read_bytes().startswith(PNG_MAGIC)


def test_difficulty_methods_read_the_probe_margin_or_the_score_column(tmp_path):
    corpus = _toy_corpus(tmp_path / "toy.jsonl")
    new = ["typiclust", "probcover", "ccs", "d2_pruning"]
    kwargs = dict(fractions=[0.1, 0.5], seeds=1, encoder=AxisEncoder(), log=lambda *_: None)
    results = run_coreset_bench(str(corpus), tmp_path / "a", methods=new, **kwargs)
    assert results["difficulty"].startswith("probe margin")
    assert [r["budget"] for r in results["runs"]] == [3, 16] * 4
    assert all(r["classes_seen"] >= 1 for r in results["runs"])
    results = run_coreset_bench(
        str(corpus), tmp_path / "b", methods=["ccs"], score_column="id", **kwargs
    )
    assert results["difficulty"] == "id"
    assert results["runs"][0]["method"] == "ccs"


def test_score_methods_take_the_hard_end_given(tmp_path):
    # scores 0..59 with prune_hard 0.1 (the default): 'high' prunes 54..59, 'low' prunes 0..5
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(60, 4)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    labels, scores = np.zeros(60, int), np.arange(60.0)
    high = select("ccs", vectors, labels, 54, 0, tmp_path, scores, hard="high")
    low = select("ccs", vectors, labels, 54, 0, tmp_path, scores, hard="low")
    assert sorted(high.tolist()) == list(range(54))
    assert sorted(low.tolist()) == list(range(6, 60))


def test_cli_help_and_one_line_errors(tmp_path):
    runner = CliRunner()
    assert runner.invoke(main, ["bench", "coreset", "--help"]).exit_code == 0
    corpus = _toy_corpus(tmp_path / "toy.jsonl")
    result = runner.invoke(
        main,
        [
            "bench",
            "coreset",
            "--train",
            str(corpus),
            "--methods",
            "random,nope",
            "-o",
            str(tmp_path / "o"),
        ],
    )
    assert result.exit_code == 1
    assert "Unknown coreset method 'nope'" in result.output and "Traceback" not in result.output
    result = runner.invoke(
        main,
        [
            "bench",
            "coreset",
            "--train",
            str(corpus),
            "--fractions",
            "0.1,x",
            "-o",
            str(tmp_path / "o"),
        ],
    )
    assert result.exit_code == 1 and "--fractions must be comma-separated" in result.output
    result = runner.invoke(
        main,
        [
            "bench",
            "coreset",
            "--train",
            str(corpus),
            "--label-column",
            "topic",
            "-o",
            str(tmp_path / "o"),
        ],
    )
    assert result.exit_code == 1 and "no field 'topic'" in result.output
    result = runner.invoke(
        main,
        [
            "bench",
            "coreset",
            "--train",
            str(corpus),
            "--model",
            str(tmp_path),
            "-o",
            str(tmp_path / "o"),
        ],
    )
    assert result.exit_code == 1 and "not a local sentence-transformers model" in result.output
    help_text = runner.invoke(main, ["bench", "coreset", "--help"]).output
    assert "--model" in help_text and "--cache-dir" in help_text
    assert "0.005,0.01,0.02,0.05,0.1,0.2,0.5" in help_text


@pytest.mark.slow
def test_real_ag_news_smoke(tmp_path):
    source = shared_file("ag_news", "ag_news_test.jsonl.gz")
    from tests.conftest import read_jsonl_gz

    records = read_jsonl_gz(source)[::19]  # 400 docs, all four classes
    small = tmp_path / "ag.jsonl"
    small.write_text("".join(json.dumps(r) + "\n" for r in records))
    results = run_coreset_bench(
        str(small),
        tmp_path / "out",
        methods=["random", "stratified", "kcenter_greedy"],
        fractions=[0.1, 0.5],
        seeds=2,
        log=lambda *_: None,
    )
    assert results["full"]["embedding"] > 0.7  # MiniLM separates AG News topics well
    assert all(r["budget"] in (32, 160) for r in results["runs"])


@pytest.mark.slow
def test_real_ag_news_smoke_new_methods_and_embedding_cache(tmp_path):
    """300 AG News docs, 1 seed: the new selectors run end to end with an explicit --model, and
    a rerun reads every vector back from --cache-dir (same numbers)."""
    from dataprep.embed.encoder import default_model_path
    from tests.conftest import read_jsonl_gz

    records = read_jsonl_gz(shared_file("ag_news", "ag_news_test.jsonl.gz"))[::25][:300]
    small = tmp_path / "ag.jsonl"
    small.write_text("".join(json.dumps(r) + "\n" for r in records))
    kwargs = dict(
        methods=["random", "typiclust", "probcover", "ccs", "d2_pruning"],
        fractions=[0.02, 0.1],
        seeds=1,
        model=default_model_path(),
        cache_dir=str(tmp_path / "cache"),
        log=lambda *_: None,
    )
    first = run_coreset_bench(str(small), tmp_path / "a", **kwargs)
    assert first["model"] == default_model_path()
    assert [r["budget"] for r in first["runs"]] == [5, 24] * 5
    assert any((tmp_path / "cache").rglob("part-*.arrow"))
    again = run_coreset_bench(str(small), tmp_path / "b", **kwargs)
    assert [r["accuracy"] for r in again["runs"]] == [r["accuracy"] for r in first["runs"]]
