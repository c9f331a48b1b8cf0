import numpy as np
import pytest

from dataprep.embed.settings import EncoderSettings
from dataprep.errors import ConfigError
from dataprep.score.prototypicality import PrototypicalityScorer
from dataprep.testing import run_stage

V = EncoderSettings(column="v")  # the run's encoder settings: vectors from column 'v'


def test_distance_to_the_nearest_centroid_on_hand_built_vectors():
    # Two clusters along x and y; with 2 centroids each is the (normalized) mean of its group.
    rows = [{"v": v} for v in ([1, 0], [1, 0], [0, 1], [0.8, 0.6])]
    out = run_stage(PrototypicalityScorer(num_clusters=2), rows, encoder=V)
    scores = out.column("dp_score_prototypicality").to_pylist()
    # k-means puts [1,0],[1,0],[0.8,0.6] together: mean (0.933, 0.2) -> unit (0.9778, 0.2095);
    # [0, 1] alone is its own centroid.
    centroid = np.array([2.8, 0.6]) / 3
    centroid /= np.linalg.norm(centroid)
    assert scores[0] == pytest.approx(1 - centroid[0], abs=1e-6)
    assert scores[2] == pytest.approx(0.0, abs=1e-6)
    assert scores[3] == pytest.approx(1 - centroid @ np.array([0.8, 0.6]), abs=1e-6)
    assert scores[3] > scores[0]


def test_same_scores_for_any_batch_split():
    rng = np.random.default_rng(1)
    rows = [{"v": rng.normal(size=8).tolist()} for _ in range(40)]
    stage = PrototypicalityScorer(num_clusters=3)
    one = run_stage(stage, rows, encoder=V).column("dp_score_prototypicality").to_pylist()
    again = PrototypicalityScorer(num_clusters=3)
    split = run_stage(again, rows, batch_rows=7, encoder=V)
    assert split.column("dp_score_prototypicality").to_pylist() == pytest.approx(one)


def test_bad_parameters():
    with pytest.raises(ConfigError, match="The 'num_clusters' parameter of prototypicality"):
        PrototypicalityScorer(num_clusters=0).check_params()
