import json
import os
import re

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import load_shared

from dataprep.cli import main
from dataprep.errors import ConfigError
from dataprep.quality.classifier import (
    FEATURES,
    QualityClassifierScorer,
    cross_validation,
    train_quality_model,
)
from dataprep.testing import run_stage


def write_jsonl(path, texts):
    path.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts))
    return str(path)


def auc(scores, labels):
    """Probability that a random positive scores above a random negative (ties count half)."""
    scores, labels = np.asarray(scores), np.asarray(labels)
    pos, neg = scores[labels == 1], scores[labels == 0]
    greater = (pos[:, None] > neg[None, :]).mean()
    return greater + 0.5 * (pos[:, None] == neg[None, :]).mean()


def test_separable_toy_data(tmp_path):
    good = [f"the committee published a detailed report on item {i}" for i in range(20)]
    bad = [f"click here buy now cheap deal {i}" for i in range(20)]
    model = str(tmp_path / "m.joblib")
    info = train_quality_model(
        write_jsonl(tmp_path / "g.jsonl", good),
        write_jsonl(tmp_path / "b.jsonl", bad),
        model,
        folds=2,
    )
    assert (info["positive"], info["negative"], info["train_accuracy"]) == (20, 20, 1.0)
    cv = info["cross_validation"]
    assert (cv["folds"], cv["accuracy"], cv["roc_auc"], cv["note"]) == (2, 1.0, 1.0, "")
    out = run_stage(
        QualityClassifierScorer(model=model), [{"text": "a detailed report"}, {"text": "buy now"}]
    )
    high, low = out.column("dp_score_quality_classifier").to_pylist()
    assert 0.5 < high <= 1.0 and 0.0 <= low < 0.5


def test_dclm_held_out_auc_beats_chance(tmp_path):
    records = load_shared("dclm_quality_annotations/dclm_quality_majority.jsonl.gz")
    train, test = records[::2], records[1::2]  # deterministic split
    positive = write_jsonl(tmp_path / "p.jsonl", [r["text"] for r in train if r["label"] == 1])
    negative = write_jsonl(tmp_path / "n.jsonl", [r["text"] for r in train if r["label"] == 0])
    model = str(tmp_path / "m.joblib")
    result = CliRunner().invoke(
        main, ["train-quality", "--positive", positive, "--negative", negative, "-o", model]
    )
    assert result.exit_code == 0, result.output
    held_out = re.search(r"ROC AUC (\d\.\d+) ", result.output)
    assert float(held_out.group(1)) > 0.65  # cross-validated on the training half
    out = run_stage(QualityClassifierScorer(model=model), [{"text": r["text"]} for r in test])
    assert (
        auc(out.column("dp_score_quality_classifier").to_pylist(), [r["label"] for r in test])
        > 0.65
    )


def test_missing_model_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="no model file"):
        QualityClassifierScorer(model=str(tmp_path / "none.joblib")).check_params()


WORDS = [f"w{i}" for i in range(30)]


def noisy_texts(count: int, favoured: list[str], seed: int) -> list[str]:
    """``count`` texts of 8 words, two thirds from ``favoured``, the rest from all WORDS."""
    rng = np.random.default_rng(seed)
    return [
        " ".join(rng.choice(favoured if rng.random() < 2 / 3 else WORDS) for _ in range(8))
        for _ in range(count)
    ]


