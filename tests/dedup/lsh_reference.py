"""The in-memory LSH candidate pairs, written plainly: the reference the streamed, out-of-core
``BucketStream`` / ``BandRuns`` of dataprep.dedup.lsh_runs must reproduce exactly."""

import numba as nb
import numpy as np

from dataprep.dedup.lsh import ALL_PAIRS_BUCKET_LIMIT


@nb.njit(cache=True)
def bucket_pairs(keys_sorted, members_sorted, all_pairs_limit):
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
        left, right = bucket_pairs(band_hashes[order, band], members[order], ALL_PAIRS_BUCKET_LIMIT)
        if len(left):
            low, high = np.minimum(left, right), np.maximum(left, right)
            parts.append(low * n + high)
    if not parts:
        return np.empty((0, 2), dtype=np.int64)
    keys = np.unique(np.concatenate(parts))
    return np.stack([keys // n, keys % n], axis=1)
