"""``dataprep bench coreset``: does a coreset train a better probe than a random subset?

Embed the train and test texts once (``dataprep.embed.Encoder``, cached on disk). For every
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

The full-data reference is each probe trained on all train rows. Per method and fraction the
summary has mean and sample standard deviation (ddof=1) over seeds, the mean difference from
``random`` at the same fraction, and the ratio to full data. ``facility_location`` ignores the
seed, so its std is 0; ``kcenter_greedy`` varies only through its seeded first row.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

from dataprep.bench.plots import line_plot_with_error_bars
from dataprep.errors import ConfigError
from dataprep.registry import get as get_stage
from dataprep.stage import ROW_COLUMN, RunContext

METHODS = (
    "random",
    "stratified",
    "kcenter_greedy",
    "facility_location",
    "density",
    "prototypes",
    "d4",
)
OPTIONAL_METHODS = ("score_topk",)  # needs score_column
# Greedy or ranking selectors: their pick at budget k is the first k of their pick at any
# larger budget, so the bench runs them once per seed at the largest budget.
PREFIX_METHODS = ("kcenter_greedy", "facility_location", "density", "prototypes", "d4")
DEFAULT_FRACTIONS = (0.01, 0.05, 0.1, 0.2, 0.5)
VIEWS = ("embedding", "tfidf")
EMBEDDING = "dp_bench_embedding"
LABEL = "dp_bench_label"
SCORE = "dp_bench_score"


def read_records(path: str | Path, fields: list[str] | None) -> list[dict]:
    """The records of a JSON Lines file (plain, .gz or .zst), keeping only ``fields`` (None:
    all); a ConfigError names the first field missing from the first record."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: no such file.")
    with pa.input_stream(str(path), compression="detect") as stream:
        lines = stream.read().decode("utf-8").splitlines()
    records = [json.loads(line) for line in lines if line.strip()]
    if not records:
        raise ConfigError(f"{path}: no records.")
    if fields is None:
        return records
    for field in fields:
        if field not in records[0]:
            raise ConfigError(
                f"{path}: no field {field!r}; the fields are {', '.join(records[0])}."
            )
    return [{f: r.get(f) for f in fields} for r in records]


def check_options(methods: list[str], fractions: list[float], seeds: int, score_column) -> None:
    """One-sentence ConfigErrors for bad options, before any data is read."""
    known = METHODS + OPTIONAL_METHODS
    for method in methods:
        if method not in known:
            raise ConfigError(
                f"Unknown coreset method {method!r}; the methods are {', '.join(known)}."
            )
    if "score_topk" in methods and not score_column:
        raise ConfigError("The coreset method score_topk needs --score-column.")
    if not methods:
        raise ConfigError("Give at least one coreset method.")
    for fraction in fractions:
        if not 0.0 < fraction <= 1.0:
            raise ConfigError(f"Every fraction must be in (0, 1]. Got {fraction} instead.")
    if not fractions:
        raise ConfigError("Give at least one fraction.")
    if seeds < 1:
        raise ConfigError(f"--seeds must be at least 1. Got {seeds} instead.")


def budget_for(fraction: float, n: int) -> int:
    """round(fraction x n), half up, at least 1 and at most n."""
    return min(n, max(1, int(fraction * n + 0.5)))


