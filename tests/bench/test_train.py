"""The training benchmark end to end on a tiny synthetic pool (tests/bench/conftest.py), its
settings checks and the summary of hand-built runs."""

import hashlib
import json
import math
import subprocess
import sys

import numpy as np
import pytest
from conftest import REPO, SHARED_DATA

import dataprep.bench.train as train_module
import dataprep.bench.train_jobs as train_jobs
from dataprep.bench.tiny_lm import VOCAB
from dataprep.bench.train import (
    DEFAULT_ARMS,
    InlineExecutor,
    TrainBench,
    finite,
    make_executor,
    run_train_bench,
    summarize,
)
from dataprep.bench.train_arms import ARMS, REFERENCE_COLUMN, kept_ids
from dataprep.bench.train_jobs import ModelSettings
from dataprep.errors import ConfigError

ARMS_RUN = ("linear", "odm", "doremi", "perplexity_middle", "dsir")  # random comes first anyway
SMALL = dict(
    seeds=2,
    steps=4,
    eval_every=2,
    batch_size=4,
    valid_limit=8,
    workers=0,
    model=ModelSettings(context=16, width=16, layers=1),
)


def test_default_arms_are_known_and_random_first():
    assert set(DEFAULT_ARMS) <= set(ARMS) and DEFAULT_ARMS[0] == "random"
    assert TrainBench().arms == DEFAULT_ARMS


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"arms": ("random", "cosine")}, "Unknown arm 'cosine'; choose among random, filter, "),
        ({"seeds": 0}, r"^seeds must be at least 1. Got 0.$"),
        ({"steps": 0}, r"^steps must be at least 1. Got 0.$"),
        ({"batch_size": 0}, r"^batch_size must be at least 1. Got 0.$"),
        ({"eval_every": 0}, r"^eval_every must be at least 1. Got 0.$"),
        ({"valid_limit": 0}, r"^valid_limit must be at least 1. Got 0.$"),
        ({"fraction": 0.0}, r"fraction must be in \(0, 1\]. Got 0.0 instead."),
        ({"fraction": 1.5}, r"fraction must be in \(0, 1\]. Got 1.5 instead."),
        ({"workers": -1}, "workers must be at least 0. Got -1 instead."),
    ],
)
def test_bad_settings_are_config_errors(settings, message):
    with pytest.raises(ConfigError, match=message):
        TrainBench(**settings).check()


def test_good_settings_pass():
    TrainBench(fraction=1.0, workers=0, seeds=1).check()


def test_dsir_without_target_fails_before_reading(tmp_path):
    missing = tmp_path / "none.jsonl"  # never opened: the check comes first
    with pytest.raises(ConfigError, match=r"^The dsir arm needs a target sample: pass target\.$"):
        run_train_bench(missing, missing, tmp_path / "out", TrainBench(arms=("random", "dsir")))
    assert not (tmp_path / "out").exists()


def test_inline_executor_runs_at_once():
    calls = []
    with InlineExecutor(lambda *args: calls.append(args), (1, 2)) as executor:
        assert calls == [(1, 2)]  # the initializer ran once, with initargs
        future = executor.submit(lambda a, b: a * b, 6, 7)
        assert future.done() and future.result() == 42
    assert isinstance(make_executor(0, ([], [], [], 1)), InlineExecutor)


def test_finite_turns_inf_into_none():
    assert finite(math.inf) is None and finite(40.0) == 40.0 and finite(0.0) == 0.0


def _run(loss, weights=None):
    run = {"curve": {"eval_steps": [2, 4], "eval_loss": loss, "train_loss": [9, 8, 7, 6]}}
    run["seconds"] = 1.5
    if weights is not None:
        run["weights"] = {"groups": ["a", "b"], "current_weights": weights}
    return run


