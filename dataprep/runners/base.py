"""What a runner is: the executor of a pipeline's passes, knowing no stage by name.

The pipeline (dataprep.pipeline) owns the loop over passes: for each stage that must see the
whole corpus, one fit pass, then one writing pass. A runner opens a ``Session`` for a run and
executes each pass with the same per-batch work (dataprep.passes.pass_task):

- ``LocalRunner`` (dataprep.runners.local): this machine, a process pool; verdicts of earlier
  stages are cached between passes in a decision log; resumable.
- ``RayRunner`` (dataprep.runners.ray): Ray Data; the transformed blocks are materialized in
  the object store between passes.

A stage whose reduce needs a shuffle to scale out (exact, MinHash and semantic dedup) declares
``fit_shuffled(ops)``, its fit written once against ``ShuffleOps``, the primitives a
distributed runner supplies (map, group by key, join, connected components, collect). Other
stages are fitted from their per-batch states streamed in input order (``Selector.fit``), by
every runner.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pyarrow as pa

from dataprep.io.readers import Corpus
from dataprep.output import OutputFolder
from dataprep.settings import RunSettings
from dataprep.stage import Stage


@dataclass
class Job:
    """One run as a runner sees it.

    stages: the pipeline's stages, bound to the run's context.
    corpus: the input. folder: the output folder being built (its work_dir is the scratch).
    settings: the run settings. schemas: the (kept, rejected) output schemas.
    """

    stages: list[Stage]
    corpus: Corpus
    folder: OutputFolder
    settings: RunSettings
    schemas: tuple[pa.Schema, pa.Schema]


@dataclass
class Written:
    """What a writing pass wrote: shard lists and row counts of OUT/data and OUT/rejected, and
    the run's stats (dataprep.stats.Totals)."""

    kept_shards: list[dict]
    rejected_shards: list[dict]
    rows_kept: int
    rows_rejected: int
    totals: Any


class Session(ABC):
    """A runner's state for one run (a process pool, a Ray connection, cached verdicts)."""

    def restore(self, fit_indices: list[int]) -> int:
        """How many of the fit passes ``fit_indices`` a resumed run already did (their fitted
        stages restored); 0 for a runner that cannot resume."""
        return 0

    @abstractmethod
    def fit(self, index: int) -> None:
        """The fit pass of stage ``index``: the stages before it transform, it fits."""

    @abstractmethod
    def write(self) -> Written:
        """The writing pass: every stage transforms, rows go to OUT/data or OUT/rejected."""

    def close(self) -> None:  # noqa: B027 (optional hook; most sessions hold nothing)
        """Release what the session holds."""


class Runner(ABC):
    """An executor of pipeline passes (see the module docstring)."""

    name: ClassVar[str] = ""
    resumable: ClassVar[bool] = False

    @property
    def processes(self) -> int:
        """Worker processes of this machine the runner uses (for stats.json)."""
        return 1

    def check(self) -> None:  # noqa: B027 (optional hook)
        """Raise ConfigError when the runner cannot run here (e.g. a missing package)."""

    @abstractmethod
    def session(self, job: Job) -> Session:
        """A session for ``job``; the caller closes it."""

    def write_schedule(self, run, corpus: Corpus, tmp_dir):
        """Write the curriculum plan of ``run`` (a dataprep.schedule.run.ScheduleRun) over
        ``corpus`` into ``tmp_dir`` and return its ScheduleResult; None (the default) when
        the runner has no way of its own, and the schedule runs in this process."""
        return None


class ShuffleOps(ABC):
    """Primitives for a stage's shuffled fit (``fit_shuffled``), bound to the transformed data
    of its fit pass. Datasets are opaque handles of Arrow tables; functions given to ``map`` and
    ``group`` are pure (table -> table) and must be picklable (module-level)."""

    partitions: int  # how many groups a shuffle makes

    @abstractmethod
    def rows(self, function, *args):
        """``function(batch, *args) -> table`` on the alive rows of every block."""

    @abstractmethod
    def map(self, data, function, *args):
        """``function(table, *args) -> table`` on every block of ``data``."""

    @abstractmethod
    def group(self, data, function, *args):
        """``function(table, *args) -> table`` on whole groups: the rows of ``data`` with the
        same int64 ``part`` column (see ``partition_of``) meet in one call."""

    @abstractmethod
    def join(self, left, key: str, right, right_key: str, columns: dict[str, str]):
        """Inner join: each row of ``left`` gets ``columns`` ({name in right: new name}) of the
        row of ``right`` whose ``right_key`` equals its ``key`` (right keys are unique)."""

    @abstractmethod
    def components(self, edges):
        """Star edges (u: node, v: smallest node of its component) of the graph of ``edges``
        (int64 u, v); isolated nodes do not appear."""

    @abstractmethod
    def collect(self, data, columns: list[str]) -> dict[str, np.ndarray]:
        """``columns`` of a small dataset as numpy arrays, in dataset order."""

    @abstractmethod
    def materialize(self, data):
        """``data`` computed once and kept (reused by several later steps)."""

    @abstractmethod
    def count(self, data) -> int:
        """Rows of ``data``."""

    @abstractmethod
    def select_rows(self, data, column: str, values: np.ndarray):
        """The rows of ``data`` whose ``column`` is in ``values``."""


def fixed_lists(matrix: np.ndarray, value_type: pa.DataType) -> pa.FixedSizeListArray:
    """The rows of a 2-D ``matrix`` as a fixed-size list column (how datasets hold vectors,
    signatures and band keys)."""
    matrix = np.ascontiguousarray(matrix)
    width = matrix.shape[1] if matrix.ndim == 2 else 0
    return pa.FixedSizeListArray.from_arrays(pa.array(matrix.reshape(-1), value_type), width)


def vector_lists(matrix: np.ndarray) -> pa.ListArray:
    """The rows of a 2-D float32 ``matrix`` as a list<float> column: unlike a fixed-size list,
    a block with no rows (whose width is unknown) has the same type as the others."""
    matrix = np.ascontiguousarray(matrix, np.float32)
    offsets = np.arange(len(matrix) + 1, dtype=np.int32) * (matrix.shape[1] if len(matrix) else 0)
    return pa.ListArray.from_arrays(pa.array(offsets), pa.array(matrix.reshape(-1)))


def list_matrix(column, dtype=None) -> np.ndarray:
    """A list column of equal-length lists (fixed-size or not; chunked or not) as a 2-D numpy
    matrix, one row per list (cast to ``dtype`` when given)."""
    column = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    values = column.flatten().to_numpy(zero_copy_only=False)
    if dtype is not None:
        values = values.astype(dtype, copy=False)
    if pa.types.is_fixed_size_list(column.type):
        return values.reshape(-1, column.type.list_size)
    return values.reshape(len(column), -1) if len(column) else values.reshape(0, 0)


_MIX = np.uint64(0x9E3779B97F4A7C15)


def partition_of(keys: np.ndarray, partitions: int) -> np.ndarray:
    """Partition (int64 in [0, partitions)) of each integer key, after a multiplicative mix."""
    mixed = np.asarray(keys).astype(np.uint64) * _MIX
    return ((mixed >> np.uint64(17)) % np.uint64(partitions)).astype(np.int64)
