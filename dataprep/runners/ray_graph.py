"""Distributed building blocks on Ray Data: a keyed shuffle and connected components.

``by_partition`` sends every row to the partition given by its ``part`` column (a hash of its
key, computed by the caller) and applies a numpy function to each whole partition, so all rows
with one key meet in one call.

``connected_components`` implements the alternating Large-Star / Small-Star algorithm of
Kiveris, Lattanzi, Mirrokni, Rastogi and Vassilvitskii, "Connected Components in MapReduce and
Beyond" (SoCC 2014), with node ids as labels. Each step is one shuffle on the node:

- Large-Star: for each node u with neighbourhood N(u), m = min(N(u) + {u}); emit (v, m) for
  every neighbour v > u.
- Small-Star: for each node u with its neighbours N = {v in N(u) : v <= u}, m = min(N + {u});
  emit (v, m) for every v in N + {u}, v != m.

Rounds (one Large-Star then one Small-Star) repeat until the edges form a star forest (no node
is the leaf of two centres or both a leaf and a centre; checked with one more shuffle). The
result is a set of stars whose centres are the smallest node of each component, so each node's
label is the smallest node id in its component: the same labels the local
union-find gives.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

MAX_ROUNDS = 200
_MIX = np.uint64(0x9E3779B97F4A7C15)


def partition_of(keys: np.ndarray, partitions: int) -> np.ndarray:
    """Partition (int64 in [0, partitions)) of each integer key, after a multiplicative mix."""
    mixed = np.asarray(keys).astype(np.uint64) * _MIX
    return ((mixed >> np.uint64(17)) % np.uint64(partitions)).astype(np.int64)


def by_partition(data, function, fn_args: tuple = ()):
    """``function(table, *fn_args) -> table`` applied to each whole partition of ``data``
    (grouped by its int64 ``part`` column)."""
    return data.groupby("part").map_groups(function, fn_args=fn_args, batch_format="pyarrow")


def _edge_table(u: np.ndarray, v: np.ndarray, partitions: int) -> pa.Table:
    return pa.table({"part": partition_of(u, partitions), "u": u, "v": v})


def _both_directions(table: pa.Table, partitions: int) -> pa.Table:
    u, v = table.column("u").to_numpy(), table.column("v").to_numpy()
    return _edge_table(np.concatenate([u, v]), np.concatenate([v, u]), partitions)


def _toward_smaller(table: pa.Table, partitions: int) -> pa.Table:
    """Each edge keyed by its larger end: (max, min)."""
    u, v = table.column("u").to_numpy(), table.column("v").to_numpy()
    return _edge_table(np.maximum(u, v), np.minimum(u, v), partitions)


def _neighbourhoods(table: pa.Table):
    """(u, v, group start per edge, min neighbour per edge's u) of distinct edges, sorted."""
    u, v = table.column("u").to_numpy(), table.column("v").to_numpy()
    keep = u != v
    u, v = u[keep], v[keep]
    order = np.lexsort((v, u))
    u, v = u[order], v[order]
    distinct = np.ones(len(u), bool)
    distinct[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
    u, v = u[distinct], v[distinct]
    starts = np.flatnonzero(np.r_[True, u[1:] != u[:-1]]) if len(u) else np.empty(0, np.int64)
    smallest = np.minimum.reduceat(v, starts) if len(u) else v
    sizes = np.diff(np.r_[starts, len(u)])
    return u, v, np.repeat(smallest, sizes)


def _large_star(table: pa.Table) -> pa.Table:
    u, v, smallest = _neighbourhoods(table)
    m = np.minimum(smallest, u)
    larger = v > u
    return pa.table({"u": v[larger], "v": m[larger]})


def _small_star(table: pa.Table) -> pa.Table:
    # Every edge arrives keyed by its larger end, so N = all neighbours listed for u.
    u, v, smallest = _neighbourhoods(table)
    m = np.minimum(smallest, u)
    centres = np.unique(u)
    first = np.searchsorted(u, centres)
    heads = pa.table({"u": centres, "v": m[first]})  # (u, m) for u itself
    edges = pa.table({"u": v, "v": m})
    out = pa.concat_tables([edges, heads])
    keep = pa.compute.not_equal(out.column("u"), out.column("v"))
    return out.filter(keep)


def _roles(table: pa.Table, partitions: int) -> pa.Table:
    """Each edge (u, v), v < u, as two facts: u is a leaf of v, and v is a centre."""
    u, v = table.column("u").to_numpy(), table.column("v").to_numpy()
    nodes = np.concatenate([u, v])
    return pa.table(
        {
            "part": partition_of(nodes, partitions),
            "node": nodes,
            "centre": np.concatenate([v, np.full(len(v), -1, np.int64)]),
        }
    )


def _violations(table: pa.Table) -> pa.Table:
    """Nodes breaking the star-forest shape: a leaf of two centres, or a leaf that is a centre."""
    node, centre = table.column("node").to_numpy(), table.column("centre").to_numpy()
    is_leaf = centre >= 0
    leaf_of = np.unique(np.stack([node[is_leaf], centre[is_leaf]]), axis=1)
    leaves, counts = np.unique(leaf_of[0], return_counts=True)
    centres = np.unique(node[~is_leaf])
    bad = int((counts > 1).sum()) + int(np.isin(centres, leaves).sum())
    return pa.table({"bad": [bad]})


def _is_star_forest(edges, partitions: int) -> bool:
    roles = edges.map_batches(_roles, fn_args=(partitions,), batch_format="pyarrow")
    checks = by_partition(roles, _violations)
    return sum(row["bad"] for row in checks.take_all()) == 0


def connected_components(edges, partitions: int):
    """Star edges (u: node, v: its component's smallest node, v < u) of the graph given by
    ``edges`` (a Ray Dataset with int64 columns u and v; self-loops and repeats allowed).
    Nodes alone in their component do not appear."""
    options = {"fn_args": (partitions,), "batch_format": "pyarrow"}
    current = by_partition(edges.map_batches(_toward_smaller, **options), _small_star)
    current = current.materialize()
    for _ in range(MAX_ROUNDS):
        if _is_star_forest(current, partitions):
            return current
        larger = by_partition(current.map_batches(_both_directions, **options), _large_star)
        keyed = larger.materialize().map_batches(_toward_smaller, **options)
        current = by_partition(keyed, _small_star).materialize()
    raise RuntimeError(f"connected components did not converge in {MAX_ROUNDS} rounds")
