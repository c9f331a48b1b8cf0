"""``dataprep bench dedup``: precision and recall of the dedup stages on labelled duplicates.

Input is either a pairs file (``--pairs``: two text fields and a 0/1 label per record; without
a label field every pair counts as a duplicate) or a corpus with a cluster-label field
(``--corpus`` + ``--cluster-column``). A pairs file becomes a corpus of 2 x pairs rows (row 2i
= first text of pair i, row 2i + 1 = second), deduplicated as one corpus.

Each method assigns rows to duplicate clusters, and a pair is predicted duplicate when both of
its rows fall into the same cluster:
- ``exact_dedup`` and ``minhash_dedup`` (at each ``thresholds`` value): the ``dp_dup_cluster``
  column they write (the kept row's number; null outside any cluster).
- ``semantic_dedup`` (at each ``eps``): the connected components of its own rule: two rows of
  the same k-means cluster (``dp_semantic_cluster``) with cosine > 1 - eps. Every row it
  rejects is in such a component. (Its ``dp_dup_cluster`` groups link each dropped row to one
  kept row, so they split a component that holds several kept rows.)
- ``datasketch`` (external baseline): ``MinHashLSH`` with the same num_perm and threshold over
  the same shingles (lowercased word ``ngram``-grams, tokens split at ASCII whitespace, one
  shingle of all tokens for shorter texts), its own banding (weights 0.5 / 0.5) and no
  verification; clusters are the connected components of its query results.

Pairs mode: precision, recall and F1 over the labelled pairs, plus ``cross_pair_links``, the
number of row pairs put in one cluster that are not the two sides of one labelled pair
(unlabelled, so not counted as errors; with an all-positive pairs file precision is 1 by
construction and this count is the only sign of over-merging). Corpus mode: precision, recall
and F1 over all row pairs (same predicted cluster vs same true cluster).

This module is the harness (inputs and the loop); the methods are in ``dedup_methods``, the
scores in ``dedup_metrics``, the outputs in ``dedup_report``.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from dataprep.bench.common import read_records
from dataprep.bench.dedup_methods import (
    datasketch_clusters,
    datasketch_minhashes,
    exact_clusters,
    minhash_clusters,
    semantic_clusters,
)
from dataprep.bench.dedup_metrics import cluster_metrics, pair_metrics
from dataprep.bench.dedup_report import fmt_metric, write_outputs
from dataprep.errors import ConfigError

DEFAULT_THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.9)
DEFAULT_EPS = (0.02, 0.05, 0.1, 0.15, 0.2, 0.3)
PAIR_FIELDS = (("text1", "text2"), ("buggy", "fixed"), ("java", "cs"))


def detect_pair_fields(record: dict, text1: str | None, text2: str | None) -> tuple[str, str]:
    """The two text fields: as given, or the first of text1/text2, buggy/fixed, java/cs that
    the record has."""
    if text1 and text2:
        return text1, text2
    for a, b in PAIR_FIELDS:
        if a in record and b in record:
            return a, b
    raise ConfigError.naming(
        lambda arg: (
            f"Cannot find the pair's text fields among {', '.join(record)}; give "
            f"{arg('text1_field')} and {arg('text2_field')}."
        )
    )


def run_dedup_bench(
    output: str | Path,
    *,
    pairs_path: str | None = None,
    corpus_path: str | None = None,
    cluster_column: str | None = None,
    text_column: str = "text",
    text1_field: str | None = None,
    text2_field: str | None = None,
    label_field: str | None = "label",
    thresholds: list[float] | None = None,
    eps: list[float] | None = None,
    num_perm: int = 128,
    ngram: int = 5,
    datasketch: bool = True,
    semantic: bool = True,
    encoder=None,
    command: str = "",
    log=print,
) -> dict:
    """Run every method and write OUT/results.json, OUT/report.md and OUT/dedup_pr.png.

    pairs_path: a pairs JSONL(.gz) file; text1_field / text2_field: its text fields (default:
        detected); label_field: its 0/1 duplicate label (default 'label'; when the records have
        no such field every pair is a duplicate).
    corpus_path + cluster_column: instead, a corpus whose rows sharing a cluster value are
        duplicates (null = no cluster); text_column: its text field (default 'text').
    thresholds: minhash_dedup / datasketch Jaccard thresholds (default 0.5 .. 0.9);
    eps: semantic_dedup margins (default 0.02, 0.05, 0.1, 0.15, 0.2, 0.3);
    num_perm / ngram: MinHash permutations and shingle words for both MinHash methods
        (defaults 128 / 5); datasketch / semantic: run those methods (default True);
    encoder: ``encode(texts)`` for semantic_dedup (default the cached ``Encoder()``).
    The results' ``skipped`` maps each method turned off to why; report.md names it skipped.
    """
    thresholds = list(thresholds or DEFAULT_THRESHOLDS)
    eps = list(eps or DEFAULT_EPS)
    for t in thresholds:
        if not 0.0 < t <= 1.0:
            raise ConfigError(f"Every threshold must be in (0, 1]. Got {t} instead.")
    for e in eps:
        if not 0.0 < e <= 1.0:
            raise ConfigError(f"Every eps must be in (0, 1]. Got {e} instead.")
    if (pairs_path is None) == (corpus_path is None):
        raise ConfigError.naming(
            lambda arg: (
                f"Give either {arg('pairs_path', flag='--pairs')} or "
                f"{arg('corpus_path', flag='--corpus')} (with {arg('cluster_column')}), not both."
            )
        )
    if pairs_path:
        records = read_records(pairs_path, None)
        f1, f2 = detect_pair_fields(records[0], text1_field, text2_field)
        for field in (f1, f2):
            if field not in records[0]:
                raise ConfigError(f"{pairs_path}: no field {field!r}.")
        has_label = bool(label_field) and label_field in records[0]
        texts = [t or "" for r in records for t in (r.get(f1), r.get(f2))]
        labels = np.array([bool(r[label_field]) if has_label else True for r in records])
        source = {
            "pairs": str(pairs_path),
            "text_fields": [f1, f2],
            "label_field": label_field if has_label else None,
            "pairs_count": len(records),
            "positives": int(labels.sum()),
        }

        def score(cluster):
            return pair_metrics(cluster, labels)
    else:
        if not cluster_column:
            raise ConfigError.naming(
                lambda arg: f"{arg('corpus_path', flag='--corpus')} needs {arg('cluster_column')}."
            )
        records = read_records(corpus_path, [text_column, cluster_column])
        texts = [r[text_column] or "" for r in records]
        values = [r[cluster_column] for r in records]
        ids = {v: i for i, v in enumerate(dict.fromkeys(v for v in values if v is not None))}
        truth = np.array([-1 if v is None else ids[v] for v in values], np.int64)
        source = {"corpus": str(corpus_path), "cluster_column": cluster_column}

        def score(cluster):
            return cluster_metrics(cluster, truth)

    rows: list[dict] = []

    def record(method: str, param: str, value, seconds: float, cluster: np.ndarray) -> None:
        row = {
            "method": method,
            "param": param,
            "value": value,
            "seconds": round(seconds, 3),
            "clustered_rows": int((cluster >= 0).sum()),
            **score(cluster),
        }
        rows.append(row)
        log(
            f"{method} {f'{param}={value}' if param else 'defaults'}: "
            f"P={fmt_metric(row['precision'])} R={fmt_metric(row['recall'])} "
            f"F1={fmt_metric(row['f1'])} ({seconds:.1f} s)"
        )

    t0 = time.perf_counter()
    record("exact_dedup", "", None, time.perf_counter() - t0, exact_clusters(texts))
    for t in thresholds:
        t0 = time.perf_counter()
        cluster = minhash_clusters(texts, t, num_perm, ngram)
        record("minhash_dedup", "threshold", t, time.perf_counter() - t0, cluster)
    hash_seconds = None
    if datasketch:
        t0 = time.perf_counter()
        minhashes = datasketch_minhashes(texts, num_perm, ngram)
        hash_seconds = time.perf_counter() - t0
        for t in thresholds:
            t0 = time.perf_counter()
            cluster = datasketch_clusters(minhashes, t, num_perm)
            record(
                "datasketch_lsh", "threshold", t, time.perf_counter() - t0 + hash_seconds, cluster
            )
    embed_seconds = None
    if semantic:
        if encoder is None:
            from dataprep.embed.encoder import Encoder

            encoder = Encoder()
        t0 = time.perf_counter()
        vectors = np.asarray(encoder.encode(texts), np.float32)
        embed_seconds = time.perf_counter() - t0
        for e in eps:
            t0 = time.perf_counter()
            cluster = semantic_clusters(vectors, e)
            record("semantic_dedup", "eps", e, time.perf_counter() - t0, cluster)
    results = {
        "bench": "dedup",
        "command": command,
        "source": source,
        "rows": len(texts),
        "num_perm": num_perm,
        "ngram": ngram,
        "thresholds": thresholds,
        "eps": eps,
        "datasketch_hash_seconds": None if hash_seconds is None else round(hash_seconds, 3),
        "embed_seconds": None if embed_seconds is None else round(embed_seconds, 3),
        "skipped": {
            name: f"turned off by {flag}"
            for name, flag, ran in (
                ("datasketch_lsh", "--no-datasketch", datasketch),
                ("semantic_dedup", "--no-semantic", semantic),
            )
            if not ran
        },
        "mode": "pairs" if pairs_path else "clusters",
        "results": rows,
    }
    write_outputs(results, Path(output))
    return results
