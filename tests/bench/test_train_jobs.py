"""One training run of the benchmark (worker side): initial weights by seed, the rows it trains
on, determinism, adaptive arms and the returned model."""

import numpy as np
import pytest
import torch

import dataprep.bench.tiny_lm as tiny_lm
from dataprep.bench.common import read_texts
from dataprep.bench.train_arms import read_pool
from dataprep.bench.train_jobs import (
    ModelSettings,
    TrainJob,
    WorkerData,
    model_from_state,
    new_model,
    run_job,
    start_worker,
)

MODEL = ModelSettings(context=16, width=16, layers=1)
STEPS, BATCH, EVAL_EVERY = 4, 4, 2


@pytest.fixture(scope="module")
def worker(train_files):
    """The worker's data: the tiny pool, its groups and 8 validation texts."""
    pool = read_pool(train_files["pool"], "text", "source")
    threads = torch.get_num_threads()
    start_worker(pool.texts, pool.groups, read_texts(train_files["valid"], "text", 8), 1)
    yield pool
    WorkerData.texts, WorkerData.groups, WorkerData.valid = [], [], []
    torch.set_num_threads(threads)


def _job(arm="random", seed=0, **extra) -> TrainJob:
    return TrainJob(arm, seed, STEPS, BATCH, EVAL_EVERY, MODEL, **extra)


def _weights(model) -> dict[str, np.ndarray]:
    return {k: v.detach().cpu().numpy().copy() for k, v in model.state_dict().items()}


def test_seed_sets_the_initial_weights():
    first, again, other = (_weights(new_model(MODEL, s)) for s in (3, 3, 4))
    assert all(np.array_equal(first[k], again[k]) for k in first)
    assert any(not np.array_equal(first[k], other[k]) for k in first)
    model = new_model(MODEL, 0)
    assert model.context == 16 and len(model.blocks.layers) == 1
    assert model.embed.weight.shape == (tiny_lm.VOCAB, 16)


def test_start_worker_keeps_the_data():
    threads = torch.get_num_threads()
    start_worker(["a", "b"], ["g", "h"], ["v"], 1)
    try:
        assert (WorkerData.texts, WorkerData.groups, WorkerData.valid) == (
            ["a", "b"],
            ["g", "h"],
            ["v"],
        )
        assert torch.get_num_threads() == 1
    finally:
        WorkerData.texts, WorkerData.groups, WorkerData.valid = [], [], []
        torch.set_num_threads(threads)


def test_static_job_trains_on_its_rows_in_order(worker, monkeypatch):
    seen: list[list[str]] = []
    real_train = tiny_lm.train

    def spy(model, batches, **kwargs):
        def recorded():
            for texts in batches:
                seen.append(list(texts))
                yield texts

        return real_train(model, recorded(), **kwargs)

    monkeypatch.setattr(tiny_lm, "train", spy)
    rows = np.array([5, 9, 1, 1, 30, 7, 2, 8, 100, 150, 199, 0, 3, 4, 6, 10])
    result = run_job(_job(rows=rows))
    expected = [[worker.texts[i] for i in rows[s : s + BATCH]] for s in range(0, 16, BATCH)]
    assert seen[: len(expected)] == expected
    assert (result["arm"], result["seed"]) == ("random", 0)
    curve = result["curve"]
    assert curve["eval_steps"] == [2, 4] and len(curve["train_loss"]) == STEPS
    assert "weights" not in result and "model" not in result and result["seconds"] >= 0


def test_same_rows_and_seed_give_the_same_curve(worker):
    rows = np.arange(16)
    first = run_job(_job(rows=rows))
    second = run_job(_job(arm="linear", rows=rows))  # the arm's name plays no part
    assert first["curve"] == second["curve"]
    other_rows = run_job(_job(rows=np.arange(100, 116)))
    assert other_rows["curve"]["train_loss"] != first["curve"]["train_loss"]
    other_seed = run_job(_job(seed=1, rows=rows))
    assert other_seed["curve"]["train_loss"] != first["curve"]["train_loss"]


def test_keep_model_returns_weights_that_reproduce_the_final_loss(worker):
    result = run_job(_job(rows=np.arange(16), keep_model=True))
    state = result["model"]
    assert all(isinstance(v, np.ndarray) for v in state.values())
    model = model_from_state(MODEL, state)
    assert not model.training
    final = tiny_lm.evaluate(model, WorkerData.valid)
    assert round(final, 5) == result["curve"]["eval_loss"][-1]


def test_odm_job_samples_only_its_subset_by_group(worker, monkeypatch):
    subset = np.arange(0, 60, 2)  # even rows: every group (i % 3) is there
    seen: list[str] = []
    real_train = tiny_lm.train

    def spy(model, batches, **kwargs):
        def recorded():
            for texts in batches:
                seen.extend(texts)
                yield texts

        return real_train(model, recorded(), **kwargs)

    monkeypatch.setattr(tiny_lm, "train", spy)
    result = run_job(_job(arm="odm", subset=subset, rule="odm"))
    assert set(seen) <= {worker.texts[i] for i in subset}
    weights = result["weights"]
    assert weights["rule"] == "odm" and weights["updates"] == STEPS
    assert sorted(weights["groups"]) == ["news", "science", "stories"]
    assert sum(weights["sizes"]) == len(subset)
    assert sum(weights["current_weights"]) == pytest.approx(1.0)
    assert result["curve"]["eval_steps"] == [2, 4]


def test_doremi_job_uses_the_reference_model(worker):
    subset = np.arange(0, 60, 2)
    reference = run_job(_job(rows=np.arange(16), keep_model=True))["model"]
    common = dict(
        subset=subset, rule="doremi", rule_params={"vocab_size": tiny_lm.VOCAB}, reference=reference
    )
    result = run_job(_job(arm="doremi", **common))
    weights = result["weights"]
    assert weights["rule"] == "doremi" and weights["updates"] == STEPS
    assert sum(weights["current_weights"]) == pytest.approx(1.0)
    # another reference model gives other excess losses, hence other weights
    other = run_job(_job(rows=np.arange(100, 116), keep_model=True))["model"]
    changed = run_job(_job(arm="doremi", **{**common, "reference": other}))
    assert changed["weights"]["current_weights"] != weights["current_weights"]
    # the same job again: the same weights and curve
    again = run_job(_job(arm="doremi", **common))
    assert again["weights"]["current_weights"] == weights["current_weights"]
    assert again["curve"] == result["curve"]