def test_summarize_hand_built_runs():
    runs = {
        "random": {0: _run([5.0, 4.0]), 1: _run([5.0, 3.0])},  # finals 4, 3: target 3.5
        "odm": {0: _run([3.5, 3.0], [0.123456, 0.876544]), 1: _run([3.5, 2.0], [0.5, 0.5])},
        "linear": {0: _run([6.0, 5.0]), 1: _run([6.0, 5.0])},
    }
    plans = {(arm, s): {"unique": 10 + s, "prep_seconds": 0.5} for arm in runs for s in (0, 1)}
    summary = summarize(runs, plans, ["random", "odm", "linear"], TrainBench(seeds=2))
    assert summary["eval_steps"] == [2, 4] and summary["random_final_loss"] == 3.5
    assert list(summary["arms"]) == ["random", "odm", "linear"]
    odm = summary["arms"]["odm"]
    # finals [3, 2]: mean 2.5, sd sqrt(0.5), half-width t(0.975, 1) * sqrt(0.5) / sqrt(2) = 6.353
    assert odm["final_loss"]["mean"] == 2.5
    assert odm["final_loss"]["high"] == pytest.approx(2.5 + 12.706205 / 2, abs=1e-4)
    # paired differences [3 - 4, 2 - 3] = [-1, -1]: the interval collapses
    assert odm["vs_random"]["low"] == odm["vs_random"]["high"] == -1.0
    # mean curve [3.5, 2.5] reaches 3.5 at step 2; resamples (0, 0) at 2, (1, 1) at 4
    reach = odm["steps_to_random_final"]
    assert (reach["steps"], reach["fraction"], reach["low"], reach["high"]) == (2.0, 0.5, 2.0, 4.0)
    assert odm["mean_curve"] == [3.5, 2.5]
    assert odm["unique_rows"] == [10, 11] and odm["prep_seconds"] == [0.5, 0.5]
    assert odm["train_seconds"] == [1.5, 1.5]
    assert odm["runs"]["1"] == runs["odm"][1]["curve"]
    assert odm["final_weights"] == {"0": {"a": 0.1235, "b": 0.8765}, "1": {"a": 0.5, "b": 0.5}}
    random = summary["arms"]["random"]
    assert random["steps_to_random_final"]["steps"] == 4.0
    assert random["vs_random"]["mean"] == 0.0 and "final_weights" not in random
    never = summary["arms"]["linear"]["steps_to_random_final"]
    assert never["steps"] is None and never["high"] is None and never["fraction"] is None
    assert never["reached_share"] == 0.0
    json.dumps(summary, allow_nan=False)  # no inf or NaN reaches results.json


def _fingerprint(model) -> str:
    digest = hashlib.sha256()
    for value in model.state_dict().values():
        digest.update(value.detach().cpu().numpy().tobytes())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def bench_run(train_files, tmp_path_factory, one_torch_thread):
    """One run of random + ARMS_RUN at 2 seeds, recording every job's initial weights and the
    models the harness hands on as references."""
    jobs, initial, models, references, logs = [], [], {}, [], []
    real_new_model, real_run_job = train_jobs.new_model, train_module.run_job
    real_reference = train_module.reference_perplexity

    def new_model(settings, seed):
        model = real_new_model(settings, seed)
        initial.append(_fingerprint(model))
        return model

    def run_job(job):
        start = len(initial)
        result = real_run_job(job)
        jobs.append((job, initial[start]))  # the first model a job makes is the one it trains
        if "model" in result:
            models[(job.arm, job.seed)] = result["model"]
        return result

    def reference_perplexity(settings, state, texts):
        references.append(state)
        return real_reference(settings, state, texts)

    out = tmp_path_factory.mktemp("bench") / "out"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(train_jobs, "new_model", new_model)
        patch.setattr(train_module, "run_job", run_job)
        patch.setattr(train_module, "reference_perplexity", reference_perplexity)
        results = run_train_bench(
            train_files["pool"],
            train_files["valid"],
            out,
            TrainBench(arms=ARMS_RUN, **SMALL),
            target=train_files["target"],
            command="dataprep bench train (test)",
            log=logs.append,
            keep_work=True,
        )
    return {
        "out": out,
        "results": results,
        "jobs": jobs,
        "models": models,
        "references": references,
        "logs": logs,
    }


