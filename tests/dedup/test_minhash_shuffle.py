"""MinHashDedup.fit_shuffled (dataprep.dedup.minhash_shuffle) on InMemoryOps against the local
fit: the same candidate and verified pairs, rejections and cluster values."""

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
import pyarrow as pa
import pytest

from dataprep.dedup.minhash import MinHashDedup
from dataprep.passes import alive_rows
from dataprep.stage import REJECT_REASON, REJECT_STAGE, ROW_COLUMN, RunContext
from dataprep.testing import make_batch
from tests.dedup.in_memory_ops import InMemoryOps
from tests.generated_corpus import generated_records

N_RECORDS = 360
BATCH_ROWS = 70
EARLIER_REJECT_EVERY = 23  # rows an earlier stage rejected: neither fit may see them


def fit_pass_batches(records: list[dict]) -> list[pa.RecordBatch]:
    """The transformed batches of a fit pass, as dataprep.testing.run_stage builds them (one
    make_batch, so row numbers are global, then slices), with some rows already rejected."""
    batch = make_batch(records)
    rejected = np.arange(batch.num_rows) % EARLIER_REJECT_EVERY == 5
    stage_col = pa.array(np.where(rejected, "earlier", None).tolist(), pa.string())
    batch = batch.set_column(batch.schema.get_field_index(REJECT_STAGE), REJECT_STAGE, stage_col)
    batch = batch.set_column(batch.schema.get_field_index(REJECT_REASON), REJECT_REASON, stage_col)
    return [batch.slice(i, BATCH_ROWS) for i in range(0, batch.num_rows, BATCH_ROWS)]


def bound(stage, work_dir):
    stage.check_params()
    stage.bind(RunContext(work_dir=work_dir))
    return stage


@pytest.fixture(scope="module")
def corpus():
    records = generated_records(7, N_RECORDS, vectors=False)
    return records, fit_pass_batches(records)


def earlier_rejected(batches) -> np.ndarray:
    rows = [
        b.column(ROW_COLUMN).to_numpy()[b.column(REJECT_STAGE).is_valid().to_numpy(False)]
        for b in batches
    ]
    return np.concatenate(rows)


@pytest.mark.parametrize(
    "params",
    [
        {"verify": "exact"},
        {"verify": "signature"},
        {"verify": "none"},
        {"verify": "exact", "keep_highest": "quality"},
        {"verify": "signature", "keep_highest": "quality", "threshold": 0.7},
    ],
    ids=["exact", "signature", "none", "exact-keep_highest", "signature-keep_highest"],
)
def test_shuffled_fit_matches_local_fit(corpus, params, tmp_path):
    records, batches = corpus
    local = bound(MinHashDedup(**params), tmp_path / "local")
    shuffled = bound(MinHashDedup(**params), tmp_path / "shuffled")
    (tmp_path / "local").mkdir()
    (tmp_path / "shuffled").mkdir()

    local.fit([local.fit_state(alive_rows(b)) for b in batches])
    ops = InMemoryOps(batches, partitions=4)
    shuffled.fit_shuffled(ops)

    assert ops.calls.get("rows") == 1 and ops.calls.get("group", 0) >= 2
    assert shuffled.candidate_pairs_ == local.candidate_pairs_
    assert shuffled.verified_pairs_ == local.verified_pairs_
    np.testing.assert_array_equal(shuffled.rejected_rows_, local.rejected_rows_)
    np.testing.assert_array_equal(shuffled.rejected_codes_, local.rejected_codes_)
    assert shuffled.reasons_ == local.reasons_
    assert shuffled.clusters_ == local.clusters_
    assert shuffled.row_values_.keys() == local.row_values_.keys()
    for column, (rows, values) in local.row_values_.items():
        np.testing.assert_array_equal(shuffled.row_values_[column][0], rows)
        np.testing.assert_array_equal(shuffled.row_values_[column][1], values)

    # Non-trivial: near copies were clustered, and rows an earlier stage rejected never seen.
    ((cluster_rows, _),) = local.row_values_.values()
    earlier = set(earlier_rejected(batches).tolist())
    near = {i for i, r in enumerate(records) if r["kind"] == "near"} - earlier
    assert len(near) >= 10
    assert len(near & set(cluster_rows.tolist())) >= 0.8 * len(near)
    assert local.clusters_ >= 10 and len(local.rejected_rows_) >= 20
    assert local.candidate_pairs_ >= local.verified_pairs_ > 0
    assert not earlier & set(cluster_rows.tolist())


def test_keep_highest_keeps_the_highest_value(corpus, tmp_path):
    """With keep_highest the kept row of each cluster has its highest value, and this differs
    from keeping the first row (so the priority path of the shuffled fit is exercised)."""
    records, batches = corpus
    first = bound(MinHashDedup(), tmp_path)
    first.fit_shuffled(InMemoryOps(batches, partitions=3))
    best = bound(MinHashDedup(keep_highest="quality"), tmp_path)
    best.fit_shuffled(InMemoryOps(batches, partitions=3))

    ((rows, kept),) = best.row_values_.values()
    quality = np.array([-np.inf if r["quality"] is None else r["quality"] for r in records])
    for keep in np.unique(kept):
        members = rows[kept == keep]
        assert quality[keep] == quality[members].max()
        assert keep == members[quality[members] == quality[members].max()].min()
    assert not np.array_equal(best.rejected_rows_, first.rejected_rows_)


def test_partition_count_does_not_change_the_result(corpus, tmp_path):
    _, batches = corpus
    results = []
    for partitions in (1, 2, 7):
        stage = bound(MinHashDedup(), tmp_path)
        stage.fit_shuffled(InMemoryOps(batches, partitions=partitions))
        results.append((stage.rejected_rows_.tolist(), stage.candidate_pairs_))
    assert results[0] == results[1] == results[2]
