"""minhash_dedup on Ray (band shuffle, distinct edges, verification joins, Large-Star/Small-Star
components) gives the local fit's clusters, for every verification mode and keep_highest."""

from __future__ import annotations

import pytest

from tests.runners.conftest import run_both, with_quality_column

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"verify": "signature", "threshold": 0.7},
        {"verify": "none", "ngram": 3},
        {"keep_highest": "quality"},
    ],
    ids=["exact", "signature", "none", "keep-highest"],
)
def test_same_clusters_as_local(ray_cluster, real_corpus, tmp_path, params):
    inputs = with_quality_column(real_corpus, tmp_path)
    result = run_both([{"minhash_dedup": params}], inputs, tmp_path)
    assert result.rows_rejected >= 60  # the 60 near copies and 40 exact copies, at least most
