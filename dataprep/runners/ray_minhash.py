"""``minhash_dedup`` fitted on Ray, with the local fit's exact semantics (same candidate pairs,
verification, clusters and kept rows), never holding signatures, band keys or shingles on the
driver:

1. Workers compute each alive row's band keys (and its shingle set or signature for
   verification, and its ``keep_highest`` value); the result is materialized.
2. Band shuffle: one record per (band, bucket key, row), shuffled on (band, key). Each partition
   sorts its records by band, key and row and turns every bucket into candidate edges exactly as
   dataprep.dedup.lsh does (all pairs up to ALL_PAIRS_BUCKET_LIMIT members, else a star from the
   first member plus a chain).
3. Candidate edges are deduplicated by a shuffle on the edge.
4. Verification: two keyed shuffles (dataprep.runners.ray_graph.attach) give each edge both
   rows' shingle sets (or signatures); workers compute the exact Jaccard (or signature
   agreement) and keep edges at or above threshold.
5. Connected components by Large-Star/Small-Star (dataprep.runners.ray_graph); the label of a
   row is the first row of its cluster. With ``keep_highest`` the clustered rows' values are
   fetched by a filter on those rows and the driver picks the highest (ties: the first row),
   as the local fit does.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dataprep.dedup import lsh
from dataprep.dedup.minhash_kernels import pair_jaccard
from dataprep.runners.ray_fits import alive_rows, collect
from dataprep.runners.ray_graph import (
    attach,
    by_partition,
    connected_components,
    partition_of,
)
from dataprep.runners.ray_pipeline import map_stages
from dataprep.stage import DUP_CLUSTER

_BAND_MIX = np.uint64(0xD6E8FEB86659FD93)


def _row_state(table: pa.Table, stage) -> pa.Table:
    state = stage.fit_state(alive_rows(table))
    columns = {"row": state["rows"], "bands": _fixed_lists(state["bands"], pa.uint64())}
    if "shingles" in state:
        lengths = np.asarray(state["shingle_lengths"], np.int64)
        offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        values = pa.array(np.asarray(state["shingles"], np.uint32))
        columns["check"] = pa.LargeListArray.from_arrays(pa.array(offsets), values)
    if "signatures" in state:
        columns["check"] = _fixed_lists(state["signatures"], pa.uint32())
    if "priority" in state:
        columns["priority"] = state["priority"]
    return pa.table(columns)


def _fixed_lists(matrix: np.ndarray, value_type: pa.DataType) -> pa.Array:
    matrix = np.ascontiguousarray(matrix)
    width = matrix.shape[1] if matrix.ndim == 2 else 0
    return pa.FixedSizeListArray.from_arrays(pa.array(matrix.reshape(-1), value_type), width)


def _matrix(column, dtype) -> np.ndarray:
    column = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    width = column.type.list_size
    return column.flatten().to_numpy(zero_copy_only=False).astype(dtype).reshape(-1, width)


def _band_records(table: pa.Table, partitions: int) -> pa.Table:
    rows = table.column("row").to_numpy()
    keys = _matrix(table.column("bands"), np.uint64)
    bands = np.broadcast_to(np.arange(keys.shape[1], dtype=np.uint64), keys.shape)
    mixed = keys ^ (bands * _BAND_MIX)
    return pa.table(
        {
            "part": partition_of(mixed.reshape(-1), partitions),
            "band": bands.reshape(-1).astype(np.int64),
            "key": keys.reshape(-1),
            "row": np.repeat(rows, keys.shape[1]),
        }
    )


def _edge_records(low: np.ndarray, high: np.ndarray, partitions: int) -> pa.Table:
    mixed = low.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15) ^ high.astype(np.uint64)
    return pa.table({"part": partition_of(mixed, partitions), "low": low, "high": high})


def _bucket_edges(table: pa.Table, partitions: int) -> pa.Table:
    band, key = table.column("band").to_numpy(), table.column("key").to_numpy()
    rows = table.column("row").to_numpy()
    order = np.lexsort((rows, key, band))
    band, key, rows = band[order], key[order], rows[order]
    lows, highs = [], []
    starts = np.flatnonzero(np.r_[True, band[1:] != band[:-1]]) if len(band) else []
    for start, end in zip(starts, [*starts[1:], len(band)], strict=True):
        left, right = lsh._bucket_pairs(key[start:end], rows[start:end], lsh.ALL_PAIRS_BUCKET_LIMIT)
        lows.append(np.minimum(left, right))
        highs.append(np.maximum(left, right))
    low = np.concatenate(lows) if lows else np.empty(0, np.int64)
    high = np.concatenate(highs) if highs else np.empty(0, np.int64)
    return _edge_records(low, high, partitions)


def _distinct_edges(table: pa.Table) -> pa.Table:
    pairs = np.stack([table.column("low").to_numpy(), table.column("high").to_numpy()], axis=1)
    pairs = np.unique(pairs, axis=0) if len(pairs) else pairs.reshape(0, 2)
    return pa.table({"low": pairs[:, 0].astype(np.int64), "high": pairs[:, 1].astype(np.int64)})


def _verified(table: pa.Table, verify: str, threshold: float) -> pa.Table:
    low, high = table.column("low").to_numpy(), table.column("high").to_numpy()
    if len(low) == 0:
        return pa.table({"u": low, "v": high})
    if verify == "signature":
        a = _matrix(table.column("check_a"), np.uint32)
        b = _matrix(table.column("check_b"), np.uint32)
        similarity = (a == b).mean(axis=1)
    else:
        a = table.column("check_a").combine_chunks()
        b = table.column("check_b").combine_chunks()
        values = np.concatenate([_list_values(a), _list_values(b)])
        ends = np.concatenate([_list_ends(a), _list_ends(a)[-1:] + _list_ends(b)])
        n = len(low)
        pairs = np.stack([np.arange(n), n + np.arange(n)], axis=1)
        similarity = pair_jaccard(values, ends, pairs)
    keep = similarity >= threshold
    return pa.table({"u": low[keep], "v": high[keep]})


def _list_values(lists: pa.LargeListArray) -> np.ndarray:
    return lists.flatten().to_numpy(zero_copy_only=False).astype(np.uint32)


def _list_ends(lists: pa.LargeListArray) -> np.ndarray:
    offsets = lists.offsets.to_numpy()
    return (offsets[1:] - offsets[0]).astype(np.int64)


def fit_minhash(stage, data, session) -> None:
    partitions = session.partitions
    rows = map_stages(data, _row_state, (stage,), [stage], session).materialize()
    bands = rows.map_batches(_band_records, fn_args=(partitions,), batch_format="pyarrow")
    candidates = by_partition(bands, _bucket_edges, (partitions,))
    edges = by_partition(candidates, _distinct_edges).materialize()
    stage.candidate_pairs_ = edges.count()
    if stage.verify != "none" and stage.candidate_pairs_:
        both = edges
        for end, side in (("low", "a"), ("high", "b")):
            both = attach(both, end, rows, "row", {"check": f"check_{side}"}, partitions)
        options = {"fn_args": (stage.verify, stage.threshold), "batch_format": "pyarrow"}
        verified = both.map_batches(_verified, **options).materialize()
    else:
        verified = edges.map_batches(
            lambda t: pa.table({"u": t["low"], "v": t["high"]}), batch_format="pyarrow"
        ).materialize()
    stage.verified_pairs_ = verified.count()
    stars = collect(connected_components(verified, partitions), ["u", "v"])
    members = np.concatenate([stars["u"], np.unique(stars["v"])]).astype(np.int64)
    labels = np.concatenate([stars["v"], np.unique(stars["v"])]).astype(np.int64)
    order = np.argsort(members, kind="stable")
    members, labels = members[order], labels[order]
    keep = _keepers(rows, members, labels) if stage.keep_highest else labels
    rejected = keep != members
    stage.clusters_ = int(np.unique(labels).size)
    stage._set_rejections(members[rejected], np.zeros(rejected.sum(), np.int16), ["near_duplicate"])
    stage._set_row_values(DUP_CLUSTER, members, keep)


def _keepers(rows, members: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Per member (sorted), the member of its cluster with the highest priority (ties: the
    first row)."""
    wanted = pa.array(members)

    def pick(table: pa.Table) -> pa.Table:
        mask = pc.is_in(table.column("row"), value_set=wanted)
        return table.filter(mask).select(["row", "priority"])

    found = collect(rows.map_batches(pick, batch_format="pyarrow"), ["row", "priority"])
    priority = found["priority"][np.searchsorted(found["row"], members)]
    order = np.lexsort((members, -priority, labels))
    first = np.ones(len(order), bool)
    first[1:] = labels[order][1:] != labels[order][:-1]
    best = dict(zip(labels[order][first].tolist(), members[order][first].tolist(), strict=True))
    return np.array([best[label] for label in labels.tolist()], np.int64)
