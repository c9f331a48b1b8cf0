"""``semantic_dedup`` (SemDeDup) fitted on Ray with the local fit's semantics:

1. Workers embed the alive rows (an actor pool when a model is loaded; one GPU per actor when
   the cluster has GPUs); the vectors are materialized in the object store, never on the driver.
2. k-means is fitted on the driver on the seeded sample the local fit draws: the driver reads
   the row numbers (8 bytes per row), picks the same sample positions and fetches only those
   vectors.
3. Workers assign every row to its nearest centroid.
4. A shuffle on the cluster brings each cluster's members together; each partition ranks them
   (hard / easy / random, the latter seeded per cluster) and finds the duplicates.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dataprep.dedup.semantic import CLUSTER_COLUMN, _assign, kmeans_fit, rank_members
from dataprep.runners.ray_fits import alive_rows, collect
from dataprep.runners.ray_graph import by_partition, partition_of
from dataprep.runners.ray_pipeline import map_stages


def _vectors(table: pa.Table, stage) -> pa.Table:
    rows, vectors = stage.fit_state(alive_rows(table))
    vectors = np.ascontiguousarray(vectors, np.float32)
    flat = pa.array(vectors.reshape(-1))
    return pa.table(
        {"row": rows, "vector": pa.FixedSizeListArray.from_arrays(flat, vectors.shape[1])}
    )


def _matrix(column) -> np.ndarray:
    column = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    return column.flatten().to_numpy().reshape(-1, column.type.list_size)


def _assigned(table: pa.Table, centroids: np.ndarray, partitions: int) -> pa.Table:
    labels, similarity = _assign(_matrix(table.column("vector")), centroids)
    return (
        table.append_column("part", pa.array(partition_of(labels, partitions)))
        .append_column("cluster", pa.array(labels))
        .append_column("similarity", pa.array(similarity))
    )


def _cluster_duplicates(table: pa.Table, stage) -> pa.Table:
    rows = table.column("row").to_numpy()
    labels = table.column("cluster").to_numpy()
    similarity = table.column("similarity").to_numpy()
    vectors = _matrix(table.column("vector"))
    order = np.lexsort((rows, labels))
    rows, labels, similarity, vectors = (
        rows[order],
        labels[order],
        similarity[order],
        vectors[order],
    )
    dropped = np.zeros(len(rows), bool)
    starts = np.flatnonzero(np.r_[True, labels[1:] != labels[:-1]]) if len(rows) else []
    for start, end in zip(starts, [*starts[1:], len(rows)], strict=True):
        if end - start < 2:
            continue
        members = np.arange(start, end)
        ranked = rank_members(stage, members, similarity[members], int(labels[start]))
        dropped[ranked] = stage._cluster_duplicates(vectors, ranked, int(labels[start]))
    return pa.table({"row": rows, "cluster": labels, "dropped": dropped})


def fit_semantic(stage, data, session) -> None:
    vectors = map_stages(data, _vectors, (stage,), [stage], session).materialize()
    rows = collect(vectors.select_columns(["row"]), ["row"])["row"]
    if len(rows) == 0:
        stage._set_rejections(rows, np.empty(0, np.int16), ["semantic_duplicate"])
        stage._set_row_values(CLUSTER_COLUMN, rows, rows)
        return
    sample_rows = rows
    if len(rows) > stage.kmeans_sample:
        rng = np.random.default_rng(stage.seed)
        sample_rows = rows[np.sort(rng.choice(len(rows), stage.kmeans_sample, replace=False))]
    wanted = pa.array(sample_rows)

    def pick(table: pa.Table) -> pa.Table:
        return table.filter(pc.is_in(table.column("row"), value_set=wanted))

    sample = [
        _matrix(batch.column("vector"))
        for batch in vectors.map_batches(pick, batch_format="pyarrow").iter_batches(
            batch_size=None, batch_format="pyarrow"
        )
    ]
    sample = np.concatenate(sample)
    centroids = kmeans_fit(sample, stage.num_clusters, len(sample), stage.seed)
    options = {"fn_args": (centroids, session.partitions), "batch_format": "pyarrow"}
    assigned = vectors.map_batches(_assigned, **options)
    found = collect(
        by_partition(assigned, _cluster_duplicates, (stage,)), ["row", "cluster", "dropped"]
    )
    order = np.argsort(found["row"], kind="stable")
    rows, labels = found["row"][order], found["cluster"][order]
    dropped = found["dropped"][order].astype(bool)
    stage.centroids_ = centroids
    stage._set_rejections(rows[dropped], np.zeros(dropped.sum(), np.int16), ["semantic_duplicate"])
    stage._set_row_values(CLUSTER_COLUMN, rows, labels.astype(np.int64))
