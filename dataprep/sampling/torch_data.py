"""PyTorch glue for the adaptive sampler (this module needs torch; the sampler does not).

Two ways to feed a trainer:

``AdaptiveBatchSampler`` (map-style, recommended): a ``torch.utils.data.Sampler`` of index lists
that runs in the main process, used as ``DataLoader(dataset, batch_sampler=...)``. Updates act on
the one sampler directly, so the stream is deterministic with any ``num_workers``: the DataLoader
asks for ``prefetch_factor * num_workers`` batches ahead (0 without workers), so an ``update``
after the trainer received batch k first affects batch k + prefetch_factor * num_workers + 1.
``state_dict(consumed_batches=k)`` keeps the batches drawn but not yet consumed and replays them
first after ``load_state_dict``: the resumed stream equals the uninterrupted one exactly.

``AdaptiveIterableDataset``: a ``torch.utils.data.IterableDataset`` that yields whole batches of
rows (use ``DataLoader(dataset, batch_size=None, num_workers=...)``). Each DataLoader worker on
each rank is its own consumer (``AdaptiveSampler.shard``), so no row is served twice within a
group epoch. ``update()`` runs the rule in the main process and writes the new weights to a
shared-memory tensor created before the workers start; a worker reads it before each batch. The
weights therefore reach the workers with a lag of the batches already prefetched (up to
``prefetch_factor * num_workers``), and with an online rule and ``num_workers > 0`` the exact
group choices depend on that timing. ``state_dict()`` resumes exactly only with
``num_workers=0``; with workers the worker streams live in the worker processes and are lost, and a
resumed run should use a new ``seed`` so that the workers do not replay the same streams.
"""

from __future__ import annotations

import copy
from collections import deque
from collections.abc import Iterator, Mapping

import numpy as np

from dataprep.errors import ConfigError
from dataprep.sampling.sampler import AdaptiveSampler

try:
    import torch
    from torch.utils.data import IterableDataset, Sampler, get_worker_info
except ImportError as error:  # pragma: no cover - exercised only without torch
    raise ImportError(
        "dataprep's DataLoader glue needs torch; install it with: pip install torch==2.13.0"
    ) from error


def _rank_world(rank: int | None, world_size: int | None, sampler: AdaptiveSampler):
    if rank is not None and world_size is not None:
        return rank, world_size
    dist = torch.distributed
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return sampler.rank, sampler.world_size


class AdaptiveIterableDataset(IterableDataset):
    """Batches of rows drawn by an ``AdaptiveSampler``, one consumer per worker and rank.

    Parameters:
        sampler: the AdaptiveSampler (its weights, rule and seed are used; call ``update`` on
            this dataset so that workers see the new weights).
        source: a pyarrow Table or dataset folder; default: the rows of a sampler made with
            ``AdaptiveSampler.from_arrow``. A folder is reopened (memory-mapped) in each worker.
        columns: columns to yield (default all).
        format: 'pydict' (dict of lists, default) or 'arrow' (pyarrow RecordBatch).
        num_batches: batches per consumer; None (default) is endless.
        rank, world_size: explicit distributed position; default torch.distributed when
            initialized, else the sampler's.
    """

    def __init__(
        self,
        sampler: AdaptiveSampler,
        source=None,
        *,
        columns: list[str] | None = None,
        format: str = "pydict",
        num_batches: int | None = None,
        rank: int | None = None,
        world_size: int | None = None,
    ) -> None:
        if format not in ("pydict", "arrow"):
            raise ConfigError(
                f"The 'format' parameter of AdaptiveIterableDataset must be 'pydict' or 'arrow'. "
                f"Got {format!r} instead."
            )
        if source is None and sampler.rows_ is None:
            raise ConfigError(
                "AdaptiveIterableDataset needs a source, or a sampler built with from_arrow."
            )
        self.sampler = sampler
        self.source = source
        self.columns = columns
        self.format = format
        self.num_batches = num_batches
        self.rank = rank
        self.world_size = world_size
        self._rows = None
        self._shared = torch.zeros(len(sampler.groups_) + 1, dtype=torch.float64).share_memory_()
        self._publish()

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        sampler = copy.copy(self.sampler)
        if self.source is None and sampler.rows_ is not None and sampler.rows_.paths:
            sampler.rows_ = None  # reopened from the paths in the worker
            state["source"] = self.sampler.rows_.paths
        state["sampler"] = sampler
        state["_rows"] = None
        return state

    def _publish(self) -> None:
        self._shared[1:] = torch.from_numpy(np.asarray(self.sampler._policy))
        self._shared[0] += 1

    def update(self, losses_by_group: Mapping) -> dict:
        """Run the online rule in this (main) process and publish the weights to the workers."""
        weights = self.sampler.update(losses_by_group)
        self._publish()
        return weights

    def update_excess(
        self, groups, losses, reference_losses, token_mask=None, *, token_counts=None
    ) -> dict:
        """DoReMi's per-token update (AdaptiveSampler.update_excess) in this (main) process,
        then publish the weights to the workers."""
        weights = self.sampler.update_excess(
            groups, losses, reference_losses, token_mask, token_counts=token_counts
        )
        self._publish()
        return weights

    def _open_rows(self):
        from dataprep.sampling.arrow_rows import open_arrow, open_arrow_files

        if self._rows is None:
            if self.source is None:
                self._rows = self.sampler.rows_
            elif isinstance(self.source, list):
                self._rows = open_arrow_files(self.source)
            else:
                self._rows = open_arrow(self.source)
        return self._rows

    def __iter__(self) -> Iterator:
        info = get_worker_info()
        worker, workers = (info.id, info.num_workers) if info is not None else (0, 1)
        rank, world = _rank_world(self.rank, self.world_size, self.sampler)
        main = info is None and (rank, world) == (self.sampler.rank, self.sampler.world_size)
        consumer = (
            self.sampler
            if main
            else self.sampler.shard(worker, workers, rank=rank, world_size=world)
        )
        rows = self._open_rows()
        version = float(self._shared[0])
        done = 0
        while self.num_batches is None or done < self.num_batches:
            if not main and float(self._shared[0]) != version:
                version = float(self._shared[0])
                consumer.set_weights(self._shared[1:].numpy().copy())
            batch = rows.take(consumer.draw(consumer.batch_size), self.columns)
            yield batch.to_pydict() if self.format == "pydict" else batch
            done += 1

    def state_dict(self) -> dict:
        """The sampler's state. It resumes exactly only when the dataset was iterated in the main
        process (num_workers=0): with workers the streams live in the worker processes."""
        return self.sampler.state_dict()

    def load_state_dict(self, state: Mapping) -> None:
        self.sampler.load_state_dict(state)
        self._publish()


