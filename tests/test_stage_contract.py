"""Every registered stage honours the stage contract: inert keyword params that round-trip,
pickles (for process pools), keeps rows and their order, and adds exactly its declared columns
with their declared types."""

import json
import pickle
import tempfile
from pathlib import Path

import pytest
from conftest import GOOD_DOC, REPO, build_tiny_causal_lm

from dataprep import registry
from dataprep.embed.settings import EncoderSettings
from dataprep.errors import ConfigError
from dataprep.stage import REJECT_REASON, REJECT_STAGE, ROW_COLUMN, Scorer
from dataprep.testing import make_batch, run_stage

# The run's encoder settings for the embedding stages: a private embedding cache, never the user's.
ENCODER = EncoderSettings(cache_dir=tempfile.mkdtemp(prefix="dataprep-test-"))
# Stages whose defaults cannot run on their own: the extra parameters or input columns they need.
EXAMPLE_PARAMS = {
    "score_threshold": {"column": "quality", "min": 0.5},
    "ngram_perplexity": {"reference": str(REPO / "data" / "kjv_chapters.jsonl.gz")},
    "difficulty": {"columns": {"quality": 1.0}, "easier_when_higher": []},
    "semantic_dedup": {"num_clusters": 2},
    "prototypicality": {"num_clusters": 2},
    "score_topk": {"column": "quality"},
    "stratified": {"column": "quality"},
    "ccs": {"column": "quality"},
    "d2_pruning": {"column": "quality"},
}


def _tiny_quality_model() -> str:
    from dataprep.quality.classifier import train_quality_model

    folder = tempfile.mkdtemp(prefix="dataprep-test-")
    for name, text in [("good", "a careful and detailed report"), ("bad", "buy now click here")]:
        with open(f"{folder}/{name}.jsonl", "w") as f:
            f.write(f'{{"text": "{text}"}}\n')
    train_quality_model(f"{folder}/good.jsonl", f"{folder}/bad.jsonl", f"{folder}/m.joblib")
    return f"{folder}/m.joblib"


EXAMPLE_PARAMS["quality_classifier"] = {"model": _tiny_quality_model()}


def _tiny_target() -> str:
    """A one-document target corpus for dsir (the KJV sample takes seconds to hash)."""
    path = tempfile.mkdtemp(prefix="dataprep-test-") + "/target.jsonl"
    with open(path, "w") as f:
        f.write(json.dumps({"text": GOOD_DOC}) + "\n")
    return path


EXAMPLE_PARAMS["dsir"] = {"target": _tiny_target()}
EXAMPLE_PARAMS["perplexity_band"] = {"score_column": "quality"}
try:
    _lm = build_tiny_causal_lm(Path(tempfile.mkdtemp(prefix="dataprep-test-")))
    EXAMPLE_PARAMS["hf_perplexity"] = {"model": _lm, "device": "cpu"}
except ImportError:  # torch/transformers not installed: that stage cannot run here
    EXAMPLE_PARAMS["hf_perplexity"] = None
TEXTS = [GOOD_DOC, "short", "", GOOD_DOC, GOOD_DOC.upper(), "a b c d e f " * 30, None, "x\ny\nz"]


def records():
    return [{"text": t, "quality": i / 10, "id": f"r{i}"} for i, t in enumerate(TEXTS)]


STAGES = [name for name in registry.available() if EXAMPLE_PARAMS.get(name, {}) is not None]


@pytest.mark.parametrize("name", STAGES)
def test_params_round_trip_and_pickle(name):
    cls = registry.get(name)
    stage = cls(**EXAMPLE_PARAMS.get(name, {}))
    stage.check_params()
    assert cls(**stage.get_params()).get_params() == stage.get_params()
    assert list(stage.get_params()) == cls.param_names()
    clone = pickle.loads(pickle.dumps(stage))
    assert clone.get_params() == stage.get_params()


