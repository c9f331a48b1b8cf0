"""The rule base (dataprep.sampling.online): ``softmax``."""

import numpy as np

from dataprep.sampling.online import softmax


def test_softmax_is_stable_and_gives_minus_inf_zero_weight():
    np.testing.assert_allclose(softmax(np.array([1000.0, 1000.0, -np.inf])), [0.5, 0.5, 0.0])
