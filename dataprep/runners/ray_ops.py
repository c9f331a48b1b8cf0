"""Ray Data implementations of the runner primitives: ``map_blocks`` (whole blocks, in an actor
pool for stages that load a model) and ``RayOps``, the ``ShuffleOps`` a stage's shuffled fit is
written against (keyed shuffles, joins and connected components from
dataprep.runners.ray_graph)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dataprep.passes import alive_rows
from dataprep.runners.base import ShuffleOps, list_matrix
from dataprep.runners.ray_graph import attach, by_partition, connected_components
from dataprep.runners.ray_session import RaySession
from dataprep.stage import Stage


def as_batch(table: pa.Table) -> pa.RecordBatch:
    """A block as one record batch."""
    batches = table.combine_chunks().to_batches()
    if batches:
        return batches[0]
    return pa.RecordBatch.from_pylist([], schema=table.schema)


def column_values(column) -> np.ndarray:
    """A column as numpy; a list column (of equal-length lists) as a matrix, one row per list."""
    if pa.types.is_fixed_size_list(column.type) or pa.types.is_list(column.type):
        return list_matrix(column)
    column = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    return column.to_numpy(zero_copy_only=False)


def collect(data, columns: list[str]) -> dict[str, np.ndarray]:
    """``columns`` of a (small) Ray Dataset as numpy arrays, in dataset order."""
    parts = {name: [] for name in columns}
    for batch in data.iter_batches(batch_size=None, batch_format="pyarrow"):
        for name in columns:
            parts[name].append(column_values(batch.column(name)))
    return {name: concatenated(values) for name, values in parts.items()}


def concatenated(parts: list[np.ndarray]) -> np.ndarray:
    """The parts of a collected column, joined (empty blocks left out: an empty block of
    vectors has no width)."""
    filled = [part for part in parts if len(part)]
    if filled:
        return np.concatenate(filled)
    return parts[0] if parts else np.empty(0, np.int64)


class _ModelWorker:
    """An actor-pool worker: unpickles its stages (and so loads their models) once."""

    def __init__(self, function, *args) -> None:
        self.function, self.args = function, args

    def __call__(self, table: pa.Table) -> pa.Table:
        return self.function(table, *self.args)


def map_blocks(data, function, args: tuple, stages: list[Stage], session: RaySession):
    """``data.map_batches(function, fn_args=args)`` over whole blocks; in an actor pool (one GPU
    per actor when the cluster has GPUs) when one of ``stages`` loads a model."""
    options = {"batch_size": None, "batch_format": "pyarrow"}
    if any(stage.loads_model for stage in stages):
        gpus = session.gpus
        return data.map_batches(
            _ModelWorker,
            fn_constructor_args=(function, *args),
            concurrency=max(1, gpus or session.cpus - 1),
            num_gpus=1 if gpus else 0,
            **options,
        )
    return data.map_batches(function, fn_args=args, **options)


def _on_alive_rows(table: pa.Table, function, args: tuple) -> pa.Table:
    return function(alive_rows(as_batch(table)), *args)


class RayOps(ShuffleOps):
    """The primitives on Ray Data, bound to the transformed blocks ``data`` of ``stage``'s fit
    pass (see dataprep.runners.base.ShuffleOps)."""

    def __init__(self, session: RaySession, data, stage: Stage) -> None:
        self.session, self.data, self.stage = session, data, stage
        self.partitions = session.partitions

    def rows(self, function, *args):
        return map_blocks(self.data, _on_alive_rows, (function, args), [self.stage], self.session)

    def map(self, data, function, *args):
        return data.map_batches(function, fn_args=args, batch_format="pyarrow")

    def group(self, data, function, *args):
        return by_partition(data, function, args)

    def join(self, left, key: str, right, right_key: str, columns: dict[str, str]):
        return attach(left, key, right, right_key, columns, self.partitions)

    def components(self, edges):
        return connected_components(edges, self.partitions)

    def collect(self, data, columns: list[str]) -> dict[str, np.ndarray]:
        return collect(data, columns)

    def materialize(self, data):
        return data.materialize()

    def count(self, data) -> int:
        return data.count()

    def select_rows(self, data, column: str, values: np.ndarray):
        wanted = pa.array(values)

        def pick(table: pa.Table) -> pa.Table:
            return table.filter(pc.is_in(table.column(column), value_set=wanted))

        return data.map_batches(pick, batch_format="pyarrow")
