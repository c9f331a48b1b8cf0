"""ODM -- Albalak, Pan, Raffel, Wang (2023), "Efficient Online Data Mixing For Language Model
Pre-Training", arXiv:2312.02406: a multi-armed bandit over the groups, rewarded with the training
loss, with the exploration rate of EXP3.

Transcribed from the authors' code, github.com/alon-albalak/online-data-mixing at commit
edbfdadb62b0388120b6198b1743067a7cd990dc (2024-01-09), ``megatron/data/data_sampling_utils.py``
(``SmoothedMeanWeightUpdater`` and ``Exp3WeightUpdater``, their ``group_update``, present since
commit a7a47a7 of 2023-08-28) and ``megatron/training.py`` (``train_mixed_minibatch``, which calls
``group_update`` once per step with the mean loss of each group present in the global batch).

With K groups, t the step number (below), eps_0 = 1/K, S the groups present in this update and
L_i the mean training loss of group i in it:

    eps_t = min(1/K, sqrt(ln K / (K t)))

- ``variant="smoothed_mean"`` (default; ``SmoothedMeanWeightUpdater.group_update``, the class the
  repository's README names as the method of the paper, used by all its ``train_*_ema*.sh``
  scripts with ``--mixed_minibatches true``):

      R_i  <- alpha R_i + (1 - alpha) exp(s L_i)         for i in S  (R_i = 0 until then)
      pi_i  = (1 - K eps_t) R_i / sum_j R_j + eps_t

  (the code multiplies R by eps_{t-1} in numerator and denominator; it cancels). No importance
  weight. Long run: eps_t -> 0, so pi -> R / sum R; with constant losses pi_i -> exp(s L_i) /
  sum_j exp(s L_j) (losses 1 vs 3: 0.12 / 0.88). It does NOT fade to uniform. A group without a
  reward yet has weight eps_t only.
- ``variant="exp3"`` (``Exp3WeightUpdater.group_update``; ``train_1B_exp3_mixed_minibatches.sh``):

      R_i  <- R_i + s L_i / pi(i)                         for i in S  (s = 1/10 in the code)
      pi    = (1 - K eps_t) softmax(eps_{t-1} R) + eps_t

  R grows without bound while eps_{t-1} shrinks like 1/sqrt(t), so this does not fade either.
  Where every group is in every update (mixed batches) the 1/pi(i) weight balances the growth:
  pi_i -> L_i / sum_j L_j (losses 1 vs 3: 0.25 / 0.75 after 10,000 updates). With one group per
  update (bandit feedback) it concentrates on the highest loss (pi -> 1 - (K-1) eps_t there).
- ``variant="paper"``: Algorithm 1 as printed in the paper, an exponential moving average of the
  importance-weighted reward:

      R_i  <- alpha R_i + (1 - alpha) s L_i / pi(i)       for i in S
      pi    = (1 - K eps_t) softmax(eps_{t-1} R) + eps_t

  R stays bounded (about L_i / pi(i)) while eps_{t-1} -> 0, so this variant FADES TO UNIFORM in
  long runs (K = 2, losses 1 vs 3 at every update: 0.494 / 0.506 after 10,000 updates). It is
  kept for comparison (it was this module's ODM before) and is not the authors' code.

Deviations from the authors' code, all forced by where this runs or chosen for robustness:

1. Mixed batches. The repo's batches are world_size x grad_accum micro-batches, each from one
   group, and L_i is the mean over group i's micro-batches of their mean token loss (summed over
   ranks, divided by the count). Our sampler picks the group per example, so L_i is the mean of
   group i's per-example losses (``AdaptiveSampler.mean_loss_by_group``): the same quantity when
   every example is its own micro-batch. As in the repo, call ``update`` once per optimizer step
   with the whole global batch (all ranks, all accumulation steps); absent groups keep R_i.
2. Step number. The repo passes its global iteration, updates every step after
   ``data_sampling_warmup_steps`` (2000 in its scripts) steps sampled with the initial weights,
   so its first update has t = 2001. Here t = ``warmup_steps`` + the number of ``update`` calls so
   far (this one included): skip ``update`` during the warm-up and pass ``warmup_steps``.
3. pi(i) in the importance weight ('exp3', 'paper') is the probability the sampler really used
   (its floored weights); the repo divides by its own last policy. Equal with floor = 0. A group
   with probability 0 gets no reward.
4. 'smoothed_mean' keeps ln R (the moving average computed with logaddexp) so that exp(s L) never
   overflows; the weights equal the repo's up to rounding. Where no group has a reward yet the
   repo divides by zero; here R is taken as uniform.
5. ``reward_scale`` s: the code has s = 1 ('smoothed_mean') and s = 1/10 ('exp3'), the default
   None picks those (and 1 for 'paper'); any other value is our extension.
6. The repo's path without mixed minibatches (``SmoothedMeanWeightUpdater.update``: one group per
   step, softmax(eps_{t-1} R) with R the moving average of exp(loss)) is not offered; with
   bounded R it fades to uniform like 'paper'.

Initial weights: the repo's ODM scripts start from the Pile's own mixture
(``alon_configs/train_data_weights/original_pile.yml``, the Pile's sizes after its per-domain
epochs): ``weights="proportional"`` over data laid out that way, or those weights as a dict.
"""

from __future__ import annotations

import math

import numpy as np

from dataprep.sampling.online import OnlineRule, softmax

