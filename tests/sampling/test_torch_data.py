"""DataLoader glue: workers never duplicate, weights reach workers, exact resume."""

import json

import numpy as np
import pyarrow as pa
import pytest

torch = pytest.importorskip("torch")

from torch.utils.data import DataLoader  # noqa: E402

from dataprep.sampling.sampler import AdaptiveSampler  # noqa: E402
from dataprep.sampling.torch_data import AdaptiveBatchSampler, AdaptiveIterableDataset  # noqa: E402

N = 400
GROUPS = ["web", "code", "books", "news"]


def _table() -> pa.Table:
    return pa.table(
        {
            "row": np.arange(N),
            "text": [f"t{i}" for i in range(N)],
            "g": [GROUPS[i % 4] for i in range(N)],
        }
    )


def _sampler(**kw) -> AdaptiveSampler:
    return AdaptiveSampler.from_arrow(_table(), "g", batch_size=20, seed=11, **kw)


def test_two_workers_never_duplicate_a_row_within_a_group_epoch_and_cover_it():
    dataset = AdaptiveIterableDataset(
        _sampler(weights="uniform"), num_batches=20, columns=["row", "g"]
    )
    loader = DataLoader(dataset, batch_size=None, num_workers=2)
    per_worker = {0: [], 1: []}
    for i, batch in enumerate(loader):  # in-order loading: batch i comes from worker i % 2
        per_worker[i % 2].extend(zip(batch["row"], batch["g"], strict=True))
    for group in GROUPS:
        share = (N // 4) // 2
        epochs = []
        for worker in (0, 1):
            rows = [r for r, g in per_worker[worker] if g == group][:share]
            assert len(rows) == share == len(set(rows))
            epochs.append(set(rows))
        assert not epochs[0] & epochs[1]
        assert epochs[0] | epochs[1] == {r for r in range(N) if GROUPS[r % 4] == group}


def test_weights_updated_in_the_main_process_reach_the_workers():
    sampler = _sampler(
        weights="uniform",
        rule="doremi",
        rule_params={"reference_losses": dict.fromkeys(GROUPS, 0.0)},
    )
    dataset = AdaptiveIterableDataset(sampler, columns=["g"], format="arrow", num_batches=30)
    loader = DataLoader(dataset, batch_size=None, num_workers=2, prefetch_factor=2)
    shares = []
    for i, batch in enumerate(loader):
        if i == 5:
            dataset.update({"news": 50.0})  # one step puts ~all the weight on news
        shares.append(batch.column("g").to_pylist().count("news") / batch.num_rows)
    assert np.mean(shares[:5]) < 0.5
    assert min(shares[5 + 2 * 2 + 2 :]) > 0.9  # after the prefetched batches


def test_iterable_dataset_without_workers_resumes_exactly():
    def make():
        return AdaptiveIterableDataset(_sampler(rule="odm"), columns=["row"])

    full, first = make(), make()
    stream = iter(full)
    expected = []
    for step in range(10):
        expected.append(next(stream)["row"])
        full.update({"web": 1.0 + step, "code": 2.0})
    part = iter(first)
    for step in range(4):
        next(part)
        first.update({"web": 1.0 + step, "code": 2.0})
    resumed = make()
    resumed.load_state_dict(json.loads(json.dumps(first.state_dict())))
    again = iter(resumed)
    got = []
    for step in range(4, 10):
        got.append(next(again)["row"])
        resumed.update({"web": 1.0 + step, "code": 2.0})
    assert got == expected[4:]


class _Rows(torch.utils.data.Dataset):
    def __len__(self):
        return N

    def __getitem__(self, i):
        return i


def _run(batch_sampler, steps, start=0, stop_after=None):
    loader = DataLoader(_Rows(), batch_sampler=batch_sampler, num_workers=2, prefetch_factor=2)
    out = []
    for step, batch in enumerate(loader, start=start):
        out.append(batch.tolist())
        losses = {GROUPS[int(i) % 4]: float(int(i) % 7) + step for i in batch}
        batch_sampler.update(losses)
        if stop_after is not None and len(out) == stop_after:
            break
        if step + 1 == steps:
            break
    return out


def test_batch_sampler_with_workers_resumes_exactly_after_updates():
    full = _run(AdaptiveBatchSampler(_sampler(rule="odm", floor=0.01)), 20)
    first = AdaptiveBatchSampler(_sampler(rule="odm", floor=0.01))
    head = _run(first, 20, stop_after=8)
    assert head == full[:8]
    state = json.loads(json.dumps(first.state_dict(consumed_batches=8)))
    assert len(state["pending"]) == 2 * 2  # prefetch_factor * num_workers drawn ahead
    resumed = AdaptiveBatchSampler(_sampler(rule="odm", floor=0.01))
    resumed.load_state_dict(state)
    assert _run(resumed, 20, start=8) == full[8:]


def test_batch_sampler_length_and_bad_consumed():
    batch_sampler = AdaptiveBatchSampler(_sampler(), num_batches=3)
    assert len(batch_sampler) == 3 and len(list(batch_sampler)) == 3
    with pytest.raises(Exception, match="consumed_batches must be in"):
        batch_sampler.state_dict(consumed_batches=7)


def test_per_token_doremi_updates_reach_the_workers_and_the_batch_sampler():
    # Excess 50 nats per token on 'news' only: one exponentiated-gradient step puts almost all
    # the weight there (exp(50) against exp(0)), for the iterable dataset's workers and for the
    # map-style batch sampler alike.
    losses = np.full((4, 3), 50.0)
    reference = np.zeros((4, 3))
    mask = np.array([[1, 1, 0]] * 4)
    groups = ["news", "news", "news", "news"]
    dataset = AdaptiveIterableDataset(
        _sampler(weights="uniform", rule="doremi"), columns=["g"], format="arrow", num_batches=30
    )
    loader = DataLoader(dataset, batch_size=None, num_workers=2, prefetch_factor=2)
    shares = []
    for i, batch in enumerate(loader):
        if i == 5:
            weights = dataset.update_excess(groups, losses, reference, mask)
            assert weights["news"] > 0.99
        shares.append(batch.column("g").to_pylist().count("news") / batch.num_rows)
    assert np.mean(shares[:5]) < 0.5
    assert min(shares[5 + 2 * 2 + 2 :]) > 0.9
    batches = AdaptiveBatchSampler(_sampler(weights="uniform", rule="doremi"), num_batches=3)
    weights = batches.update_excess(groups, losses[:, 0], reference[:, 0], token_counts=[2] * 4)
    assert weights["news"] > 0.99
    assert batches.sampler.current_weights == weights
