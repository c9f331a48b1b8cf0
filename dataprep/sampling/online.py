"""Online mixture-weight rules: the base class ``OnlineRule`` and ``make_rule``.

The rules live in their own modules, each transcribed from its authors' code with the commit it
was checked against and every deviation in its docstring:

- ``dataprep.sampling.odm.ODM``: Online Data Mixing (Albalak et al. 2023), a bandit over groups
  rewarded with the training loss; variants 'smoothed_mean' (the authors' code, default), 'exp3'
  and 'paper'.
- ``dataprep.sampling.doremi.DoReMi``: DoReMi (Xie et al. 2023), exponentiated-gradient steps on
  the excess loss of the trained (proxy) model over a reference model, per token
  (``AdaptiveSampler.update_excess``) or from constant per-group reference losses (``update``).

Both are importable from here too (``from dataprep.sampling.online import ODM, DoReMi``). A rule
is pure numpy, has explicit keyword parameters, ``check_params``, ``start``, ``step`` and a
JSON-serializable ``state_dict``; the sampler applies its floor after the rule.
"""

from __future__ import annotations

import inspect

import numpy as np

from dataprep.errors import ConfigError

RULE_NAMES = ("odm", "doremi")


def softmax(z: np.ndarray) -> np.ndarray:
    """exp(z) / sum(exp(z)), computed after subtracting max(z); entries of -inf get 0."""
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(z - np.max(z))
    return e / e.sum()


class OnlineRule:
    """Base class: a rule maps per-group losses to new mixture weights."""

    name = ""

    def get_params(self) -> dict:
        """The constructor's keyword parameters and their current values."""
        names = inspect.signature(type(self).__init__).parameters
        return {name: getattr(self, name) for name in names if name != "self"}

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({params})"

    def _bad(self, param: str, expected: str, got) -> ConfigError:
        return ConfigError(
            f"The {param!r} parameter of {self.name} must be {expected}. Got {got!r} instead."
        )

    def check_params(self, groups: list) -> None:
        """Raise ConfigError for a bad parameter (``groups`` are the sampler's groups)."""

    def start(self, groups: list, weights: np.ndarray) -> None:
        """Reset the state for these groups, starting from ``weights``."""
        raise NotImplementedError

    def step(self, losses: np.ndarray, probs: np.ndarray) -> np.ndarray:
        """One update. ``losses`` has NaN for groups not in this update; ``probs`` are the
        sampling probabilities that produced the losses. Returns weights summing to 1."""
        raise NotImplementedError

    def state_dict(self) -> dict:
        raise NotImplementedError

    def load_state_dict(self, state: dict) -> None:
        raise NotImplementedError
