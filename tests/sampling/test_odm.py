"""ODM against hand-computed traces of the authors' update rules (online-data-mixing @ edbfdad,
megatron/data/data_sampling_utils.py: SmoothedMeanWeightUpdater.group_update and
Exp3WeightUpdater.group_update) and of the paper's Algorithm 1, plus each variant's long run."""

import json
import math

import numpy as np
import pytest

from dataprep.errors import ConfigError
from dataprep.sampling.odm import ODM

NAN = np.nan


def eps(k, t):
    """The repo's exploration rate: min(1/K, sqrt(ln K / (K t)))."""
    return min(1 / k, math.sqrt(math.log(k) / (k * t)))


def run(rule, groups, losses, probs):
    rule.check_params(groups)
    rule.start(groups, np.asarray(probs))
    out = []
    for step in losses:
        probs = rule.step(np.array(step, dtype=float), np.asarray(probs))
        out.append(probs)
    return out


def test_smoothed_mean_three_groups_four_updates_by_hand():
    # alpha 0.5, 2000 warm-up steps as in the repo's scripts -> t = 2001..2004 in eps_t.
    losses = [[2.0, 1.0, NAN], [1.5, NAN, 3.0], [1.0, 2.0, 2.5], [NAN, 0.5, NAN]]
    got = run(ODM(alpha=0.5, warmup_steps=2000), ["a", "b", "c"], losses, np.full(3, 1 / 3))
    e = math.exp
    # update 1: R_a = 0.5*0 + 0.5 e^2, R_b = 0.5 e^1, R_c stays 0 (never rewarded)
    r = np.array([0.5 * e(2.0), 0.5 * e(1.0), 0.0])
    p1 = (1 - 3 * eps(3, 2001)) * r / r.sum() + eps(3, 2001)
    # update 2: a and c rewarded, b keeps its R
    r = np.array([0.5 * r[0] + 0.5 * e(1.5), r[1], 0.5 * 0.0 + 0.5 * e(3.0)])
    p2 = (1 - 3 * eps(3, 2002)) * r / r.sum() + eps(3, 2002)
    # update 3: all three
    r = 0.5 * r + 0.5 * np.array([e(1.0), e(2.0), e(2.5)])
    p3 = (1 - 3 * eps(3, 2003)) * r / r.sum() + eps(3, 2003)
    # update 4: only b
    r = np.array([r[0], 0.5 * r[1] + 0.5 * e(0.5), r[2]])
    p4 = (1 - 3 * eps(3, 2004)) * r / r.sum() + eps(3, 2004)
    for actual, expected in zip(got, [p1, p2, p3, p4], strict=True):
        np.testing.assert_allclose(actual, expected, rtol=1e-12, atol=0)
    # c had no reward after update 1: only the exploration share
    assert got[0][2] == pytest.approx(eps(3, 2001), rel=1e-12)


def test_smoothed_mean_is_uniform_while_eps_is_one_over_k():
    # Without warm-up, eps_t = 1/K for t <= K ln K: (1 - K eps_t) = 0 and pi is uniform.
    got = run(ODM(), ["a", "b"], [[1.0, 3.0]], [0.5, 0.5])
    np.testing.assert_allclose(got[0], [0.5, 0.5], rtol=0, atol=1e-15)


def test_exp3_two_groups_three_updates_by_hand():
    # reward = loss / 10 / pi(i), summed; pi = (1 - 2 eps_t) softmax(eps_{t-1} R) + eps_t,
    # with eps_0 = 1/2 and t = 3 + update (warmup_steps=3).
    losses = [[2.0, 1.0], [NAN, 3.0], [1.0, 1.0]]
    rule = ODM(variant="exp3", warmup_steps=3)
    rule.check_params(["a", "b"])
    rule.start(["a", "b"], np.array([0.5, 0.5]))
    p0 = np.array([0.5, 0.5])
    p1 = rule.step(np.array(losses[0]), p0)
    p2 = rule.step(np.array(losses[1]), p1)
    p3 = rule.step(np.array(losses[2]), p2)

    def policy(eps_now, eps_before, r):
        z = np.exp(eps_before * r)
        return (1 - 2 * eps_now) * z / z.sum() + eps_now

    r = np.array([0.2 / 0.5, 0.1 / 0.5])
    e1 = policy(eps(2, 4), 0.5, r)
    r = r + np.array([0.0, 0.3 / e1[1]])
    e2 = policy(eps(2, 5), eps(2, 4), r)
    r = r + np.array([0.1 / e2[0], 0.1 / e2[1]])
    e3 = policy(eps(2, 6), eps(2, 5), r)
    for actual, expected in zip([p1, p2, p3], [e1, e2, e3], strict=True):
        np.testing.assert_allclose(actual, expected, rtol=1e-12, atol=0)
    np.testing.assert_allclose(rule.estimated_rewards, r, rtol=1e-12)


def test_paper_variant_two_groups_three_updates_by_hand():
    # Algorithm 1: R <- alpha R + (1 - alpha) loss / pi(i); softmax(eps_{t-1} R).
    rule = ODM(variant="paper", alpha=0.9, warmup_steps=3)
    rule.check_params(["a", "b"])
    rule.start(["a", "b"], np.array([0.5, 0.5]))
    p1 = rule.step(np.array([2.0, 1.0]), np.array([0.5, 0.5]))
    p2 = rule.step(np.array([NAN, 3.0]), p1)
    p3 = rule.step(np.array([1.0, 1.0]), p2)

    def policy(eps_now, eps_before, r):
        z = np.exp(eps_before * r)
        return (1 - 2 * eps_now) * z / z.sum() + eps_now

    r = np.array([0.1 * 2.0 / 0.5, 0.1 * 1.0 / 0.5])
    e1 = policy(eps(2, 4), 0.5, r)
    r = np.array([r[0], 0.9 * r[1] + 0.1 * 3.0 / e1[1]])
    e2 = policy(eps(2, 5), eps(2, 4), r)
    r = 0.9 * r + 0.1 * np.array([1.0 / e2[0], 1.0 / e2[1]])
    e3 = policy(eps(2, 6), eps(2, 5), r)
    for actual, expected in zip([p1, p2, p3], [e1, e2, e3], strict=True):
        np.testing.assert_allclose(actual, expected, rtol=1e-12, atol=0)


