"""Tiny real output folders of ``dataprep filter``, ``score`` and ``schedule`` for the report
tests (written once per session with the real pipeline on a 10-row table)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dataprep.dedup.exact import ExactDedup
from dataprep.pipeline import Pipeline
from dataprep.quality.simple import LengthFilter
from dataprep.schedule.curriculum import Curriculum
from dataprep.schedule.run import ScheduleRun
from dataprep.score.text import LengthScorer

SCRIPT_TEXT = "<script>alert('x')</script> five words of body text here"

# 10 rows: two too short (rejected by length_filter), a cluster of 3 exact copies and one of 2
# (the copy with the <script> text), so exact_dedup rejects 3 rows; 5 rows are kept.
ROWS = [
    ("a", "one two three four five six seven"),
    ("b", "short"),
    ("c", "the same text repeated in three rows"),
    ("d", "the same text repeated in three rows"),
    ("e", SCRIPT_TEXT),
    ("f", "tiny"),
    ("g", "THE SAME TEXT repeated in three rows"),
    ("<b>h</b>", SCRIPT_TEXT),
    ("i", "a longer document with quite a few more words than the others have"),
    ("j", "another distinct document of moderate length for the test"),
]


def write_input(path: Path) -> Path:
    ids, texts = zip(*ROWS, strict=True)
    pq.write_table(pa.table({"id": list(ids), "text": list(texts)}), path)
    return path


@pytest.fixture(scope="session")
def report_outputs(tmp_path_factory) -> dict[str, Path]:
    """{'filter': OUT, 'score': OUT, 'schedule': OUT} written from the 10-row table."""
    root = tmp_path_factory.mktemp("report_outputs")
    source = str(write_input(root / "in.parquet"))
    filter_stages = [LengthScorer(unit="words"), LengthFilter(min_words=3), ExactDedup()]
    Pipeline(filter_stages).run([source], root / "filtered")
    Pipeline([LengthScorer(unit="words")]).run([source], root / "scored")
    curriculum = Curriculum(
        pacing="linear", difficulty_column="dp_score_length", batch_size=2, epochs=2
    )
    ScheduleRun(curriculum).run([str(root / "scored" / "data")], root / "scheduled")
    return {"filter": root / "filtered", "score": root / "scored", "schedule": root / "scheduled"}
