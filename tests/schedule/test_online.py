"""ODM and DoReMi: one step by hand to 1e-12, direction on constructed loss streams, state."""

import json
import math

import numpy as np
import pytest

from dataprep.errors import ConfigError
from dataprep.schedule.online import ODM, DoReMi, make_rule


def test_odm_two_steps_by_hand():
    rule = ODM(alpha=0.9, reward_scale=1.0)
    rule.check_params(["a", "b"])
    rule.start(["a", "b"], np.array([0.5, 0.5]))
    # Step 1: R = 0.1 * [2/0.5, 1/0.5] = [0.4, 0.2]; eps_1 = min(1/2, sqrt(ln2/2)) = 1/2.
    p1 = rule.step(np.array([2.0, 1.0]), np.array([0.5, 0.5]))
    np.testing.assert_allclose(p1, [0.5, 0.5], rtol=0, atol=1e-12)
    np.testing.assert_allclose(rule.rewards_, [0.4, 0.2], rtol=0, atol=1e-12)
    # Step 2: R = 0.9 R + 0.1 * [2/0.5, 1/0.5] = [0.76, 0.38]; eps_2 = sqrt(ln2/4);
    # pi = (1 - 2 eps_2) softmax(eps_1 R) + eps_2 with eps_1 = 0.5.
    p2 = rule.step(np.array([2.0, 1.0]), p1)
    eps2 = math.sqrt(math.log(2) / 4)
    ea, eb = math.exp(0.5 * 0.76), math.exp(0.5 * 0.38)
    expected = [(1 - 2 * eps2) * ea / (ea + eb) + eps2, (1 - 2 * eps2) * eb / (ea + eb) + eps2]
    np.testing.assert_allclose(p2, expected, rtol=0, atol=1e-12)


def test_odm_only_updates_groups_in_the_update():
    rule = ODM(alpha=0.5)
    rule.start(["a", "b", "c"], np.full(3, 1 / 3))
    rule.step(np.array([3.0, np.nan, np.nan]), np.full(3, 1 / 3))
    np.testing.assert_allclose(rule.rewards_, [0.5 * 3.0 * 3, 0.0, 0.0], atol=1e-12)


@pytest.mark.parametrize(("scale", "least"), [(1.0, 0.52), (10.0, 0.62)])
def test_odm_moves_weight_to_the_group_with_higher_loss(scale, least):
    # ODM's shift is deliberately gentle: eps_t -> 0 flattens softmax(eps R) and the 1/pi
    # importance weight lowers the reward of a group as its weight grows.
    rule = ODM(reward_scale=scale)
    rule.start(["easy", "hard"], np.array([0.5, 0.5]))
    probs = np.array([0.5, 0.5])
    for _ in range(300):
        probs = rule.step(np.array([1.0, 3.0]), probs)
    assert probs[1] > least and probs[0] < 1 - least
    assert probs.sum() == pytest.approx(1.0)


def test_odm_bandit_feedback_only_for_the_sampled_group():
    rng = np.random.default_rng(0)
    rule = ODM()
    rule.start(["easy", "hard"], np.array([0.5, 0.5]))
    probs = np.array([0.5, 0.5])
    for _ in range(300):
        pulled = rng.choice(2, p=probs)
        losses = np.full(2, np.nan)
        losses[pulled] = [1.0, 3.0][pulled]
        probs = rule.step(losses, probs)
    assert probs[1] > 0.52


def test_doremi_one_step_by_hand():
    rule = DoReMi(reference_losses={"a": 2.0, "b": 2.0, "c": 1.0}, eta=1.0, smoothing=1e-3)
    rule.check_params(["a", "b", "c"])
    rule.start(["a", "b", "c"], np.array([0.5, 0.3, 0.2]))
    out = rule.step(np.array([3.0, 1.0, 1.5]), np.full(3, 1 / 3))
    # lambda = [1, 0, 0.5]; alpha' = [0.5 e, 0.3, 0.2 e^0.5] normalized; then smoothing.
    raw = np.array([0.5 * math.e, 0.3, 0.2 * math.exp(0.5)])
    expected = (1 - 1e-3) * raw / raw.sum() + 1e-3 / 3
    np.testing.assert_allclose(out, expected, rtol=0, atol=1e-12)
    np.testing.assert_allclose(rule.average_weights, expected, rtol=0, atol=1e-12)


def test_doremi_moves_weight_to_the_group_with_higher_excess_loss():
    # b has the higher raw loss but a has the higher loss over its reference.
    rule = DoReMi(reference_losses={"a": 1.0, "b": 4.0})
    rule.start(["a", "b"], np.array([0.5, 0.5]))
    for _ in range(20):
        out = rule.step(np.array([2.0, 4.2]), np.array([0.5, 0.5]))
    assert out[0] > 0.9
    assert out.min() >= 1e-3 / 2  # the smoothing keeps a floor of c / K


def test_doremi_keeps_the_last_excess_of_an_absent_group():
    rule = DoReMi(reference_losses={"a": 1.0, "b": 1.0})
    rule.start(["a", "b"], np.array([0.5, 0.5]))
    rule.step(np.array([2.0, 1.0]), np.ones(2) / 2)
    rule.step(np.array([np.nan, 1.5]), np.ones(2) / 2)
    np.testing.assert_allclose(rule.scores_, [1.0, 0.5])


@pytest.mark.parametrize("rule", [ODM(alpha=0.3), DoReMi(reference_losses={"a": 1, "b": 2})])
def test_state_dict_json_round_trip_continues_identically(rule):
    rule.start(["a", "b"], np.array([0.4, 0.6]))
    rule.step(np.array([2.0, 2.5]), np.array([0.4, 0.6]))
    state = json.loads(json.dumps(rule.state_dict()))
    clone = type(rule)(**rule.get_params())
    clone.start(["a", "b"], np.array([0.4, 0.6]))
    clone.load_state_dict(state)
    losses, probs = np.array([1.0, 4.0]), np.array([0.5, 0.5])
    np.testing.assert_array_equal(rule.step(losses, probs), clone.step(losses, probs))


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (ODM(alpha=1.0), "The 'alpha' parameter of odm must be a float in \\[0, 1\\)"),
        (ODM(reward_scale=0), "The 'reward_scale' parameter of odm must be"),
        (DoReMi(), "The 'reference_losses' parameter of doremi must be a dict"),
        (DoReMi(reference_losses={"a": 1, "b": 1}, eta=-1), "The 'eta' parameter of doremi"),
        (DoReMi(reference_losses={"a": 1, "b": 1}, smoothing=2), "'smoothing' parameter"),
    ],
)
def test_bad_rule_parameters(rule, message):
    with pytest.raises(ConfigError, match=message):
        rule.check_params(["a", "b"])


def test_make_rule_rejects_unknown_names_and_keys():
    with pytest.raises(ConfigError, match="The 'rule' parameter of S must be None"):
        make_rule("exp4", None, "S")
    with pytest.raises(ConfigError, match="unknown keys \\['alfa'\\]"):
        make_rule("odm", {"alfa": 0.5}, "S")
    assert make_rule("odm", {"alpha": 0.5}, "S").alpha == 0.5
