"""Large-Star/Small-Star connected components and the keyed shuffle, on local Ray."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from dataprep.dedup.lsh import connected_components as union_find
from dataprep.runners.ray_graph import (
    _large_star,
    _small_star,
    attach,
    by_partition,
    connected_components,
    partition_of,
)


def _labels(stars: list[dict], n: int) -> list[int]:
    labels = list(range(n))
    for edge in stars:
        labels[edge["u"]] = edge["v"]
    return labels


def test_large_star_links_larger_neighbours_to_the_smallest():
    # Node 3 with neighbours 1, 5, 7: m = 1; emit (5, 1) and (7, 1) (neighbours > 3 only).
    # Node 5 with neighbour 3: m = 3; nothing larger than 5.
    table = pa.table({"u": [3, 3, 3, 5], "v": [1, 5, 7, 3]})
    out = _large_star(table)
    assert sorted(zip(out["u"].to_pylist(), out["v"].to_pylist(), strict=True)) == [
        (5, 1),
        (7, 1),
    ]


def test_small_star_links_smaller_neighbours_and_itself_to_the_smallest():
    # Node 9 with smaller neighbours 4, 6: m = 4; emit (6, 4) and (9, 4), not (4, 4).
    table = pa.table({"u": [9, 9], "v": [6, 4]})
    out = _small_star(table)
    assert sorted(zip(out["u"].to_pylist(), out["v"].to_pylist(), strict=True)) == [
        (6, 4),
        (9, 4),
    ]


@pytest.mark.slow
def test_components_by_hand(ray_cluster):
    import ray.data

    # Components {0, 2, 5, 8} (a path 8-5-2-0 given backwards), {1, 3}, {4}, {6, 7, 9}
    # (a triangle 6-7-9 with a repeated edge and a self-loop).
    edges = [(8, 5), (5, 2), (2, 0), (3, 1), (6, 7), (7, 9), (9, 6), (7, 6), (9, 9)]
    u, v = zip(*edges, strict=True)
    data = ray.data.from_arrow(pa.table({"u": list(u), "v": list(v)}))
    stars = connected_components(data, 3).take_all()
    assert _labels(stars, 10) == [0, 1, 0, 1, 4, 0, 6, 6, 0, 6]
    assert all(edge["v"] < edge["u"] for edge in stars)  # every edge points to the centre


@pytest.mark.slow
def test_components_equal_union_find_on_a_random_graph_with_a_long_chain(ray_cluster):
    import ray.data

    rng = np.random.default_rng(3)
    n = 3000
    pairs = rng.integers(0, n, size=(1500, 2))
    chain = np.stack([np.arange(200, 700), np.arange(201, 701)], axis=1)[::-1]
    pairs = np.concatenate([pairs, chain])
    data = ray.data.from_arrow(pa.table({"u": pairs[:, 0], "v": pairs[:, 1]}))
    stars = connected_components(data, 4).take_all()
    ordered = np.stack([pairs.min(axis=1), pairs.max(axis=1)], axis=1)
    assert _labels(stars, n) == union_find(n, ordered).tolist()


@pytest.mark.slow
def test_by_partition_sees_every_key_in_one_call(ray_cluster):
    import ray.data

    keys = np.arange(5000) % 37
    data = ray.data.from_arrow(pa.table({"part": partition_of(keys, 4), "key": keys}))

    def distinct_keys(table: pa.Table) -> pa.Table:
        return pa.table({"key": np.unique(table["key"].to_numpy())})

    seen = [row["key"] for row in by_partition(data, distinct_keys).take_all()]
    assert sorted(seen) == list(range(37))  # no key in two partitions


def test_partition_of_is_in_range_and_spreads_keys():
    parts = partition_of(np.arange(10000), 8)
    assert parts.min() == 0 and parts.max() == 7
    assert np.bincount(parts).min() > 1000


@pytest.mark.slow
def test_attach_gives_each_left_row_its_right_columns(ray_cluster):
    import ray.data

    left = ray.data.from_arrow(pa.table({"pos": [0, 1, 2, 3, 4], "key": [7, 3, 7, 9, 5]}))
    right = ray.data.from_arrow(
        pa.table({"k": [3, 5, 7], "word": ["three", "five", "seven"], "list": [[3], [5, 5], []]})
    )
    out = attach(left, "key", right, "k", {"word": "w", "list": "l"}, 3).take_all()
    got = sorted((r["pos"], r["key"], r["w"], list(r["l"])) for r in out)
    # Key 9 has no match: its row is dropped (inner join); key 7 is attached twice.
    assert got == [
        (0, 7, "seven", []),
        (1, 3, "three", [3]),
        (2, 7, "seven", []),
        (4, 5, "five", [5, 5]),
    ]
