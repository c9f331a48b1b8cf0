"""``semantic_dedup`` (SemDeDup) on a distributed runner (``SemanticDedup.fit_shuffled``), with
the local fit's semantics, written against the runner primitives
(dataprep.runners.base.ShuffleOps):

1. ``rows``: the stage embeds the alive rows (its own ``fit_state``; the runner runs stages
   that load a model in long-lived workers); the vectors are kept, never on the driver.
2. k-means is fitted on the driver on the local fit's seeded sample: the driver reads the row
   numbers (8 bytes per row), takes ``sample_positions`` and fetches only those vectors.
3. ``map``: every row is assigned to its nearest centroid (the local ``assign``).
4. ``group`` on the cluster: each cluster's members meet in one call, which judges them with
   the local fit's ``judge_cluster`` (rank, then duplicates within the cluster and the kept row
   of each duplicate group).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from dataprep.dedup.kmeans import assign, kmeans_fit, sample_positions
from dataprep.runners.base import ShuffleOps, list_matrix, partition_of, vector_lists


def _vectors(batch: pa.RecordBatch, stage) -> pa.Table:
    rows, vectors = stage.fit_state(batch)
    return pa.table({"row": rows, "vector": vector_lists(vectors)})


def _assigned(table: pa.Table, centroids: np.ndarray, partitions: int) -> pa.Table:
    labels, similarity = assign(list_matrix(table.column("vector")), centroids)
    return (
        table.append_column("part", pa.array(partition_of(labels, partitions)))
        .append_column("cluster", pa.array(labels))
        .append_column("similarity", pa.array(similarity))
    )


def _cluster_duplicates(table: pa.Table, stage) -> pa.Table:
    rows = table.column("row").to_numpy()
    labels = table.column("cluster").to_numpy()
    similarity = table.column("similarity").to_numpy()
    vectors = list_matrix(table.column("vector"))
    order = np.lexsort((rows, labels))
    rows, labels, similarity, vectors = (
        rows[order],
        labels[order],
        similarity[order],
        vectors[order],
    )
    kept = np.full(len(rows), -1, np.int64)
    starts = np.flatnonzero(np.r_[True, labels[1:] != labels[:-1]]) if len(rows) else []
    for start, end in zip(starts, [*starts[1:], len(rows)], strict=True):
        members = np.arange(start, end)
        ranked, kept_at = stage.judge_cluster(
            vectors, members, similarity[members], int(labels[start])
        )
        in_group = kept_at >= 0
        kept[ranked[in_group]] = rows[kept_at[in_group]]
    return pa.table({"row": rows, "cluster": labels, "kept": kept})


def fit_semantic_shuffled(stage, ops: ShuffleOps) -> tuple:
    """Fit ``stage`` (SemanticDedup) with ``ops``: (rows, cluster of each, the row number of
    the kept row of each one's duplicate group or -1, centroids or None when there is no row),
    in row order."""
    vectors = ops.materialize(ops.rows(_vectors, stage))
    rows = ops.collect(vectors, ["row"])["row"]
    if len(rows) == 0:
        return rows, rows, rows, None
    sample_rows = rows[sample_positions(len(rows), stage.kmeans_sample, stage.seed)]
    sample = ops.collect(ops.select_rows(vectors, "row", sample_rows), ["vector"])["vector"]
    centroids = kmeans_fit(sample, stage.num_clusters, len(sample), stage.seed)
    assigned = ops.map(vectors, _assigned, centroids, ops.partitions)
    found = ops.collect(ops.group(assigned, _cluster_duplicates, stage), ["row", "cluster", "kept"])
    order = np.argsort(found["row"], kind="stable")
    return found["row"][order], found["cluster"][order], found["kept"][order], centroids
