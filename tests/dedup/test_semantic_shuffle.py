"""SemanticDedup.fit_shuffled (dataprep.dedup.semantic_shuffle) on InMemoryOps against the local
fit, with vectors read from a list<float> column: the same centroids, clusters and rejections."""

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
import pyarrow as pa
import pytest

from dataprep.dedup.semantic import SemanticDedup
from dataprep.embed.settings import EncoderSettings
from dataprep.passes import alive_rows
from dataprep.stage import REJECT_REASON, REJECT_STAGE, ROW_COLUMN, RunContext
from dataprep.testing import make_batch
from tests.dedup.in_memory_ops import InMemoryOps
from tests.generated_corpus import generated_records

N_RECORDS = 400
BATCH_ROWS = 90
EARLIER_REJECT_EVERY = 19


def fit_pass_batches(records: list[dict]) -> list[pa.RecordBatch]:
    """The fit pass's transformed batches (global row numbers, as dataprep.testing.run_stage
    builds them), some rows already rejected by an earlier stage."""
    batch = make_batch(records)
    rejected = np.arange(batch.num_rows) % EARLIER_REJECT_EVERY == 3
    marks = pa.array(np.where(rejected, "earlier", None).tolist(), pa.string())
    for name in (REJECT_STAGE, REJECT_REASON):
        batch = batch.set_column(batch.schema.get_field_index(name), name, marks)
    return [batch.slice(i, BATCH_ROWS) for i in range(0, batch.num_rows, BATCH_ROWS)]


def bound(stage, work_dir):
    stage.check_params()
    stage.bind(RunContext(work_dir=work_dir, encoder=EncoderSettings(column="vec")))
    return stage


@pytest.fixture(scope="module")
def corpus():
    records = generated_records(11, N_RECORDS, dim=32)
    return records, fit_pass_batches(records)


def earlier_rejected(batches) -> set[int]:
    return {
        int(row)
        for b in batches
        for row in b.column(ROW_COLUMN).to_numpy()[
            b.column(REJECT_STAGE).is_valid().to_numpy(False)
        ]
    }


@pytest.mark.parametrize(
    "params",
    [
        {"num_clusters": 6},
        {"num_clusters": 4, "keep": "easy", "eps": 0.02},
        {"num_clusters": 5, "keep": "random", "kmeans_sample": 120, "seed": 3},
        {"num_clusters": 3, "max_cluster_size": 20, "block_rows": 16},
    ],
    ids=["hard", "easy", "random-sampled", "windowed"],
)
@pytest.mark.filterwarnings("ignore:semantic_dedup.*max_cluster_size")
def test_shuffled_fit_matches_local_fit(corpus, params, tmp_path):
    records, batches = corpus
    local = bound(SemanticDedup(**params), tmp_path)
    shuffled = bound(SemanticDedup(**params), tmp_path)

    local.fit([local.fit_state(alive_rows(b)) for b in batches])
    ops = InMemoryOps(batches, partitions=3)
    shuffled.fit_shuffled(ops)

    assert ops.calls.get("rows") == 1 and ops.calls.get("group") == 1
    np.testing.assert_allclose(shuffled.centroids_, local.centroids_, rtol=1e-5, atol=1e-6)
    assert len(local.centroids_) == params["num_clusters"]
    np.testing.assert_array_equal(shuffled.rejected_rows_, local.rejected_rows_)
    np.testing.assert_array_equal(shuffled.rejected_codes_, local.rejected_codes_)
    assert shuffled.reasons_ == local.reasons_
    assert shuffled.row_values_.keys() == local.row_values_.keys()
    for column, (rows, values) in local.row_values_.items():
        np.testing.assert_array_equal(shuffled.row_values_[column][0], rows)
        np.testing.assert_array_equal(shuffled.row_values_[column][1], values)

    # Non-trivial: copies (vectors within noise of their source) were dropped, uniques kept,
    # every alive row got a cluster, and rows an earlier stage rejected were never seen.
    rows, labels = local.row_values_["dp_semantic_cluster"]
    earlier = earlier_rejected(batches)
    assert set(rows.tolist()) == set(range(len(records))) - earlier
    assert len(np.unique(labels)) >= 3
    copies = {i for i, r in enumerate(records) if r["kind"] != "unique"} - earlier
    dropped = local.rejected_rows_
    assert 0.6 * len(copies) <= len(dropped) <= len(copies)
    # each dropped row is a near copy of a kept row (a copy group keeps one member)
    vectors = np.array([r["vec"] for r in records], np.float32)
    kept = np.setdiff1d(rows, dropped)
    eps = params.get("eps", 0.07)
    assert ((vectors[dropped] @ vectors[kept].T).max(axis=1) > 1 - eps).all()
    # dp_dup_cluster: every dropped row names a kept row of its k-means cluster, which names
    # itself; no other row is in a group
    members, named = local.row_values_["dp_dup_cluster"]
    label_of = dict(zip(rows.tolist(), labels.tolist(), strict=True))
    named_of = dict(zip(members.tolist(), named.tolist(), strict=True))
    assert set(dropped.tolist()) <= set(members.tolist())
    assert set(named.tolist()) == set(members.tolist()) - set(dropped.tolist())
    assert all(named_of[k] == k for k in named.tolist())
    assert all(label_of[m] == label_of[k] for m, k in named_of.items())


def test_partition_count_does_not_change_the_result(corpus, tmp_path):
    _, batches = corpus
    results = []
    for partitions in (1, 5):
        stage = bound(SemanticDedup(num_clusters=6), tmp_path)
        stage.fit_shuffled(InMemoryOps(batches, partitions=partitions))
        results.append(stage.rejected_rows_.tolist())
    assert results[0] == results[1] and results[0]


def test_no_alive_rows(tmp_path):
    batch = make_batch(generated_records(1, 5))
    marks = pa.array(["earlier"] * 5, pa.string())
    batch = batch.set_column(batch.schema.get_field_index(REJECT_STAGE), REJECT_STAGE, marks)
    stage = bound(SemanticDedup(), tmp_path)
    stage.fit_shuffled(InMemoryOps([batch]))
    assert stage.rejected_rows_.tolist() == []
    assert not hasattr(stage, "centroids_")
