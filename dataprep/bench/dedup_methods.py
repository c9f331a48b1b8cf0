"""The dedup bench's methods: each assigns rows to duplicate clusters (an int64 cluster id per
row, -1 outside any cluster). ``exact_dedup`` and ``minhash_dedup`` report their own
``dp_dup_cluster``; ``semantic_dedup`` and datasketch's ``MinHashLSH`` give connected components
of their duplicate links."""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from dataprep.bench.common import embedding_array, fit_in_memory
from dataprep.embed.settings import EncoderSettings
from dataprep.stage import DUP_CLUSTER, ROW_COLUMN

EMBEDDING = "dp_bench_embedding"
WHITESPACE = re.compile(r"[ \t\n\v\f\r]+")


def _stage_clusters(
    stage, texts: list[str], extra: dict | None = None, encoder: EncoderSettings | None = None
) -> np.ndarray:
    """Fit a dedup stage in memory (with the run's ``encoder`` settings, default: defaults) on
    ``texts`` and the ``extra`` columns; ``dp_dup_cluster`` per row (-1 where null)."""
    n = len(texts)
    columns = {ROW_COLUMN: pa.array(np.arange(n, dtype=np.int64)), "text": pa.array(texts)}
    columns.update(extra or {})
    fit_in_memory(stage, columns, encoder=encoder)
    rows, values = getattr(stage, "row_values_", {}).get(DUP_CLUSTER, (np.empty(0), np.empty(0)))
    cluster = np.full(n, -1, np.int64)
    cluster[np.asarray(rows, np.int64)] = values
    return cluster


def exact_clusters(texts: list[str]) -> np.ndarray:
    """Clusters of ``exact_dedup`` at its defaults."""
    from dataprep.dedup.exact import ExactDedup

    return _stage_clusters(ExactDedup(), texts)


def minhash_clusters(texts: list[str], threshold: float, num_perm: int, ngram: int):
    """Clusters of ``minhash_dedup`` at this threshold (its other parameters at defaults)."""
    from dataprep.dedup.minhash import MinHashDedup

    return _stage_clusters(MinHashDedup(threshold=threshold, num_perm=num_perm, ngram=ngram), texts)


def semantic_clusters(
    vectors: np.ndarray, eps: float, num_clusters: int = 100, seed: int = 0
) -> np.ndarray:
    """Connected components of ``semantic_dedup``'s rule (same k-means cluster, cosine >
    1 - eps) after fitting the stage (``num_clusters`` k-means clusters, default 100, its own
    default) on ``vectors``; -1 for rows linked to nothing."""
    from dataprep.dedup.semantic import CLUSTER_COLUMN, SemanticDedup

    n = len(vectors)
    stage = SemanticDedup(eps=eps, num_clusters=num_clusters, seed=seed)
    vectors_column = {EMBEDDING: embedding_array(vectors)}
    _stage_clusters(stage, [""] * n, vectors_column, EncoderSettings(column=EMBEDDING))
    rows, kmeans = stage.row_values_[CLUSTER_COLUMN]
    labels = np.empty(n, np.int64)
    labels[rows] = kmeans
    heads, tails = [], []
    for k in np.unique(labels):
        members = np.flatnonzero(labels == k)
        sims = vectors[members] @ vectors[members].T
        i, j = np.nonzero(np.triu(sims > 1.0 - eps, k=1))
        heads.append(members[i])
        tails.append(members[j])
    return _components(n, np.concatenate(heads), np.concatenate(tails), stage.rejected_rows_)


def _components(n: int, heads, tails, must_link=None) -> np.ndarray:
    """Connected components of the edges, as cluster ids (-1 for unlinked rows)."""
    graph = sparse.coo_matrix((np.ones(len(heads)), (heads, tails)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    sizes = np.bincount(labels)
    cluster = np.where(sizes[labels] > 1, labels, -1).astype(np.int64)
    if must_link is not None and (cluster[np.asarray(must_link, np.int64)] < 0).any():
        raise AssertionError("a row semantic_dedup rejected has no duplicate link")
    return cluster


def shingles(text: str, ngram: int) -> list[bytes]:
    """minhash_dedup's shingles: lowercased, ASCII-whitespace tokens, word ngram-grams."""
    tokens = [t for t in WHITESPACE.split(text.lower()) if t]
    if not tokens:
        return []
    size = min(ngram, len(tokens))
    return list({" ".join(tokens[i : i + size]).encode() for i in range(len(tokens) - size + 1)})


def datasketch_minhashes(texts: list[str], num_perm: int, ngram: int) -> list:
    """One datasketch ``MinHash`` per text (None for a text without tokens)."""
    from datasketch import MinHash

    out = []
    for text in texts:
        items = shingles(text, ngram)
        if not items:
            out.append(None)
            continue
        m = MinHash(num_perm=num_perm, seed=1)
        m.update_batch(items)
        out.append(m)
    return out


def datasketch_clusters(minhashes: list, threshold: float, num_perm: int) -> np.ndarray:
    """Connected components of ``MinHashLSH(threshold, num_perm)`` query results."""
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    for i, m in enumerate(minhashes):
        if m is not None:
            lsh.insert(i, m)
    heads, tails = [], []
    for i, m in enumerate(minhashes):
        if m is not None:
            for j in lsh.query(m):
                if j > i:
                    heads.append(i)
                    tails.append(j)
    return _components(len(minhashes), np.array(heads, np.int64), np.array(tails, np.int64))
