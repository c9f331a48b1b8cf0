"""Model-based quality: a linear classifier on hashed word and bigram features, trained from
positive (high-quality) and negative example files, in the style of the GPT-3 and DCLM quality
classifiers (Brown et al. 2020; Li et al. 2024), which score documents by P(high quality).

Train: ``dataprep train-quality --positive P --negative N -o model.joblib`` (or
``train_quality_model``). Features: scikit-learn's HashingVectorizer over lowercased word unigrams
and bigrams (2^20 dimensions, no vocabulary to hold), TF weighting with L2 normalization;
model: logistic regression. Score: ``quality_classifier`` adds ``dp_score_quality_classifier``
= P(positive) in [0, 1]; filter afterwards with ``score_threshold``.
"""

from __future__ import annotations

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


def train_quality_model(
    positive: str,
    negative: str,
    output: str,
    *,
    text_column: str = "text",
    regularization: float = 1.0,
    seed: int = 0,
) -> dict:
    """Fit the classifier on the two example files and save it with joblib to ``output``.

    regularization: inverse strength C of the L2 penalty (default 1.0).
    Returns counts and the training accuracy.
    """
    import joblib
    from sklearn.linear_model import LogisticRegression

    good = _read_texts(positive, text_column)
    bad = _read_texts(negative, text_column)
    if not good or not bad:
        raise ConfigError("train-quality needs at least one positive and one negative example")
    features = _vectorizer().transform(good + bad)
    labels = np.array([1] * len(good) + [0] * len(bad))
    model = LogisticRegression(C=regularization, max_iter=1000, random_state=seed)
    model.fit(features, labels)
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    joblib.dump({"format": "dataprep-quality-v1", "features": FEATURES, "model": model}, output)
    return {
        "positive": len(good),
        "negative": len(bad),
        "train_accuracy": float(model.score(features, labels)),
    }


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
