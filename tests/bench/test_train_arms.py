"""The arms of the training benchmark: epochs, caps, the pool, and each arm's plan on a tiny
synthetic pool (tests/bench/conftest.py)."""

import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dataprep.bench.common import read_texts
from dataprep.bench.train_arms import (
    REFERENCE_COLUMN,
    ArmBuilder,
    Pool,
    at_most,
    kept_ids,
    read_pool,
    shuffled_epochs,
)
from dataprep.embed.settings import EncoderSettings
from dataprep.errors import ConfigError
from dataprep.sampling.arrow_rows import arrow_files

SAMPLES, BATCH = 16, 4  # 4 steps of 4


def test_shuffled_epochs_gives_each_row_once_per_epoch():
    rows = np.array([7, 3, 11, 5, 9])
    out = shuffled_epochs(rows, 12, seed=3)
    assert len(out) == 12
    assert sorted(out[:5]) == sorted(out[5:10]) == [3, 5, 7, 9, 11]
    assert len(set(out[10:].tolist())) == 2 and set(out[10:].tolist()) <= set(rows.tolist())


def test_shuffled_epochs_fewer_samples_than_rows_are_distinct():
    out = shuffled_epochs(np.arange(10), 4, seed=0)
    assert len(out) == 4 and len(set(out.tolist())) == 4


def test_shuffled_epochs_is_seeded_and_shuffles():
    rows = np.arange(50)
    first = shuffled_epochs(rows, 100, seed=1)
    assert np.array_equal(first, shuffled_epochs(rows, 100, seed=1))
    assert not np.array_equal(first, shuffled_epochs(rows, 100, seed=2))
    assert not np.array_equal(first[:50], rows)  # shuffled, not the input order
    assert not np.array_equal(first[:50], first[50:])  # a new permutation each epoch


def test_at_most_keeps_everything_within_the_budget():
    rows = np.array([4, 1, 3])
    assert at_most(rows, 3, seed=0) is rows
    assert at_most(rows, 10, seed=0) is rows


def test_at_most_caps_with_a_seeded_sorted_sample():
    rows = np.arange(100, 200)
    out = at_most(rows, 10, seed=5)
    assert len(out) == 10 and len(set(out.tolist())) == 10
    assert set(out.tolist()) <= set(rows.tolist())
    assert np.array_equal(out, np.sort(out))
    assert np.array_equal(out, at_most(rows, 10, seed=5))
    assert not np.array_equal(out, at_most(rows, 10, seed=6))


def test_pool_positions_and_unique_ids(tmp_path):
    pool = Pool(tmp_path / "p.jsonl", ["a", "b", "c"], ["x", "y", "z"], ["g", "h", "g"])
    assert pool.positions(["c", "a"]).tolist() == [2, 0]
    with pytest.raises(ConfigError, match="the ids of the pool are not unique"):
        Pool(tmp_path / "p.jsonl", ["a", "a"], ["x", "y"], ["g", "g"])


def test_pool_write_subset_with_an_extra_column(tmp_path):
    pool = Pool(tmp_path / "p.jsonl", ["a", "b", "c"], ["x", "y", "z"], ["g", "h", "g"])
    path = pool.write_subset(np.array([2, 0]), tmp_path / "sub" / "s.parquet", {"score": [1, 2, 3]})
    assert pq.read_table(path).to_pylist() == [
        {"id": "c", "text": "z", "source": "g", "score": 3},
        {"id": "a", "text": "x", "source": "g", "score": 1},
    ]


