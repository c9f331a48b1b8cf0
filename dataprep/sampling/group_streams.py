"""Each group's stream of rows for one consumer: the per-group epochs of ``AdaptiveSampler``.

In group epoch e the group's rows are permuted with a generator seeded by (seed, group, e). With C
consumers (ranks x DataLoader workers) consumer c serves positions c, c+C, c+2C, ... of that
permutation, so within a group epoch no row is served twice across all consumers and together
they cover the group. When a consumer has served its share it moves to the group's next epoch.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np


def seeded_rng(*key: int) -> np.random.Generator:
    """A generator seeded by a tuple of non-negative ints."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(list(key))))


class GroupStreams:
    """The rows of every group, served as consumer ``consumer`` of ``consumers``.

    codes: the group code (0..K-1) of every row; seed: seeds the permutations.
    """

    def __init__(
        self, codes: np.ndarray, num_groups: int, seed: int, consumer: int, consumers: int
    ):
        self.sizes = np.bincount(codes, minlength=num_groups).astype(np.int64)
        order = np.argsort(codes, kind="stable").astype(np.int64)
        self._rows = np.split(order, np.cumsum(self.sizes)[:-1])
        self.seed = seed
        self.consumer = consumer
        self.consumers = consumers
        self.epochs = np.zeros(num_groups, dtype=np.int64)
        self.positions = np.zeros(num_groups, dtype=np.int64)
        self._plans: dict[int, tuple[int, np.ndarray]] = {}

    def for_consumer(self, consumer: int, consumers: int) -> GroupStreams:
        """The same rows served as another consumer, from the start of its streams."""
        clone = object.__new__(GroupStreams)
        clone.sizes, clone._rows, clone.seed = self.sizes, self._rows, self.seed
        clone.consumer, clone.consumers = consumer, consumers
        clone.load_state({"epochs": [0] * len(self.sizes), "positions": [0] * len(self.sizes)})
        return clone

    def share(self, group: int) -> int:
        """Rows of ``group`` this consumer serves per group epoch."""
        size, c, n = int(self.sizes[group]), self.consumer, self.consumers
        return max(0, (size - c + n - 1) // n)

    def _plan(self, group: int) -> np.ndarray:
        epoch = int(self.epochs[group])
        cached = self._plans.get(group)
        if cached is None or cached[0] != epoch:
            rng = seeded_rng(self.seed, 2, group, epoch)
            order = rng.permutation(int(self.sizes[group]))[self.consumer :: self.consumers]
            cached = (epoch, self._rows[group][order])
            self._plans[group] = cached
        return cached[1]

    def take(self, group: int, count: int) -> np.ndarray:
        """The next ``count`` rows of ``group`` (crossing into new group epochs as needed)."""
        parts = []
        while count > 0:
            plan = self._plan(group)
            if len(plan) == 0:
                raise RuntimeError(f"group {group} has no rows for this consumer")
            position = int(self.positions[group])
            n = min(count, len(plan) - position)
            parts.append(plan[position : position + n])
            position += n
            count -= n
            if position == len(plan):
                self.epochs[group] += 1
                position = 0
            self.positions[group] = position
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def take_for(self, choice: np.ndarray) -> np.ndarray:
        """One row for each group code in ``choice``, in that order."""
        if len(choice) == 1:
            return self.take(int(choice[0]), 1)
        counts = np.bincount(choice, minlength=len(self.sizes))
        order = np.argsort(choice, kind="stable")
        out = np.empty(len(choice), dtype=np.int64)
        out[order] = np.concatenate([self.take(g, int(c)) for g, c in enumerate(counts) if c])
        return out

    def state(self) -> dict:
        return {"epochs": self.epochs.tolist(), "positions": self.positions.tolist()}

    def load_state(self, state: Mapping) -> None:
        self.epochs = np.asarray(state["epochs"], dtype=np.int64)
        self.positions = np.asarray(state["positions"], dtype=np.int64)
        self._plans = {}