@pytest.mark.parametrize("name", STAGES)
def test_unknown_parameter_is_a_type_error_not_swallowed(name):
    with pytest.raises(TypeError):
        registry.get(name)(no_such_parameter=1)


@pytest.mark.parametrize("name", STAGES)
def test_transform_keeps_rows_in_order_and_adds_declared_columns(name):
    stage = registry.get(name)(**EXAMPLE_PARAMS.get(name, {}))
    batch = make_batch(records())
    out = run_stage(stage, batch, batch_rows=3, encoder=ENCODER)
    assert out.num_rows == batch.num_rows
    assert out.column(ROW_COLUMN).equals(batch.column(ROW_COLUMN))
    assert out.column("id").equals(batch.column("id"))
    added = set(out.schema.names) - set(batch.schema.names)
    assert added == set(stage.output_columns())
    for column, arrow_type in stage.output_columns().items():
        assert out.schema.field(column).type == arrow_type
    if isinstance(stage, Scorer):
        assert out.column(REJECT_STAGE).null_count == out.num_rows
    stages = out.column(REJECT_STAGE).to_pylist()
    reasons = out.column(REJECT_REASON).to_pylist()
    for stage_name, reason in zip(stages, reasons, strict=True):
        assert (stage_name is None) == (reason is None)
        assert stage_name in (None, name)
        assert reason is None or (reason.replace("_", "").replace(".", "").isalnum())


@pytest.mark.parametrize("name", STAGES)
def test_transform_of_an_all_rejected_batch_changes_nothing(name):
    import numpy as np

    from dataprep.stage import mark_rejected

    stage = registry.get(name)(**EXAMPLE_PARAMS.get(name, {}))
    batch = mark_rejected(
        make_batch(records()), "earlier", np.arange(len(TEXTS)), ["x"] * len(TEXTS)
    )
    out = run_stage(stage, batch, encoder=ENCODER)
    assert out.column(REJECT_STAGE).to_pylist() == ["earlier"] * len(TEXTS)


def test_a_bad_value_is_a_config_error_for_every_stage_with_numeric_params():
    checked = 0
    for name in STAGES:
        cls = registry.get(name)
        params = dict(EXAMPLE_PARAMS.get(name, {}))
        numeric = [k for k, v in cls(**params).get_params().items() if type(v) in (int, float)]
        if numeric:
            params[numeric[0]] = "not a number"
            with pytest.raises(ConfigError):
                cls(**params).check_params()
            checked += 1
    assert checked >= 5


@pytest.mark.parametrize("name", STAGES)
def test_a_fitted_stage_pickles_with_its_state(name):
    """Process pools, Ray and resume checkpoints ship fitted stages by pickle: the clone keeps
    its params and transforms every batch the same."""
    from test_fuzz import ipc_bytes

    stage = registry.get(name)(**EXAMPLE_PARAMS.get(name, {}))
    batch = make_batch(records())
    out = run_stage(stage, batch, encoder=ENCODER)  # fitted (when it needs it) and bound
    clone = pickle.loads(pickle.dumps(stage))
    assert clone.get_params() == stage.get_params()
    assert ipc_bytes(clone.transform_batch(batch)) == ipc_bytes(out)


def test_bad_params_are_rejected_before_any_data_is_read(tmp_path):
    from dataprep.pipeline import Pipeline

    missing = str(tmp_path / "no-such-input.jsonl")  # reading it would be an InputError
    checked = 0
    for name in STAGES:
        cls = registry.get(name)
        params = dict(EXAMPLE_PARAMS.get(name, {}))
        numeric = [k for k, v in cls(**params).get_params().items() if type(v) in (int, float)]
        if numeric:
            params[numeric[0]] = "not a number"
            with pytest.raises(ConfigError):
                Pipeline([cls(**params)]).run([missing], tmp_path / "out")
            checked += 1
    assert checked >= 5
    assert not (tmp_path / "out").exists()
