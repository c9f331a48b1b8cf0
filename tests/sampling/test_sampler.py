"""AdaptiveSampler: frequencies, per-group epochs, consumers never overlap, exact resume, Arrow."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from conftest import load_shared

from dataprep.errors import ConfigError
from dataprep.io.writer import ShardedWriter
from dataprep.sampling.sampler import AdaptiveSampler

LABELS = np.repeat(["a", "b", "c"], [600, 300, 100])


def test_importing_the_sampler_does_not_import_torch():
    code = (
        "import sys; import dataprep.sampling.sampler, dataprep.sampling; "
        "assert 'torch' not in sys.modules, 'torch imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[2])


def test_group_frequencies_over_200k_draws_match_the_weights():
    sampler = AdaptiveSampler(LABELS, weights={"a": 0.2, "b": 0.3, "c": 0.5}, seed=1)
    counts = np.bincount(sampler.group_codes_[sampler.draw(200_000)], minlength=3)
    np.testing.assert_allclose(counts / 200_000, [0.2, 0.3, 0.5], atol=0.005)


def test_temperature_weights_and_floor_reach_the_sampler():
    sampler = AdaptiveSampler(np.repeat([1, 2], [100, 1]), weights="temperature", floor=0.1)
    np.testing.assert_allclose(sampler.weights_, [0.1 + 0.8 * 10 / 11, 0.1 + 0.8 / 11])


def test_batched_and_single_draws_give_the_same_stream():
    one = AdaptiveSampler(LABELS, seed=5)
    two = AdaptiveSampler(LABELS, seed=5)
    singles = [next(iter(one)) for _ in range(700)]
    batched = np.concatenate([two.draw(256), two.draw(256), two.draw(188)])
    assert singles == batched.tolist()


def test_a_group_epoch_serves_each_row_once_then_starts_a_new_permutation():
    sampler = AdaptiveSampler(LABELS, weights={"a": 0, "b": 0, "c": 1}, seed=2)
    first, second = sampler.draw(100), sampler.draw(100)
    assert sorted(first) == sorted(second) == list(range(900, 1000))
    assert first.tolist() != second.tolist()


def test_two_ranks_never_serve_the_same_row_within_a_group_epoch_and_cover_it():
    weights = {"a": 1, "b": 1, "c": 2}
    ranks = [AdaptiveSampler(LABELS, weights=weights, seed=7, rank=r, world_size=2) for r in (0, 1)]
    drawn = [s.draw(800) for s in ranks]
    for group, size in (("b", 300), ("c", 100)):
        first_epochs = []
        for rows in drawn:
            mine = [int(i) for i in rows if LABELS[i] == group][: size // 2]
            assert len(mine) == size // 2 == len(set(mine))
            first_epochs.append(set(mine))
        assert not first_epochs[0] & first_epochs[1]
        assert len(first_epochs[0] | first_epochs[1]) == size


def test_worker_shards_are_disjoint_strides():
    base = AdaptiveSampler(LABELS, seed=3, rank=1, world_size=2)
    shards = [base.shard(w, 3) for w in range(3)]
    streams = [s._streams for s in shards]
    assert [s.consumer for s in streams] == [3, 4, 5] and streams[0].consumers == 6
    union = np.concatenate([s._plan(0) for s in streams])
    assert len(set(union.tolist())) == len(union) == 300


def test_a_group_smaller_than_the_consumers_is_never_drawn_where_it_has_no_share():
    labels = np.array(["big"] * 50 + ["tiny"])
    sampler = AdaptiveSampler(labels, weights="uniform", rank=1, world_size=2)
    assert 50 not in sampler.draw(500).tolist()


@pytest.mark.parametrize(
    ("rule", "params"), [("odm", None), ("doremi", {"reference_losses": {"a": 1, "b": 1, "c": 2}})]
)
def test_resume_mid_epoch_after_updates_equals_the_uninterrupted_stream(rule, params):
    def run(sampler, steps, start=0):
        out = []
        for step in range(start, steps):
            batch = sampler.draw(37)
            out.append(batch)
            groups = LABELS[batch]
            losses = np.where(groups == "b", 3.0, 1.0) + 0.01 * step
            sampler.update(AdaptiveSampler.mean_loss_by_group(groups, losses))
        return out

    make = lambda: AdaptiveSampler(LABELS, rule=rule, rule_params=params, floor=0.02, seed=9)  # noqa: E731
    full = run(make(), 40)
    first = make()
    run(first, 15)
    state = json.loads(json.dumps(first.state_dict()))
    resumed = make()
    resumed.load_state_dict(state)
    rest = run(resumed, 40, start=15)
    np.testing.assert_array_equal(np.concatenate(full[15:]), np.concatenate(rest))
    assert resumed.report() == json.loads(json.dumps(resumed.report()))
    assert len(resumed.weight_history) == 41 and resumed.weight_history[-1]["samples"] == 40 * 37


@pytest.mark.parametrize("rule", ["odm", "doremi"])
def test_floor_holds_after_1000_adversarial_updates(rule):
    params = {"reference_losses": {"a": 0.0, "b": 0.0, "c": 0.0}} if rule == "doremi" else None
    sampler = AdaptiveSampler(LABELS, rule=rule, rule_params=params, floor=0.05)
    rng = np.random.default_rng(0)
    for step in range(1000):
        # all the loss on one group, switching now and then; huge values push exp() hard
        hot = ["a", "b", "c"][(step // 97) % 3]
        sampler.update({hot: 1e3 * rng.random(), "a": 0.0} if hot != "a" else {"a": 1e3})
        assert sampler.weights_.min() >= 0.05 - 1e-12
        assert abs(sampler.weights_.sum() - 1) < 1e-12


def test_updates_move_weight_to_the_high_loss_group_in_the_sampler():
    sampler = AdaptiveSampler(LABELS, weights="uniform", rule="odm")
    for _ in range(300):
        sampler.update({"a": 1.0, "b": 4.0, "c": 1.0})
    weights = sampler.current_weights
    assert weights["b"] > 0.4 and weights["b"] > max(weights["a"], weights["c"]) + 0.1
    assert [h["update"] for h in sampler.report()["history"][:3]] == [0, 1, 2]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"floor": 0.7},
            "The 'floor' parameter of AdaptiveSampler must be in [0, 1/K]. Got 0.7 instead.",
        ),
        ({"weights": "zipf"}, "The 'weights' parameter of AdaptiveSampler must be one of"),
        ({"rank": 2, "world_size": 2}, "The 'rank' parameter of AdaptiveSampler must be below"),
        ({"batch_size": 0}, "The 'batch_size' parameter of AdaptiveSampler must be an int >= 1"),
        ({"weights": "unimax"}, "The 'budget' parameter of AdaptiveSampler is required"),
        (
            {"rule": "doremi", "rule_params": {"reference_losses": {"a": 1.0}}},
            "The 'reference_losses' parameter of doremi must be None or a dict",
        ),
    ],
)
def test_bad_parameters_raise_one_sentence_config_errors(kwargs, message):
    with pytest.raises(ConfigError) as info:
        AdaptiveSampler(LABELS, **kwargs)
    assert str(info.value).startswith(message)


def test_update_errors():
    with pytest.raises(ConfigError, match="needs an online rule"):
        AdaptiveSampler(LABELS).update({"a": 1.0})
    with pytest.raises(ConfigError, match="unknown group 'z'"):
        AdaptiveSampler(LABELS, rule="odm").update({"z": 1.0})


def test_load_state_of_another_consumer_is_refused():
    state = AdaptiveSampler(LABELS, rank=0, world_size=2).state_dict()
    with pytest.raises(ConfigError, match="consumer 0 of 2"):
        AdaptiveSampler(LABELS, rank=1, world_size=2).load_state_dict(state)


def _table(n=3000):
    return pa.table(
        {
            "text": [f"document {i} " * (i % 5 + 1) for i in range(n)],
            "domain": [["web", "code", "books"][i % 3] for i in range(n)],
            "score": np.arange(n, dtype=np.float64),
        }
    )


def test_from_arrow_save_to_disk_folder_gives_the_right_rows(tmp_path):
    datasets = pytest.importorskip("datasets")
    table = _table()
    datasets.Dataset(table).save_to_disk(str(tmp_path / "ds"), max_shard_size="20KB")
    sampler = AdaptiveSampler.from_arrow(tmp_path / "ds", "domain", batch_size=64, seed=4)
    assert len(sampler.rows_.tables) > 1 and sampler.groups_ == ["books", "code", "web"]
    plain = AdaptiveSampler(table.column("domain").to_pylist(), batch_size=64, seed=4)
    for batch in sampler.iter_batches(num_batches=5, columns=["text", "domain", "score"]):
        indices = plain.draw(64)
        assert batch.column("score").to_pylist() == indices.tolist()
        assert batch.column("text").to_pylist() == table.column("text").take(indices).to_pylist()
        assert batch.column("domain").to_pylist() == [table["domain"][i].as_py() for i in indices]


def test_from_arrow_our_writer_output_in_file_format(tmp_path):
    table = _table(500)
    writer = ShardedWriter(
        tmp_path / "data", table.schema, max_shard_bytes=4000, shard_format="file"
    )
    for batch in table.to_batches(max_chunksize=50):
        writer.write(batch)
    writer.close()
    sampler = AdaptiveSampler.from_arrow(tmp_path / "data", "domain", batch_size=32)
    rows = next(sampler.iter_batches(format="pydict"))
    assert set(rows) == {"text", "domain", "score"}
    assert rows["text"] == [table["text"][int(i)].as_py() for i in rows["score"]]


def test_ag_news_groups_by_label():
    records = load_shared("ag_news/ag_news_test.jsonl.gz")
    table = pa.Table.from_pylist(records)
    sampler = AdaptiveSampler.from_arrow(table, "label_name", weights="uniform", batch_size=512)
    assert sampler.sizes_.tolist() == [1900] * 4
    batch = next(sampler.iter_batches(columns=["label_name", "text"]))
    counts = {g: batch.column("label_name").to_pylist().count(g) for g in sampler.groups_}
    assert sum(counts.values()) == 512 and min(counts.values()) > 80