VARIANTS = ("smoothed_mean", "exp3", "paper")
DEFAULT_REWARD_SCALE = {"smoothed_mean": 1.0, "exp3": 0.1, "paper": 1.0}


class ODM(OnlineRule):
    """Online Data Mixing: an EXP3-style bandit over the groups, rewarded with training losses.

    Parameters:
        variant: 'smoothed_mean' (default: the authors' code; weights tend to exp(loss),
            normalized), 'exp3' (the authors' cumulative importance-weighted EXP3; with mixed
            batches weights tend to loss, normalized) or 'paper' (Algorithm 1 as printed; fades to
            uniform in long runs); see the module docstring.
        alpha: smoothing factor of the moving average of the rewards, in [0, 1); 0 keeps only the
            latest reward. Default 0.5, as every ``smoothed_mean`` script of the repo after the
            first (``*_ema_0.5smoothing*.sh``: 1B, 1B 150B tokens, 1B seq 2048, 3B); the code's
            own default, used by ``train_1B_ema.sh``, is 0.9. Unused by 'exp3'.
        reward_scale: s, the loss is multiplied by s before it becomes a reward; a float > 0, or
            None (default) for the repo's value: 1 for 'smoothed_mean' and 'paper', 0.1 for
            'exp3'.
        warmup_steps: steps trained before the first ``update`` (the repo's
            ``data_sampling_warmup_steps``, 2000 in its scripts); the exploration rate uses
            t = warmup_steps + updates so far. An int >= 0 (default 0).
    """

    name = "odm"

    def __init__(
        self,
        *,
        variant: str = "smoothed_mean",
        alpha: float = 0.5,
        reward_scale: float | None = None,
        warmup_steps: int = 0,
    ) -> None:
        self.variant = variant
        self.alpha = alpha
        self.reward_scale = reward_scale
        self.warmup_steps = warmup_steps

    def check_params(self, groups: list) -> None:
        if self.variant not in VARIANTS:
            raise self._bad("variant", f"one of {', '.join(VARIANTS)}", self.variant)
        if not isinstance(self.alpha, int | float) or not 0 <= self.alpha < 1:
            raise self._bad("alpha", "a float in [0, 1)", self.alpha)
        scale = self.reward_scale
        if scale is not None and (
            not isinstance(scale, int | float) or not scale > 0 or not math.isfinite(scale)
        ):
            raise self._bad("reward_scale", "None or a float > 0", scale)
        steps = self.warmup_steps
        if isinstance(steps, bool) or not isinstance(steps, int | np.integer) or steps < 0:
            raise self._bad("warmup_steps", "an int >= 0", steps)

    @property
    def scale(self) -> float:
        """s: ``reward_scale``, or the repo's value for the variant when it is None."""
        if self.reward_scale is None:
            return DEFAULT_REWARD_SCALE[self.variant]
        return float(self.reward_scale)

    def start(self, groups: list, weights: np.ndarray) -> None:
        self.k_ = len(groups)
        self.t_ = 0
        self.eps_ = 1.0 / self.k_
        # R for 'exp3' and 'paper'; ln R for 'smoothed_mean' (-inf: no reward yet).
        empty = -np.inf if self.variant == "smoothed_mean" else 0.0
        self.rewards_ = np.full(self.k_, empty)

    def step(self, losses: np.ndarray, probs: np.ndarray) -> np.ndarray:
        k, s = self.k_, self.scale
        seen = np.isfinite(losses)
        if self.variant == "smoothed_mean":
            keep = math.log(self.alpha) if self.alpha > 0 else -math.inf
            new = math.log1p(-self.alpha) + s * losses[seen]
            self.rewards_[seen] = np.logaddexp(keep + self.rewards_[seen], new)
        else:
            seen &= probs > 0  # a group never sampled has no estimate
            reward = s * losses[seen] / probs[seen]
            if self.variant == "exp3":
                self.rewards_[seen] += reward
            else:
                self.rewards_[seen] = self.alpha * self.rewards_[seen] + (1 - self.alpha) * reward
        self.t_ += 1
        previous = self.eps_
        self.eps_ = min(1.0 / k, math.sqrt(math.log(k) / (k * (self.warmup_steps + self.t_))))
        if self.variant == "smoothed_mean":
            rewards = self.rewards_
            base = softmax(rewards) if np.isfinite(rewards).any() else np.full(k, 1.0 / k)
        else:
            base = softmax(previous * self.rewards_)
        return (1 - k * self.eps_) * base + self.eps_

    @property
    def estimated_rewards(self) -> np.ndarray:
        """R per group (for 'smoothed_mean' exp of the stored ln R, so 0 before a reward)."""
        if self.variant == "smoothed_mean":
            return np.exp(self.rewards_)
        return self.rewards_.copy()

    def state_dict(self) -> dict:
        rewards = [None if math.isinf(r) else float(r) for r in self.rewards_]
        return {"variant": self.variant, "t": self.t_, "eps": self.eps_, "rewards": rewards}

    def load_state_dict(self, state: dict) -> None:
        if state.get("variant", "paper") != self.variant:
            raise self._bad("variant", f"{state.get('variant')!r} as in the state", self.variant)
        self.t_ = int(state["t"])
        self.eps_ = float(state["eps"])
        self.rewards_ = np.array(
            [-np.inf if r is None else r for r in state["rewards"]], dtype=np.float64
        )
        self.k_ = len(self.rewards_)