def long_run(variant, updates=10_000):
    rule = ODM(variant=variant)
    rule.start(["easy", "hard"], np.array([0.5, 0.5]))
    probs = np.array([0.5, 0.5])
    for _ in range(updates):
        probs = rule.step(np.array([1.0, 3.0]), probs)
    return probs


def test_smoothed_mean_long_run_tends_to_softmax_of_the_losses_and_does_not_fade():
    probs = long_run("smoothed_mean")
    # R -> exp(loss) (alpha^10000 = 0), eps_10000 = sqrt(ln 2 / 20000)
    target = np.exp([1.0, 3.0]) / np.exp([1.0, 3.0]).sum()
    e = eps(2, 10_000)
    np.testing.assert_allclose(probs, (1 - 2 * e) * target + e, rtol=1e-9)
    assert probs[1] > 0.87


def test_exp3_long_run_with_every_group_in_every_update_tends_to_the_loss_ratio():
    probs = long_run("exp3")
    # the 1/pi weight balances the growth of R where L_i / pi_i is equal: pi -> [1/4, 3/4]
    np.testing.assert_allclose(probs, [0.25, 0.75], atol=0.01)


def test_exp3_with_bandit_feedback_concentrates_on_the_high_loss_group():
    rng = np.random.default_rng(0)
    rule = ODM(variant="exp3")
    rule.start(["easy", "hard"], np.array([0.5, 0.5]))
    probs = np.array([0.5, 0.5])
    for _ in range(10_000):
        pulled = rng.choice(2, p=probs)
        losses = np.full(2, NAN)
        losses[pulled] = [1.0, 3.0][pulled]
        probs = rule.step(losses, probs)
    assert probs[1] > 0.99


def test_paper_variant_fades_to_uniform_in_long_runs():
    # eps_t -> 0 times a bounded smoothed reward (about loss / pi): documented, not a default.
    at_1000, at_10000 = long_run("paper", 1000), long_run("paper", 10_000)
    assert 0.5 < at_10000[1] < at_1000[1] < 0.52
    assert at_10000[1] < 0.506


def test_absent_groups_keep_their_reward_and_unsampled_groups_get_none():
    rule = ODM(variant="paper", alpha=0.5)
    rule.start(["a", "b", "c"], np.full(3, 1 / 3))
    rule.step(np.array([3.0, NAN, 2.0]), np.array([1 / 3, 1 / 3, 0.0]))
    np.testing.assert_allclose(rule.rewards_, [0.5 * 3.0 * 3, 0.0, 0.0], atol=1e-12)


def test_smoothed_mean_never_overflows():
    rule = ODM(alpha=0.0, warmup_steps=100)
    rule.start(["a", "b"], np.array([0.5, 0.5]))
    probs = rule.step(np.array([1e4, 1.0]), np.array([0.5, 0.5]))
    assert np.isfinite(probs).all() and probs[0] == pytest.approx(1 - eps(2, 101))


@pytest.mark.parametrize("variant", ["smoothed_mean", "exp3", "paper"])
def test_state_round_trip_continues_identically(variant):
    rule = ODM(variant=variant, alpha=0.3, warmup_steps=7)
    rule.start(["a", "b", "c"], np.full(3, 1 / 3))
    probs = rule.step(np.array([2.0, NAN, 2.5]), np.full(3, 1 / 3))
    state = json.loads(json.dumps(rule.state_dict()))
    clone = ODM(**rule.get_params())
    clone.start(["a", "b", "c"], np.full(3, 1 / 3))
    clone.load_state_dict(state)
    step = np.array([1.0, 4.0, NAN])
    np.testing.assert_array_equal(rule.step(step, probs), clone.step(step, probs))


def test_state_of_another_variant_is_refused():
    rule = ODM(variant="exp3")
    rule.start(["a", "b"], np.array([0.5, 0.5]))
    clone = ODM()
    clone.start(["a", "b"], np.array([0.5, 0.5]))
    with pytest.raises(ConfigError, match="'variant' parameter of odm must be 'exp3'"):
        clone.load_state_dict(rule.state_dict())


def test_default_reward_scale_is_the_repos():
    assert ODM().scale == 1.0 and ODM(variant="exp3").scale == 0.1
    assert ODM(variant="exp3", reward_scale=2).scale == 2.0


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (ODM(variant="ucb"), "The 'variant' parameter of odm must be one of smoothed_mean, exp3"),
        (ODM(alpha=1.0), "The 'alpha' parameter of odm must be a float in \\[0, 1\\)"),
        (ODM(reward_scale=0), "The 'reward_scale' parameter of odm must be None or a float > 0"),
        (ODM(warmup_steps=-1), "The 'warmup_steps' parameter of odm must be an int >= 0"),
    ],
)
def test_bad_parameters(rule, message):
    with pytest.raises(ConfigError, match=message):
        rule.check_params(["a", "b"])
