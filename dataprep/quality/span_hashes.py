"""Sets of words as sorted 64-bit hashes of their code points, looked up from numba kernels
(spaCy's special cases, stop words, units in ``dataprep.quality.word_tokens``)."""

from __future__ import annotations

import numba as nb
import numpy as np

from dataprep.hashing import FNV_OFFSET, FNV_PRIME, mix


@nb.njit(inline="always")
def span_hash(cps, lo, hi):
    """64-bit hash of the code points cps[lo:hi]."""
    h = FNV_OFFSET
    for k in range(lo, hi):
        h = (h ^ np.uint64(cps[k])) * FNV_PRIME
    return mix(h, np.uint64(hi - lo))


def hash_set(words: list[str]) -> np.ndarray:
    """Sorted span_hash values of ``words``, for ``find`` and ``member``."""
    hashes = [span_hash(np.array([ord(c) for c in word], np.int32), 0, len(word)) for word in words]
    return np.unique(np.array(hashes, np.uint64))


@nb.njit(inline="always")
def find(cps, lo, hi, hashes):
    """Index of cps[lo:hi] in the sorted hash set, or -1."""
    if hi <= lo or len(hashes) == 0:
        return -1
    h = span_hash(cps, lo, hi)
    a, b = 0, len(hashes)
    while a < b:  # binary search (numba's np.searchsorted is much slower on a scalar)
        m = (a + b) >> 1
        if hashes[m] < h:
            a = m + 1
        else:
            b = m
    return a if a < len(hashes) and hashes[a] == h else -1


@nb.njit(inline="always")
def member(cps, lo, hi, hashes):
    """Whether cps[lo:hi] is in the sorted hash set."""
    return find(cps, lo, hi, hashes) >= 0
