"""Mergeable per-stage statistics: ``a + b`` combines two partial counts (e.g. two workers')."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from dataprep.io.bad_input import INPUT_STAGE
from dataprep.stage import REJECT_REASON, REJECT_STAGE, Modifier, Scorer


@dataclass
class StageStats:
    """rows_in: rows alive when they reached the stage; rows_rejected: rows it rejected;
    reasons: rejections per reason; seconds: time spent in the stage (summed over workers);
    score: a scorer's summary (else None); modified: a modifier's totals, ``rows_changed``,
    ``lines_removed`` and ``chars_removed`` (else None)."""

    name: str
    rows_in: int = 0
    rows_rejected: int = 0
    reasons: Counter = field(default_factory=Counter)
    seconds: float = 0.0
    score: dict | None = None  # summary of a scorer's column over all rows
    modified: Counter | None = None

    def __add__(self, other: StageStats) -> StageStats:
        if other.name != self.name:
            raise ValueError(f"cannot add stats of {other.name!r} to {self.name!r}")
        return StageStats(
            self.name,
            self.rows_in + other.rows_in,
            self.rows_rejected + other.rows_rejected,
            self.reasons + other.reasons,
            self.seconds + other.seconds,
            self.score or other.score,
            _add_counts(self.modified, other.modified),
        )

    def to_dict(self) -> dict:
        return {
            "rows_in": self.rows_in,
            "rows_rejected": self.rows_rejected,
            "rows_out": self.rows_in - self.rows_rejected,
            "reasons": dict(sorted(self.reasons.items())),
            "seconds": round(self.seconds, 3),
            **({"score": self.score} if self.score is not None else {}),
            **({"modified": dict(self.modified)} if self.modified is not None else {}),
        }

    @classmethod
    def from_dict(cls, name: str, data: dict) -> StageStats:
        return cls(
            name,
            data["rows_in"],
            data["rows_rejected"],
            Counter(data["reasons"]),
            data["seconds"],
            data.get("score"),
            Counter(data["modified"]) if "modified" in data else None,
        )


def _add_counts(first: Counter | None, second: Counter | None) -> Counter | None:
    if first is None or second is None:
        return first if second is None else second
    # Counter's + drops zero counts; update keeps every key
    total = Counter(first)
    total.update(second)
    return total


def modified_counts(batch: pa.RecordBatch, stage: Modifier) -> Counter:
    """A modifier's totals over one transformed batch (rows it did not see count nothing)."""
    lines = batch.column(stage.lines_column).to_numpy(zero_copy_only=False)
    chars = batch.column(stage.chars_column).to_numpy(zero_copy_only=False)
    lines, chars = np.nan_to_num(lines), np.nan_to_num(chars)
    return Counter(
        rows_changed=int(((lines > 0) | (chars > 0)).sum()),
        lines_removed=int(lines.sum()),
        chars_removed=int(chars.sum()),
    )


def batch_stage_stats(batch: pa.RecordBatch, stage_names: list[str]) -> list[StageStats]:
    """Stats for one transformed batch: rows reaching each stage and its rejections."""
    stages = batch.column(REJECT_STAGE).to_pylist()
    reasons = batch.column(REJECT_REASON).to_pylist()
    by_stage: dict[str, Counter] = {name: Counter() for name in stage_names}
    for stage, reason in zip(stages, reasons, strict=True):
        if stage is not None:
            by_stage[stage][reason] += 1
    alive = batch.num_rows
    result = []
    for name in stage_names:
        rejected = sum(by_stage[name].values())
        result.append(StageStats(name, alive, rejected, by_stage[name]))
        alive -= rejected
    return result


