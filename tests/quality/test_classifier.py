import json

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import load_shared

from dataprep.cli import main
from dataprep.errors import ConfigError
from dataprep.quality.classifier import QualityClassifierScorer, train_quality_model
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
        write_jsonl(tmp_path / "g.jsonl", good), write_jsonl(tmp_path / "b.jsonl", bad), model
    )
    assert info == {"positive": 20, "negative": 20, "train_accuracy": 1.0}
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
    out = run_stage(QualityClassifierScorer(model=model), [{"text": r["text"]} for r in test])
    assert (
        auc(out.column("dp_score_quality_classifier").to_pylist(), [r["label"] for r in test])
        > 0.65
    )


def test_missing_model_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="no model file"):
        QualityClassifierScorer(model=str(tmp_path / "none.joblib")).check_params()
