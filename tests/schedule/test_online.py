"""The rule base and ``make_rule``: names, parameters, the lazy ODM / DoReMi exports."""

import numpy as np
import pytest

import dataprep.schedule.online as online
from dataprep.errors import ConfigError
from dataprep.schedule.doremi import DoReMi
from dataprep.schedule.odm import ODM
from dataprep.schedule.online import make_rule, softmax


def test_online_exports_the_rules_lazily():
    assert online.ODM is ODM and online.DoReMi is DoReMi
    assert {"odm": ODM, "doremi": DoReMi} == online.RULES
    with pytest.raises(AttributeError, match="NoSuchRule"):
        online.NoSuchRule  # noqa: B018


def test_softmax_is_stable_and_gives_minus_inf_zero_weight():
    np.testing.assert_allclose(softmax(np.array([1000.0, 1000.0, -np.inf])), [0.5, 0.5, 0.0])


def test_make_rule_rejects_unknown_names_and_keys():
    with pytest.raises(ConfigError, match="The 'rule' parameter of S must be None"):
        make_rule("exp4", None, "S")
    with pytest.raises(ConfigError, match="unknown keys \\['alfa'\\]"):
        make_rule("odm", {"alfa": 0.5}, "S")
    with pytest.raises(ConfigError, match="applies only to a rule given by name"):
        make_rule(ODM(), {"alpha": 0.5}, "S")


def test_make_rule_builds_rules_from_names_and_params():
    rule = make_rule("odm", {"variant": "exp3", "warmup_steps": 2000}, "S")
    assert isinstance(rule, ODM) and rule.variant == "exp3" and rule.warmup_steps == 2000
    assert make_rule("doremi", {"vocab_size": 50277}, "S").vocab_size == 50277
    assert repr(make_rule("odm", None, "S")) == (
        "ODM(variant='smoothed_mean', alpha=0.5, reward_scale=None, warmup_steps=0)"
    )
