"""What a schedule run reports: schedule.json (the plan) and stats.json (how rows were served).

The plan's rows are added chunk by chunk; the report keeps one serve count per row (4 bytes)
and fixed-size per-window sums, never the plan itself.
"""

from __future__ import annotations

import numpy as np

from dataprep.schedule.curriculum import PACED, Curriculum, DifficultyOrder

CURVE_WINDOWS = 200  # points of the difficulty-vs-step curve
MAX_STEP_VALUES = 100_000  # competence values listed per step; strided beyond
MAX_PHASES = 1_000  # runs of equal eligibility listed; ramp/full summary beyond
SERVED_HISTOGRAM_MAX = 10  # serve counts listed one by one, the rest as "10+"


class PlanReport:
    """Accumulates the served rows of a plan of ``steps`` steps.

    values: the scheduled rows' difficulties (by row number); difficulty: their order and
    buckets.
    """

    def __init__(
        self,
        curriculum: Curriculum,
        difficulty: DifficultyOrder,
        values: np.ndarray,
        steps: int,
    ) -> None:
        self.curriculum = curriculum
        self.difficulty = difficulty
        self.values = values
        self.steps = steps
        self.windows = min(steps, CURVE_WINDOWS)
        buckets = curriculum.num_buckets
        self.served = np.zeros(len(values), dtype=np.int32)
        self._difficulty_sum = np.zeros(self.windows)
        self._samples = np.zeros(self.windows, dtype=np.int64)
        self._bucket_mix = np.zeros((self.windows, buckets), dtype=np.int64)

    def add(self, rows: np.ndarray, steps: np.ndarray) -> None:
        """Count one drawn chunk: ``rows[i]`` was served at ``steps[i]``."""
        np.add.at(self.served, rows, 1)
        window = steps * self.windows // self.steps
        self._difficulty_sum += np.bincount(
            window, weights=self.values[rows], minlength=self.windows
        )
        self._samples += np.bincount(window, minlength=self.windows)
        buckets = self.curriculum.num_buckets
        cell = window * buckets + self.difficulty.bucket[rows]
        self._bucket_mix += np.bincount(cell, minlength=self.windows * buckets).reshape(
            self.windows, buckets
        )

    def _competence(self) -> np.ndarray:
        return self.curriculum.competence(np.arange(self.steps), self.steps)

    def _eligible(self, competence: np.ndarray) -> np.ndarray:
        if self.curriculum.pacing not in PACED:
            return np.full(self.steps, len(self.values), dtype=np.int64)
        by_cdf = self.curriculum.pacing != "exponential"
        return self.difficulty.eligible_count(competence, by_cdf)

    def _phases(self, competence: np.ndarray, eligible: np.ndarray) -> list[dict]:
        """Runs of steps with the same eligible rows (summarized as ramp and full when long)."""
        starts = np.concatenate([[0], np.flatnonzero(np.diff(eligible)) + 1])
        if len(starts) > MAX_PHASES:
            full = _first_full_step(eligible, len(self.values))
            starts = np.array([0] if full in (None, 0) else [0, full])
        return [
            {
                "first_step": int(start),
                "competence": round(float(competence[start]), 6),
                "eligible_rows": int(eligible[start]),
            }
            for start in starts
        ]

    def _buckets(self) -> list[dict]:
        buckets = []
        for bucket in range(self.curriculum.num_buckets):
            members = self.values[self.difficulty.bucket == bucket]
            entry = {"bucket": bucket, "rows": len(members)}
            if len(members):
                entry.update(min=float(members.min()), max=float(members.max()))
            buckets.append(entry)
        return buckets

    def schedule_json(self) -> dict:
        """The plan: parameters, bucket edges, phases, competence per step, and the curve."""
        curriculum = self.curriculum
        competence = self._competence()
        eligible = self._eligible(competence)
        stride = -(-self.steps // MAX_STEP_VALUES)
        samples = np.maximum(self._samples, 1)
        window_steps = np.arange(self.windows) * self.steps // self.windows
        return {
            "pacing": curriculum.pacing,
            "params": curriculum.get_params(),
            "rows": len(self.values),
            "samples": int(self._samples.sum()),
            "steps": self.steps,
            "batch_size": curriculum.batch_size,
            "ramp_steps": curriculum.ramp_length(self.steps) if curriculum.pacing in PACED else 0,
            "full_competence_step": _first_full_step(eligible, len(self.values)),
            "buckets": self._buckets(),
            "phases": self._phases(competence, eligible),
            "competence": {
                "stride": stride,
                "values": [round(float(v), 6) for v in competence[::stride]],
            },
            "curve": {
                "first_step": window_steps.tolist(),
                "mean_difficulty": (self._difficulty_sum / samples).round(6).tolist(),
                "bucket_mix": self._bucket_mix.tolist(),
            },
        }

    def warnings(self) -> list[str]:
        """What the user should know about the plan (a stats.json ``warnings`` entry and a
        ``warning:`` line each): a baby_steps plan with fewer phases than buckets."""
        message = baby_steps_warning(self.curriculum, self.difficulty, self.steps)
        return [message] if message else []

    def stats_json(self, rows_in: int, rows_rejected: int, reasons: dict[str, int]) -> dict:
        """Counts, rejections by reason, how often rows were served (the plan repeats rows
        when it is longer than the data, and pacing serves easy rows more often) and the
        ``warnings`` (only when there are any)."""
        counts = np.bincount(self.served)
        warnings = self.warnings()
        histogram = {str(k): int(counts[k]) for k in range(min(len(counts), SERVED_HISTOGRAM_MAX))}
        if len(counts) > SERVED_HISTOGRAM_MAX:
            histogram[f"{SERVED_HISTOGRAM_MAX}+"] = int(counts[SERVED_HISTOGRAM_MAX:].sum())
        return {
            "rows_in": rows_in,
            "rows_scheduled": len(self.values),
            "rows_rejected": rows_rejected,
            "reasons": dict(sorted(reasons.items())),
            "samples": int(self._samples.sum()),
            "steps": self.steps,
            "served": {
                "rows_never": int(counts[0]) if len(counts) else 0,
                "rows_repeated": int((self.served > 1).sum()),
                "max": int(self.served.max(initial=0)),
                "mean": round(float(self.served.mean()) if len(self.served) else 0.0, 6),
                "histogram": histogram,
            },
            **({"warnings": warnings} if warnings else {}),
        }


def _steps(count: int) -> str:
    return f"{count:,} step" + ("" if count == 1 else "s")


def baby_steps_warning(curriculum: Curriculum, difficulty: DifficultyOrder, steps: int):
    """Why a baby_steps plan of ``steps`` steps unlocks its rows in fewer phases than
    ``num_buckets`` (one sentence), or None when it has one phase per bucket (or another
    pacing). A phase is a run of steps with the same eligible rows. The causes: a ramp too
    short to give each phase a step, a plan that ends before its ramp does, and empty
    buckets (fewer rows than buckets, or ties: rows of equal difficulty share a bucket)."""
    if curriculum.pacing != "baby_steps":
        return None
    buckets = curriculum.num_buckets
    ramp = curriculum.ramp_length(steps)
    # The first step of each phase k < num_buckets, ceil(k * ramp / num_buckets): every step's
    # phase is the phase of one of these (several coincide when the ramp is short).
    firsts = np.unique((np.arange(buckets, dtype=np.int64) * ramp + buckets - 1) // buckets)
    competence = curriculum.competence(firsts, steps)
    reached = competence[firsts < steps]
    phases = len(np.unique(difficulty.eligible_count(reached, by_cdf=True)))
    if phases >= buckets:
        return None
    reasons = []
    ramp_phases = len(np.unique(competence))
    if ramp_phases < buckets:
        samples, _ = curriculum.plan_size(len(difficulty.order))
        reasons.append(
            f"its ramp of {_steps(ramp)} leaves no step to {buckets - ramp_phases} of the "
            f"{buckets} phases (the plan: {samples:,} samples in {_steps(steps)} of batch_size "
            f"{curriculum.batch_size}; lengthen the plan or its ramp, or lower batch_size)"
        )
    if len(np.unique(reached)) < ramp_phases:
        reasons.append(
            f"the plan ends after {_steps(steps)}, before its ramp of {_steps(ramp)} does "
            "(raise epochs or total_samples, or lower ramp_steps)"
        )
    filled = len(np.unique(difficulty.bucket))
    if filled < buckets:
        reasons.append(
            f"only {filled} of the {buckets} buckets hold rows ({len(difficulty.order):,} rows; "
            "rows of equal difficulty share a bucket; lower num_buckets)"
        )
    return (
        f"baby_steps unlocks the rows in {phases} phase{'' if phases == 1 else 's'}, not "
        f"num_buckets={buckets}: " + "; ".join(reasons)
    )


def _first_full_step(eligible: np.ndarray, rows: int) -> int | None:
    """First step at which every row is eligible, or None if the plan never gets there."""
    full = np.flatnonzero(eligible >= rows)
    return int(full[0]) if len(full) else None
