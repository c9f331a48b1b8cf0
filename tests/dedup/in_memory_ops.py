"""``InMemoryOps``: the runner primitives (dataprep.runners.base.ShuffleOps) on in-memory Arrow
tables, so a stage's ``fit_shuffled(ops)`` runs in a test without Ray.

A dataset is a list of ``pa.Table`` blocks. The semantics follow RayOps
(dataprep.runners.ray_ops) and dataprep.runners.ray_graph: ``group`` meets every row of one
``part`` value in one call, ``join`` is an inner join whose right keys are unique, and
``components`` returns star edges (u: node, v: smallest node of its component, v < u) with
isolated nodes absent.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dataprep.dedup.lsh import connected_components
from dataprep.passes import alive_rows
from dataprep.runners.base import ShuffleOps
from dataprep.runners.ray_ops import column_values, concatenated


def _concat(data: list[pa.Table]) -> pa.Table | None:
    tables = [table for table in data if table.num_columns]
    if not tables:
        return None
    return pa.concat_tables(tables, promote_options="default").combine_chunks()


class InMemoryOps(ShuffleOps):
    """ShuffleOps over ``batches``, the transformed record batches of a stage's fit pass (rows
    rejected by an earlier stage included: ``rows`` skips them)."""

    def __init__(self, batches: list[pa.RecordBatch], partitions: int = 4) -> None:
        self.batches = list(batches)
        self.partitions = partitions
        self.calls: dict[str, int] = {}

    def _count_call(self, name: str) -> None:
        self.calls[name] = self.calls.get(name, 0) + 1

    def rows(self, function, *args):
        self._count_call("rows")
        return [function(alive_rows(batch), *args) for batch in self.batches]

    def map(self, data, function, *args):
        self._count_call("map")
        return [function(table, *args) for table in data]

    def group(self, data, function, *args):
        self._count_call("group")
        table = _concat(data)
        if table is None or table.num_rows == 0:
            return []
        parts = table.column("part").to_numpy()
        out = []
        for part in np.unique(parts):
            result = function(table.filter(pa.array(parts == part)), *args)
            if result.num_rows:
                out.append(result)
        return out

    def join(self, left, key: str, right, right_key: str, columns: dict[str, str]):
        self._count_call("join")
        right_table = _concat(right)
        if right_table is None or right_table.num_rows == 0:
            return []
        right_keys = right_table.column(right_key).to_numpy()
        assert len(np.unique(right_keys)) == len(right_keys), "right keys must be unique"
        order = np.argsort(right_keys, kind="stable")
        sorted_keys = right_keys[order]
        out = []
        for table in left:
            keys = table.column(key).to_numpy()
            where = np.searchsorted(sorted_keys, keys)
            found = where < len(sorted_keys)
            found[found] = sorted_keys[where[found]] == keys[found]
            taken = pa.array(order[where[found]])
            joined = table.filter(pa.array(found))
            for source, target in columns.items():
                joined = joined.append_column(target, right_table.column(source).take(taken))
            out.append(joined)
        return out

    def components(self, edges):
        self._count_call("components")
        table = _concat(edges)
        if table is None or table.num_rows == 0:
            return [pa.table({"u": np.empty(0, np.int64), "v": np.empty(0, np.int64)})]
        u = table.column("u").to_numpy().astype(np.int64)
        v = table.column("v").to_numpy().astype(np.int64)
        nodes, local = np.unique(np.concatenate([u, v]), return_inverse=True)
        pairs = np.stack([local[: len(u)], local[len(u) :]], axis=1).astype(np.int64)
        labels = connected_components(len(nodes), pairs)
        leaf = labels != np.arange(len(nodes))
        stars = pa.table({"u": nodes[leaf], "v": nodes[labels[leaf]]})
        # Split into two blocks, as a distributed runner returns several.
        half = stars.num_rows // 2
        return [stars.slice(half), stars.slice(0, half)]

    def collect(self, data, columns: list[str]) -> dict[str, np.ndarray]:
        self._count_call("collect")
        parts = {name: [] for name in columns}
        for table in data:
            for name in columns:
                parts[name].append(column_values(table.column(name)))
        return {name: concatenated(values) for name, values in parts.items()}

    def materialize(self, data):
        self._count_call("materialize")
        return list(data)

    def count(self, data) -> int:
        self._count_call("count")
        return sum(table.num_rows for table in data)

    def select_rows(self, data, column: str, values: np.ndarray):
        self._count_call("select_rows")
        wanted = pa.array(np.asarray(values))
        return [table.filter(pc.is_in(table.column(column), value_set=wanted)) for table in data]
