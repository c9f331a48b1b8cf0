"""Curriculum pacing: which rows the trainer may see at each step, and the order it sees them.

Difficulty becomes a CDF by quantiles: ``cdf(row)`` is the share of rows whose difficulty is at
most the row's (ties share one value, so equally hard rows unlock together). Rows are sorted by
(difficulty, a seeded random tie-break); at step ``t`` the pacing function says how many of the
easiest rows are *eligible*, and the step's batch is drawn uniformly among them.

Pacing functions (``t`` is the 0-based step, ``T`` the ramp length in steps):

- ``linear`` (Platanios et al. 2019, competence-based curriculum):
  ``c(t) = min(1, c0 + (1 - c0) * t / T)``; rows with ``cdf <= c(t)`` are eligible.
- ``root`` (same paper, p = 2 is their "sqrt"):
  ``c(t) = min(1, (c0^p + (1 - c0^p) * t / T) ** (1/p))``.
- ``exponential`` (Hacohen and Weinshall 2019, fixed exponential pacing):
  ``g(t) = min(1, starting_fraction * increase ** floor(t / step_length))``; the ``ceil(g N)``
  easiest rows are eligible.
- ``baby_steps`` (Bengio et al. 2009; Spitkovsky et al. 2010; Cirik et al. 2016): the rows are cut
  into ``num_buckets`` quantile buckets; during phase ``k`` (``T / num_buckets`` steps each)
  buckets ``0..k`` are eligible, after the ramp all of them.
- baselines: ``random`` (every row eligible from the start), ``sorted`` (easy to hard, one pass
  per epoch) and ``anti`` (hard to easy).

Draws among the eligible rows (``draw``; the baselines ``sorted`` and ``anti`` ignore it):

- ``uniform`` (default), the papers' draw: each step's batch is drawn uniformly among the rows
  eligible at that step, without replacement within the batch (cycling through shuffled copies
  of the eligible rows when fewer are eligible than the batch), independently across steps, so
  at competence c (the eligible share) the mean difficulty percentile of a batch is about c / 2
  and easy rows repeat often early on. Once every row is eligible for the rest of the plan
  (from step 0 for ``random``), the plan switches to shuffled epochs over all rows (a fresh
  seeded permutation per epoch, continuing across chunks): each step is still uniform over the
  eligible rows, no batch holds a row twice, and every row is served once per epoch after the
  ramp (a plan whose post-ramp part is shorter than one epoch may leave a few late-unlocked rows
  unserved: the default 2 epochs with ramp_fraction 0.5 leave less than a batch short).
- ``iid``: i.i.d. uniform with replacement among the eligible rows at every step.
- ``rounds``: without replacement in rounds: every eligible row is served once before any
  repeats, and rows that become eligible join the current round. Newly eligible rows are thus
  drawn ahead of easier rows already served, so draws concentrate at the competence frontier:
  on a linear ramp the mean percentile at competence c is about c, not c / 2 (for the stepwise
  pacings the bias depends on how far the round has got when the level rises), and after the
  ramp the round in progress serves the later-unlocked (harder) rows first. Once competence is
  1, every row is served within the next N samples.

The draws are deterministic given the seed, and drawing the plan in chunks of steps gives
exactly the plan of one call (see dataprep.schedule.draws).

Memory: 24 bytes per row (sort order, CDF, and one int64 array that is the draw's scratch, the
current epoch's permutation or the rounds pool; ``iid`` and the baselines do not need it) plus
the difficulty values and 4 bytes per row of buckets.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from dataprep.errors import ConfigError
from dataprep.params import check_choice, check_number, check_string
from dataprep.schedule.draws import (
    EpochStream,
    draw_iid,
    draw_rounds,
    draw_uniform_batches,
)
from dataprep.schedule.names import DRAWS, PACED, PACINGS

NAME = "schedule"


class Curriculum:
    """A curriculum plan's parameters (the ``schedule:`` mapping of a schedule recipe).

    pacing: one of linear, root, exponential, baby_steps, random, sorted, anti [linear].
    difficulty_column: the numeric column that orders rows [dp_score_difficulty].
    order: 'ascending' (a low value is easy) or 'descending' (a high value is easy) [ascending].
    epochs: samples in the plan as a multiple of the row count [2 when total_samples is unset].
    total_samples: samples in the plan; overrides epochs [unset].
    batch_size: samples per step; the last step may be short [32].
    seed: seeds the tie-break and every draw [0].
    c0: initial competence of linear and root [0.01].
    power: p of root pacing [2.0, the paper's sqrt].
    ramp_fraction: share of the plan's steps before every row is eligible [0.5].
    ramp_steps: the ramp length in steps; overrides ramp_fraction [unset].
    starting_fraction: exponential: share of rows eligible at first [0.04].
    increase: exponential: factor by which that share grows [1.9].
    step_length: exponential: steps between increases [unset: spread over the ramp].
    num_buckets: quantile buckets for dp_bucket and for baby_steps [10].
    draw: how a step's rows are drawn among the eligible ones: 'uniform' (the papers'
        draw, shuffled epochs after the ramp), 'iid' (with replacement) or 'rounds'
        (frontier-biased rounds); see the module docstring [uniform].
    """

    def __init__(
        self,
        *,
        pacing: str = "linear",
        difficulty_column: str = "dp_score_difficulty",
        order: str = "ascending",
        epochs: float | None = None,
        total_samples: int | None = None,
        batch_size: int = 32,
        seed: int = 0,
        c0: float = 0.01,
        power: float = 2.0,
        ramp_fraction: float = 0.5,
        ramp_steps: int | None = None,
        starting_fraction: float = 0.04,
        increase: float = 1.9,
        step_length: int | None = None,
        num_buckets: int = 10,
        draw: str = "uniform",
    ) -> None:
        self.pacing = pacing
        self.difficulty_column = difficulty_column
        self.order = order
        self.epochs = epochs
        self.total_samples = total_samples
        self.batch_size = batch_size
        self.seed = seed
        self.c0 = c0
        self.power = power
        self.ramp_fraction = ramp_fraction
        self.ramp_steps = ramp_steps
        self.starting_fraction = starting_fraction
        self.increase = increase
        self.step_length = step_length
        self.num_buckets = num_buckets
        self.draw = draw

    @classmethod
    def param_names(cls) -> list[str]:
        return list(cls.__init__.__kwdefaults__)

    def get_params(self) -> dict:
        return {name: getattr(self, name) for name in self.param_names()}

    @classmethod
    def from_mapping(cls, params: dict | None, where: str = "schedule") -> Curriculum:
        """Build from a recipe mapping, rejecting unknown keys with the known ones listed."""
        params = params or {}
        if not isinstance(params, dict):
            raise ConfigError(f"{where} must be a mapping of parameters. Got {params!r} instead.")
        unknown = sorted(set(params) - set(cls.param_names()))
        if unknown:
            raise ConfigError(
                f"{where} has no parameter {unknown[0]!r}. "
                f"Its parameters: {', '.join(cls.param_names())}."
            )
        curriculum = cls(**params)
        curriculum.check_params()
        return curriculum

    def check_params(self) -> None:
        """Raise ConfigError, in one sentence, for a bad parameter."""
        check_choice(NAME, "pacing", self.pacing, PACINGS)
        check_string(NAME, "difficulty_column", self.difficulty_column)
        check_choice(NAME, "order", self.order, ("ascending", "descending"))
        check_number(NAME, "epochs", self.epochs, low=0, low_open=True, allow_none=True)
        check_number(
            NAME, "total_samples", self.total_samples, low=1, integer=True, allow_none=True
        )
        check_number(NAME, "batch_size", self.batch_size, low=1, integer=True)
        check_number(NAME, "seed", self.seed, low=0, integer=True)
        check_number(NAME, "c0", self.c0, low=0, high=1, low_open=True)
        check_number(NAME, "power", self.power, low=0, low_open=True)
        check_number(NAME, "ramp_fraction", self.ramp_fraction, low=0, high=1, low_open=True)
        check_number(NAME, "ramp_steps", self.ramp_steps, low=1, integer=True, allow_none=True)
        check_number(
            NAME, "starting_fraction", self.starting_fraction, low=0, high=1, low_open=True
        )
        check_number(NAME, "increase", self.increase, low=1, low_open=True)
        check_number(NAME, "step_length", self.step_length, low=1, integer=True, allow_none=True)
        check_number(NAME, "num_buckets", self.num_buckets, low=1, integer=True)
        check_choice(NAME, "draw", self.draw, DRAWS)

    def plan_size(self, rows: int) -> tuple[int, int]:
        """(total samples, steps) of the plan over ``rows`` rows."""
        if self.total_samples is not None:
            samples = self.total_samples
        else:
            samples = max(1, math.ceil((2.0 if self.epochs is None else self.epochs) * rows))
        return samples, math.ceil(samples / self.batch_size)

    def ramp_length(self, steps: int) -> int:
        """Steps until every row is eligible (T of the pacing formulas), at least 1."""
        if self.ramp_steps is not None:
            return self.ramp_steps
        return max(1, round(self.ramp_fraction * steps))

    def exponential_step_length(self, steps: int) -> int:
        """Steps between exponential increases: as given, else the ramp divided evenly among
        the increases needed to go from starting_fraction to 1 (rounded down, so every row is
        eligible by the end of the ramp)."""
        if self.step_length is not None:
            return self.step_length
        increases = max(1, math.ceil(math.log(1 / self.starting_fraction, self.increase)))
        return max(1, self.ramp_length(steps) // increases)

    def competence(self, step: np.ndarray, steps: int) -> np.ndarray:
        """Competence at each 0-based ``step`` of a plan of ``steps`` steps, in (0, 1]: the
        CDF bound for linear and root, the eligible share for exponential and baby_steps, 1 for
        the baselines."""
        t = np.asarray(step, dtype=np.float64)
        ramp = self.ramp_length(steps)
        if self.pacing == "linear":
            return np.minimum(1.0, self.c0 + (1 - self.c0) * t / ramp)
        if self.pacing == "root":
            start = self.c0**self.power
            return np.minimum(1.0, (start + (1 - start) * t / ramp) ** (1 / self.power))
        if self.pacing == "exponential":
            length = self.exponential_step_length(steps)
            return np.minimum(1.0, self.starting_fraction * self.increase ** np.floor(t / length))
        if self.pacing == "baby_steps":
            phase = np.floor(t * self.num_buckets / ramp) + 1
            return np.minimum(phase, self.num_buckets) / self.num_buckets
        return np.ones_like(t)


@dataclass
class DifficultyOrder:
    """Rows sorted from easy to hard, with their CDF and quantile bucket.

    order: row numbers, easiest first (ties in seeded random order).
    cdf: cdf[i] is the CDF of row order[i] (non-decreasing).
    bucket: bucket of every row, by row number; ``ceil(cdf * num_buckets) - 1``.
    """

    order: np.ndarray
    cdf: np.ndarray
    bucket: np.ndarray

    @classmethod
    def from_values(
        cls, values: np.ndarray, *, descending: bool, num_buckets: int, seed: int
    ) -> DifficultyOrder:
        """``values``: one finite difficulty per row."""
        keys = -np.asarray(values, dtype=np.float64) if descending else np.asarray(values)
        tiebreak = np.random.default_rng([seed, 1]).permutation(len(keys))
        order = np.lexsort((tiebreak, keys))
        sorted_keys = keys[order]
        # CDF by quantiles: share of rows with a key <= this one (the last index of its tie).
        at_most = np.searchsorted(sorted_keys, sorted_keys, side="right")
        cdf = at_most / max(1, len(keys))
        bucket = np.empty(len(keys), dtype=np.int32)
        bucket[order] = np.clip(np.ceil(cdf * num_buckets) - 1, 0, num_buckets - 1)
        return cls(order.astype(np.int64), cdf, bucket)

    def eligible_count(self, competence: np.ndarray, by_cdf: bool) -> np.ndarray:
        """Eligible rows per step: those with ``cdf <= competence`` (``by_cdf``) or the
        ``ceil(competence * N)`` easiest; at least the easiest tie group, so no step is empty."""
        rows = len(self.order)
        if by_cdf:
            counts = np.searchsorted(self.cdf, competence + 1e-12, side="right")
        else:
            counts = np.ceil(np.asarray(competence) * rows - 1e-9).astype(np.int64)
        first_tie = np.searchsorted(self.cdf, self.cdf[0], side="right") if rows else 0
        return np.clip(counts, first_tie, rows).astype(np.int64)


class PlanDrawer:
    """Draws the plan's rows step by step, in chunks, so the plan never needs to be in memory.

    curriculum: the parameters; difficulty: the rows' DifficultyOrder.
    ``draw(first_step, last_step)`` returns (rows, step of each row) for steps in
    ``[first_step, last_step)``; calls must cover the steps in order. ``full_step`` is the first
    step from which every row is eligible (``steps`` if the plan never gets there); the
    ``uniform`` draw switches to shuffled epochs there. Seeds: the uniforms of the ramp (and of
    ``iid`` and ``rounds``) come from ``default_rng([seed, 2])``, one per sample in step order;
    epoch ``k`` after the ramp from ``default_rng([seed, 3, k])``.
    """

    def __init__(self, curriculum: Curriculum, difficulty: DifficultyOrder) -> None:
        self.curriculum = curriculum
        self.difficulty = difficulty
        rows = len(difficulty.order)
        self.samples, self.steps = curriculum.plan_size(rows)
        self.full_step = self._first_full_step()
        self._rng = np.random.default_rng([curriculum.seed, 2])
        self._next_step = 0
        self._state = np.zeros(2, dtype=np.int64)  # rounds: [rows in pool, rows made eligible]
        self._buffer = None  # uniform: the identity scratch, then the epoch; rounds: the pool
        self._epochs = None
        if curriculum.pacing in ("sorted", "anti") or curriculum.draw == "iid":
            return
        if curriculum.draw == "rounds":
            self._buffer = np.empty(rows, dtype=np.int64)
            return
        self._buffer = np.arange(rows, dtype=np.int64)  # the epochs take it over at full_step
        self._epochs = EpochStream(rows, curriculum.batch_size, curriculum.seed, self._buffer)

    def batch_sizes(self, first: int, last: int) -> np.ndarray:
        sizes = np.full(last - first, self.curriculum.batch_size, dtype=np.int64)
        if last == self.steps:
            sizes[-1] = self.samples - (self.steps - 1) * self.curriculum.batch_size
        return sizes

    def competence(self, first: int, last: int) -> np.ndarray:
        return self.curriculum.competence(np.arange(first, last), self.steps)

    def eligible(self, first: int, last: int) -> np.ndarray:
        """Eligible rows (the easiest ones) at each step in ``[first, last)``."""
        rows = len(self.difficulty.order)
        if self.curriculum.pacing not in PACED:
            return np.full(last - first, rows, dtype=np.int64)
        by_cdf = self.curriculum.pacing != "exponential"  # exponential counts rows
        return self.difficulty.eligible_count(self.competence(first, last), by_cdf)

    def _first_full_step(self) -> int:
        """Binary search: competence never decreases, so once every row is eligible it stays."""
        rows = len(self.difficulty.order)
        low, high = 0, self.steps
        while low < high:
            mid = (low + high) // 2
            if self.eligible(mid, mid + 1)[0] >= rows:
                high = mid
            else:
                low = mid + 1
        return low

    def draw(self, first: int, last: int) -> tuple[np.ndarray, np.ndarray]:
        if first != self._next_step or not first < last <= self.steps:
            raise ValueError(f"steps must be drawn in order; expected {self._next_step}")
        self._next_step = last
        sizes = self.batch_sizes(first, last)
        steps = np.repeat(np.arange(first, last, dtype=np.int64), sizes)
        pacing, draw = self.curriculum.pacing, self.curriculum.draw
        order = self.difficulty.order
        if pacing in ("sorted", "anti"):
            offset = first * self.curriculum.batch_size
            positions = (offset + np.arange(len(steps))) % len(order)
            ranked = order if pacing == "sorted" else order[::-1]
            return ranked[positions], steps
        if draw == "uniform":
            return self._draw_uniform(first, last, sizes), steps
        eligible = self.eligible(first, last)
        uniforms = self._rng.random(len(steps))
        if draw == "iid":
            return draw_iid(order, eligible, sizes, uniforms), steps
        return draw_rounds(order, eligible, sizes, uniforms, self._buffer, self._state), steps

    def _draw_uniform(self, first: int, last: int, sizes: np.ndarray) -> np.ndarray:
        """Independent uniform batches before ``full_step``, shuffled epochs from it on."""
        split = min(max(first, self.full_step), last)
        parts = []
        if first < split:
            ramp_sizes = sizes[: split - first]
            uniforms = self._rng.random(int(ramp_sizes.sum()))
            eligible = self.eligible(first, split)
            order = self.difficulty.order
            parts.append(draw_uniform_batches(order, eligible, ramp_sizes, uniforms, self._buffer))
        if split < last:
            start = (split - self.full_step) * self.curriculum.batch_size
            parts.append(self._epochs.take(start, start + int(sizes[split - first :].sum())))
        return parts[0] if len(parts) == 1 else np.concatenate(parts)