def test_train_quality_reports_held_out_scores_equal_to_sklearns_cross_validation(tmp_path):
    import joblib
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    good, bad = noisy_texts(24, WORDS[:15], 1), noisy_texts(20, WORDS[15:], 2)
    positive = write_jsonl(tmp_path / "g.jsonl", good)
    negative = write_jsonl(tmp_path / "b.jsonl", bad)
    model = tmp_path / "m.joblib"
    result = CliRunner().invoke(
        main, ["train-quality", "--positive", positive, "--negative", negative, "-o", str(model)]
    )
    assert result.exit_code == 0, result.output
    # the same features, model and folds, built here from scikit-learn alone: what
    # cross_val_score(estimator, features, labels, cv=folds) gives, one fit per fold
    features = _features(good + bad)
    labels = np.array([1] * 24 + [0] * 20)
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    accuracy, roc_auc = [], []
    for train, test in folds.split(features, labels):
        estimator = LogisticRegression(C=1.0, max_iter=1000, random_state=0)
        estimator.fit(features[train], labels[train])
        accuracy.append(accuracy_score(labels[test], estimator.predict(features[test])))
        roc_auc.append(roc_auc_score(labels[test], estimator.decision_function(features[test])))
    accuracy, roc_auc = np.array(accuracy), np.array(roc_auc)
    assert 0.5 < accuracy.mean() < 1.0  # noisy enough that held-out differs from training
    lines = result.output.splitlines()
    size = os.path.getsize(model)
    nonzero = np.count_nonzero(joblib.load(model)["model"].coef_)
    assert lines[0] == (
        f"trained on 24 positive and 20 negative examples; saved {model} ({size:,} bytes; "
        f"1,048,576 hashed features, 1,048,577 parameters, {nonzero:,} non-zero)"
    )
    assert lines[1] == (
        f"training accuracy 1.000; held-out (5-fold stratified cross-validation, seed 0): "
        f"accuracy {accuracy.mean():.3f} +/- {accuracy.std():.3f}, "
        f"ROC AUC {roc_auc.mean():.3f} +/- {roc_auc.std():.3f}"
    )
    assert lines[2:] == [f"metrics in {model}.json"]
    saved = json.loads((tmp_path / "m.joblib.json").read_text())
    cv = saved["cross_validation"]
    assert (cv["folds"], cv["seed"], cv["note"]) == (5, 0, "")
    assert cv["accuracy"] == accuracy.mean() and cv["accuracy_std"] == accuracy.std()
    assert cv["roc_auc"] == roc_auc.mean() and cv["roc_auc_std"] == roc_auc.std()
    assert saved["train_accuracy"] == 1.0 and saved["model_bytes"] == size
    assert (saved["features"], saved["parameters"]) == (FEATURES, FEATURES + 1)
    assert (saved["positive"], saved["negative"]) == (24, 20)
    assert saved["settings"]["regularization"] == 1.0


def test_fewer_folds_when_a_class_is_small_and_none_below_two(tmp_path):
    good, bad = noisy_texts(3, WORDS[:15], 3), noisy_texts(10, WORDS[15:], 4)
    features = _features(good + bad)
    labels = np.array([1] * 3 + [0] * 10)
    cv = cross_validation(features, labels, folds=5)
    assert cv["folds"] == 3
    assert cv["note"] == "3 folds, not 5: the smallest class has 3 examples"
    assert 0.0 <= cv["accuracy"] <= 1.0 and 0.0 <= cv["roc_auc"] <= 1.0
    assert cross_validation(features, labels, folds=0) == {
        "folds": 0,
        "seed": 0,
        "accuracy": None,
        "accuracy_std": None,
        "roc_auc": None,
        "roc_auc_std": None,
        "note": "not estimated: cross-validation turned off (0 folds)",
    }
    positive = write_jsonl(tmp_path / "g.jsonl", good[:1])
    negative = write_jsonl(tmp_path / "b.jsonl", bad)
    args = ["train-quality", "--positive", positive, "--negative", negative]
    result = CliRunner().invoke(main, [*args, "-o", str(tmp_path / "m.joblib")])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1] == (
        "training accuracy 0.909; held-out accuracy and ROC AUC not estimated: the smallest "
        "class has 1 example(s); 2 are needed"
    )
    result = CliRunner().invoke(main, [*args, "--folds", "1", "-o", str(tmp_path / "n.joblib")])
    assert result.exit_code == 1
    assert re.fullmatch(
        r"Error: The 'folds' parameter of train-quality must be 0 \(no cross-validation\) or "
        r"at least 2\. Got 1 instead\.\n",
        result.output,
    )


def _features(texts):
    from sklearn.feature_extraction.text import HashingVectorizer

    return HashingVectorizer(
        n_features=2**20, ngram_range=(1, 2), alternate_sign=False, norm="l2"
    ).transform(texts)
