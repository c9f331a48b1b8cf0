"""The sampler's feedback methods: DoReMi per token through ``update_excess`` by hand, the draws
follow the updated weights (chi-square), exact resume, errors."""

import json
import math

import numpy as np
import pytest

from dataprep.errors import ConfigError
from dataprep.sampling.sampler import AdaptiveSampler

LABELS = np.repeat(["a", "b", "c"], [600, 300, 100])
CHI2_DF2_999 = 13.8155  # scipy.stats.chi2.ppf(0.999, df=2)


def doremi_sampler(**kwargs):
    params = {"vocab_size": 100} | kwargs.pop("rule_params", {})
    return AdaptiveSampler(LABELS, weights="uniform", rule="doremi", rule_params=params, **kwargs)


def test_update_excess_three_updates_by_hand():
    sampler = doremi_sampler()
    c, k = 1e-3, 3

    def step(alpha, lam):
        z = alpha * np.exp(lam)
        return (1 - c) * z / z.sum() + c / k

    alpha0 = np.full(3, 1 / 3)
    # 1: per token with a mask. Excess clipped per token: row0 [2, 0], row1 [1, (-1 masked)],
    # row2 [0, 1] -> a = (2 + 0 + 0 + 1) / 4, b = 1 / 1, c absent: keeps ln 100.
    sampler.update_excess(
        ["a", "b", "a"],
        [[3.0, 1.0], [2.0, 2.0], [1.0, 1.0]],
        [[1.0, 2.0], [1.0, 3.0], [2.0, 0.0]],
        [[1, 1], [1, 0], [1, 1]],  # token_mask, positional as a training loop may pass it
    )
    alpha1 = step(alpha0, np.array([0.75, 1.0, math.log(100)]))
    np.testing.assert_allclose(sampler.weights_, alpha1, rtol=1e-12, atol=0)
    # 2: no mask. c = (0 + 1) / 2, b = (1 + 1) / 2, a keeps 0.75.
    sampler.update_excess(["c", "b"], np.array([[2.0, 2.0], [1.0, 1.0]]), [[2.5, 1.0], [0, 0]])
    alpha2 = step(alpha1, np.array([0.75, 1.0, 0.5]))
    np.testing.assert_allclose(sampler.weights_, alpha2, rtol=1e-12, atol=0)
    # 3: per-example means with token counts: a = (3 * 1 + 1 * 0.5) / 4, b keeps 1, c keeps 0.5
    weights = sampler.update_excess(
        np.array(["a", "a"]), [2.0, 1.5], [1.0, 1.0], token_counts=[3, 1]
    )
    alpha3 = step(alpha2, np.array([0.875, 1.0, 0.5]))
    np.testing.assert_allclose(list(weights.values()), alpha3, rtol=1e-12, atol=0)
    np.testing.assert_allclose(
        sampler.rule_.average_weights, (alpha0 + alpha1 + alpha2 + alpha3) / 4, rtol=1e-12
    )
    assert sampler.updates_ == 3 and len(sampler.weight_history) == 4


def test_update_excess_accepts_cpu_tensors_and_explains_others():
    torch = pytest.importorskip("torch")
    sampler = doremi_sampler()
    losses = torch.tensor([[3.0, 1.0]], dtype=torch.float32)
    sampler.update_excess(["a"], losses, torch.zeros(1, 2), token_mask=torch.ones(1, 2))
    np.testing.assert_allclose(sampler.rule_.scores_[0], 2.0)
    with pytest.raises(ConfigError, match="detach"):
        sampler.update_excess(["a"], losses.requires_grad_(), torch.zeros(1, 2))


def chi_square(sampler, n=60_000):
    counts = np.bincount(sampler.group_codes_[sampler.draw(n)], minlength=3)
    expected = n * sampler.weights_
    return float(((counts - expected) ** 2 / expected).sum())


@pytest.mark.parametrize("rule", ["odm", "doremi"])
def test_draws_after_updates_follow_the_updated_weights(rule):
    sampler = AdaptiveSampler(
        LABELS,
        weights="uniform",
        rule=rule,
        rule_params={"warmup_steps": 100} if rule == "odm" else None,
        floor=0.01,
        seed=11,
    )
    rng = np.random.default_rng(0)
    for _ in range(30):
        rows = sampler.draw(64)
        groups = LABELS[rows]
        losses = np.where(groups == "c", 3.0, 1.0)[:, None] + rng.random((64, 8))
        if rule == "odm":
            sampler.update(sampler.mean_loss_by_group(groups, losses.mean(axis=1)))
        else:
            sampler.update_excess(groups, losses, np.ones((64, 8)))
    weights = sampler.weights_.copy()
    assert weights[2] > 0.5  # moved towards c, far from uniform
    assert chi_square(sampler) < CHI2_DF2_999
    # the test has power: the same draws against the uniform start are rejected
    uniform = AdaptiveSampler(LABELS, weights="uniform", seed=11)
    uniform.set_weights(weights)
    counts = np.bincount(uniform.group_codes_[uniform.draw(60_000)], minlength=3)
    assert float(((counts - 20_000) ** 2 / 20_000).sum()) > 100 * CHI2_DF2_999


def test_resume_after_update_excess_equals_the_uninterrupted_stream():
    def run(sampler, steps, start=0):
        out = []
        for step in range(start, steps):
            batch = sampler.draw(37)
            out.append(batch)
            tokens = np.where(LABELS[batch] == "b", 3.0, 1.0)[:, None] + 0.01 * step
            sampler.update_excess(LABELS[batch], tokens + np.zeros((37, 4)), np.ones((37, 4)))
        return out

    make = lambda: doremi_sampler(floor=0.02, seed=9)  # noqa: E731
    full = run(make(), 30)
    first = make()
    run(first, 12)
    resumed = make()
    resumed.load_state_dict(json.loads(json.dumps(first.state_dict())))
    rest = run(resumed, 30, start=12)
    np.testing.assert_array_equal(np.concatenate(full[12:]), np.concatenate(rest))


def test_feedback_errors():
    with pytest.raises(ConfigError, match="update needs an online rule"):
        AdaptiveSampler(LABELS).update({"a": 1.0})
    with pytest.raises(ConfigError, match="update_excess needs an online rule; use rule='doremi'"):
        AdaptiveSampler(LABELS, rule="odm").update_excess(["a"], [[1.0]], [[1.0]])
    with pytest.raises(ConfigError, match="unknown group 'z'"):
        doremi_sampler().update_excess(["a", "z"], [[1.0], [1.0]], [[1.0], [1.0]])
    with pytest.raises(ConfigError, match="non-finite loss"):
        AdaptiveSampler(LABELS, rule="odm").update({"a": float("nan")})
    with pytest.raises(ConfigError, match="reference_losses"):
        doremi_sampler().update({"a": 1.0})
