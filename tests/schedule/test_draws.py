"""The draw kernels by hand: uniform batches, rounds, i.i.d. and the shuffled epoch stream."""

import itertools

import numpy as np
import pytest

from dataprep.schedule.draws import (
    EpochStream,
    draw_iid,
    draw_rounds,
    draw_uniform_batches,
    fill_identity,
)


def uniform_batches(order, eligible, sizes, uniforms):
    scratch = np.arange(len(order), dtype=np.int64)
    out = draw_uniform_batches(
        np.asarray(order, dtype=np.int64),
        np.asarray(eligible, dtype=np.int64),
        np.asarray(sizes, dtype=np.int64),
        np.asarray(uniforms, dtype=np.float64),
        scratch,
    )
    assert scratch.tolist() == list(range(len(order)))  # the scratch is restored
    return out.tolist()


def test_uniform_batches_are_a_partial_fisher_yates_shuffle_by_hand():
    order = [5, 6, 7, 8]  # row numbers, easiest first
    # 3 eligible, batch of 2: u = 0.9 picks position int(2.7) = 2 (row 7), then the pool is
    # [7->0 swapped: positions 1, 0]: u = 0.9 picks 1 + int(1.8) = 2, which now holds row 5.
    assert uniform_batches(order, [3], [2], [0.9, 0.9]) == [7, 5]
    assert uniform_batches(order, [3], [2], [0.0, 0.0]) == [5, 6]
    # steps are independent: the second step starts from the full eligible set again
    assert uniform_batches(order, [3, 3], [2, 2], [0.0, 0.0, 0.0, 0.0]) == [5, 6, 5, 6]


def test_uniform_batches_cycle_through_copies_when_few_rows_are_eligible():
    # 2 eligible, batch of 5: two shuffled copies of rows {5, 6}, then one more draw.
    got = uniform_batches([5, 6, 7], [2], [5], [0.99, 0.0, 0.0, 0.0, 0.6])
    assert got == [6, 5, 5, 6, 6]
    got = uniform_batches([5, 6, 7], [1], [3], [0.5, 0.5, 0.5])
    assert got == [5, 5, 5]


def test_uniform_batches_never_repeat_within_a_batch_and_cover_the_eligible_set():
    rng = np.random.default_rng(0)
    order = rng.permutation(1_000)
    eligible = rng.integers(40, 1_000, size=300)
    got = np.array(uniform_batches(order, eligible, [40] * 300, rng.random(12_000)))
    for step in range(300):
        batch = got[40 * step : 40 * step + 40]
        assert len(set(batch.tolist())) == 40
        assert set(batch.tolist()) <= set(order[: eligible[step]].tolist())


def test_rounds_add_new_rows_to_the_current_round_by_hand():
    order = np.array([0, 1, 2, 3], dtype=np.int64)
    pool, state = np.empty(4, dtype=np.int64), np.zeros(2, dtype=np.int64)
    # step 0: rows 0, 1 eligible, one draw (u = 0 takes row 0). Step 1: rows 2 and 3 join the
    # round, whose pool is [1, 2, 3]: the three draws of step 1 are exactly rows 1, 2, 3, so
    # the easiest row cannot appear while the two newly eligible rows must (the frontier bias).
    out = draw_rounds(
        order, np.array([2, 4]), np.array([1, 3]), np.array([0.0, 0.0, 0.0, 0.0]), pool, state
    )
    assert out.tolist() == [0, 1, 3, 2]
    assert state.tolist() == [0, 4]  # the round is spent; the next draw starts a new one
    out = draw_rounds(order, np.array([4]), np.array([4]), np.full(4, 0.99), pool, state)
    assert sorted(out.tolist()) == [0, 1, 2, 3]


def test_iid_draws_map_each_uniform_into_its_steps_eligible_rows():
    order = np.array([9, 8, 7, 6], dtype=np.int64)
    out = draw_iid(order, np.array([2, 4]), np.array([2, 2]), np.array([0.0, 0.99, 0.5, 0.99]))
    assert out.tolist() == [9, 8, 7, 6]


def test_epoch_stream_epochs_are_the_seeded_permutations():
    stream = EpochStream(6, batch_size=3, seed=4, buffer=np.empty(6, dtype=np.int64))
    got = stream.take(0, 18).tolist()
    for k in range(3):  # 6 rows, batches of 3: no batch spans two epochs
        assert got[6 * k : 6 * k + 6] == np.random.default_rng([4, 3, k]).permutation(6).tolist()
    with pytest.raises(ValueError):
        stream.take(0, 3)


@pytest.mark.parametrize(("rows", "batch"), [(7, 3), (10, 4), (5, 5), (11, 10)])
def test_epoch_stream_batches_spanning_epochs_hold_no_row_twice(rows, batch):
    whole = EpochStream(rows, batch, seed=1, buffer=np.empty(rows, dtype=np.int64))
    got = whole.take(0, 40 * rows)
    for k in range(40):  # every epoch serves every row once
        assert sorted(got[k * rows : (k + 1) * rows].tolist()) == list(range(rows))
    for start in range(0, len(got) - batch + 1, batch):
        assert len(set(got[start : start + batch].tolist())) == batch
    # taken in pieces (at batch boundaries or not) the stream is the same
    pieces = EpochStream(rows, batch, seed=1, buffer=np.empty(rows, dtype=np.int64))
    cuts = [0, 1, 2, batch, 3 * rows - 1, 3 * rows + 2, 40 * rows]
    got_pieces = np.concatenate([pieces.take(a, b) for a, b in itertools.pairwise(cuts)])
    assert got_pieces.tolist() == got.tolist()


def test_a_spanning_batch_swaps_the_clashing_rows_out_of_the_next_epochs_head():
    # 5 rows, batches of 3: the second batch is epoch 0's last 2 rows and epoch 1's first row.
    # Seed 4: epoch 0 is [4, 0, 2, 1, 3] and epoch 1's permutation [1, 3, 0, 4, 2] starts with
    # row 1, already in the batch with row 3: it swaps with the next row not in the batch (0).
    first = np.random.default_rng([4, 3, 0]).permutation(5).tolist()
    second = np.random.default_rng([4, 3, 1]).permutation(5).tolist()
    assert first[3:] == [1, 3] and second[0] == 1
    stream = EpochStream(5, batch_size=3, seed=4, buffer=np.empty(5, dtype=np.int64))
    got = stream.take(0, 10).tolist()
    assert got[:5] == first
    assert second == [1, 3, 0, 4, 2] and got[5:] == [0, 3, 1, 4, 2]
    # no clash (seed 0): epoch 1 is the plain permutation
    stream = EpochStream(5, batch_size=3, seed=0, buffer=np.empty(5, dtype=np.int64))
    assert (
        stream.take(0, 10)[5:].tolist() == np.random.default_rng([0, 3, 1]).permutation(5).tolist()
    )


def test_fill_identity():
    buffer = np.full(4, 9, dtype=np.int64)
    fill_identity(buffer)
    assert buffer.tolist() == [0, 1, 2, 3]
