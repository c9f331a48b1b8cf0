"""DoReMi against hand-computed traces of the authors' doremiv1 update (sangmichaelxie/doremi @
7cde52d, doremi/trainer.py update_domain_weights and write_weights, doremi/train.py buffers)."""

import json
import math

import numpy as np
import pytest

from dataprep.errors import ConfigError
from dataprep.sampling.doremi import DoReMi, group_excess

NAN = np.nan


def test_group_excess_per_token_clips_each_token_then_averages_over_the_groups_tokens():
    codes = [0, 1, 0, 2]
    losses = [[3.0, 1.0, 2.0], [1.0, 1.0, 1.0], [2.0, 5.0, 0.0], [4.0, 4.0, 4.0]]
    reference = [[1.0, 2.0, 2.0], [2.0, 0.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]
    mask = [[1, 1, 0], [1, 1, 1], [1, 1, 1], [0, 0, 0]]
    got = group_excess(codes, 4, losses, reference, token_mask=mask)
    # clip(l - ref, 0): row0 [2, 0, (0)], row1 [0, 1, 0], row2 [1, 4, 0], row3 all masked
    # group 0 = rows 0, 2: (2 + 0 + 1 + 4 + 0) / (2 + 3); group 1 = 1 / 3; groups 2, 3: no token
    np.testing.assert_allclose(got[:2], [7 / 5, 1 / 3], rtol=1e-15)
    assert np.isnan(got[2]) and np.isnan(got[3])


def test_group_excess_ignores_whatever_sits_on_masked_tokens():
    losses = np.array([[2.0, NAN], [1.0, np.inf]])
    got = group_excess([0, 0], 1, losses, np.zeros((2, 2)), token_mask=[[True, False]] * 2)
    np.testing.assert_allclose(got, [1.5])


def test_group_excess_per_example_means_weighted_by_token_counts():
    # per-example: clip each example's mean excess, weight by its token count
    got = group_excess([0, 0, 1], 2, [2.0, 1.0, 3.0], [1.0, 2.0, 1.0], token_counts=[3, 1, 2])
    np.testing.assert_allclose(got, [(3 * 1.0 + 1 * 0.0) / 4, 2.0], rtol=1e-15)
    np.testing.assert_allclose(group_excess([0, 0], 1, [2.0, 1.0], [1.0, 2.0]), [0.5])


def test_three_updates_by_hand_with_an_absent_group_and_the_average():
    # K = 3, uniform start, eta = 1, c = 1e-3, vocab 1000: every lambda starts at ln 1000.
    rule = DoReMi(eta=1.0, smoothing=1e-3, vocab_size=1000)
    rule.check_params(["a", "b", "c"])
    rule.start(["a", "b", "c"], np.full(3, 1 / 3))
    alpha0 = np.full(3, 1 / 3)
    # update 1: a and b present, c absent (keeps ln 1000)
    out1 = rule.step_excess(np.array([0.5, 2.0, NAN]), alpha0)
    lam = np.array([0.5, 2.0, math.log(1000)])
    z = alpha0 * np.exp(lam)
    alpha1 = (1 - 1e-3) * z / z.sum() + 1e-3 / 3
    # update 2: only c, with excess 0 (its ln 1000 is replaced); a, b keep 0.5, 2.0
    out2 = rule.step_excess(np.array([NAN, NAN, 0.0]), out1)
    lam = np.array([0.5, 2.0, 0.0])
    z = alpha1 * np.exp(lam)
    alpha2 = (1 - 1e-3) * z / z.sum() + 1e-3 / 3
    # update 3: all three
    out3 = rule.step_excess(np.array([1.0, 0.0, 0.25]), out2)
    z = alpha2 * np.exp(np.array([1.0, 0.0, 0.25]))
    alpha3 = (1 - 1e-3) * z / z.sum() + 1e-3 / 3
    for actual, expected in zip([out1, out2, out3], [alpha1, alpha2, alpha3], strict=True):
        np.testing.assert_allclose(actual, expected, rtol=1e-12, atol=0)
    # the repo's average starts at alpha_0 with counter 1: mean of alpha_0..alpha_3
    average = (alpha0 + alpha1 + alpha2 + alpha3) / 4
    np.testing.assert_allclose(rule.average_weights, average, rtol=1e-12, atol=0)


def test_constant_reference_losses_clip_the_group_mean():
    rule = DoReMi(reference_losses={"a": 2.0, "b": 2.0, "c": 1.0}, eta=1.0, smoothing=1e-3)
    rule.check_params(["a", "b", "c"])
    rule.start(["a", "b", "c"], np.array([0.5, 0.3, 0.2]))
    out = rule.step(np.array([3.0, 1.0, 1.5]), np.full(3, 1 / 3))
    # lambda = max([3 - 2, 1 - 2, 1.5 - 1], 0) = [1, 0, 0.5]
    raw = np.array([0.5 * math.e, 0.3, 0.2 * math.exp(0.5)])
    expected = (1 - 1e-3) * raw / raw.sum() + 1e-3 / 3
    np.testing.assert_allclose(out, expected, rtol=0, atol=1e-12)
    np.testing.assert_allclose(
        rule.average_weights, (np.array([0.5, 0.3, 0.2]) + expected) / 2, rtol=0, atol=1e-12
    )


def test_without_vocab_size_lambda_starts_at_zero_and_absent_groups_keep_their_last():
    rule = DoReMi(reference_losses={"a": 1.0, "b": 1.0})
    rule.start(["a", "b"], np.array([0.5, 0.5]))
    np.testing.assert_array_equal(rule.scores_, [0.0, 0.0])
    rule.step(np.array([2.0, 1.0]), np.ones(2) / 2)
    rule.step(np.array([NAN, 1.5]), np.ones(2) / 2)
    np.testing.assert_allclose(rule.scores_, [1.0, 0.5])


def test_moves_weight_to_the_group_with_higher_excess_loss():
    # b has the higher raw loss but a has the higher loss over its reference.
    rule = DoReMi(reference_losses={"a": 1.0, "b": 4.0})
    rule.start(["a", "b"], np.array([0.5, 0.5]))
    for _ in range(20):
        out = rule.step(np.array([2.0, 4.2]), np.array([0.5, 0.5]))
    assert out[0] > 0.9
    assert out.min() >= 1e-3 / 2  # the smoothing keeps a floor of c / K


def test_update_without_reference_losses_points_to_update_excess():
    rule = DoReMi()
    rule.check_params(["a", "b"])
    rule.start(["a", "b"], np.array([0.5, 0.5]))
    with pytest.raises(ConfigError, match="update_excess"):
        rule.step(np.array([1.0, 2.0]), np.array([0.5, 0.5]))


def test_state_round_trip_continues_identically():
    rule = DoReMi(reference_losses={"a": 1, "b": 2}, vocab_size=50)
    rule.start(["a", "b"], np.array([0.4, 0.6]))
    rule.step(np.array([2.0, NAN]), np.array([0.4, 0.6]))
    clone = DoReMi(**rule.get_params())
    clone.start(["a", "b"], np.array([0.4, 0.6]))
    clone.load_state_dict(json.loads(json.dumps(rule.state_dict())))
    for rule_ in (rule, clone):
        rule_.step_excess(np.array([0.3, 0.7]), np.array([0.5, 0.5]))
    np.testing.assert_array_equal(rule.weights_, clone.weights_)
    np.testing.assert_array_equal(rule.average_weights, clone.average_weights)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"losses": [[1.0, 2.0]], "reference_losses": [1.0, 2.0]}, "of the same shape"),
        ({"codes": [0, 1]}, "got 2 groups for a batch of 1 examples"),
        ({"token_mask": [[1]]}, "token_mask has shape \\(1, 1\\)"),
        ({"token_counts": [1]}, "token_counts goes with per-example losses"),
        ({"losses": [[NAN, 1.0]]}, "non-finite loss on a counted token"),
        ({"losses": [1.0], "reference_losses": [0.0], "token_counts": [-1]}, "token_counts must"),
        ({"losses": [1.0], "reference_losses": [0.0], "token_mask": [1]}, "token_mask goes with"),
    ],
)
def test_group_excess_errors(kwargs, message):
    args = {"codes": [0], "losses": [[1.0, 2.0]], "reference_losses": [[0.0, 0.0]]} | kwargs
    with pytest.raises(ConfigError, match=message):
        group_excess(args.pop("codes"), 2, args.pop("losses"), args.pop("reference_losses"), **args)


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (DoReMi(reference_losses={"a": 1}), "The 'reference_losses' parameter of doremi must be"),
        (DoReMi(reference_losses={"a": 1, "b": NAN}), "'reference_losses' parameter"),
        (DoReMi(eta=-1), "The 'eta' parameter of doremi must be a float > 0"),
        (DoReMi(smoothing=2), "The 'smoothing' parameter of doremi must be a float in"),
        (DoReMi(vocab_size=0), "The 'vocab_size' parameter of doremi must be None or an int"),
    ],
)
def test_bad_parameters(rule, message):
    with pytest.raises(ConfigError, match=message):
        rule.check_params(["a", "b"])
