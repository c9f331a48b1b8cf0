"""exact_dedup fitted by a hash shuffle, and the generic fit (states streamed to the driver),
give the local runner's rows (local Ray, 2 CPUs)."""

from __future__ import annotations

import pytest

from tests.runners.conftest import read_output, run_both, with_quality_column

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


def test_dsir_and_perplexity_band_give_the_local_rows(ray_cluster, real_corpus, tmp_path):
    # Both fit from streamed per-block states; dsir also spills its features to the work folder.
    # The target: the corpus's first 200 documents (DCLM pages).
    target = tmp_path / "target.jsonl"
    with open(real_corpus[0]) as source, open(target, "w") as sink:
        sink.writelines(line for number, line in enumerate(source) if number < 200)
    stages = [{"dsir": {"target": str(target), "fraction": 0.3, "min_example_length": 20}}]
    result = run_both(stages, real_corpus, tmp_path / "dsir")
    assert 0 < result.rows_kept <= round(0.3 * 2080)
    quality = with_quality_column(real_corpus, tmp_path)
    stages = [{"perplexity_band": {"score_column": "quality", "band": "middle", "fraction": 0.5}}]
    assert run_both(stages, quality, tmp_path / "band").rows_kept == 1040  # half of 2,080
