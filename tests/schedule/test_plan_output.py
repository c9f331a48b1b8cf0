"""What the local and Ray schedule runs share (dataprep.schedule.plan_output)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from dataprep.errors import InputError
from dataprep.io.readers import open_corpus
from dataprep.schedule.curriculum import Curriculum, DifficultyOrder, PlanDrawer
from dataprep.schedule.plan_output import (
    PLAN_COLUMNS,
    check_schedulable,
    difficulty_values,
    plan_for,
    schedule_schemas,
)


def test_schedule_schemas_put_plan_columns_on_kept_rows_only(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text('{"id": "a", "text": "x", "dp_score_difficulty": 1.5}\n')
    kept, rejected = schedule_schemas(open_corpus([str(path)]))
    assert kept.names[:3] == ["id", "text", "dp_score_difficulty"]
    assert kept.names[3:] == ["dp_step", "dp_bucket", "dp_competence"]
    assert [kept.field(name).type for name in PLAN_COLUMNS] == [
        pa.int64(),
        pa.int32(),
        pa.float64(),
    ]
    assert rejected.names == [
        "id",
        "text",
        "dp_score_difficulty",
        "dp_reject_stage",
        "dp_reject_reason",
    ]


def test_difficulty_values_nulls_become_nan_and_ints_are_cast():
    batch = pa.RecordBatch.from_pydict(
        {"f": pa.array([1.5, None, -2.0]), "i": pa.array([3, None, 7], pa.int32())}
    )
    floats = difficulty_values(batch, "f")
    assert floats.dtype == np.float64
    np.testing.assert_array_equal(floats, [1.5, np.nan, -2.0])
    ints = difficulty_values(batch, "i")
    assert ints.dtype == np.float64
    np.testing.assert_array_equal(ints, [3.0, np.nan, 7.0])


def test_check_schedulable_raises_with_the_counts():
    with pytest.raises(InputError, match=r"no row has a finite 'difficulty'.*\(1,234 rows read"):
        check_schedulable(np.empty(0), "difficulty", 1234)
    check_schedulable(np.array([0.5]), "difficulty", 1234)


def test_plan_for_equals_building_the_objects_directly():
    values = np.array([0.3, 0.1, 0.9, 0.1, 0.5, 0.7, 0.2])
    curriculum = Curriculum(order="descending", num_buckets=3, seed=4, batch_size=2)
    difficulty, drawer, report = plan_for(curriculum, values)
    expected = DifficultyOrder.from_values(values, descending=True, num_buckets=3, seed=4)
    np.testing.assert_array_equal(difficulty.order, expected.order)
    np.testing.assert_array_equal(difficulty.cdf, expected.cdf)
    np.testing.assert_array_equal(difficulty.bucket, expected.bucket)
    assert difficulty.order[0] == 2  # descending: the highest value is the easiest
    direct = PlanDrawer(curriculum, expected)
    assert (drawer.samples, drawer.steps, drawer.full_step) == (14, 7, direct.full_step)
    rows, steps = drawer.draw(0, drawer.steps)
    direct_rows, direct_steps = direct.draw(0, direct.steps)
    np.testing.assert_array_equal(rows, direct_rows)
    np.testing.assert_array_equal(steps, direct_steps)
    assert report.curriculum is curriculum and report.difficulty is difficulty
    assert report.values is values and report.steps == drawer.steps