def split_rows(n: int, test_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(train positions, test positions), both sorted: a seeded permutation of the n rows
    puts its first round(test_fraction x n) positions in the test split."""
    if not 0.0 < test_fraction < 1.0:
        raise ConfigError(f"--test-fraction must be in (0, 1). Got {test_fraction} instead.")
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
) -> np.ndarray:
    """Positions of the ``budget`` rows that the registered selector stage ``method`` keeps, in
    the order it picked them, run in memory on ``vectors`` (normalized float32 [n, d]);
    ``labels`` feed ``stratified``, ``scores`` feed ``score_topk``."""
    n, dim = vectors.shape
    cls = get_stage(method)
    accepted = cls.param_names()
    params: dict = {"budget": int(budget)}
    if "column" in accepted:
        params["column"] = LABEL if method == "stratified" else SCORE
    if "embedding_column" in accepted:
        params["embedding_column"] = EMBEDDING
    if "seed" in accepted:
        params["seed"] = int(seed)
    stage = cls(**params)
    stage.check_params()
    stage.bind(RunContext(work_dir=work_dir))
    flat = pa.array(np.ascontiguousarray(vectors, np.float32).ravel())
    offsets = pa.array(np.arange(n + 1, dtype=np.int32) * dim)
    columns = {
        ROW_COLUMN: pa.array(np.arange(n, dtype=np.int64)),
        EMBEDDING: pa.ListArray.from_arrays(offsets, flat),
        LABEL: pa.array(labels.tolist()),
        SCORE: pa.array(np.zeros(n) if scores is None else np.asarray(scores, np.float64)),
    }
    batch = pa.RecordBatch.from_pydict(columns)
    stage.fit([stage.fit_state(batch)])
    chosen = np.asarray(stage.selected_rows_, np.int64)  # in selection order
    if len(chosen) != budget:
        raise AssertionError(f"{method} kept {len(chosen)} rows, not the budget {budget}")
    return chosen


def nearest_distance(points: np.ndarray, selected: np.ndarray, block: int = 2048) -> np.ndarray:
    """Cosine distance (1 - dot product) from each of ``points`` to its nearest row of
    ``selected`` (both normalized), computed in blocks."""
    out = np.empty(len(points), np.float64)
    for start in range(0, len(points), block):
        sims = points[start : start + block] @ selected.T
        out[start : start + block] = 1.0 - sims.max(axis=1)
    return np.clip(out, 0.0, 2.0)


def label_kl(subset_labels: np.ndarray, full_labels: np.ndarray) -> float:
    """KL(P_subset || P_full) in nats over the classes of the full set."""
    classes, full_counts = np.unique(full_labels, return_counts=True)
    q = full_counts / full_counts.sum()
    sub_counts = np.array([(subset_labels == c).sum() for c in classes], np.float64)
    p = sub_counts / sub_counts.sum()
    seen = p > 0
    return float(np.sum(p[seen] * np.log(p[seen] / q[seen])))


def coverage(train_x, test_x, train_y, chosen: np.ndarray) -> dict:
    """k-center radius, mean test distance to the subset and label KL of a selected subset."""
    return {
        "kcenter_radius": float(nearest_distance(train_x, train_x[chosen]).max()),
        "test_distance": float(nearest_distance(test_x, train_x[chosen]).mean()),
        "label_kl": label_kl(train_y[chosen], train_y),
    }


def probe_accuracy(train_x, train_y: np.ndarray, test_x, test_y: np.ndarray) -> float:
    """Test accuracy of LogisticRegression(C=1, max_iter=2000) trained on the given rows; with
    one class only, the probe always predicts that class."""
    from sklearn.linear_model import LogisticRegression

    classes = np.unique(train_y)
    if len(classes) == 1:
        return float(np.mean(test_y == classes[0]))
    model = LogisticRegression(C=1.0, max_iter=2000)
    model.fit(train_x, train_y)
    return float(np.mean(model.predict(test_x) == test_y))


def summarize(runs: list[dict], full: dict) -> list[dict]:
    """Mean / std (ddof=1; 0 with one seed) per method and fraction, the difference from
    random's mean at the same fraction and the ratio to the full-data probe."""
    groups: dict[tuple[str, float], list[dict]] = {}
    for run in runs:
        groups.setdefault((run["method"], run["fraction"]), []).append(run)

    def stats(values: list[float]) -> dict:
        arr = np.asarray(values, np.float64)
        std = float(arr.std(ddof=1)) if len(arr) > 1 else 0.0
        return {"mean": float(arr.mean()), "std": std}

    summary = []
    for (method, fraction), group in groups.items():
        row = {
            "method": method,
            "fraction": fraction,
            "budget": group[0]["budget"],
            "seeds": len(group),
        }
        for view in VIEWS:
            row[view] = stats([r["accuracy"][view] for r in group])
        for key in ("kcenter_radius", "test_distance", "label_kl"):
            row[key] = stats([r["coverage"][key] for r in group])
        row["runs_missing_a_class"] = sum(r["classes_seen"] < r["classes_total"] for r in group)
        summary.append(row)
    means = {(r["method"], r["fraction"]): r for r in summary}
    for row in summary:
        base = means.get(("random", row["fraction"]))
        row["vs_random"] = {
            view: None if base is None else row[view]["mean"] - base[view]["mean"] for view in VIEWS
        }
        row["of_full"] = {view: row[view]["mean"] / full[view] for view in VIEWS}
    return summary


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
    command: str = "",
    log=print,
) -> dict:
    """Run the bench and write OUT/results.json, OUT/report.md and OUT/coreset.png.

    train_path / test_path: JSONL files (optionally .gz); without test_path the train file is
        split by ``test_fraction`` (default 0.2) with ``split_seed`` (default 0).
    text_column / label_column: the text and class-label fields (defaults 'text', 'label').
    score_column: a numeric field for ``score_topk`` (default none).
    methods: selector names (default ``METHODS``); fractions: default 0.01, 0.05, 0.1, 0.2, 0.5;
    seeds: seeds 0 .. seeds-1 per method and fraction (default 5).
    encoder: an object with ``encode(texts) -> normalized vectors`` (default
        ``dataprep.embed.Encoder()``, cached); command: recorded in results.json; log: progress.
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
        from dataprep.embed import Encoder

        encoder = Encoder()
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
    output = Path(output)
    work_dir = output / ".work"
    work_dir.mkdir(parents=True, exist_ok=True)
    n_classes = len(np.unique(train_y))
    runs = []
    budgets = [budget_for(f, len(train)) for f in fractions]
    for method in methods:
        for seed in range(seeds):
            order, shared = None, 0.0
            if method in PREFIX_METHODS:  # one run at the largest budget; prefixes are the rest
                t0 = time.perf_counter()
                order = select(method, train_x, train_y, max(budgets), seed, work_dir, scores)
                shared = time.perf_counter() - t0
            for fraction, budget in zip(fractions, budgets, strict=True):
                t0 = time.perf_counter()
                if order is None:
                    chosen = select(method, train_x, train_y, budget, seed, work_dir, scores)
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


def _cell(stats: dict) -> str:
    return f"{stats['mean']:.4f} ± {stats['std']:.4f}"


def report_markdown(results: dict) -> str:
    """The report: one accuracy table per probe (mean ± std over seeds, then the difference
    from random and the ratio to full data), and a coverage table."""
    fractions, methods = results["fractions"], results["methods"]
    summary = {(r["method"], r["fraction"]): r for r in results["summary"]}
    lines = [
        "# Coreset bench",
        "",
        f"Train: {results['train']['path']} ({results['train']['rows']} rows); test: "
        f"{results['test']['path']} ({results['test']['rows']} rows). Seeds: "
        f"{len(results['seeds'])}. Command: `{results['command']}`",
        "",
    ]
    header = "| method | " + " | ".join(f"{f:g}" for f in fractions) + " |"
    rule = "|---" * (len(fractions) + 1) + "|"
    for view in VIEWS:
        lines += [
            f"## {view} probe accuracy (full data: {results['full'][view]:.4f})",
            "",
            "Cell: mean ± std over seeds; below it, Δ vs random / ratio to full data.",
            "",
            header,
            rule,
        ]
        for method in methods:
            cells = []
            for f in fractions:
                row = summary[(method, f)]
                delta = row["vs_random"][view]
                delta_s = "n/a" if delta is None else f"{delta:+.4f}"
                cells.append(f"{_cell(row[view])}<br>{delta_s} / {row['of_full'][view]:.3f}")
            lines.append(f"| {method} | " + " | ".join(cells) + " |")
        lines.append("")
    lines += [
        "## Coverage (mean over seeds)",
        "",
        "k-center radius / mean test distance to the nearest selected row (cosine) / "
        "label KL(subset || full) in nats; runs missing a class in brackets.",
        "",
        header,
        rule,
    ]
    for method in methods:
        cells = []
        for f in fractions:
            row = summary[(method, f)]
            missing = row["runs_missing_a_class"]
            cells.append(
                f"{row['kcenter_radius']['mean']:.3f} / {row['test_distance']['mean']:.3f}"
                f" / {row['label_kl']['mean']:.4f}" + (f" [{missing}]" if missing else "")
            )
        lines.append(f"| {method} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def write_outputs(results: dict, output: Path) -> None:
    """results.json, report.md and coreset.png (embedding probe accuracy vs fraction)."""
    output.mkdir(parents=True, exist_ok=True)
    (output / "results.json").write_text(json.dumps(results, indent=1) + "\n")
    (output / "report.md").write_text(report_markdown(results))
    summary = {(r["method"], r["fraction"]): r for r in results["summary"]}
    series = {}
    for method in results["methods"]:
        rows = [summary[(method, f)] for f in results["fractions"]]
        series[method] = (
            results["fractions"],
            [r["embedding"]["mean"] for r in rows],
            [r["embedding"]["std"] for r in rows],
        )
    references = {"full data": results["full"]["embedding"]}
    line_plot_with_error_bars(
        series,
        output / "coreset.png",
        references=references,
        xlabel="fraction of train rows",
        ylabel="test accuracy (embedding probe)",
        title=f"Coreset selection: probe accuracy ({Path(results['train']['path']).name})",
        log_x=True,
    )
