"""Online mixing rules by name: ``make_rule("odm", {...}, owner)`` builds the rule a sampler
updates (dataprep.sampling.odm, dataprep.sampling.doremi)."""

from __future__ import annotations

import inspect
from collections.abc import Mapping

from dataprep.errors import ConfigError
from dataprep.sampling.doremi import DoReMi
from dataprep.sampling.odm import ODM
from dataprep.sampling.online import RULE_NAMES, OnlineRule


def rule_classes() -> dict:
    """Rule name -> class, for the names in RULE_NAMES."""
    return {"odm": ODM, "doremi": DoReMi}


def make_rule(rule, rule_params: Mapping | None, owner: str) -> OnlineRule | None:
    """An OnlineRule from None, a name in RULE_NAMES (with ``rule_params``) or a rule instance."""
    if rule is None or isinstance(rule, OnlineRule):
        if rule_params:
            raise ConfigError(
                f"The 'rule_params' parameter of {owner} applies only to a rule given by name."
            )
        return rule
    if rule not in RULE_NAMES:
        raise ConfigError(
            f"The 'rule' parameter of {owner} must be None, 'odm', 'doremi' or an OnlineRule. "
            f"Got {rule!r} instead."
        )
    cls = rule_classes()[rule]
    allowed = [p for p in inspect.signature(cls.__init__).parameters if p != "self"]
    unknown = sorted(set(rule_params or {}) - set(allowed))
    if unknown:
        raise ConfigError(
            f"The 'rule_params' parameter of {owner} has unknown keys {unknown} for rule "
            f"{rule!r}; the keys are {allowed}."
        )
    return cls(**dict(rule_params or {}))