def test_results_json_has_every_arm_and_seed(bench_run):
    out, results = bench_run["out"], bench_run["results"]
    saved = json.loads((out / "results.json").read_text())
    assert saved == json.loads(json.dumps(results))
    assert saved["eval_steps"] == [2, 4]
    assert list(saved["arms"]) == ["random", *ARMS_RUN]
    for name, arm in saved["arms"].items():
        assert list(arm["runs"]) == ["0", "1"], name
        for curve in arm["runs"].values():
            assert curve["eval_steps"] == [2, 4] and len(curve["eval_loss"]) == 2
            assert len(curve["train_loss"]) == 4
            assert all(math.isfinite(v) and 0 < v < 10 for v in curve["eval_loss"])
        finals = [curve["eval_loss"][-1] for curve in arm["runs"].values()]
        assert arm["final_loss"]["mean"] == pytest.approx(np.mean(finals))
        assert arm["final_loss"]["n"] == 2
        assert set(arm["steps_to_random_final"]) == {
            "steps",
            "low",
            "high",
            "fraction",
            "fraction_low",
            "fraction_high",
            "reached_share",
        }
    random = saved["arms"]["random"]
    assert saved["random_final_loss"] == pytest.approx(random["final_loss"]["mean"])
    assert random["vs_random"]["mean"] == random["vs_random"]["low"] == 0.0
    for name in ("odm", "doremi"):
        weights = saved["arms"][name]["final_weights"]
        assert list(weights) == ["0", "1"]
        assert sorted(weights["0"]) == ["news", "science", "stories"]
        assert sum(weights["0"].values()) == pytest.approx(1.0, abs=1e-3)


def test_results_settings_and_provenance(bench_run):
    results = bench_run["results"]
    settings = results["settings"]
    assert settings["arms"] == ["random", *ARMS_RUN]
    assert settings["pool_documents"] == 200 and settings["budget_rows"] == 50
    assert settings["pool_groups"] == {"news": 67, "science": 67, "stories": 66}
    assert settings["valid_documents"] == 8
    assert settings["target"].endswith("target.jsonl")
    assert settings["model"] == {"context": 16, "width": 16, "layers": 1, "learning_rate": 3e-3}
    assert (settings["seeds"], settings["steps"], settings["batch_size"]) == (2, 4, 4)
    assert results["command"] == "dataprep bench train (test)"
    provenance = results["provenance"]
    assert len(provenance["commit"]) in (0, 40) and provenance["device"]
    assert provenance["torch"] and provenance["numpy"] == np.__version__


def test_unique_rows_are_the_budget(bench_run):
    arms = bench_run["results"]["arms"]
    for name in ("random", "dsir", "perplexity_middle", "odm", "doremi"):
        assert arms[name]["unique_rows"] == [50, 50], name
    # 'linear' trains 16 samples of the random subset: at most 16 distinct rows
    assert all(1 <= n <= 16 for n in arms["linear"]["unique_rows"])


def test_seed_s_of_every_arm_starts_from_the_same_weights(bench_run):
    jobs = bench_run["jobs"]
    assert sorted((job.arm, job.seed) for job, _ in jobs) == sorted(
        (arm, s) for arm in ("random", *ARMS_RUN) for s in (0, 1)
    )
    by_seed = {s: {fingerprint for job, fingerprint in jobs if job.seed == s} for s in (0, 1)}
    assert len(by_seed[0]) == len(by_seed[1]) == 1
    assert by_seed[0] != by_seed[1]


def test_references_are_the_random_models_of_the_same_seed(bench_run):
    models = bench_run["models"]
    assert set(models) == {("random", 0), ("random", 1)}  # only random keeps its model
    references = bench_run["references"]
    assert len(references) == 2
    assert {id(r) for r in references} == {id(models[("random", s)]) for s in (0, 1)}
    for job, _ in bench_run["jobs"]:
        if job.arm == "doremi":
            assert job.reference is models[("random", job.seed)]
            assert job.rule == "doremi" and job.rule_params == {"vocab_size": VOCAB}
        elif job.arm == "odm":
            assert job.rule == "odm" and job.reference is None and len(job.subset) == 50
        else:
            assert job.rule is None and len(job.rows) == 16
            assert job.keep_model == (job.arm == "random")


