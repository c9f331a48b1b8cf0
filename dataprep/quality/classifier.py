"""Model-based quality: a linear classifier on hashed word and bigram features, trained from
positive (high-quality) and negative example files, in the style of the GPT-3 and DCLM quality
classifiers (Brown et al. 2020; Li et al. 2024), which score documents by P(high quality).

Train: ``dataprep train-quality --positive P --negative N -o model.joblib`` (or
``train_quality_model``). Features: scikit-learn's HashingVectorizer over lowercased word unigrams
and bigrams (2^20 dimensions, no vocabulary to hold), TF weighting with L2 normalization;
model: logistic regression. Training also estimates held-out accuracy and ROC AUC by stratified
k-fold cross-validation and writes them, with the training accuracy and the model's size, to
``model.joblib.json`` beside the model. Score: ``quality_classifier`` adds
``dp_score_quality_classifier`` = P(positive) in [0, 1]; filter afterwards with
``score_threshold``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa

from dataprep.errors import ConfigError
from dataprep.params import check_string
from dataprep.registry import register
from dataprep.stage import Scorer, text_values

FEATURES = 1 << 20


def _vectorizer():
    from sklearn.feature_extraction.text import HashingVectorizer

    return HashingVectorizer(
        n_features=FEATURES, ngram_range=(1, 2), lowercase=True, alternate_sign=False, norm="l2"
    )


def _read_texts(path: str, text_column: str) -> list[str]:
    from dataprep.errors import InputError
    from dataprep.io.readers import open_corpus

    try:
        corpus = open_corpus([path], text_column=text_column)
    except InputError as error:
        raise ConfigError(f"cannot read quality examples: {error}") from None
    return [t for batch in corpus.iter_batches() for t in text_values(batch, text_column)]


def _model(regularization: float, seed: int):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=regularization, max_iter=1000, random_state=seed)


def cross_validation(
    features, labels: np.ndarray, *, folds: int = 5, regularization: float = 1.0, seed: int = 0
) -> dict:
    """Held-out accuracy and ROC AUC of the classifier by stratified k-fold cross-validation.

    features / labels: the examples' feature rows and 0/1 labels. folds: k (default 5; 0 = no
    cross-validation); fewer are used when the smallest class has fewer than k rows, none when
    it has fewer than 2. regularization: C (default 1.0). seed: shuffles the rows before they
    are split into folds (default 0), and seeds the model.
    Returns folds (the k used, 0 for none), seed, accuracy, accuracy_std, roc_auc, roc_auc_std
    (mean and standard deviation over the folds; None without cross-validation) and note (why
    fewer folds than asked, or none; "" otherwise).
    """
    from sklearn.model_selection import StratifiedKFold, cross_validate

    smallest = int(min(np.sum(labels == 1), np.sum(labels == 0)))
    used = min(folds, smallest)
    result = {"folds": 0, "seed": seed, "accuracy": None, "accuracy_std": None}
    result.update({"roc_auc": None, "roc_auc_std": None, "note": ""})
    if folds == 0:
        result["note"] = "not estimated: cross-validation turned off (0 folds)"
        return result
    if used < 2:
        result["note"] = (
            f"not estimated: the smallest class has {smallest} example(s); 2 are needed"
        )
        return result
    if used < folds:
        result["note"] = f"{used} folds, not {folds}: the smallest class has {smallest} examples"
    splitter = StratifiedKFold(n_splits=used, shuffle=True, random_state=seed)
    scores = cross_validate(
        _model(regularization, seed), features, labels, cv=splitter, scoring=("accuracy", "roc_auc")
    )
    result["folds"] = used
    for name in ("accuracy", "roc_auc"):
        values = scores[f"test_{name}"]
        result[name] = float(np.mean(values))
        result[f"{name}_std"] = float(np.std(values))
    return result


def train_quality_model(
    positive: str,
    negative: str,
    output: str,
    *,
    text_column: str = "text",
    regularization: float = 1.0,
    seed: int = 0,
    folds: int = 5,
) -> dict:
    """Fit the classifier on the two example files, save it with joblib to ``output`` and its
    metrics as JSON to ``output + '.json'``.

    positive / negative: files of high- / low-quality examples (JSONL, Parquet or Arrow).
    text_column: their text column (default 'text'). regularization: inverse strength C of the
    L2 penalty (default 1.0). seed: the model's and the folds' seed (default 0). folds: k of
    the stratified k-fold cross-validation (default 5; 0 = none; see ``cross_validation``).
    Returns what the JSON holds: example counts, train_accuracy (on the training examples),
    cross_validation (held-out accuracy and ROC AUC), features (hashed dimensions), parameters
    (weights + intercept), nonzero_weights, model_bytes (the saved file's size), the settings,
    and metrics_file (the JSON's path).
    """
    import joblib

    if folds == 1 or folds < 0:
        raise ConfigError(
            "The 'folds' parameter of train-quality must be 0 (no cross-validation) or at "
            f"least 2. Got {folds} instead."
        )
    good = _read_texts(positive, text_column)
    bad = _read_texts(negative, text_column)
    if not good or not bad:
        raise ConfigError("train-quality needs at least one positive and one negative example")
    features = _vectorizer().transform(good + bad)
    labels = np.array([1] * len(good) + [0] * len(bad))
    model = _model(regularization, seed)
    model.fit(features, labels)
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    joblib.dump({"format": "dataprep-quality-v1", "features": FEATURES, "model": model}, output)
    metrics_file = f"{output}.json"
    info = {
        "positive": len(good),
        "negative": len(bad),
        "train_accuracy": float(model.score(features, labels)),
        "cross_validation": cross_validation(
            features, labels, folds=folds, regularization=regularization, seed=seed
        ),
        "features": FEATURES,
        "parameters": int(model.coef_.size + model.intercept_.size),
        "nonzero_weights": int(np.count_nonzero(model.coef_)),
        "model_bytes": Path(output).stat().st_size,
        "settings": {
            "positive": str(positive),
            "negative": str(negative),
            "text_column": text_column,
            "regularization": regularization,
            "seed": seed,
        },
        "metrics_file": metrics_file,
    }
    Path(metrics_file).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    return info


def summary_lines(info: dict, output: str) -> list[str]:
    """The lines ``dataprep train-quality`` prints about ``info`` (``train_quality_model``'s
    result) and the model file ``output``."""
    cv = info["cross_validation"]
    lines = [
        f"trained on {info['positive']:,} positive and {info['negative']:,} negative examples; "
        f"saved {output} ({info['model_bytes']:,} bytes; {info['features']:,} hashed features, "
        f"{info['parameters']:,} parameters, {info['nonzero_weights']:,} non-zero)",
    ]
    accuracy = f"training accuracy {info['train_accuracy']:.3f}"
    if cv["folds"]:
        lines.append(
            f"{accuracy}; held-out ({cv['folds']}-fold stratified cross-validation, seed "
            f"{cv['seed']}): accuracy {cv['accuracy']:.3f} +/- {cv['accuracy_std']:.3f}, "
            f"ROC AUC {cv['roc_auc']:.3f} +/- {cv['roc_auc_std']:.3f}"
        )
    else:
        lines.append(f"{accuracy}; held-out accuracy and ROC AUC {cv['note']}")
    if cv["folds"] and cv["note"]:
        lines.append(f"cross-validation: {cv['note']}")
    lines.append(f"metrics in {info['metrics_file']}")
    return lines


@register
class QualityClassifierScorer(Scorer):
    """P(high quality) from a model trained by ``dataprep train-quality``.

    model: path of the saved model (``.joblib``), required.
    """

    name = "quality_classifier"
    version = 1
    requires = (("sklearn", "pip install scikit-learn"), ("joblib", "pip install joblib"))

    def __init__(self, *, model: str = "") -> None:
        self.model = model

    def check_params(self) -> None:
        check_string(self.name, "model", self.model)
        if not Path(self.model).is_file():
            missing = f"quality_classifier: no model file {self.model!r}; train one with "
            raise ConfigError(
                missing + "dataprep.quality.classifier.train_quality_model(positive, negative, "
                "'model.joblib')",
                cli_message=missing
                + "`dataprep train-quality --positive P --negative N -o model.joblib`",
            )

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.pop("_model", None)  # workers load the file themselves
        return state

    def _classifier(self):
        if getattr(self, "_model", None) is None:
            import joblib

            saved = joblib.load(self.model)
            if not isinstance(saved, dict) or saved.get("format") != "dataprep-quality-v1":
                raise ConfigError(f"{self.model}: not a model written by dataprep train-quality")
            self._model = saved["model"]
        return self._model

    def score(self, batch: pa.RecordBatch) -> np.ndarray:
        if batch.num_rows == 0:
            return np.empty(0)
        features = _vectorizer().transform(text_values(batch, self.context.text_column))
        return self._classifier().predict_proba(features)[:, 1]
