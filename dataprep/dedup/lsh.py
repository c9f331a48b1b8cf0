"""LSH banding for MinHash: choosing bands x rows, candidate pairs from band buckets, and
connected components (union-find) over verified pairs."""

from __future__ import annotations

from functools import lru_cache

import numba as nb
import numpy as np

# Buckets up to this size give all their pairs as candidates; larger buckets give a star from
# their first member plus a chain, so candidate count stays linear in the bucket size.
ALL_PAIRS_BUCKET_LIMIT = 48


@lru_cache(maxsize=8)
def _gauss_legendre(num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights on [-1, 1] that integrate every polynomial of degree <= num_perm
    exactly (the collision probability 1 - (1 - s**rows) ** bands has degree rows * bands)."""
    return np.polynomial.legendre.leggauss(num_perm // 2 + 2)


def _integral(function, low: float, high: float, num_perm: int) -> float:
    nodes, weights = _gauss_legendre(num_perm)
    half = (high - low) / 2
    return float(np.sum(weights * function(low + (nodes + 1) * half)) * half)


def _false_positive_area(threshold: float, bands: int, rows: int, num_perm: int) -> float:
    return _integral(lambda s: 1 - (1 - s**rows) ** bands, 0.0, threshold, num_perm)


def _false_negative_area(threshold: float, bands: int, rows: int, num_perm: int) -> float:
    return _integral(lambda s: (1 - s**rows) ** bands, threshold, 1.0, num_perm)


@lru_cache(maxsize=64)
def optimal_bands_rows(
    threshold: float, num_perm: int, fp_weight: float = 0.5, fn_weight: float = 0.5
) -> tuple[int, int]:
    """(bands, rows) with bands * rows <= num_perm minimizing the weighted sum of the
    false-positive area (collision probability integrated over similarity in [0, threshold])
    and the false-negative area (non-collision integrated over [threshold, 1]): the criterion
    datasketch's MinHashLSH uses. datasketch integrates with scipy's adaptive ``quad``; the
    integrands are polynomials, integrated here exactly by Gauss-Legendre quadrature (agreeing
    with ``quad`` to about 1e-13), without importing scipy."""
    best, best_error = (1, 1), float("inf")
    for bands in range(1, num_perm + 1):
        for rows in range(1, num_perm // bands + 1):
            error = fp_weight * _false_positive_area(threshold, bands, rows, num_perm)
            error += fn_weight * _false_negative_area(threshold, bands, rows, num_perm)
            if error < best_error:
                best, best_error = (bands, rows), error
    return best


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


def representatives(labels: np.ndarray, priority: np.ndarray | None) -> np.ndarray:
    """For each component label (a position), the position of the member to keep."""
    n = len(labels)
    positions = np.arange(n)
    if priority is None:
        return labels.copy()  # labels are the smallest position, i.e. first in input order
    # Highest priority first, then the earliest position; the first per label wins.
    order = np.lexsort((positions, -priority, labels))
    first = np.ones(n, dtype=bool)
    first[1:] = labels[order][1:] != labels[order][:-1]
    keep = np.empty(n, dtype=np.int64)
    keep[labels[order][first]] = order[first]
    return keep
