"""Mergeable per-stage statistics: ``a + b`` combines two partial counts (e.g. two workers')."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pyarrow as pa

from dataprep.stage import REJECT_REASON, REJECT_STAGE


@dataclass
class StageStats:
    """rows_in: rows alive when they reached the stage; rows_rejected: rows it rejected;
    reasons: rejections per reason; seconds: time spent in the stage (summed over workers)."""

    name: str
    rows_in: int = 0
    rows_rejected: int = 0
    reasons: Counter = field(default_factory=Counter)
    seconds: float = 0.0

    def __add__(self, other: StageStats) -> StageStats:
        if other.name != self.name:
            raise ValueError(f"cannot add stats of {other.name!r} to {self.name!r}")
        return StageStats(
            self.name,
            self.rows_in + other.rows_in,
            self.rows_rejected + other.rows_rejected,
            self.reasons + other.reasons,
            self.seconds + other.seconds,
        )

    def to_dict(self) -> dict:
        return {
            "rows_in": self.rows_in,
            "rows_rejected": self.rows_rejected,
            "rows_out": self.rows_in - self.rows_rejected,
            "reasons": dict(sorted(self.reasons.items())),
            "seconds": round(self.seconds, 3),
        }

    @classmethod
    def from_dict(cls, name: str, data: dict) -> StageStats:
        return cls(
            name, data["rows_in"], data["rows_rejected"], Counter(data["reasons"]), data["seconds"]
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
