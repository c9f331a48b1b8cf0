"""``PackedTokenDataset``: the fixed-length token sequences of a ``dataprep tokenize`` output,
in order, for a PyTorch ``DataLoader`` (this module needs torch).

Sequence k of a shard is tokens [k * seq_len, (k + 1) * seq_len) of its .bin; sequences never
cross shards. The output's own ``--seq-len`` gives its sequences (with the padded last one of
each shard); another ``seq_len`` (or an output without one) takes whole windows of each shard's
document tokens, leaving out each shard's remainder. The global stream is shard 0's sequences,
then shard 1's, ...: the input's row order, so a scheduled dataset stays a curriculum.

Ranks and workers, without duplicates: the stream is cut into blocks of ``batch_size``
sequences; rank r takes blocks r, r + world_size, ... (so step s of all ranks together is the
s-th group of ``world_size`` blocks). Within a rank, DataLoader worker w of W takes the rank's
blocks w, w + W, ...; a ``DataLoader(dataset, batch_size=batch_size, num_workers=W)`` collects
each batch from one worker's block and visits the workers in turn, so it yields the rank's
blocks in order. Each yielded item is a 1-D int64 tensor of ``seq_len`` tokens.

Resuming: ``state_dict(consumed)`` records the rank's position (sequences already delivered to
the trainer); ``load_state_dict`` on a new dataset with the same arguments continues from there,
with any number of workers, and the rest of the stream is the uninterrupted one.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from dataprep.errors import ConfigError

try:
    import torch
    from torch.utils.data import IterableDataset, get_worker_info
except ImportError as error:  # pragma: no cover - exercised only without torch
    raise ImportError(
        "PackedTokenDataset needs torch; install it with: pip install torch==2.13.0"
    ) from error


class PackedTokenDataset(IterableDataset):
    """Fixed-length sequences of the ``dataprep tokenize`` output folder ``path``.

    seq_len: tokens per sequence (default None: the output's --seq-len, required when the output
        has none).
    batch_size: sequences per block, the unit split among ranks and workers; give the
        DataLoader the same batch_size (default 1).
    rank, world_size: this process's rank among world_size (default: torch.distributed's when it
        is initialized, else 0 of 1).
    even: serve only as many complete blocks as give every rank the same number (default False:
        every sequence once; ranks may then differ by one block).
    """

    def __init__(
        self,
        path: str | Path,
        seq_len: int | None = None,
        *,
        batch_size: int = 1,
        rank: int | None = None,
        world_size: int | None = None,
        even: bool = False,
    ) -> None:
        super().__init__()
        self.path = Path(path)
        manifest_path = self.path / "manifest.json"
        if not manifest_path.is_file():
            raise ConfigError(f"{self.path}: no manifest.json; pass a `dataprep tokenize` output")
        manifest = json.loads(manifest_path.read_text())
        if manifest.get("command") != "tokenize":
            raise ConfigError(f"{self.path}: not a `dataprep tokenize` output")
        tokens = manifest["tokens"]
        own = tokens.get("seq_len")
        self.seq_len = seq_len or own
        if not self.seq_len:
            raise ConfigError(f"{self.path} was tokenized without a sequence length; pass seq_len")
        self.dtype = np.dtype(tokens["dtype"])
        self.prefixes = [self.path / tokens["folder"] / s["prefix"] for s in tokens["shards"]]
        counts = [
            s["sequences"] if self.seq_len == own else s["tokens"] // self.seq_len
            for s in tokens["shards"]
        ]
        self.starts = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        self.batch_size = batch_size
        self.rank, self.world_size = _rank_world(rank, world_size)
        self.even = even
        self.position = 0  # sequences of this rank's stream delivered before this dataset's start
        self._yielded = 0
        self._maps: dict[int, np.ndarray] = {}

    @property
    def sequences(self) -> int:
        """Sequences served to all ranks together."""
        total = int(self.starts[-1])
        if self.even:
            blocks = total // self.batch_size
            return blocks // self.world_size * self.world_size * self.batch_size
        return total

    def rank_sequences(self) -> int:
        """Sequences of this rank's whole stream (from its start, whatever the position)."""
        total, size = self.sequences, self.batch_size
        blocks = -(-total // size)
        mine = max(0, -(-(blocks - self.rank) // self.world_size))
        count = mine * size
        if blocks and (blocks - 1) % self.world_size == self.rank and total % size:
            count -= size - total % size  # this rank holds the last, partial block
        return count

    def __len__(self) -> int:
        return self.rank_sequences() - self.position

    def global_index(self, i: int) -> int:
        """The global sequence number of this rank's i-th sequence."""
        block, offset = divmod(i, self.batch_size)
        return (block * self.world_size + self.rank) * self.batch_size + offset

    def sequence(self, index: int) -> np.ndarray:
        """Global sequence ``index`` as a NumPy array of the token type."""
        shard = int(np.searchsorted(self.starts, index, side="right")) - 1
        if shard not in self._maps:
            path = self.prefixes[shard].with_suffix(".bin")
            self._maps[shard] = np.memmap(path, dtype=self.dtype, mode="r")
        local = index - int(self.starts[shard])
        return self._maps[shard][local * self.seq_len : (local + 1) * self.seq_len]

    def __iter__(self):
        info = get_worker_info()
        worker, workers = (info.id, info.num_workers) if info is not None else (0, 1)
        size = self.batch_size
        for i in range(self.position, self.rank_sequences()):
            if ((i - self.position) // size) % workers != worker:
                continue
            self._yielded += 1
            tokens = self.sequence(self.global_index(i)).astype(np.int64)
            yield torch.from_numpy(tokens)

    def state_dict(self, consumed: int | None = None) -> dict:
        """The position to resume from. consumed: sequences the trainer received from this
        dataset since its start (or its ``load_state_dict``); default None: the sequences this
        process yielded itself (right with ``num_workers=0`` only)."""
        consumed = self._yielded if consumed is None else consumed
        return {
            "position": self.position + consumed,
            "seq_len": self.seq_len,
            "sequences": self.sequences,
            "batch_size": self.batch_size,
            "rank": self.rank,
            "world_size": self.world_size,
        }

    def load_state_dict(self, state: dict) -> None:
        """Continue from ``state`` (of ``state_dict``), refusing one of another layout."""
        for key in ("seq_len", "sequences", "batch_size", "rank", "world_size"):
            if state[key] != getattr(self, key):
                raise ConfigError(
                    f"cannot resume: the state's {key} is {state[key]!r}, this dataset's is "
                    f"{getattr(self, key)!r}"
                )
        self.position = int(state["position"])
        self._yielded = 0


def _rank_world(rank: int | None, world_size: int | None) -> tuple[int, int]:
    if rank is not None and world_size is not None:
        if not 0 <= rank < world_size:
            raise ConfigError(f"rank must be in [0, {world_size}). Got {rank!r} instead.")
        return rank, world_size
    dist = torch.distributed
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1