class AdaptiveBatchSampler(Sampler):
    """Lists of row indices (``batch_size`` each) for ``DataLoader(dataset, batch_sampler=...)``.

    Parameters:
        sampler: the AdaptiveSampler; call ``update`` on it or on this object.
        num_batches: batches to yield; None (default) is endless.
        keep: how many recent batches to remember for ``state_dict(consumed_batches=...)``
            (default 4096; must exceed prefetch_factor * num_workers).
    """

    def __init__(
        self, sampler: AdaptiveSampler, *, num_batches: int | None = None, keep: int = 4096
    ) -> None:
        self.sampler = sampler
        self.num_batches = num_batches
        self.keep = keep
        self._recent: deque = deque(maxlen=keep)
        self._pending: deque = deque()
        self._yielded = 0

    def __len__(self) -> int:
        if self.num_batches is None:
            raise TypeError("an endless AdaptiveBatchSampler has no length")
        return self.num_batches

    def __iter__(self) -> Iterator[list[int]]:
        while self.num_batches is None or self._yielded < self.num_batches:
            if self._pending:
                batch = self._pending.popleft()
            else:
                batch = self.sampler.draw(self.sampler.batch_size).tolist()
            self._yielded += 1
            self._recent.append(batch)
            yield batch

    def update(self, losses_by_group: Mapping) -> dict:
        return self.sampler.update(losses_by_group)

    def update_excess(
        self, groups, losses, reference_losses, token_mask=None, *, token_counts=None
    ) -> dict:
        """DoReMi's per-token update: AdaptiveSampler.update_excess."""
        return self.sampler.update_excess(
            groups, losses, reference_losses, token_mask, token_counts=token_counts
        )

    def state_dict(self, consumed_batches: int | None = None) -> dict:
        """State to resume after the trainer received ``consumed_batches`` batches from this
        sampler (default: all yielded, right for num_workers=0). JSON-serializable."""
        consumed = self._yielded if consumed_batches is None else consumed_batches
        ahead = self._yielded - consumed
        if not 0 <= ahead <= len(self._recent):
            raise ConfigError(
                f"consumed_batches must be in [{self._yielded - len(self._recent)}, "
                f"{self._yielded}]. Got {consumed_batches!r} instead."
            )
        pending = list(self._recent)[len(self._recent) - ahead :] + list(self._pending)
        return {"sampler": self.sampler.state_dict(), "pending": pending, "yielded": consumed}

    def load_state_dict(self, state: Mapping) -> None:
        self.sampler.load_state_dict(state["sampler"])
        self._pending = deque(list(p) for p in state["pending"])
        self._recent = deque(maxlen=self.keep)
        self._yielded = int(state["yielded"])
