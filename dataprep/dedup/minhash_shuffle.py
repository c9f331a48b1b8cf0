"""``minhash_dedup`` on a distributed runner (``MinHashDedup.fit_shuffled``), with the local
fit's semantics (same candidate pairs, verification, clusters and kept rows), never holding
signatures, band keys or shingles on the driver. Written against the runner primitives
(dataprep.runners.base.ShuffleOps):

1. ``rows``: each alive row's band keys (and its shingle set or signature for verification,
   and its ``keep_highest`` value), from the stage's own ``fit_state``; kept (materialized).
2. ``group`` on (band, bucket key): each partition sorts its records by band, key and row and
   turns every bucket into candidate edges with the local fit's ``BucketStream`` (all pairs up
   to ALL_PAIRS_BUCKET_LIMIT members, else a star from the first member plus a chain).
3. ``group`` on the edge: distinct candidate edges.
4. Verification: two ``join``s give each edge both rows' shingle sets (or signatures); the
   local fit's kernels (``sorted_pair_jaccard``, signature agreement) keep edges at or above
   threshold.
5. ``components`` (the runner's connected components; the local fit uses union-find); the label
   of a row is the first row of its cluster. With ``keep_highest`` the clustered rows' values are
   fetched and the local fit's ``representatives`` picks the highest (ties: the first row).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from dataprep.dedup import lsh
from dataprep.dedup.lsh_runs import BucketStream
from dataprep.dedup.minhash_kernels import sorted_pair_jaccard
from dataprep.runners.base import ShuffleOps, fixed_lists, list_matrix, partition_of

_BAND_MIX = np.uint64(0xD6E8FEB86659FD93)


def _row_state(batch: pa.RecordBatch, stage) -> pa.Table:
    state = stage.fit_state(batch)
    columns = {"row": state["rows"], "bands": fixed_lists(state["bands"], pa.uint64())}
    if "shingles" in state:
        lengths = np.asarray(state["shingle_lengths"], np.int64)
        offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        values = pa.array(np.asarray(state["shingles"], np.uint32))
        columns["check"] = pa.LargeListArray.from_arrays(pa.array(offsets), values)
    if "signatures" in state:
        columns["check"] = fixed_lists(state["signatures"], pa.uint32())
    if "priority" in state:
        columns["priority"] = state["priority"]
    return pa.table(columns)


def _band_records(table: pa.Table, partitions: int) -> pa.Table:
    rows = table.column("row").to_numpy()
    keys = list_matrix(table.column("bands"), np.uint64)
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


def _bucket_edges(table: pa.Table, partitions: int) -> pa.Table:
    band, key = table.column("band").to_numpy(), table.column("key").to_numpy()
    rows = table.column("row").to_numpy()
    order = np.lexsort((rows, key, band))
    band, key, rows = band[order], key[order], rows[order]
    pairs = [np.empty((0, 2), np.uint64)]
    starts = np.flatnonzero(np.r_[True, band[1:] != band[:-1]]) if len(band) else []
    for start, end in zip(starts, [*starts[1:], len(band)], strict=True):
        block = np.column_stack([key[start:end], rows[start:end].astype(np.uint64)])
        pairs.append(BucketStream().pairs(block, final=True))  # the local fit's kernel
    pairs = np.concatenate(pairs).astype(np.int64)
    low, high = pairs.min(axis=1), pairs.max(axis=1)
    mixed = low.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15) ^ high.astype(np.uint64)
    return pa.table({"part": partition_of(mixed, partitions), "low": low, "high": high})


def _distinct_edges(table: pa.Table) -> pa.Table:
    pairs = np.stack([table.column("low").to_numpy(), table.column("high").to_numpy()], axis=1)
    pairs = np.unique(pairs, axis=0) if len(pairs) else pairs.reshape(0, 2)
    return pa.table({"low": pairs[:, 0].astype(np.int64), "high": pairs[:, 1].astype(np.int64)})


def _verified(table: pa.Table, verify: str, threshold: float) -> pa.Table:
    low, high = table.column("low").to_numpy(), table.column("high").to_numpy()
    if len(low) == 0:
        return pa.table({"u": low, "v": high})
    if verify == "signature":
        a = list_matrix(table.column("check_a"), np.uint32)
        b = list_matrix(table.column("check_b"), np.uint32)
        similarity = (a == b).mean(axis=1)
    else:  # each row's shingles are sorted and distinct (MinHashDedup.fit_state)
        a = table.column("check_a").combine_chunks()
        b = table.column("check_b").combine_chunks()
        values = np.concatenate([_list_values(a), _list_values(b)])
        ends = np.concatenate([_list_ends(a), _list_ends(a)[-1:] + _list_ends(b)])
        n = len(low)
        pairs = np.stack([np.arange(n), n + np.arange(n)], axis=1)
        similarity = sorted_pair_jaccard(values, ends, pairs)
    keep = similarity >= threshold
    return pa.table({"u": low[keep], "v": high[keep]})


def _as_edges(table: pa.Table) -> pa.Table:
    return pa.table({"u": table.column("low"), "v": table.column("high")})


def _list_values(lists: pa.LargeListArray) -> np.ndarray:
    return lists.flatten().to_numpy(zero_copy_only=False).astype(np.uint32)


def _list_ends(lists: pa.LargeListArray) -> np.ndarray:
    offsets = lists.offsets.to_numpy()
    return (offsets[1:] - offsets[0]).astype(np.int64)


def fit_minhash_shuffled(stage, ops: ShuffleOps) -> tuple:
    """Fit ``stage`` (MinHashDedup) with ``ops``. Returns (members, their kept row, component
    labels) in row order; sets candidate_pairs_ and verified_pairs_."""
    partitions = ops.partitions
    rows = ops.materialize(ops.rows(_row_state, stage))
    bands = ops.map(rows, _band_records, partitions)
    candidates = ops.group(bands, _bucket_edges, partitions)
    edges = ops.materialize(ops.group(candidates, _distinct_edges))
    stage.candidate_pairs_ = ops.count(edges)
    if stage.verify != "none" and stage.candidate_pairs_:
        both = edges
        for end, side in (("low", "a"), ("high", "b")):
            both = ops.join(both, end, rows, "row", {"check": f"check_{side}"})
        verified = ops.materialize(ops.map(both, _verified, stage.verify, stage.threshold))
    else:
        verified = ops.materialize(ops.map(edges, _as_edges))
    stage.verified_pairs_ = ops.count(verified)
    stars = ops.collect(ops.components(verified), ["u", "v"])
    members = np.concatenate([stars["u"], np.unique(stars["v"])]).astype(np.int64)
    labels = np.concatenate([stars["v"], np.unique(stars["v"])]).astype(np.int64)
    members, first = np.unique(members, return_index=True)  # an edge may repeat in a star
    labels = labels[first]
    positions = np.searchsorted(members, labels)  # each label is its component's first member
    priority = None
    if stage.keep_highest:
        found = ops.collect(ops.select_rows(rows, "row", members), ["row", "priority"])
        order = np.argsort(found["row"])
        where = np.searchsorted(found["row"][order], members)
        priority = found["priority"][order][where]
    keep = members[lsh.representatives(positions, priority)[positions]]
    return members, keep, labels
