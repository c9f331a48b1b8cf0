"""The sampler's feedback side: the trainer's losses in, new mixture weights out.

``AdaptiveSampler`` inherits these methods. What a training loop calls, once per optimizer step,
with the whole global batch (all ranks, all gradient-accumulation steps):

- ODM (``rule="odm"``): ``update(mean_loss_by_group(groups, per_example_losses))``.
- DoReMi as published (``rule="doremi"``): ``update_excess(groups, token_losses,
  reference_token_losses, token_mask=mask)`` with per-token losses [batch, tokens] of the trained
  (proxy) model and of the frozen reference model on the same batch.
- DoReMi simplified (``rule_params={"reference_losses": {...}}``, one constant per group):
  ``update(mean_loss_by_group(groups, per_example_losses))``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from dataprep.errors import ConfigError
from dataprep.sampling.doremi import DoReMi, group_excess
from dataprep.sampling.online import OnlineRule


class LossFeedback:
    """Update methods of ``AdaptiveSampler`` (which provides ``rule_``, ``groups_``,
    ``weights_``, ``updates_``, ``history_every``, the label index and ``_set_policy``)."""

    def update(self, losses_by_group: Mapping) -> dict:
        """Apply the online rule to the mean training loss of each group seen since the last
        update (dict group -> loss; groups may be missing). Returns the new weights. For ODM call
        it once per optimizer step with the whole global batch; for DoReMi this is the
        constant-reference simplification (``update_excess`` is the method as published)."""
        rule = self._need_rule("update", OnlineRule)
        losses = np.full(len(self.groups_), np.nan)
        for key, value in losses_by_group.items():
            loss = float(value)
            if not np.isfinite(loss):
                raise ConfigError(f"update() got a non-finite loss {value!r} for group {key!r}.")
            losses[self._code(key)] = loss
        return self._advance(rule.step(losses, self.weights_.copy()))

    def update_excess(
        self, groups: Sequence, losses, reference_losses, token_mask=None, *, token_counts=None
    ) -> dict:
        """DoReMi's update from the losses of the trained (proxy) model and of the reference
        model on the same examples of one global batch (all ranks, all accumulation steps); needs
        rule='doremi'. A group's excess is the mean over its counted tokens of clip(loss -
        reference loss, min=0) (``doremi.group_excess``). Returns the new weights.

        Parameters:
            groups: the group label of each example, length batch.
            losses, reference_losses: per-token losses [batch, tokens], numpy arrays or CPU
                tensors (``.detach().float().cpu()``); or per-example mean losses [batch].
            token_mask: [batch, tokens], nonzero where a token counts (default None: all).
            token_counts: [batch], tokens per example, with per-example losses (default None:
                equal weights).
        """
        rule = self._need_rule("update_excess", DoReMi)
        codes = self._codes(groups)
        excess = group_excess(
            codes,
            len(self.groups_),
            losses,
            reference_losses,
            token_mask=token_mask,
            token_counts=token_counts,
        )
        return self._advance(rule.step_excess(excess, self.weights_.copy()))

    def _need_rule(self, method: str, kind: type):
        if not isinstance(self.rule_, kind):
            needed = "rule='doremi'" if kind is DoReMi else "rule='odm' or rule='doremi'"
            raise ConfigError(f"AdaptiveSampler.{method} needs an online rule; use {needed}.")
        return self.rule_

    def _code(self, label) -> int:
        index = self._index.get(label, self._index.get(str(label)))
        if index is None:
            raise ConfigError(
                f"AdaptiveSampler got unknown group {label!r}; the groups are {self.groups_}."
            )
        return index

    def _codes(self, groups: Sequence) -> np.ndarray:
        values, inverse = np.unique(np.asarray(groups), return_inverse=True)
        lookup = np.array([self._code(value) for value in values.tolist()], dtype=np.int64)
        return lookup[inverse.reshape(-1)]

    def _advance(self, policy: np.ndarray) -> dict:
        self.updates_ += 1
        self._set_policy(policy, record=self.updates_ % self.history_every == 0)
        return self.current_weights

    @staticmethod
    def mean_loss_by_group(groups: Sequence, losses: Sequence[float]) -> dict:
        """Per-group mean of per-example losses (``groups`` and ``losses`` of one batch)."""
        values, inverse = np.unique(np.asarray(groups), return_inverse=True)
        losses = np.asarray(losses, dtype=np.float64)
        sums = np.bincount(inverse, weights=losses, minlength=len(values))
        counts = np.bincount(inverse, minlength=len(values))
        return dict(zip(values.tolist(), (sums / counts).tolist(), strict=True))
