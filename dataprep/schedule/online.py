"""Online mixture-weight rules: ODM (EXP3 bandit on training loss) and DoReMi (exponentiated
gradient on excess loss over a reference model). Pure numpy; each rule has explicit keyword
parameters, ``check_params``, ``start``, ``step`` and a JSON-serializable ``state_dict``.

**ODM** -- Albalak, Pan, Raffel, Wang (2023), "Efficient Online Data Mixing For Language Model
Pre-Training", arXiv:2312.02406, Algorithm 1; checked against the authors' code,
github.com/alon-albalak/online-data-mixing, ``megatron/data/data_sampling_utils.py``
(``Exp3WeightUpdater.update``). With K groups, t the update count, R-hat_i = 0 and eps_0 = 1/K:

    eps_t  = min(1/K, sqrt(ln K / (K t)))
    pi_t   = (1 - K eps_t) * softmax(eps_{t-1} * R-hat) + eps_t
    R-hat_i <- alpha * R-hat_i + (1 - alpha) * reward_i / pi(i)     for each group i in the update

where reward_i = ``reward_scale`` * loss_i and pi(i) is the probability with which group i was
actually sampled (the sampler passes its floored weights, so the importance weight stays exact
with a floor; with floor 0 it is the paper's pi_{t-1}). The repository file computes the same
eps schedule and the same scaling ``(1 - K eps_t) / sum_j exp(eps_{t-1} R-hat_j)`` plus eps_t;
its stored version accumulates R-hat (plain EXP3) and divides the loss by 10, while the paper's
ODM smooths R-hat with the moving average above; the repo's later scripts select that with
``--data_sampling_method smoothed_mean --data_sampling_smoothing_factor 0.5``
(``scripts/train_1B_ema_0.5smoothing.sh``; its code is not in the stored version). Our default
alpha = 0.9 and reward_scale = 1.0 (set 0.1 to reproduce the repo's /10). The paper updates
the one group a (micro-)batch came from; a trainer batch here mixes groups, so every group present
gets the paper's update with its mean loss, then t advances once (the repo's mixed-minibatch code
is not in the stored version we could read). Groups absent from an update keep their R-hat.
The first updates give the uniform policy while eps_t = 1/K (t <= K ln K), as in the paper.

**DoReMi** -- Xie et al. (2023), "DoReMi: Optimizing Data Mixtures Speeds Up Language Model
Pretraining", Algorithm 1; checked against github.com/sangmichaelxie/doremi, ``doremi/trainer.py``
(``update_domain_weights``, ``doremiv1``):

    lambda_t[i] = max(loss_i - ref_i, 0)
    alpha'      = softmax(log alpha_{t-1} + eta * lambda_t)  (alpha_{t-1} exp(eta lambda_t), normed)
    alpha_t     = (1 - c) alpha' + c / K

with defaults eta = 1 and c = 1e-3 (the paper; the repo's scripts use 1e-4). As in the repo, a
group absent from an update keeps its last lambda, and the running average of alpha_t is kept
(``average_weights``: the paper's output mixture for the final model). Two differences from the
paper, both forced by the trainer-side setting: the paper clips the excess loss per token before
averaging, here the trainer passes per-group mean losses so the mean is clipped; and the paper
samples the proxy's batches uniformly and uses alpha_t to reweight the loss, here alpha_t drives
sampling directly (online DoReMi). The sampler applies its floor after the rule.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Mapping

import numpy as np

from dataprep.errors import ConfigError


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - np.max(z)
    e = np.exp(z)
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


class ODM(OnlineRule):
    """Online Data Mixing (EXP3 with smoothed, importance-weighted loss rewards).

    Parameters:
        alpha: smoothing of the estimated rewards, in [0, 1) (default 0.9; 0 keeps only the
            latest reward).
        reward_scale: the reward is ``reward_scale * loss`` (default 1.0).
    """

    name = "odm"

    def __init__(self, *, alpha: float = 0.9, reward_scale: float = 1.0) -> None:
        self.alpha = alpha
        self.reward_scale = reward_scale

    def check_params(self, groups: list) -> None:
        if not isinstance(self.alpha, int | float) or not 0 <= self.alpha < 1:
            raise self._bad("alpha", "a float in [0, 1)", self.alpha)
        scale = self.reward_scale
        if not isinstance(scale, int | float) or not scale > 0 or not math.isfinite(scale):
            raise self._bad("reward_scale", "a float > 0", scale)

    def start(self, groups: list, weights: np.ndarray) -> None:
        self.k_ = len(groups)
        self.t_ = 0
        self.eps_ = 1.0 / self.k_
        self.rewards_ = np.zeros(self.k_)

    def step(self, losses: np.ndarray, probs: np.ndarray) -> np.ndarray:
        seen = np.isfinite(losses) & (probs > 0)  # a group never sampled has no estimate
        reward = self.reward_scale * losses[seen] / probs[seen]
        self.rewards_[seen] = self.alpha * self.rewards_[seen] + (1 - self.alpha) * reward
        self.t_ += 1
        previous = self.eps_
        k = self.k_
        self.eps_ = min(1.0 / k, math.sqrt(math.log(k) / (k * self.t_)))
        return (1 - k * self.eps_) * _softmax(previous * self.rewards_) + self.eps_

    def state_dict(self) -> dict:
        return {"t": self.t_, "eps": self.eps_, "rewards": self.rewards_.tolist()}

    def load_state_dict(self, state: dict) -> None:
        self.t_ = int(state["t"])
        self.eps_ = float(state["eps"])
        self.rewards_ = np.asarray(state["rewards"], dtype=np.float64)
        self.k_ = len(self.rewards_)


class DoReMi(OnlineRule):
    """DoReMi's exponentiated-gradient step on the excess loss over reference losses.

    Parameters:
        reference_losses: dict group -> loss of the reference model on that group (required).
        eta: step size (default 1.0).
        smoothing: c, the weight of the uniform distribution mixed in after each step, in
            [0, 1] (default 1e-3).
    """

    name = "doremi"

    def __init__(
        self,
        *,
        reference_losses: Mapping | None = None,
        eta: float = 1.0,
        smoothing: float = 1e-3,
    ) -> None:
        self.reference_losses = reference_losses
        self.eta = eta
        self.smoothing = smoothing

    def check_params(self, groups: list) -> None:
        ref = self.reference_losses
        names = sorted(map(str, groups))
        if not isinstance(ref, Mapping) or sorted(map(str, ref)) != names:
            raise self._bad("reference_losses", f"a dict with one loss per group {names}", ref)
        if not all(isinstance(v, int | float) and math.isfinite(v) for v in ref.values()):
            raise self._bad("reference_losses", "finite numbers", ref)
        if not isinstance(self.eta, int | float) or not self.eta > 0:
            raise self._bad("eta", "a float > 0", self.eta)
        if not isinstance(self.smoothing, int | float) or not 0 <= self.smoothing <= 1:
            raise self._bad("smoothing", "a float in [0, 1]", self.smoothing)

    def start(self, groups: list, weights: np.ndarray) -> None:
        by_name = {str(key): float(value) for key, value in self.reference_losses.items()}
        self.reference_ = np.array([by_name[str(g)] for g in groups])
        self.weights_ = np.asarray(weights, dtype=np.float64).copy()
        self.scores_ = np.zeros(len(groups))
        self.count_ = 0
        self.average_ = np.zeros(len(groups))

    def step(self, losses: np.ndarray, probs: np.ndarray) -> np.ndarray:
        seen = np.isfinite(losses)
        self.scores_[seen] = np.maximum(losses[seen] - self.reference_[seen], 0.0)
        with np.errstate(divide="ignore"):
            logits = np.log(self.weights_) + self.eta * self.scores_
        k = len(self.weights_)
        self.weights_ = (1 - self.smoothing) * _softmax(logits) + self.smoothing / k
        self.count_ += 1
        self.average_ += (self.weights_ - self.average_) / self.count_
        return self.weights_.copy()

    @property
    def average_weights(self) -> np.ndarray:
        """Mean of alpha_t over the updates so far (DoReMi's output mixture)."""
        return self.average_.copy()

    def state_dict(self) -> dict:
        return {
            "weights": self.weights_.tolist(),
            "scores": self.scores_.tolist(),
            "count": self.count_,
            "average": self.average_.tolist(),
        }

    def load_state_dict(self, state: dict) -> None:
        self.weights_ = np.asarray(state["weights"], dtype=np.float64)
        self.scores_ = np.asarray(state["scores"], dtype=np.float64)
        self.count_ = int(state["count"])
        self.average_ = np.asarray(state["average"], dtype=np.float64)


RULES = {"odm": ODM, "doremi": DoReMi}


def make_rule(rule, rule_params: Mapping | None, owner: str) -> OnlineRule | None:
    """An OnlineRule from None, a name in RULES (with ``rule_params``) or a rule instance."""
    if rule is None or isinstance(rule, OnlineRule):
        if rule_params:
            raise ConfigError(
                f"The 'rule_params' parameter of {owner} applies only to a rule given by name."
            )
        return rule
    if rule not in RULES:
        raise ConfigError(
            f"The 'rule' parameter of {owner} must be None, 'odm', 'doremi' or an OnlineRule. "
            f"Got {rule!r} instead."
        )
    cls = RULES[rule]
    allowed = [p for p in inspect.signature(cls.__init__).parameters if p != "self"]
    unknown = sorted(set(rule_params or {}) - set(allowed))
    if unknown:
        raise ConfigError(
            f"The 'rule_params' parameter of {owner} has unknown keys {unknown} for rule "
            f"{rule!r}; the keys are {allowed}."
        )
    return cls(**dict(rule_params or {}))
