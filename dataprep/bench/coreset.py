"""``dataprep bench coreset``: does a coreset train a better probe than a random subset?

Embed the train and test texts once (``dataprep.embed.encoder.Encoder``, cached on disk). For every
method, fraction and seed, select budget = round(fraction x n_train) train rows (met exactly)
with the project's own selector stages, run in memory on the embeddings, then train two probes
on the selected rows only and score them on the test split:

- ``embedding``: scikit-learn ``LogisticRegression`` (C=1, lbfgs, max_iter 2000) on the
  normalized embeddings;
- ``tfidf``: the same classifier on TF-IDF vectors (word 1-2 grams, sublinear tf, min_df 2),
  whose vocabulary is fitted once on all train texts (no labels).

A subset that misses a class still gets a probe that predicts among the classes it saw (one
class: that class always); ``classes_seen`` records it. Coverage of each subset (cosine
distance = 1 - similarity of normalized vectors): ``kcenter_radius`` = the largest distance
from a train row to its nearest selected row; ``test_distance`` = the mean distance from a test
row to its nearest selected row; ``label_kl`` = KL(subset label distribution || full train
label distribution) in nats (finite even when the subset misses a class).

``ccs`` and ``d2_pruning`` read a difficulty score: ``--score-column`` (higher = harder) or,
without it, each train row's held-out probe margin (2-fold, low = hard; ``probe_margin``).
``probcover`` gets as many k-means pseudo-label clusters as there are classes (its paper's
choice). The embeddings come from ``--model`` (a sentence-transformers folder or a static
model from ``dataprep distill-static``; default MiniLM) and are cached on disk per (model,
text) by the encoder, so reruns skip encoding.

The full-data reference is each probe trained on all train rows. Per method and fraction the
summary has mean and sample standard deviation (ddof=1) over seeds, the mean difference from
``random`` at the same fraction, and the ratio to full data. ``facility_location`` ignores the
seed, so its std is 0; ``kcenter_greedy`` varies only through its seeded first row.

This module is the harness (options, split, selection, the loop); the numbers are in
``coreset_metrics``, the outputs in ``coreset_report``.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

from dataprep.bench.common import embedding_array, fit_in_memory, read_records
from dataprep.bench.coreset_metrics import coverage, probe_accuracy, probe_margin, summarize
from dataprep.bench.coreset_report import write_outputs
from dataprep.embed.settings import EncoderSettings
from dataprep.errors import ConfigError
from dataprep.registry import get as get_stage
from dataprep.stage import ROW_COLUMN

METHODS = (
    "random",
    "stratified",
    "kcenter_greedy",
    "facility_location",
    "density",
    "prototypes",
    "d4",
    "typiclust",
    "probcover",
    "ccs",
    "d2_pruning",
)
OPTIONAL_METHODS = ("score_topk",)  # needs score_column
# Greedy or ranking selectors: their pick at budget k is the first k of their pick at any
# larger budget, so the bench runs them once per seed at the largest budget.
PREFIX_METHODS = ("kcenter_greedy", "facility_location", "density", "prototypes", "d4", "probcover")
# Selectors that read a difficulty score: --score-column (higher = harder) or the probe margin.
SCORE_METHODS = ("ccs", "d2_pruning")
DEFAULT_FRACTIONS = (0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5)
EMBEDDING = "dp_bench_embedding"
LABEL = "dp_bench_label"
SCORE = "dp_bench_score"


def check_options(methods: list[str], fractions: list[float], seeds: int, score_column) -> None:
    """One-sentence ConfigErrors for bad options, before any data is read."""
    known = METHODS + OPTIONAL_METHODS
    for method in methods:
        if method not in known:
            raise ConfigError(
                f"Unknown coreset method {method!r}; the methods are {', '.join(known)}."
            )
    if "score_topk" in methods and not score_column:
        raise ConfigError.naming(
            lambda arg: f"The coreset method score_topk needs {arg('score_column')}."
        )
    if not methods:
        raise ConfigError("Give at least one coreset method.")
    for fraction in fractions:
        if not 0.0 < fraction <= 1.0:
            raise ConfigError(f"Every fraction must be in (0, 1]. Got {fraction} instead.")
    if not fractions:
        raise ConfigError("Give at least one fraction.")
    if seeds < 1:
        raise ConfigError.naming(
            lambda arg: f"{arg('seeds')} must be at least 1. Got {seeds} instead."
        )


def budget_for(fraction: float, n: int) -> int:
    """round(fraction x n), half up, at least 1 and at most n."""
    return min(n, max(1, int(fraction * n + 0.5)))


def split_rows(n: int, test_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(train positions, test positions), both sorted: a seeded permutation of the n rows
    puts its first round(test_fraction x n) positions in the test split."""
    if not 0.0 < test_fraction < 1.0:
        raise ConfigError.naming(
            lambda arg: f"{arg('test_fraction')} must be in (0, 1). Got {test_fraction} instead."
        )
    order = np.random.default_rng(seed).permutation(n)
    n_test = min(n - 1, max(1, int(test_fraction * n + 0.5)))
    return np.sort(order[n_test:]), np.sort(order[:n_test])