def test_read_pool_and_texts(tmp_path):
    path = tmp_path / "pool.jsonl"
    rows = [{"id": i, "text": f"text {i}", "topic": ["a", "b"][i % 2]} for i in range(5)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    pool = read_pool(path, "text", "topic")
    assert pool.ids == ["0", "1", "2", "3", "4"]  # ids as strings
    assert pool.texts[3] == "text 3" and pool.groups == ["a", "b", "a", "b", "a"]
    with pytest.raises(ConfigError) as error:
        read_pool(path, "text", "source")
    # the reader's internal row column is no column of the user's
    assert str(error.value) == f"{path}: no group column 'source'; the columns are id, text, topic."
    assert read_texts(path, "text", 2) == ["text 0", "text 1"]
    assert len(read_texts(path, "text", None)) == 5


def test_kept_ids_reads_file_and_stream_arrow_in_order(tmp_path):
    data = tmp_path / "out" / "data"
    data.mkdir(parents=True)
    first = pa.table({"id": ["a", "b"], "text": ["x", "y"]})
    with pa.ipc.new_file(str(data / "part-00000.arrow"), first.schema) as writer:
        writer.write_table(first)
    second = pa.table({"id": ["c"], "text": ["z"]})
    with pa.ipc.new_stream(str(data / "part-00001.arrow"), second.schema) as writer:
        writer.write_table(second)
    assert kept_ids(tmp_path / "out") == ["a", "b", "c"]


@pytest.fixture(scope="module")
def builder(train_files, tmp_path_factory):
    pool = read_pool(train_files["pool"], "text", "source")
    work = tmp_path_factory.mktemp("arms")
    return ArmBuilder(
        pool,
        work,
        samples=SAMPLES,
        batch_size=BATCH,
        fraction=0.25,
        target=str(train_files["target"]),
        embed_cache=work / "embeddings",
    )


def test_budget_is_the_fraction_of_the_pool(builder):
    assert builder.budget == 50  # round(0.25 * 200)


@pytest.mark.parametrize(("fraction", "budget"), [(0.0125, 3), (1.0, 200)])
def test_budget_rounds_as_the_stages_do(train_files, tmp_path, fraction, budget):
    # 0.0125 * 200 = 2.5: the random stage keeps 3 (half up), so the cap must be 3 too;
    # fraction 1 keeps the whole pool (a float budget of 1.0 is no valid stage budget).
    pool = read_pool(train_files["pool"], "text", "source")
    arms = ArmBuilder(
        pool,
        tmp_path,
        samples=SAMPLES,
        batch_size=BATCH,
        fraction=fraction,
        target=None,
        embed_cache=tmp_path / "e",
    )
    assert arms.budget == budget
    assert len(arms.random_subset(0)) == budget
    assert arms.plan("random", 0).unique == arms.plan("odm", 0).unique == budget


def test_random_plan(builder):
    subset = builder.random_subset(0)
    assert len(subset) == 50 and np.array_equal(subset, np.sort(subset))
    plan = builder.plan("random", 0)
    assert (plan.arm, plan.seed, plan.unique, plan.subset) == ("random", 0, 50, None)
    assert len(plan.rows) == SAMPLES and len(set(plan.rows.tolist())) == SAMPLES
    assert set(plan.rows.tolist()) <= set(subset.tolist())
    assert np.array_equal(plan.rows, builder.plan("random", 0).rows)  # seeded
    other = builder.random_subset(1)
    assert not np.array_equal(subset, other)  # seed 1 draws another subset


def test_adaptive_plan_samples_the_random_subset(builder):
    for arm in ("odm", "doremi"):
        plan = builder.plan(arm, 0)
        assert plan.rows is None and plan.unique == 50
        assert np.array_equal(plan.subset, builder.random_subset(0))


def test_paced_plan_orders_the_random_subset(builder):
    plan = builder.plan("sorted", 0)
    assert len(plan.rows) == SAMPLES and plan.subset is None
    assert set(plan.rows.tolist()) <= set(builder.random_subset(0).tolist())
    assert plan.unique == len(set(plan.rows.tolist()))
    # 'sorted' goes easy to hard: the difficulty the score recipe gave each row never drops
    tables = [
        pa.ipc.open_stream(str(p)).read_all() for p in arrow_files(builder.work / "scored-seed0")
    ]
    difficulty = {
        row_id: value
        for table in tables
        for row_id, value in zip(
            table.column("id").to_pylist(),
            table.column("dp_score_difficulty").to_pylist(),
            strict=True,
        )
    }
    values = [difficulty[builder.pool.ids[i]] for i in plan.rows]
    assert values == sorted(values)
    linear = builder.plan("linear", 0)
    assert len(linear.rows) == SAMPLES
    assert set(linear.rows.tolist()) <= set(builder.random_subset(0).tolist())


def test_dsir_plan_keeps_the_budget(builder):
    plan = builder.plan("dsir", 0)
    assert plan.unique == 50 and len(plan.rows) == SAMPLES
    kept = builder.pool.positions(kept_ids(builder.folder("dsir", 0)))
    assert len(kept) == 50 and set(plan.rows.tolist()) <= set(kept.tolist())
    # the target is science text: DSIR keeps mostly science rows
    groups = [builder.pool.groups[i] for i in kept]
    assert groups.count("science") > 25


def test_perplexity_plan_keeps_the_middle_band(builder):
    perplexity = np.arange(200, 0, -1, dtype=np.float64)  # row i ranks 199 - i
    plan = builder.plan("perplexity_middle", 0, reference_perplexity=perplexity)
    assert plan.unique == 50
    kept = builder.pool.positions(kept_ids(builder.folder("perplexity_middle", 0)))
    # middle band of 50 among 200 ranks: ranks 75..124, i.e. rows 75..124
    assert sorted(kept.tolist()) == list(range(75, 125))
    low = builder.plan("perplexity_low", 0, reference_perplexity=perplexity)
    assert set(low.rows.tolist()) <= set(range(150, 200))
    scored = pq.read_table(builder.work / "reference-seed0.parquet")
    assert scored.column(REFERENCE_COLUMN).to_pylist() == perplexity.tolist()


def test_dsir_without_target_and_unknown_arms_are_config_errors(builder, tmp_path):
    no_target = ArmBuilder(
        builder.pool,
        tmp_path,
        samples=SAMPLES,
        batch_size=BATCH,
        fraction=0.25,
        target=None,
        embed_cache=tmp_path / "e",
    )
    with pytest.raises(ConfigError, match=r"The dsir arm needs a target sample \(target\)"):
        no_target.plan("dsir", 0)
    with pytest.raises(ConfigError, match="linear is not a selection arm"):
        no_target.selected("linear", 0)


def test_an_arm_that_keeps_no_row_is_a_config_error(tmp_path):
    # DSIR never selects rows under min_example_length (100) tokens: here, every row.
    path = tmp_path / "short.jsonl"
    rows = [{"id": f"r{i}", "text": f"a short row {i}", "source": "x"} for i in range(20)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    arms = ArmBuilder(
        read_pool(path, "text", "source"),
        tmp_path / "work",
        samples=SAMPLES,
        batch_size=BATCH,
        fraction=0.25,
        target=str(path),
        embed_cache=tmp_path / "e",
    )
    with pytest.raises(ConfigError, match="The dsir arm kept no row of the pool at seed 0"):
        arms.plan("dsir", 0)


def test_filter_plan_runs_the_recipe_once_for_every_seed(builder):
    first, second = builder.plan("filter", 0), builder.plan("filter", 1)
    kept = set(builder.pool.positions(kept_ids(builder.folder("filter", 0))).tolist())
    assert len(kept) > 50  # the recipe keeps these clean rows; the budget caps them
    assert first.unique == second.unique == 50
    assert set(first.rows.tolist()) <= kept and set(second.rows.tolist()) <= kept
    assert not builder.folder("filter", 1).exists()  # deterministic: one run serves both seeds
    assert not np.array_equal(np.sort(first.rows), np.sort(second.rows))  # seeded caps differ


@pytest.mark.slow
def test_embedding_arms_keep_the_budget(builder):
    # semdedup embeds the pool (the packaged MiniLM); d4 reads the same cache
    for arm in ("semdedup", "d4"):
        plan = builder.plan(arm, 0)
        assert plan.unique == 50 and len(plan.rows) == SAMPLES, arm
        kept = builder.pool.positions(kept_ids(builder.folder(arm, 0)))
        assert set(plan.rows.tolist()) <= set(kept.tolist())
    assert builder.encoder == EncoderSettings(
        cache_dir=str(builder.work / "embeddings"), max_seq_length=64
    )
    assert any((builder.work / "embeddings").iterdir())
