"""Static weights by hand: temperature, UniMax, given, uniform, and the floor."""

import numpy as np
import pytest

from dataprep.errors import ConfigError
from dataprep.sampling.mixing import (
    apply_floor,
    given,
    proportional,
    static_weights,
    temperature,
    uniform,
    unimax,
)


def test_temperature_two_on_sizes_100_and_1():
    np.testing.assert_allclose(temperature([100, 1], 2.0), [10 / 11, 1 / 11], rtol=0, atol=1e-15)


def test_temperature_one_is_proportional_and_large_is_near_uniform():
    np.testing.assert_allclose(temperature([3, 1], 1.0), [0.75, 0.25])
    np.testing.assert_allclose(temperature([1000, 1], 1e9), [0.5, 0.5], atol=1e-8)


def test_proportional_and_uniform():
    np.testing.assert_allclose(proportional([1, 3]), [0.25, 0.75])
    np.testing.assert_allclose(uniform(4), [0.25] * 4)


def test_unimax_by_hand():
    # sizes 10, 50, 1000; budget 300, max 2 epochs. Ascending: 10 gets min(300/3, 20) = 20;
    # 50 gets min(280/2, 100) = 100; 1000 gets min(180/1, 2000) = 180.
    np.testing.assert_allclose(unimax([1000, 10, 50], 300, 2), [180 / 300, 20 / 300, 100 / 300])


def test_unimax_with_every_group_capped_normalizes_the_allocation():
    np.testing.assert_allclose(unimax([1, 3], budget=100, max_epochs=1), [0.25, 0.75])


def test_given_normalizes_and_static_weights_keeps_dict_keys():
    np.testing.assert_allclose(given([2, 6]), [0.25, 0.75])
    result = static_weights({"a": 10, "b": 30}, "given", weights={"b": 1, "a": 3})
    assert result == {"a": 0.75, "b": 0.25}
    assert static_weights({"a": 1, "b": 3}) == {"a": 0.25, "b": 0.75}


def test_floor_formula_and_bounds():
    out = apply_floor([0.9, 0.1, 0.0], 0.1)
    np.testing.assert_allclose(out, [0.1 + 0.7 * 0.9, 0.1 + 0.7 * 0.1, 0.1])
    assert out.sum() == pytest.approx(1.0) and out.min() >= 0.1
    np.testing.assert_allclose(apply_floor([1.0, 0.0], 0.5), [0.5, 0.5])


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: apply_floor([0.5, 0.5], 0.7), "The 'floor' parameter of apply_floor must be in"),
        (lambda: temperature([1, 2], 0), "The 'temperature' parameter of temperature must be"),
        (lambda: unimax([1, 2], -5), "The 'budget' parameter of unimax must be"),
        (lambda: given([1, -1]), "The 'weights' parameter of given must be"),
        (lambda: static_weights([1, 2], "zipf"), "The 'method' parameter of static_weights"),
        (lambda: static_weights([1, 2], "unimax"), "'budget' parameter of static_weights is"),
        (lambda: static_weights({"a": 1}, "given", weights={"b": 1}), "'weights' parameter"),
    ],
)
def test_bad_parameters_are_one_sentence_config_errors(call, message):
    with pytest.raises(ConfigError, match=message) as info:
        call()
    assert str(info.value).count(". ") <= 1