def select(
    method: str,
    vectors: np.ndarray,
    labels: np.ndarray,
    budget: int,
    seed: int,
    work_dir: Path,
    scores: np.ndarray | None = None,
    hard: str = "high",
) -> np.ndarray:
    """Positions of the ``budget`` rows that the registered selector stage ``method`` keeps, in
    the order it picked them, run in memory on ``vectors`` (normalized float32 [n, d]);
    ``labels`` feed ``stratified`` (and ``probcover``'s cluster count: the number of classes,
    as in its paper), ``scores`` feed ``score_topk``, ``ccs`` and ``d2_pruning``, whose
    ``hard`` end ('high' or 'low') is ``hard``."""
    n = len(vectors)
    cls = get_stage(method)
    accepted = cls.param_names()
    params: dict = {"budget": int(budget)}
    if "column" in accepted:
        params["column"] = LABEL if method == "stratified" else SCORE
    if "hard" in accepted:
        params["hard"] = hard
    if method == "probcover":
        params["num_clusters"] = max(1, len(np.unique(labels)))
    if "seed" in accepted:
        params["seed"] = int(seed)
    columns = {
        ROW_COLUMN: pa.array(np.arange(n, dtype=np.int64)),
        EMBEDDING: embedding_array(vectors),
        LABEL: pa.array(labels.tolist()),
        SCORE: pa.array(np.zeros(n) if scores is None else np.asarray(scores, np.float64)),
    }
    stage = fit_in_memory(cls(**params), columns, work_dir, EncoderSettings(column=EMBEDDING))
    chosen = np.asarray(stage.selected_rows_, np.int64)  # in selection order
    if len(chosen) != budget:
        raise AssertionError(f"{method} kept {len(chosen)} rows, not the budget {budget}")
    return chosen


