"""schedule.json and stats.json contents from a hand-made plan."""

import numpy as np
import pytest

from dataprep.schedule import plan_report
from dataprep.schedule.curriculum import Curriculum, DifficultyOrder
from dataprep.schedule.plan_report import PlanReport


def report_for(values, rows, steps, total_steps, **params):
    curriculum = Curriculum(**params)
    values = np.asarray(values, dtype=float)
    difficulty = DifficultyOrder.from_values(
        values, descending=False, num_buckets=curriculum.num_buckets, seed=0
    )
    report = PlanReport(curriculum, difficulty, values, total_steps)
    report.add(np.asarray(rows), np.asarray(steps))
    return report


def test_served_counts_histogram_and_curve_by_hand():
    # 4 rows, 3 steps of 2: row 0 three times, row 1 twice, row 2 once, row 3 never.
    report = report_for(
        [0.0, 1.0, 2.0, 3.0],
        [0, 0, 1, 0, 1, 2],
        [0, 0, 1, 1, 2, 2],
        3,
        num_buckets=2,
        batch_size=2,
    )
    stats = report.stats_json(rows_in=5, rows_rejected=1, reasons={"missing_difficulty": 1})
    assert stats["served"] == {
        "rows_never": 1,
        "rows_repeated": 2,
        "max": 3,
        "mean": 1.5,
        "histogram": {"0": 1, "1": 1, "2": 1, "3": 1},
    }
    assert stats["reasons"] == {"missing_difficulty": 1} and stats["samples"] == 6
    plan = report.schedule_json()
    assert plan["curve"]["first_step"] == [0, 1, 2]
    assert plan["curve"]["mean_difficulty"] == [0.0, 0.5, 1.5]
    # buckets: cdf 0.25, 0.5 -> bucket 0; 0.75, 1.0 -> bucket 1
    assert plan["curve"]["bucket_mix"] == [[2, 0], [2, 0], [1, 1]]
    assert plan["buckets"] == [
        {"bucket": 0, "rows": 2, "min": 0.0, "max": 1.0},
        {"bucket": 1, "rows": 2, "min": 2.0, "max": 3.0},
    ]


def test_phases_list_each_change_of_the_eligible_rows():
    report = report_for(
        [0.0, 1.0, 2.0, 3.0], [0], [0], 8, pacing="baby_steps", num_buckets=2, ramp_steps=4
    )
    plan = report.schedule_json()
    assert plan["phases"] == [
        {"first_step": 0, "competence": 0.5, "eligible_rows": 2},
        {"first_step": 2, "competence": 1.0, "eligible_rows": 4},
    ]
    assert plan["full_competence_step"] == 2 and plan["ramp_steps"] == 4
    assert plan["competence"] == {"stride": 1, "values": [0.5, 0.5] + [1.0] * 6}


def test_long_plans_are_summarized(monkeypatch):
    monkeypatch.setattr(plan_report, "MAX_PHASES", 3)
    monkeypatch.setattr(plan_report, "MAX_STEP_VALUES", 4)
    values = np.arange(100.0)
    report = report_for(values, [0], [0], 10, pacing="linear", c0=0.01, ramp_steps=5)
    plan = report.schedule_json()
    assert [phase["first_step"] for phase in plan["phases"]] == [0, 5]
    assert plan["competence"]["stride"] == 3
    assert plan["competence"]["values"] == pytest.approx([0.01, 0.6040, 1.0, 1.0])


def test_a_plan_that_never_reaches_full_competence_says_so():
    report = report_for([0.0, 1.0, 2.0], [0], [0], 10, pacing="linear", ramp_steps=100)
    assert report.schedule_json()["full_competence_step"] is None


def test_baby_steps_with_fewer_phases_than_buckets_says_why():
    # CDFs 1/6, 4/6 (the 3 tied rows), 5/6, 1: buckets 0, 3, 4, 4 of 5, so 3 phases; a ramp
    # of 8 steps would give each of the 5 phases a step
    report = report_for(
        [0.0, 1.0, 1.0, 1.0, 2.0, 3.0],
        [0],
        [0],
        20,
        pacing="baby_steps",
        num_buckets=5,
        ramp_steps=8,
        total_samples=20,
        batch_size=1,
    )
    assert report.warnings() == [
        "baby_steps unlocks the rows in 3 phases, not num_buckets=5: only 3 of the 5 buckets "
        "hold rows (6 rows; rows of equal difficulty share a bucket; lower num_buckets)"
    ]
    assert report.stats_json(6, 0, {})["warnings"] == report.warnings()
    # the plan (3 steps) ends before its ramp (8 steps): phases 1 and 2 (of 4) only
    report = report_for(
        [0.0, 1.0, 2.0, 3.0],
        [0],
        [0],
        3,
        pacing="baby_steps",
        num_buckets=4,
        ramp_steps=8,
        total_samples=3,
        batch_size=1,
    )
    assert report.warnings() == [
        "baby_steps unlocks the rows in 2 phases, not num_buckets=4: the plan ends after 3 "
        "steps, before its ramp of 8 steps does (raise epochs or total_samples, or lower "
        "ramp_steps)"
    ]
    # one phase per bucket, or another pacing: nothing to say
    report = report_for(
        [0.0, 1.0, 2.0, 3.0],
        [0],
        [0],
        8,
        pacing="baby_steps",
        num_buckets=4,
        ramp_steps=3,
        total_samples=8,
        batch_size=1,
    )
    assert report.warnings() == [] and "warnings" not in report.stats_json(4, 0, {})
    report = report_for([0.0, 1.0], [0], [0], 2, pacing="linear", num_buckets=10)
    assert report.warnings() == []
