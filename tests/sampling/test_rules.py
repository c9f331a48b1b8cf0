"""Online mixing rules by name (dataprep.sampling.rules): ``rule_classes`` and ``make_rule``."""

import pytest

from dataprep.errors import ConfigError
from dataprep.sampling.doremi import DoReMi
from dataprep.sampling.odm import ODM
from dataprep.sampling.rules import make_rule, rule_classes


def test_rule_classes_name_every_rule():
    assert rule_classes() == {"odm": ODM, "doremi": DoReMi}


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
