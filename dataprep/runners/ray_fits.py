"""Fitting whole-corpus stages on Ray.

The dedup stages are fitted by shuffles, never collecting their per-row state on the driver:

- ``exact_dedup``: each row's 128-bit normalized-text hash is shuffled on the hash; each
  partition finds its groups of equal hashes and keeps the first row of each.
- ``minhash_dedup``: see dataprep.runners.ray_minhash (band shuffle, distinct candidate
  edges, verification by keyed shuffles, connected components by Large-Star/Small-Star).
- ``semantic_dedup``: k-means is fitted on the driver on the same seeded sample the local
  runner draws, rows are assigned to centroids in the workers, and a shuffle on the cluster
  brings each cluster's members together to find the duplicates.

What reaches the driver is what the stage keeps for its transform (the rejected rows and the
per-row output values), plus, for semantic_dedup, the row numbers (8 bytes per row) to draw the
k-means sample and the sample's vectors. Any other stage with a fit is fitted as the local
runner does: its per-block states are computed in the workers and streamed to the driver in
input order.
"""

from __future__ import annotations

import pickle

import numpy as np
import pyarrow as pa

from dataprep.runners.ray_graph import by_partition, partition_of
from dataprep.runners.ray_pipeline import _as_batch, _fit_state, map_stages
from dataprep.runners.ray_session import RaySession
from dataprep.stage import DUP_CLUSTER, Stage, alive_mask


def alive_rows(table: pa.Table) -> pa.RecordBatch:
    """The block's rows that no stage has rejected, as one record batch."""
    batch = _as_batch(table)
    alive = alive_mask(batch)
    return batch if alive.all() else batch.filter(pa.array(alive))


def collect(data, columns: list[str]) -> dict[str, np.ndarray]:
    """``columns`` of a (small) dataset as numpy arrays, in dataset order."""
    parts = {name: [] for name in columns}
    for batch in data.iter_batches(batch_size=None, batch_format="pyarrow"):
        for name in columns:
            parts[name].append(batch.column(name).to_numpy())
    return {
        name: np.concatenate(values) if values else np.empty(0, np.int64)
        for name, values in parts.items()
    }


# ---- exact_dedup ------------------------------------------------------------------------------


def _exact_keys(table: pa.Table, stage: Stage, partitions: int) -> pa.Table:
    rows, hashes = stage.fit_state(alive_rows(table))
    return pa.table(
        {
            "part": partition_of(hashes[:, 0], partitions),
            "h0": hashes[:, 0],
            "h1": hashes[:, 1],
            "row": rows,
        }
    )


def _exact_groups(table: pa.Table) -> pa.Table:
    """Rows of groups of equal hashes: (row, first row of its group, is a later copy)."""
    h0, h1 = table.column("h0").to_numpy(), table.column("h1").to_numpy()
    rows = table.column("row").to_numpy()
    order = np.lexsort((rows, h1, h0))
    h0, h1, rows = h0[order], h1[order], rows[order]
    later = np.zeros(len(rows), bool)
    later[1:] = (h0[1:] == h0[:-1]) & (h1[1:] == h1[:-1])
    start = np.maximum.accumulate(np.where(later, 0, np.arange(len(rows))))
    in_group = later.copy()
    in_group[start[later]] = True
    return pa.table(
        {"row": rows[in_group], "first": rows[start[in_group]], "later": later[in_group]}
    )


def fit_exact(stage, data, session: RaySession) -> None:
    keys = map_stages(data, _exact_keys, (stage, session.partitions), [stage], session)
    found = collect(by_partition(keys, _exact_groups), ["row", "first", "later"])
    later = found["later"].astype(bool)
    rows = found["row"]
    stage._set_rejections(rows[later], np.zeros(later.sum(), np.int16), ["exact_duplicate"])
    stage._set_row_values(DUP_CLUSTER, rows, found["first"])


# ---- generic ----------------------------------------------------------------------------------


def fit_from_states(stage, data, session: RaySession) -> None:
    """The local runner's fit: per-block states (computed in the workers) reduced on the
    driver, in input order."""
    states = map_stages(data, _fit_state, (stage,), [stage], session)

    def unpickled():
        for batch in states.iter_batches(batch_size=None, batch_format="pyarrow"):
            for blob in batch.column("state").to_pylist():
                yield pickle.loads(blob)

    stage.fit(unpickled())


def fit_on_ray(stage, data, session: RaySession) -> None:
    """Fit ``stage`` on ``data`` (the transformed blocks of the stages before it)."""
    from dataprep.runners.ray_minhash import fit_minhash
    from dataprep.runners.ray_semantic import fit_semantic

    distributed = {
        "exact_dedup": fit_exact,
        "minhash_dedup": fit_minhash,
        "semantic_dedup": fit_semantic,
    }
    distributed.get(stage.name, fit_from_states)(stage, data, session)
