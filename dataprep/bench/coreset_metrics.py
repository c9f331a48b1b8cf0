"""The coreset bench's numbers: coverage of a selected subset (cosine distances, label KL), the
accuracy of a probe trained on it, and the summary over seeds."""

from __future__ import annotations

import numpy as np

VIEWS = ("embedding", "tfidf")


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


def probe_margin(train_x, train_y: np.ndarray, folds: int = 2, seed: int = 0) -> np.ndarray:
    """Each train row's held-out margin: p(its label) - max p(other label) from the probe
    (LogisticRegression, C=1) trained on the other folds of a seeded ``folds``-fold split, in
    [-1, 1]; low = hard. The difficulty score ``ccs`` and ``d2_pruning`` get when the bench
    has no --score-column (a probe's margin, as the issue suggests; the papers use AUM or
    forgetting counts from training dynamics)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import KFold

    classes, codes = np.unique(train_y, return_inverse=True)
    margin = np.zeros(len(codes), np.float64)
    split = KFold(n_splits=max(2, min(folds, len(codes))), shuffle=True, random_state=seed)
    for fit_rows, held_out in split.split(codes):
        seen = np.unique(codes[fit_rows])
        proba = np.zeros((len(held_out), len(classes)))
        if len(seen) == 1:
            proba[:, seen[0]] = 1.0
        else:
            model = LogisticRegression(C=1.0, max_iter=2000).fit(train_x[fit_rows], codes[fit_rows])
            proba[:, model.classes_] = model.predict_proba(train_x[held_out])
        own = proba[np.arange(len(held_out)), codes[held_out]]
        proba[np.arange(len(held_out)), codes[held_out]] = -np.inf
        margin[held_out] = own - proba.max(axis=1, initial=0.0)
    return margin


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
