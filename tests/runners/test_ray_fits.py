"""exact_dedup fitted by a hash shuffle, and the generic fit (states streamed to the driver),
give the local runner's rows (local Ray, 2 CPUs)."""

from __future__ import annotations

import pytest

from tests.runners.conftest import read_output, run_both

pytestmark = pytest.mark.slow


def test_exact_dedup_by_hash_shuffle(ray_cluster, real_corpus, tmp_path):
    result = run_both([{"exact_dedup": {"lowercase": False}}], real_corpus, tmp_path)
    rejected = read_output(tmp_path / "ray", "rejected")
    assert result.rows_rejected == rejected.num_rows >= 40  # the 40 exact copies at least
    # Ids are doc-<row number>: every copy points at an earlier row, its kept first copy.
    for doc, kept_row in zip(
        rejected.column("id").to_pylist(),
        rejected.column("dp_dup_cluster").to_pylist(),
        strict=True,
    ):
        assert kept_row < int(doc.removeprefix("doc-"))
    assert set(rejected.column("dp_reject_reason").to_pylist()) == {"exact_duplicate"}


def test_stage_without_distributed_fit_uses_streamed_states(ray_cluster, real_corpus, tmp_path):
    # random coreset: fit from per-block states on the driver, in input order.
    result = run_both([{"random": {"budget": 0.25, "seed": 3}}], real_corpus, tmp_path)
    assert result.rows_kept == 520  # 25% of 2,080, exactly
