"""The draws of a curriculum plan: which eligible rows each step serves.

Every function here takes ``order`` (row numbers, easiest first), ``eligible`` (per step: the
number of easiest rows that may be drawn, at least 1) and ``sizes`` (samples per step), and
returns the drawn row numbers, one per sample, step after step. The draws consume one uniform
per sample from a generator the caller advances in step order, or seed one generator per epoch
(``EpochStream``), so drawing a plan in chunks of steps gives the same plan as one call.

- ``draw_uniform_batches`` (``draw: uniform`` during the ramp): each batch is a uniform sample
  of the eligible rows without replacement within the batch (cycling through shuffled copies of
  the eligible rows when there are fewer of them than the batch), independent across steps.
- ``EpochStream`` (``draw: uniform`` once every row is eligible for good): shuffled epochs over
  all rows, a fresh seeded permutation per epoch, continuing across chunks; a batch that spans
  two epochs holds no row twice when the batch is no larger than the data.
- ``draw_iid`` (``draw: iid``): i.i.d. uniform over the eligible rows, with replacement.
- ``draw_rounds`` (``draw: rounds``): without replacement in rounds; rows that become eligible
  join the current round's pool, so the draws concentrate at the competence frontier.
"""

from __future__ import annotations

import numba
import numpy as np


def draw_iid(order: np.ndarray, eligible: np.ndarray, sizes: np.ndarray, uniforms: np.ndarray):
    """I.i.d. uniform draws among each step's eligible rows; ``uniforms``: one per sample."""
    limit = np.repeat(eligible, sizes)
    picks = np.minimum((uniforms * limit).astype(np.int64), limit - 1)
    return order[picks]


@numba.njit(cache=True)
def draw_uniform_batches(order, eligible, sizes, uniforms, scratch):
    """Each step's batch drawn uniformly among its ``eligible`` easiest rows, without
    replacement within the batch (cycling through shuffled copies when fewer rows are eligible
    than the batch), independently across steps.

    uniforms: one uniform in [0, 1) per sample. scratch: int64 identity array
    (``scratch[i] == i``) at least as long as the largest eligible count; it is used for a
    partial Fisher-Yates shuffle and restored to the identity before returning.
    """
    out = np.empty(uniforms.shape[0], dtype=np.int64)
    swaps = np.empty(max(1, sizes.max()) if sizes.shape[0] else 1, dtype=np.int64)
    k = 0
    for step in range(eligible.shape[0]):
        pool = eligible[step]
        remaining = sizes[step]
        while remaining > 0:
            take = min(pool, remaining)  # draws from this shuffled copy of the eligible rows
            for j in range(take):
                r = j + min(int(uniforms[k] * (pool - j)), pool - j - 1)
                pick = scratch[r]
                scratch[r] = scratch[j]
                scratch[j] = pick
                swaps[j] = r
                out[k] = order[pick]
                k += 1
            for j in range(take - 1, -1, -1):  # undo the swaps: scratch is the identity again
                r = swaps[j]
                pick = scratch[j]
                scratch[j] = scratch[r]
                scratch[r] = pick
            remaining -= take
    return out


@numba.njit(cache=True)
def draw_rounds(order, eligible, sizes, uniforms, pool, state):
    """Draws without replacement in rounds; ``pool``/``state`` carry over between calls.

    Every eligible row is served once before any is served again, and rows that become eligible
    join the current round's pool; when the pool is empty a new round starts with every eligible
    row. Because newly eligible rows join a pool that the easier rows have already been drawn
    from, the draws concentrate at the competence frontier: on a linear ramp the mean difficulty
    percentile at competence c is about c, not the c / 2 of a uniform draw. Once every row is
    eligible, every row is served within the next N samples. A draw swaps the picked row with
    the pool's last one. pool: int64 array of N; state: int64 [rows in pool, rows made eligible],
    zeros at the start of a plan.
    """
    out = np.empty(uniforms.shape[0], dtype=np.int64)
    pool_len = state[0]
    added = state[1]
    k = 0
    for step in range(eligible.shape[0]):
        target = eligible[step]
        while added < target:
            pool[pool_len] = order[added]
            pool_len += 1
            added += 1
        for _ in range(sizes[step]):
            if pool_len == 0:
                for i in range(added):
                    pool[i] = order[i]
                pool_len = added
            j = min(int(uniforms[k] * pool_len), pool_len - 1)
            out[k] = pool[j]
            pool[j] = pool[pool_len - 1]
            pool_len -= 1
            k += 1
    state[0] = pool_len
    state[1] = added
    return out


@numba.njit(cache=True)
def fill_identity(buffer):
    """``buffer[i] = i`` in place (no temporary array of the buffer's size)."""
    for i in range(buffer.shape[0]):
        buffer[i] = i


class EpochStream:
    """Shuffled epochs over all rows, addressed by sample position (0 = the first sample of the
    first step at full competence).

    rows: the number of rows N. batch_size: samples per step (batches start at multiples of it).
    seed: epoch ``k`` is ``numpy.random.default_rng([seed, 3, k]).permutation(N)``, except that
    when a batch spans epochs ``k - 1`` and ``k`` (and ``batch_size <= N``) the rows it already
    holds from epoch ``k - 1`` are swapped out of epoch ``k``'s head for the next rows of epoch
    ``k`` not in the batch, so no batch holds a row twice; the head is then still a uniform
    sample of the other rows. buffer: int64 array of N that holds the current epoch (it may be
    shared with ``draw_uniform_batches``'s scratch once the ramp is drawn).

    ``take(start, stop)`` returns the rows at positions ``[start, stop)``; calls must go forward
    (each epoch is built from the previous one), and each epoch is built once.
    """

    def __init__(self, rows: int, batch_size: int, seed: int, buffer: np.ndarray) -> None:
        self.rows = rows
        self.batch_size = batch_size
        self.seed = seed
        self.buffer = buffer
        self.epoch = -1  # the epoch the buffer holds

    def take(self, start: int, stop: int) -> np.ndarray:
        rows = self.rows
        out = np.empty(stop - start, dtype=np.int64)
        position = start
        while position < stop:
            epoch, offset = divmod(position, rows)
            if epoch < self.epoch:
                raise ValueError(f"epoch {epoch} was already passed (at epoch {self.epoch})")
            while self.epoch < epoch:
                self._next_epoch()
            end = min(stop, (epoch + 1) * rows)
            out[position - start : end - start] = self.buffer[offset : offset + end - position]
            position = end
        return out

    def _next_epoch(self) -> None:
        rows, batch = self.rows, self.batch_size
        epoch = self.epoch + 1
        spill = (epoch * rows) % batch  # samples of the spanning batch in the previous epoch
        tail = self.buffer[rows - spill :].copy() if epoch > 0 and batch <= rows else None
        fill_identity(self.buffer)
        np.random.default_rng([self.seed, 3, epoch]).shuffle(self.buffer)
        self.epoch = epoch
        if tail is not None and spill:
            head = batch - spill
            _swap_out(self.buffer, head, tail)


def _swap_out(permutation: np.ndarray, head: int, banned: np.ndarray) -> None:
    """Move the ``banned`` rows out of ``permutation[:head]``: each one found there swaps places
    with the next row after the head that is not banned (in order), in place."""
    clash = np.flatnonzero(np.isin(permutation[:head], banned))
    if not len(clash):
        return
    window = permutation[head : head + len(clash) + len(banned)]
    free = head + np.flatnonzero(~np.isin(window, banned))[: len(clash)]
    permutation[clash], permutation[free] = permutation[free], permutation[clash].copy()
