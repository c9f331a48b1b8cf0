"""DoReMi -- Xie, Pham, Dong, Du, Liu, Lu, Liang, Le, Ma, Yu (2023), "DoReMi: Optimizing Data
Mixtures Speeds Up Language Model Pretraining", arXiv:2305.10429, Algorithm 1.

Transcribed from the authors' code, github.com/sangmichaelxie/doremi at commit
7cde52d1848737aa967ecbdb9e643cf334de160d (2023-12-26): ``doremi/trainer.py``
(``DoReMiTrainer.training_step``, ``update_domain_weights`` with ``doremi_optimizer='doremiv1'``,
``write_weights``), ``doremi/train.py`` (the initial buffers) and ``doremi/models.py`` (per-token
losses of the proxy and of the frozen reference model on the same batch, ``token_mask`` = labels
!= -100). Once per optimizer step, over the global batch (all ranks, all accumulation steps), with
K domains (groups):

    lambda_i = sum over the counted tokens of domain i's examples of clip(l - l_ref, min=0)
               / number of those tokens                 (if domain i has examples in the batch)
    lambda_i = its last value                           (otherwise; initially ln(vocab size))
    alpha'   = softmax(ln alpha_{t-1} + eta lambda)
    alpha_t  = (1 - c) alpha' + c / K
    average  = mean of alpha_0, alpha_1, ..., alpha_t   (``avg_domain_weights``, the output)

where l and l_ref are the proxy's and the reference model's loss on the same token. eta is the
repo's ``reweight_eta`` (1.0) and c its ``reweight_eps`` (argument default 1e-4; its run script
``scripts/runs/run_pile_doremi120M.sh`` and the paper use 1e-3, our default). The repo's average
starts from the initial weights with a counter of 1, so alpha_0 is in it; the paper averages
alpha_1..alpha_T. The proxy run starts from uniform weights (``configs/pile_uniform.json``): pass
``weights="uniform"`` to the sampler.

How a trainer feeds it: ``AdaptiveSampler.update_excess(groups, losses, reference_losses,
token_mask=...)`` with per-token losses [batch, tokens] of both models (``group_excess`` below does
the per-domain reduction, exactly as the repo); or, as a documented simplification,
``AdaptiveSampler.update(losses_by_group)`` with constant per-group ``reference_losses``.

Deviations from the authors' code:

1. Sampling. The repo samples the proxy's batches with the fixed config weights and puts alpha_t
   into the loss (per-token weight alpha_t[i] / p_i, renormalized). Here alpha_t drives the
   sampler (online DoReMi) and the trainer keeps its plain mean loss: the same gradient in
   expectation, not the same variance. To reproduce the repo exactly, sample with a static
   sampler, run a ``DoReMi`` instance yourself (``start``, then ``step_excess(group_excess(...),
   probs)``) and weight each token's loss by ``weights_[i] / p_i``.
2. ``vocab_size=None`` (default) starts every lambda at 0, not ln(vocab size); this matters only
   for groups absent from the first updates. Pass ``vocab_size`` to match the repo.
3. A domain with examples but no counted token has a NaN mean in the repo (which then poisons the
   weights); here it counts as absent.
4. The sampler floors alpha_t for sampling (its ``floor``, default 0); the rule keeps alpha_t.
5. ``update(losses_by_group)`` with ``reference_losses`` (one constant reference loss per group):
   lambda_i = max(L_i - ref_i, 0) on the group's mean loss. The clip comes after the mean (smaller
   than the per-token clip: 0 whenever the mean is below the reference), and the reference is not
   measured on the same examples. Kept for trainers without a reference model in the loop.
6. Per-example losses (1-D, with ``token_counts``) clip each example's mean excess, between the
   repo and deviation 5.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from dataprep.errors import ConfigError
from dataprep.sampling.online import OnlineRule, softmax


def _array(value, name: str) -> np.ndarray:
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError, RuntimeError) as error:
        raise ConfigError(
            f"update_excess could not read {name!r} as numbers ({error}); pass numpy arrays or "
            "CPU tensors, e.g. tensor.detach().float().cpu()."
        ) from None


def group_excess(
    codes,
    k: int,
    losses,
    reference_losses,
    *,
    token_mask=None,
    token_counts=None,
) -> np.ndarray:
    """DoReMi's per-group excess loss of one global batch: for each group, the mean over its
    counted tokens of clip(loss - reference loss, min=0); NaN for a group with no counted token.

    Parameters:
        codes: the group index (0..k-1) of each example, shape [batch].
        k: the number of groups.
        losses: the trained (proxy) model's losses: per token, shape [batch, tokens], or per
            example (its mean token loss), shape [batch].
        reference_losses: the reference model's losses on the same tokens, same shape.
        token_mask: with per-token losses, which tokens count (bool or 0/1, [batch, tokens]);
            default None counts all. Padding and ignored labels (-100) must be 0 here.
        token_counts: with per-example losses, each example's number of counted tokens
            ([batch], >= 0); default None weights the examples equally.
    """
    losses, reference = _array(losses, "losses"), _array(reference_losses, "reference_losses")
    codes = np.asarray(codes, dtype=np.int64)
    if losses.ndim not in (1, 2) or losses.shape != reference.shape:
        raise ConfigError(
            "update_excess needs losses and reference_losses of the same shape, [batch, tokens] "
            f"or [batch]. Got {losses.shape} and {reference.shape} instead."
        )
    if codes.shape != losses.shape[:1]:
        raise ConfigError(
            f"update_excess got {len(codes)} groups for a batch of {losses.shape[0]} examples."
        )
    with np.errstate(invalid="ignore"):
        excess = np.maximum(losses - reference, 0.0)
    if losses.ndim == 2:
        if token_counts is not None:
            raise ConfigError("token_counts goes with per-example losses; use token_mask here.")
        mask = np.ones(losses.shape, bool) if token_mask is None else np.asarray(token_mask) != 0
        if mask.shape != losses.shape:
            raise ConfigError(f"token_mask has shape {mask.shape}; expected {losses.shape}.")
        excess = np.where(mask, excess, 0.0)
        sums, counts = excess.sum(axis=1), mask.sum(axis=1).astype(np.float64)
    else:
        if token_mask is not None:
            raise ConfigError("token_mask goes with per-token losses; use token_counts here.")
        counts = np.ones(len(losses)) if token_counts is None else _array(token_counts, "counts")
        if counts.shape != losses.shape or not np.all(counts >= 0) or not np.isfinite(counts).all():
            raise ConfigError(f"token_counts must be {len(losses)} finite numbers >= 0.")
        excess = np.where(counts > 0, excess, 0.0)
        sums = counts * excess
    if not np.isfinite(sums).all():
        raise ConfigError("update_excess got a non-finite loss on a counted token.")
    total = np.bincount(codes, weights=sums, minlength=k)
    number = np.bincount(codes, weights=counts, minlength=k)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(number > 0, total / number, np.nan)


class DoReMi(OnlineRule):
    """DoReMi's exponentiated-gradient step on the excess loss over a reference model.

    Parameters:
        reference_losses: dict group -> a constant reference loss, for ``update(losses_by_group)``
            (deviation 5 of the module docstring); default None: only per-token updates
            (``AdaptiveSampler.update_excess``, which needs no constant).
        eta: step size, the repo's ``reweight_eta``; a float > 0 (default 1.0).
        smoothing: c, the weight of the uniform distribution mixed in after each step, the repo's
            ``reweight_eps``; in [0, 1] (default 1e-3, as the paper and the repo's run script).
        vocab_size: the tokenizer's vocabulary size; the repo starts every group's last excess
            at ln(vocab_size). Default None starts it at 0.
    """

    name = "doremi"

    def __init__(
        self,
        *,
        reference_losses: Mapping | None = None,
        eta: float = 1.0,
        smoothing: float = 1e-3,
        vocab_size: int | None = None,
    ) -> None:
        self.reference_losses = reference_losses
        self.eta = eta
        self.smoothing = smoothing
        self.vocab_size = vocab_size

    def check_params(self, groups: list) -> None:
        ref = self.reference_losses
        if ref is not None:
            names = sorted(map(str, groups))
            if not isinstance(ref, Mapping) or sorted(map(str, ref)) != names:
                raise self._bad(
                    "reference_losses", f"None or a dict with one loss per {names}", ref
                )
            if not all(isinstance(v, int | float) and math.isfinite(v) for v in ref.values()):
                raise self._bad("reference_losses", "finite numbers", ref)
        eta = self.eta
        if not isinstance(eta, int | float) or not eta > 0 or not math.isfinite(eta):
            raise self._bad("eta", "a float > 0", eta)
        if not isinstance(self.smoothing, int | float) or not 0 <= self.smoothing <= 1:
            raise self._bad("smoothing", "a float in [0, 1]", self.smoothing)
        size = self.vocab_size
        if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 1):
            raise self._bad("vocab_size", "None or an int >= 1", size)

    def start(self, groups: list, weights: np.ndarray) -> None:
        if self.reference_losses is None:
            self.reference_ = None
        else:
            by_name = {str(key): float(value) for key, value in self.reference_losses.items()}
            self.reference_ = np.array([by_name[str(g)] for g in groups])
        self.weights_ = np.asarray(weights, dtype=np.float64).copy()
        initial = 0.0 if self.vocab_size is None else math.log(self.vocab_size)
        self.scores_ = np.full(len(groups), initial)
        self.count_ = 1  # the repo's update_counter: the average starts at alpha_0
        self.average_ = self.weights_.copy()

    def step(self, losses: np.ndarray, probs: np.ndarray) -> np.ndarray:
        """A step from per-group mean losses and the constant ``reference_losses``."""
        if self.reference_ is None:
            raise ConfigError(
                "update() with DoReMi needs rule_params={'reference_losses': {...}}; or pass "
                "per-token losses of both models to AdaptiveSampler.update_excess()."
            )
        with np.errstate(invalid="ignore"):
            excess = np.where(
                np.isfinite(losses), np.maximum(losses - self.reference_, 0.0), np.nan
            )
        return self.step_excess(excess, probs)

    def step_excess(self, excess: np.ndarray, probs: np.ndarray) -> np.ndarray:
        """A step from per-group clipped excess losses (``group_excess``; NaN: group absent,
        keeps its last value). ``probs`` is unused. Returns alpha_t."""
        seen = np.isfinite(excess)
        self.scores_[seen] = excess[seen]
        with np.errstate(divide="ignore"):
            logits = np.log(self.weights_) + self.eta * self.scores_
        k = len(self.weights_)
        self.weights_ = (1 - self.smoothing) * softmax(logits) + self.smoothing / k
        self.count_ += 1
        self.average_ = (self.average_ * (self.count_ - 1) + self.weights_) / self.count_
        return self.weights_.copy()

    @property
    def average_weights(self) -> np.ndarray:
        """Mean of alpha_0..alpha_t (DoReMi's output mixture, the repo's avg_domain_weights)."""
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
