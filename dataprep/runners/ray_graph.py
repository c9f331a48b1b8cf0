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

from dataprep.runners.base import partition_of

MAX_ROUNDS = 200


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


SIDE = "_dp_side"
KEY = "_dp_key"


def _tag(table: pa.Table, key: str, side: int, before: pa.Schema, after: dict, partitions: int):
    """Rows of one side of ``attach`` in the union's column layout: the left columns, then
    part, key and side, then the attached columns (nulls where the side lacks them)."""
    n = table.num_rows
    keys = table.column(key).to_numpy()

    def column(name: str, arrow_type: pa.DataType) -> pa.Array:
        return table.column(name) if name in table.column_names else pa.nulls(n, arrow_type)

    columns = {f.name: column(f.name, f.type) for f in before}
    columns.update(
        {"part": partition_of(keys, partitions), KEY: keys, SIDE: np.full(n, side, np.int8)}
    )
    for target, (source, arrow_type) in after.items():
        columns[target] = table.column(source) if side else pa.nulls(n, arrow_type)
    return pa.table(columns)


def _attach_partition(table: pa.Table, left: list[str], attached: list[str]) -> pa.Table:
    is_right = table.column(SIDE).to_numpy() == 1
    right = table.filter(pa.array(is_right)).sort_by(KEY)
    lefts = table.filter(pa.array(~is_right))
    right_keys = right.column(KEY).to_numpy()
    left_keys = lefts.column(KEY).to_numpy()
    where = np.searchsorted(right_keys, left_keys)
    found = where < len(right_keys)
    found[found] = right_keys[where[found]] == left_keys[found]
    lefts = lefts.filter(pa.array(found)).select(left)
    taken = right.select(attached).take(pa.array(where[found]))
    for name in attached:
        lefts = lefts.append_column(name, taken.column(name))
    return lefts


def attach(left, key: str, right, right_key: str, columns: dict[str, str], partitions: int):
    """Inner join by a keyed shuffle: each row of ``left`` gets the ``columns`` ({name in right:
    new name}) of the row of ``right`` whose ``right_key`` equals its ``key`` (right keys are
    unique; left rows without a match are dropped). Built on ``by_partition`` rather than
    Ray's hash join, whose aggregator actors cannot start when every CPU is busy (a 1-CPU
    instance waits forever)."""
    left_schema, right_schema = left.schema().base_schema, right.schema().base_schema
    after = {new: (old, right_schema.field(old).type) for old, new in columns.items()}
    right_table = {old: old for old in columns}
    tagged_left = left.map_batches(
        _tag, fn_args=(key, 0, left_schema, after, partitions), batch_format="pyarrow"
    )
    renamed = right.map_batches(
        lambda t: t.select([right_key, *right_table]).rename_columns(
            [right_key, *[columns[c] for c in right_table]]
        ),
        batch_format="pyarrow",
    )
    identity = {new: (new, arrow_type) for new, (_, arrow_type) in after.items()}
    tagged_right = renamed.map_batches(
        _tag, fn_args=(right_key, 1, left_schema, identity, partitions), batch_format="pyarrow"
    )
    return by_partition(
        tagged_left.union(tagged_right),
        _attach_partition,
        (list(left_schema.names), list(after)),
    )
