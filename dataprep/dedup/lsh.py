"""LSH banding for MinHash: choosing bands x rows, candidate pairs from band buckets, and
connected components (union-find) over verified pairs."""

from __future__ import annotations

from functools import lru_cache

import numba as nb
import numpy as np
from scipy.integrate import quad

# Buckets up to this size give all their pairs as candidates; larger buckets give a star from
# their first member plus a chain, so candidate count stays linear in the bucket size.
ALL_PAIRS_BUCKET_LIMIT = 48


def _false_positive_area(threshold: float, bands: int, rows: int) -> float:
    return quad(lambda s: 1 - (1 - s**rows) ** bands, 0.0, threshold)[0]


def _false_negative_area(threshold: float, bands: int, rows: int) -> float:
    return quad(lambda s: 1 - (1 - (1 - s**rows) ** bands), threshold, 1.0)[0]


@lru_cache(maxsize=64)
def optimal_bands_rows(
    threshold: float, num_perm: int, fp_weight: float = 0.5, fn_weight: float = 0.5
) -> tuple[int, int]:
    """(bands, rows) with bands * rows <= num_perm minimizing the weighted sum of the
    false-positive area (collision probability integrated over similarity in [0, threshold])
    and the false-negative area (non-collision integrated over [threshold, 1]): the criterion
    datasketch's MinHashLSH uses."""
    best, best_error = (1, 1), float("inf")
    for bands in range(1, num_perm + 1):
        for rows in range(1, num_perm // bands + 1):
            error = fp_weight * _false_positive_area(threshold, bands, rows)
            error += fn_weight * _false_negative_area(threshold, bands, rows)
            if error < best_error:
                best, best_error = (bands, rows), error
    return best


@nb.njit(cache=True)
def _bucket_pairs(keys_sorted, members_sorted, all_pairs_limit):
    n = len(keys_sorted)
    capacity = max(16, 2 * n)
    left = np.empty(capacity, dtype=np.int64)
    right = np.empty(capacity, dtype=np.int64)
    count = 0
    start = 0
    while start < n:
        end = start + 1
        while end < n and keys_sorted[end] == keys_sorted[start]:
            end += 1
        size = end - start
        if size > 1:
            needed = size * (size - 1) // 2 if size <= all_pairs_limit else 2 * size
            while count + needed > capacity:
                capacity *= 2
                left = np.resize(left, capacity)
                right = np.resize(right, capacity)
            if size <= all_pairs_limit:
                for i in range(start, end):
                    for j in range(i + 1, end):
                        left[count] = members_sorted[i]
                        right[count] = members_sorted[j]
                        count += 1
            else:
                for j in range(start + 1, end):
                    left[count] = members_sorted[start]
                    right[count] = members_sorted[j]
                    count += 1
                    if j + 1 < end:
                        left[count] = members_sorted[j]
                        right[count] = members_sorted[j + 1]
                        count += 1
        start = end
    return left[:count], right[:count]


def candidate_pairs(band_hashes: np.ndarray) -> np.ndarray:
    """Unique candidate pairs (i < j, as an int64 [m, 2] array sorted by i then j) of rows that
    share a bucket in at least one band. Rows are positions in ``band_hashes``."""
    n, bands = band_hashes.shape
    parts = []
    members = np.arange(n, dtype=np.int64)
    for band in range(bands):
        order = np.argsort(band_hashes[:, band], kind="stable")
        left, right = _bucket_pairs(
            band_hashes[order, band], members[order], ALL_PAIRS_BUCKET_LIMIT
        )
        if len(left):
            low, high = np.minimum(left, right), np.maximum(left, right)
            parts.append(low * n + high)
    if not parts:
        return np.empty((0, 2), dtype=np.int64)
    keys = np.unique(np.concatenate(parts))
    return np.stack([keys // n, keys % n], axis=1)


@nb.njit(cache=True)
def _find(parent, x):
    root = x
    while parent[root] != root:
        root = parent[root]
    while parent[x] != root:  # path compression
        parent[x], x = root, parent[x]
    return root


@nb.njit(cache=True)
def _union_into(parent, left, right):
    for k in range(len(left)):
        a = _find(parent, left[k])
        b = _find(parent, right[k])
        if a != b:
            # The smaller position becomes the root, so roots are deterministic.
            if a < b:
                parent[b] = a
            else:
                parent[a] = b


@nb.njit(cache=True)
def _flatten(parent):
    for x in range(len(parent)):
        parent[x] = _find(parent, x)
    return parent


def new_forest(n: int) -> np.ndarray:
    """Union-find parents of ``n`` nodes, each its own component (8 bytes a node)."""
    return np.arange(n, dtype=np.int64)


def union_pairs(parent: np.ndarray, pairs: np.ndarray) -> None:
    """Join the components of each pair's two nodes, in place. A component's root is always its
    smallest node, so the result does not depend on the order or grouping of the pairs."""
    if len(pairs):
        _union_into(parent, np.ascontiguousarray(pairs[:, 0]), np.ascontiguousarray(pairs[:, 1]))


def component_labels(parent: np.ndarray) -> np.ndarray:
    """Component label of each node (the smallest node in its component); reuses ``parent``."""
    return _flatten(parent)


def connected_components(n: int, pairs: np.ndarray) -> np.ndarray:
    """Component label of each of ``n`` nodes: the smallest node in its component."""
    parent = new_forest(n)
    union_pairs(parent, pairs)
    return component_labels(parent)
