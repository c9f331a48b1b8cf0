"""Per-group epochs and consumer strides, by hand."""

import numpy as np
import pytest

from dataprep.sampling.group_streams import GroupStreams, seeded_rng

CODES = np.array([0, 1, 0, 1, 0, 0, 1])  # group 0: rows 0, 2, 4, 5; group 1: rows 1, 3, 6


def test_sizes_and_shares_per_consumer():
    streams = GroupStreams(CODES, 2, seed=0, consumer=1, consumers=3)
    assert streams.sizes.tolist() == [4, 3]
    # group 0 positions 1 of 0..3 step 3 -> one row; group 1 positions 1 -> one row
    assert [streams.share(0), streams.share(1)] == [1, 1]
    assert GroupStreams(CODES, 2, 0, consumer=0, consumers=3).share(0) == 2  # positions 0 and 3
    assert GroupStreams(CODES, 3, 0, consumer=0, consumers=1).share(2) == 0  # an empty group


def test_one_consumer_serves_each_group_epoch_as_a_seeded_permutation():
    streams = GroupStreams(CODES, 2, seed=5, consumer=0, consumers=1)
    first = streams.take(0, 4)
    expected = np.array([0, 2, 4, 5])[seeded_rng(5, 2, 0, 0).permutation(4)]
    assert first.tolist() == expected.tolist()
    assert streams.epochs.tolist() == [1, 0] and streams.positions.tolist() == [0, 0]
    second = streams.take(0, 6)  # epoch 1 whole, then two rows of epoch 2
    assert sorted(second[:4].tolist()) == [0, 2, 4, 5]
    assert streams.epochs.tolist() == [2, 0] and streams.positions.tolist() == [2, 0]


def test_consumers_split_each_epoch_without_overlap_and_cover_it():
    base = GroupStreams(CODES, 2, seed=1, consumer=0, consumers=1)
    parts = [base.for_consumer(c, 2).take(0, base.for_consumer(c, 2).share(0)) for c in range(2)]
    assert not set(parts[0]) & set(parts[1])
    assert sorted(np.concatenate(parts).tolist()) == [0, 2, 4, 5]


def test_take_for_keeps_the_order_of_the_choices_and_state_round_trips():
    streams = GroupStreams(CODES, 2, seed=2, consumer=0, consumers=1)
    rows = streams.take_for(np.array([1, 0, 1]))
    assert [CODES[r] for r in rows] == [1, 0, 1]
    saved = streams.state()
    after = streams.take_for(np.array([0, 0, 1]))
    streams.load_state(saved)
    assert streams.take_for(np.array([0, 0, 1])).tolist() == after.tolist()


def test_a_group_without_rows_for_this_consumer_cannot_be_taken():
    with pytest.raises(RuntimeError, match="group 2 has no rows"):
        GroupStreams(CODES, 3, seed=0, consumer=0, consumers=1).take(2, 1)
