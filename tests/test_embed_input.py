import pickle

import numpy as np
import pytest

from dataprep.dedup.semantic import SemanticDedup
from dataprep.errors import ConfigError
from dataprep.testing import make_batch


def test_vectors_from_a_column_are_normalized():
    stage = SemanticDedup(embedding_column="v")
    vectors = stage.vectors(make_batch([{"v": [3.0, 4.0]}, {"v": [0.0, 2.0]}]))
    assert vectors.dtype == np.float32
    assert np.allclose(vectors, [[0.6, 0.8], [0.0, 1.0]])


def test_missing_embedding_column_is_named():
    with pytest.raises(ConfigError, match="no embedding column 'v'; the columns are text, id"):
        SemanticDedup(embedding_column="v").check_columns(["text", "id"])


def test_the_loaded_encoder_is_not_pickled():
    stage = SemanticDedup()
    stage._encoder = object()  # stands for a loaded model
    assert "_encoder" not in pickle.loads(pickle.dumps(stage)).__dict__