def run_coreset_bench(
    train_path: str,
    output: str | Path,
    *,
    test_path: str | None = None,
    test_fraction: float = 0.2,
    split_seed: int = 0,
    text_column: str = "text",
    label_column: str = "label",
    score_column: str | None = None,
    methods: list[str] | None = None,
    fractions: list[float] | None = None,
    seeds: int = 5,
    encoder=None,
    model: str | None = None,
    cache_dir: str | None = None,
    command: str = "",
    log=print,
) -> dict:
    """Run the bench and write OUT/results.json, OUT/report.md and OUT/coreset.png.

    train_path / test_path: JSONL files (optionally .gz); without test_path the train file is
        split by ``test_fraction`` (default 0.2) with ``split_seed`` (default 0).
    text_column / label_column: the text and class-label fields (defaults 'text', 'label').
    score_column: a numeric field for ``score_topk``, and the difficulty of ``ccs`` and
        ``d2_pruning`` (higher = harder); without it those two get each train row's held-out
        probe margin (``coreset_metrics.probe_margin``, low = hard). Default none.
    methods: selector names (default ``METHODS``); fractions: default 0.005, 0.01, 0.02, 0.05,
    0.1, 0.2, 0.5; seeds: seeds 0 .. seeds-1 per method and fraction (default 5).
    encoder: an object with ``encode(texts) -> normalized vectors`` (default
        ``dataprep.embed.encoder.Encoder(model=model, cache_dir=cache_dir)``).
    model: a local sentence-transformers folder or a static model folder from
        ``dataprep distill-static`` (default: the packaged all-MiniLM-L6-v2).
    cache_dir: the embedding cache folder (default $DATAPREP_CACHE/embeddings or
        ~/.cache/dataprep/embeddings): vectors are kept per (model fingerprint, text hash), so
        a rerun on the same texts with the same model does not encode again.
    command: recorded in results.json; log: progress.
    Returns the results dict.
    """
    methods = list(methods or METHODS)
    fractions = list(fractions or DEFAULT_FRACTIONS)
    check_options(methods, fractions, seeds, score_column)
    fields = [text_column, label_column] + ([score_column] if score_column else [])
    train = read_records(train_path, fields)
    if test_path:
        test = read_records(test_path, fields)
    else:
        train_pos, test_pos = split_rows(len(train), test_fraction, split_seed)
        train, test = [train[i] for i in train_pos], [train[i] for i in test_pos]
    train_texts = [r[text_column] or "" for r in train]
    test_texts = [r[text_column] or "" for r in test]
    train_y = np.array([r[label_column] for r in train])
    test_y = np.array([r[label_column] for r in test])
    scores = np.array([r[score_column] for r in train], np.float64) if score_column else None
    if encoder is None:
        from dataprep.embed.encoder import Encoder

        encoder = Encoder(model=model, cache_dir=cache_dir)
    started = time.perf_counter()
    train_x = np.asarray(encoder.encode(train_texts), np.float32)
    test_x = np.asarray(encoder.encode(test_texts), np.float32)
    embed_seconds = time.perf_counter() - started
    log(f"embedded {len(train_texts)} + {len(test_texts)} texts in {embed_seconds:.1f} s")

    from sklearn.feature_extraction.text import TfidfVectorizer

    tfidf = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2).fit(train_texts)
    train_t, test_t = tfidf.transform(train_texts), tfidf.transform(test_texts)
    full = {
        "embedding": probe_accuracy(train_x, train_y, test_x, test_y),
        "tfidf": probe_accuracy(train_t, train_y, test_t, test_y),
    }
    log(f"full data: embedding {full['embedding']:.4f}, tfidf {full['tfidf']:.4f}")
    difficulty, hard, difficulty_name = scores, "high", score_column
    if scores is None and set(methods) & set(SCORE_METHODS):
        difficulty, hard = probe_margin(train_x, train_y, folds=2, seed=split_seed), "low"
        difficulty_name = "probe margin (2-fold held out, low = hard)"
    output = Path(output)
    work_dir = output / ".work"
    work_dir.mkdir(parents=True, exist_ok=True)
    n_classes = len(np.unique(train_y))
    runs = []
    budgets = [budget_for(f, len(train)) for f in fractions]
    for method in methods:
        method_scores = difficulty if method in SCORE_METHODS else scores
        for seed in range(seeds):
            order, shared = None, 0.0
            if method in PREFIX_METHODS:  # one run at the largest budget; prefixes are the rest
                t0 = time.perf_counter()
                order = select(
                    method, train_x, train_y, max(budgets), seed, work_dir, method_scores, hard
                )
                shared = time.perf_counter() - t0
            for fraction, budget in zip(fractions, budgets, strict=True):
                t0 = time.perf_counter()
                if order is None:
                    chosen = select(
                        method, train_x, train_y, budget, seed, work_dir, method_scores, hard
                    )
                else:
                    chosen = order[:budget]
                chosen = np.sort(chosen)
                run = {"method": method, "fraction": fraction, "seed": seed, "budget": budget}
                run["select_seconds"] = round(time.perf_counter() - t0 + shared, 3)
                run["classes_seen"], run["classes_total"] = len(set(train_y[chosen])), n_classes
                run["accuracy"] = {
                    "embedding": probe_accuracy(train_x[chosen], train_y[chosen], test_x, test_y),
                    "tfidf": probe_accuracy(train_t[chosen], train_y[chosen], test_t, test_y),
                }
                run["coverage"] = coverage(train_x, test_x, train_y, chosen)
                runs.append(run)
        last = [r["accuracy"]["embedding"] for r in runs if r["method"] == method]
        log(f"{method}: mean embedding accuracy over fractions and seeds {np.mean(last):.4f}")
    rank = {(m, f): i for i, (m, f) in enumerate((m, f) for m in methods for f in fractions)}
    runs.sort(key=lambda r: (rank[(r["method"], r["fraction"])], r["seed"]))
    shutil.rmtree(work_dir, ignore_errors=True)
    results = {
        "bench": "coreset",
        "command": command,
        "train": {"path": str(train_path), "rows": len(train)},
        "test": {
            "path": str(test_path) if test_path else f"{train_path} (split)",
            "rows": len(test),
        },
        "split": None if test_path else {"test_fraction": test_fraction, "seed": split_seed},
        "text_column": text_column,
        "label_column": label_column,
        "difficulty": difficulty_name,
        "model": getattr(encoder, "model_path", None),
        "classes": sorted(np.unique(train_y).tolist()),
        "methods": methods,
        "fractions": fractions,
        "seeds": list(range(seeds)),
        "probe": "LogisticRegression(C=1.0, max_iter=2000); tfidf: word 1-2 grams, sublinear tf, "
        "min_df 2, vocabulary fitted on all train texts",
        "embed_seconds": round(embed_seconds, 2),
        "full": full,
        "runs": runs,
        "summary": summarize(runs, full),
    }
    write_outputs(results, output)
    return results
