import importlib.util
import pickle

import numpy as np
import pytest

from dataprep.dedup.semantic import SemanticDedup
from dataprep.embed.settings import EncoderSettings
from dataprep.errors import ConfigError
from dataprep.stage import RunContext
from dataprep.testing import make_batch


def bound(stage, **settings):
    stage.bind(RunContext(encoder=EncoderSettings(**settings)))
    return stage


def test_vectors_from_a_column_are_normalized():
    stage = bound(SemanticDedup(), column="v")
    vectors = stage.vectors(make_batch([{"v": [3.0, 4.0]}, {"v": [0.0, 2.0]}]))
    assert vectors.dtype == np.float32
    assert np.allclose(vectors, [[0.6, 0.8], [0.0, 1.0]])


def test_missing_embedding_column_is_named():
    with pytest.raises(ConfigError, match="no embedding column 'v'; the columns are text, id"):
        bound(SemanticDedup(), column="v").check_columns(["text", "id"])
    SemanticDedup().check_columns(["text", "id"])  # encoding the text reads no vector column


def test_a_vector_column_needs_no_sentence_transformers(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *args: None if name == "sentence_transformers" else real(name, *args),
    )
    bound(SemanticDedup(), column="v").check_requirements()
    with pytest.raises(ConfigError, match="semantic_dedup needs the 'sentence_transformers'"):
        bound(SemanticDedup()).check_requirements()


def test_bad_settings_are_reported_before_any_data_is_read():
    with pytest.raises(ConfigError, match="embedding: 'batch_size' must be a positive integer"):
        bound(SemanticDedup(), batch_size=0, column="v").check_requirements()


def test_the_loaded_encoder_is_not_pickled():
    stage = bound(SemanticDedup(), column="v")
    stage._encoder = object()  # stands for a loaded model
    copy = pickle.loads(pickle.dumps(stage))
    assert "_encoder" not in copy.__dict__
    assert copy.encoder_settings() == EncoderSettings(column="v")  # the context travels
