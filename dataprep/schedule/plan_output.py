"""What the local and the Ray schedule runs share: the plan columns, the result, the output
schemas and the difficulty of a batch."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dataprep.errors import InputError
from dataprep.io.readers import Corpus
from dataprep.output import output_schemas
from dataprep.schedule.curriculum import Curriculum, DifficultyOrder, PlanDrawer
from dataprep.schedule.plan_report import PlanReport

STEP_COLUMN = "dp_step"
BUCKET_COLUMN = "dp_bucket"
COMPETENCE_COLUMN = "dp_competence"
PLAN_COLUMNS = {STEP_COLUMN: pa.int64(), BUCKET_COLUMN: pa.int32(), COMPETENCE_COLUMN: pa.float64()}
MISSING_DIFFICULTY = "missing_difficulty"


@dataclass
class ScheduleResult:
    """What a finished schedule run wrote."""

    out_dir: Path
    rows_in: int
    rows_scheduled: int
    rows_rejected: int
    samples: int
    steps: int


def schedule_schemas(corpus: Corpus) -> tuple[pa.Schema, pa.Schema]:
    """(kept, rejected) schemas of a schedule's output: the corpus columns plus the plan
    columns; the rejected rows have the reject columns (and dp_input_error in reject mode)
    but no plan columns."""
    return output_schemas(corpus, PLAN_COLUMNS, rejected_extra=False)


def difficulty_values(batch: pa.RecordBatch, column: str) -> np.ndarray:
    values = batch.column(column).cast(pa.float64())
    return pc.fill_null(values, np.nan).to_numpy(zero_copy_only=False)


def check_schedulable(values: np.ndarray, column: str, rows_in: int) -> None:
    """Raise InputError when no row has a finite difficulty."""
    if len(values) == 0:
        raise InputError(
            f"no row has a finite {column!r}; nothing to schedule "
            f"({rows_in:,} rows read, all rejected)"
        )


def plan_for(curriculum: Curriculum, values: np.ndarray):
    """(DifficultyOrder, PlanDrawer, PlanReport) of ``curriculum`` over the schedulable rows'
    difficulty ``values`` (in row order)."""
    difficulty = DifficultyOrder.from_values(
        values,
        descending=curriculum.order == "descending",
        num_buckets=curriculum.num_buckets,
        seed=curriculum.seed,
    )
    drawer = PlanDrawer(curriculum, difficulty)
    return difficulty, drawer, PlanReport(curriculum, difficulty, values, drawer.steps)
