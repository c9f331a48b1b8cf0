"""``dataprep bench dedup``: precision and recall of the dedup stages on labelled duplicates.

Input is either a pairs file (``--pairs``: two text fields and a 0/1 label per record; without
a label field every pair counts as a duplicate) or a corpus with a cluster-label field
(``--corpus`` + ``--cluster-column``). A pairs file becomes a corpus of 2 x pairs rows (row 2i
= first text of pair i, row 2i + 1 = second), deduplicated as one corpus.

Each method assigns rows to duplicate clusters, and a pair is predicted duplicate when both of
its rows fall into the same cluster:
- ``exact_dedup`` and ``minhash_dedup`` (at each ``thresholds`` value): the ``dp_dup_cluster``
  column they write (the kept row's number; null outside any cluster).
- ``semantic_dedup`` (at each ``eps``): it writes no ``dp_dup_cluster``, so its clusters are
  the connected components of its own rule: two rows of the same k-means cluster
  (``dp_semantic_cluster``) with cosine > 1 - eps. Every row it rejects is in such a component.
- ``datasketch`` (external baseline): ``MinHashLSH`` with the same num_perm and threshold over
  the same shingles (lowercased word ``ngram``-grams, tokens split at ASCII whitespace, one
  shingle of all tokens for shorter texts), its own banding (weights 0.5 / 0.5) and no
  verification; clusters are the connected components of its query results.

Pairs mode: precision, recall and F1 over the labelled pairs, plus ``cross_pair_links``, the
number of row pairs put in one cluster that are not the two sides of one labelled pair
(unlabelled, so not counted as errors; with an all-positive pairs file precision is 1 by
construction and this count is the only sign of over-merging). Corpus mode: precision, recall
and F1 over all row pairs (same predicted cluster vs same true cluster).
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from dataprep.bench.coreset import read_records
from dataprep.bench.plots import precision_recall_plot
from dataprep.errors import ConfigError
from dataprep.stage import DUP_CLUSTER, ROW_COLUMN, RunContext

DEFAULT_THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.9)
DEFAULT_EPS = (0.02, 0.05, 0.1, 0.15, 0.2, 0.3)
PAIR_FIELDS = (("text1", "text2"), ("buggy", "fixed"), ("java", "cs"))
EMBEDDING = "dp_bench_embedding"
WHITESPACE = re.compile(r"[ \t\n\v\f\r]+")


def detect_pair_fields(record: dict, text1: str | None, text2: str | None) -> tuple[str, str]:
    """The two text fields: as given, or the first of text1/text2, buggy/fixed, java/cs that
    the record has."""
    if text1 and text2:
        return text1, text2
    for a, b in PAIR_FIELDS:
        if a in record and b in record:
            return a, b
    raise ConfigError(
        f"Cannot find the pair's text fields among {', '.join(record)}; give --text1-field and "
        "--text2-field."
    )


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


def _stage_clusters(stage, texts: list[str], extra: dict | None = None) -> np.ndarray:
    """Fit a dedup stage in memory; ``dp_dup_cluster`` per row (-1 where null)."""
    n = len(texts)
    columns = {ROW_COLUMN: pa.array(np.arange(n, dtype=np.int64)), "text": pa.array(texts)}
    columns.update(extra or {})
    batch = pa.RecordBatch.from_pydict(columns)
    stage.check_params()
    stage.bind(RunContext(work_dir=None))
    stage.fit([stage.fit_state(batch)])
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

    n, dim = vectors.shape
    flat = pa.array(np.ascontiguousarray(vectors, np.float32).ravel())
    column = pa.ListArray.from_arrays(pa.array(np.arange(n + 1, dtype=np.int32) * dim), flat)
    stage = SemanticDedup(eps=eps, num_clusters=num_clusters, embedding_column=EMBEDDING, seed=seed)
    _stage_clusters(stage, [""] * n, {EMBEDDING: column})
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
        raise ConfigError("Give either --pairs or --corpus (with --cluster-column), not both.")
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
            raise ConfigError("--corpus needs --cluster-column.")
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
            f"P={_fmt(row['precision'])} R={_fmt(row['recall'])} "
            f"F1={_fmt(row['f1'])} ({seconds:.1f} s)"
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
            from dataprep.embed import Encoder

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
        "mode": "pairs" if pairs_path else "clusters",
        "results": rows,
    }
    write_outputs(results, Path(output))
    return results


def _fmt(value) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def report_markdown(results: dict) -> str:
    """The report: one table row per method and parameter."""
    source = results["source"]
    what = (
        f"{source['pairs']}: {source['pairs_count']} pairs ({source['positives']} labelled "
        f"duplicate; flagging every pair would score precision "
        f"{source['positives'] / source['pairs_count']:.3f}), {results['rows']} texts"
        if results["mode"] == "pairs"
        else f"{source['corpus']}: {results['rows']} rows, clusters from "
        f"{source['cluster_column']!r} (metrics over all row pairs)"
    )
    lines = [
        "# Dedup bench",
        "",
        what + f". Command: `{results['command']}`",
        "",
        f"MinHash: {results['num_perm']} permutations, word {results['ngram']}-grams. "
        "Seconds: the method's fit (datasketch: hashing + LSH; semantic: excluding the "
        f"embedding, {results['embed_seconds']} s once).",
        "",
        "| method | parameter | precision | recall | F1 | TP | FP | FN | cross-pair links | "
        "seconds |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results["results"]:
        param = f"{r['param']}={r['value']}" if r["param"] else "defaults"
        lines.append(
            f"| {r['method']} | {param} | {_fmt(r['precision'])} | {_fmt(r['recall'])} | "
            f"{_fmt(r['f1'])} | {r['tp']} | {r['fp']} | {r['fn']} | "
            f"{r.get('cross_pair_links', 'n/a')} | {r['seconds']:.2f} |"
        )
    return "\n".join(lines) + "\n"


def write_outputs(results: dict, output: Path) -> None:
    """results.json, report.md and dedup_pr.png (precision vs recall per method family)."""
    output.mkdir(parents=True, exist_ok=True)
    (output / "results.json").write_text(json.dumps(results, indent=1) + "\n")
    (output / "report.md").write_text(report_markdown(results))
    curves: dict[str, list] = {}
    for r in results["results"]:
        note = "" if r["value"] is None else f"{r['value']:g}"
        curves.setdefault(r["method"], []).append((r["recall"], r["precision"], note))
    source = results["source"].get("pairs") or results["source"].get("corpus")
    title = f"Dedup: precision vs recall ({Path(source).name})"
    precision_recall_plot(curves, output / "dedup_pr.png", title=title)