def test_perplexity_middle_keeps_the_middle_band_of_the_reference(bench_run):
    import pyarrow.parquet as pq

    work = bench_run["out"] / "work"
    for seed in (0, 1):
        table = pq.read_table(work / f"reference-seed{seed}.parquet")
        perplexity = np.array(table.column(REFERENCE_COLUMN).to_pylist())
        assert len(perplexity) == 200 and (perplexity > 1).all()
        ids = table.column("id").to_pylist()
        ranked = [ids[i] for i in np.lexsort((np.arange(200), perplexity))]
        kept = kept_ids(work / f"perplexity_middle-seed{seed}")
        assert sorted(kept) == sorted(ranked[75:125])  # ranks (200 - 50) // 2 .. + 50
    first = pq.read_table(work / "reference-seed0.parquet").column(REFERENCE_COLUMN)
    second = pq.read_table(work / "reference-seed1.parquet").column(REFERENCE_COLUMN)
    assert first.to_pylist() != second.to_pylist()  # each seed's own reference model


def test_report_and_plot(bench_run):
    out = bench_run["out"]
    report = (out / "report.md").read_text()
    for name in ("random", *ARMS_RUN):
        assert f"\n| {name} | " in report
    assert "Command: `dataprep bench train (test)`" in report
    assert (out / "train.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (out / "work").is_dir()  # keep_work=True
    logs = bench_run["logs"]
    assert "prepare linear seed 0" in logs and "prepare dsir seed 1" in logs
    assert sum(line.startswith("done ") for line in logs) == 12


def test_random_arm_is_the_same_inline_twice(bench_run, train_files, tmp_path, one_torch_thread):
    results = run_train_bench(
        train_files["pool"],
        train_files["valid"],
        tmp_path / "again",
        TrainBench(arms=("random",), **SMALL),
        log=lambda line: None,
    )
    assert list(results["arms"]) == ["random"]
    assert results["arms"]["random"]["runs"] == bench_run["results"]["arms"]["random"]["runs"]
    assert not (tmp_path / "again" / "work").exists()  # removed without keep_work


@pytest.mark.slow
def test_worker_processes_give_the_inline_curves(bench_run, train_files, tmp_path, monkeypatch):
    # A spawned worker needs the real (importable) initializer, not one_torch_thread's; one
    # CPU makes it use one torch thread as the inline runs did (the thread count changes the
    # float sums: 2 threads give train losses that differ in the 5th decimal).
    monkeypatch.setattr(train_module, "start_worker", train_jobs.start_worker)
    monkeypatch.setattr(train_module.os, "cpu_count", lambda: 1)
    results = run_train_bench(
        train_files["pool"],
        train_files["valid"],
        tmp_path / "workers",
        TrainBench(arms=("odm",), **{**SMALL, "workers": 1}),
        log=lambda line: None,
    )
    inline = bench_run["results"]["arms"]
    for name in ("random", "odm"):
        assert results["arms"][name]["runs"] == inline[name]["runs"], name


@pytest.mark.slow
def test_real_pool_small_run(tmp_path, one_torch_thread):
    if not (SHARED_DATA / "wikitext-2").is_dir():
        pytest.skip(f"real corpora not available: {SHARED_DATA}")
    data = tmp_path / "data"
    subprocess.run(
        [
            sys.executable,
            REPO / "benchmarks" / "train_pool.py",
            "--out",
            data,
            "--per-source",
            "20",
        ],
        check=True,
        capture_output=True,
    )
    bench = TrainBench(arms=("dsir", "perplexity_middle", "odm"), **{**SMALL, "seeds": 1})
    results = run_train_bench(
        data / "pool.jsonl",
        data / "valid.jsonl",
        tmp_path / "out",
        bench,
        target=data / "target.jsonl",
        log=lambda line: None,
    )
    settings = results["settings"]
    assert len(settings["pool_groups"]) == 13 and settings["pool_groups"]["sst2"] == 20
    budget = settings["budget_rows"]
    assert budget == int(0.25 * settings["pool_documents"] + 0.5)
    for name in ("random", "perplexity_middle", "odm"):
        assert results["arms"][name]["unique_rows"] == [budget], name
    # DSIR never keeps rows under 100 tokens, so it may keep fewer than the budget
    assert 0 < results["arms"]["dsir"]["unique_rows"][0] <= budget
    assert (tmp_path / "out" / "report.md").is_file()
