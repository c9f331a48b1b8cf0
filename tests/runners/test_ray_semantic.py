"""semantic_dedup on Ray (driver k-means on the local seeded sample, distributed assignment,
shuffle on the cluster) gives the local fit's rows."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dataprep.embed.settings import EncoderSettings
from tests.runners.conftest import run_both

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("keep", ["hard", "easy", "random"])
def test_same_duplicates_as_local_on_given_vectors(ray_cluster, tmp_path, keep):
    # 60 rows in 3 tight groups of near-identical vectors, 140 spread-out rows, two files.
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(3, 16))
    grouped = np.stack([centres[i % 3] + rng.normal(scale=0.01, size=16) for i in range(60)])
    vectors = np.concatenate([grouped, rng.normal(size=(140, 16))])
    table = pa.table(
        {
            "id": [f"v{i}" for i in range(200)],
            "text": [f"row {i}" for i in range(200)],
            "emb": [list(map(float, v)) for v in vectors],
        }
    )
    pq.write_table(table.slice(0, 120), tmp_path / "a.parquet")
    pq.write_table(table.slice(120), tmp_path / "b.parquet")
    inputs = [str(tmp_path / "a.parquet"), str(tmp_path / "b.parquet")]
    params = {"num_clusters": 4, "kmeans_sample": 150, "eps": 0.05}
    stages = [{"semantic_dedup": {**params, "keep": keep}}]
    result = run_both(stages, inputs, tmp_path, EncoderSettings(column="emb"))
    assert 50 <= result.rows_rejected <= 57  # 3 groups of 20: all but one of each, at most