class ValueSample:
    """A deterministic, bounded sample of a numeric stream: every value while there are at most
    ``capacity``, then every 2nd, 4th, ... value (the stride doubles whenever the sample fills).
    Quantiles and ranks from it are exact up to ``capacity`` values (default 1,048,576, 8 MiB)
    and close to exact beyond. NaN values are counted apart and not sampled."""

    def __init__(self, capacity: int = 1 << 20) -> None:
        self.capacity = capacity
        self.stride = 1
        self.seen = 0  # finite values seen
        self.missing = 0
        self.total = 0.0
        self.low = np.inf
        self.high = -np.inf
        self._parts: list[np.ndarray] = []
        self._size = 0

    def add(self, values: np.ndarray) -> None:
        values = np.asarray(values, dtype=np.float64)
        finite = values[np.isfinite(values)]
        self.missing += len(values) - len(finite)
        if len(finite) == 0:
            return
        self.total += float(finite.sum())
        self.low = min(self.low, float(finite.min()))
        self.high = max(self.high, float(finite.max()))
        # Keep the values whose position in the finite stream is a multiple of the stride.
        first = (-self.seen) % self.stride
        self._parts.append(finite[first :: self.stride])
        self._size += len(self._parts[-1])
        self.seen += len(finite)
        while self._size > self.capacity:
            kept = self.values()
            self.stride *= 2
            self._parts = [kept[::2]]
            self._size = len(self._parts[0])

    def values(self) -> np.ndarray:
        """The sampled values, in stream order."""
        if len(self._parts) != 1:
            self._parts = [np.concatenate(self._parts) if self._parts else np.empty(0)]
        return self._parts[0]

    def summary(self, bins: int = 20) -> dict:
        """count, missing, mean, min, max, quantiles and a histogram, for stats.json."""
        result: dict = {"count": self.seen, "missing": self.missing}
        if self.seen == 0:
            return result
        sample = self.values()
        levels = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99]
        counts, edges = np.histogram(sample, bins=bins, range=(self.low, self.high))
        result.update(
            mean=self.total / self.seen,
            min=self.low,
            max=self.high,
            quantiles={
                f"p{round(q * 100)}": float(v)
                for q, v in zip(levels, np.quantile(sample, levels), strict=True)
            },
            histogram={"edges": edges.tolist(), "counts": (counts * self.stride).tolist()},
        )
        return result


class Totals:
    """Running stats of the writing pass: rows in, per-stage stats, scorer samples. Pickled
    into every part checkpoint of a local run (the state at the start of the batch being
    written).

    stages: the pipeline's stages; seconds: time each already spent (in the fit passes);
    with_input: the first entry counts bad input records ('input', reject mode only).
    """

    def __init__(self, stages, seconds: list[float], with_input: bool) -> None:
        self.rows_in = 0
        self.offset = 1 if with_input else 0
        self.names = [INPUT_STAGE] * self.offset + [stage.name for stage in stages]
        seconds = [0.0] * self.offset + list(seconds)
        self.stats = [StageStats(n, seconds=s) for n, s in zip(self.names, seconds, strict=True)]
        self.samples = {
            i + self.offset: (s.score_column, ValueSample())
            for i, s in enumerate(stages)
            if isinstance(s, Scorer)
        }
        self.modifiers = {
            i + self.offset: s for i, s in enumerate(stages) if isinstance(s, Modifier)
        }

    def add(self, batch: pa.RecordBatch, task_seconds: list[float]) -> None:
        """Add one transformed batch and the seconds each stage spent on it."""
        self.add_parts(
            batch.num_rows, self.batch_stats(batch, task_seconds), self.batch_scores(batch)
        )

    def batch_stats(
        self, batch: pa.RecordBatch, task_seconds: list[float] | None = None
    ) -> list[StageStats]:
        """Per-stage stats of one transformed batch (for ``add_parts``); ``task_seconds``: the
        seconds each stage spent on it (default None: timed elsewhere)."""
        stats = batch_stage_stats(batch, self.names)
        if task_seconds is not None:
            for stage_stats, seconds in zip(stats[self.offset :], task_seconds, strict=True):
                stage_stats.seconds = seconds
        for i, stage in self.modifiers.items():
            stats[i].modified = modified_counts(batch, stage)
        return stats

    def batch_scores(self, batch: pa.RecordBatch) -> dict[str, np.ndarray]:
        """The score columns of a transformed batch, for ``add_parts``."""
        return {
            column: batch.column(column).to_numpy(zero_copy_only=False)
            for column, _ in self.samples.values()
        }

    def add_parts(self, rows: int, stats: list[StageStats], scores: dict[str, np.ndarray]):
        """Add one batch's row count, per-stage stats and score columns (computed elsewhere,
        e.g. in a Ray worker), in input order."""
        self.rows_in += rows
        for i, stage_stats in enumerate(stats):
            self.stats[i] = self.stats[i] + stage_stats
        for column, sample in self.samples.values():
            sample.add(scores[column])

    def finish(self) -> tuple[StageStats | None, list[StageStats]]:
        """(bad input stats or None, per-stage stats), with the score summaries."""
        for i, (_, sample) in self.samples.items():
            self.stats[i].score = sample.summary()
        if self.offset:
            return self.stats[0], self.stats[1:]
        return None, self.stats
