"""Small hash building blocks shared by the native (numba) text kernels."""

from __future__ import annotations

import numba as nb
import numpy as np

FNV_OFFSET = np.uint64(0xCBF29CE484222325)
FNV_PRIME = np.uint64(0x100000001B3)
COMBINE = np.uint64(0x9E3779B97F4A7C15)  # 2^64 / golden ratio


@nb.njit(inline="always")
def fmix64(h):
    """MurmurHash3's 64-bit finalizer: a bijection that spreads every input bit."""
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xFF51AFD7ED558CCD)
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xC4CEB9FE1A85EC53)
    h ^= h >> np.uint64(33)
    return h


@nb.njit(inline="always")
def mix(h, x):
    """Order-dependent combination of a running 64-bit hash h with a value x."""
    return fmix64((h ^ x) * COMBINE)
