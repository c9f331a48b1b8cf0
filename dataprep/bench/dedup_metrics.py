"""The dedup bench's scores: precision, recall and F1 of predicted duplicate clusters over
labelled pairs (pairs mode) or over all row pairs (corpus mode)."""

from __future__ import annotations

import numpy as np


def dense_labels(cluster: np.ndarray) -> np.ndarray:
    """Cluster ids with every -1 (no cluster) replaced by a fresh singleton id."""
    cluster = np.asarray(cluster, np.int64).copy()
    alone = cluster < 0
    cluster[alone] = cluster.max(initial=-1) + 1 + np.arange(alone.sum())
    return cluster


def pair_metrics(cluster: np.ndarray, labels: np.ndarray) -> dict:
    """Precision / recall / F1 over labelled pairs: pair i (rows 2i, 2i + 1) is predicted a
    duplicate when both rows share a cluster id >= 0; ``labels[i]`` is True for a duplicate.
    Precision is None when nothing is predicted."""
    cluster = np.asarray(cluster, np.int64)
    labels = np.asarray(labels, bool)
    predicted = (cluster[0::2] >= 0) & (cluster[0::2] == cluster[1::2])
    tp = int((predicted & labels).sum())
    fp = int((predicted & ~labels).sum())
    fn = int((~predicted & labels).sum())
    _, sizes = np.unique(cluster[cluster >= 0], return_counts=True)
    linked = int((sizes * (sizes - 1) // 2).sum())
    out = _prf(tp, fp, fn)
    out.update(tn=int((~predicted & ~labels).sum()), cross_pair_links=linked - tp - fp)
    return out


def cluster_metrics(cluster: np.ndarray, truth: np.ndarray) -> dict:
    """Precision / recall / F1 over all row pairs: a pair is predicted a duplicate when its
    rows share a cluster id >= 0, and is one when they share a ``truth`` label (-1 = none)."""
    pred, true = dense_labels(cluster), dense_labels(truth)

    def links(*keys: np.ndarray) -> int:
        _, counts = np.unique(np.stack(keys, axis=1), axis=0, return_counts=True)
        return int((counts * (counts - 1) // 2).sum())

    both, predicted, actual = links(pred, true), links(pred), links(true)
    return _prf(both, predicted - both, actual - both)


def _prf(tp: int, fp: int, fn: int) -> dict:
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else None
    return {"tp": tp, "fp": fp, "fn": fn, "precision": precision, "recall": recall, "f1": f1}
