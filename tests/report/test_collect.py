"""Reading an output folder into a Summary: kind detection, counts, user errors."""

import json
import re
import shutil

import pytest

from dataprep.errors import InputError
from dataprep.report.collect import StageRow, collect, detect_kind


@pytest.mark.parametrize("kind", ["filter", "score", "schedule"])
def test_the_kind_of_each_real_output_is_detected(report_outputs, kind):
    assert collect(report_outputs[kind]).kind == kind


@pytest.mark.parametrize(
    ("manifest", "kinds", "rejected", "has_schedule", "expected"),
    [
        ({"command": "schedule"}, [], 0, False, "schedule"),
        ({}, ["scorer"], 0, True, "schedule"),
        ({"command": "score"}, ["filter"], 3, False, "score"),
        ({}, ["scorer", "scorer"], 0, False, "score"),
        ({}, ["scorer", "scorer"], 2, False, "filter"),
        ({}, ["scorer", "filter"], 0, False, "filter"),
        ({}, [], 0, False, "filter"),
    ],
)
def test_detect_kind(manifest, kinds, rejected, has_schedule, expected):
    stages = [StageRow(f"s{i}", kind, 10, 0, 0.0) for i, kind in enumerate(kinds)]
    stats = {"rows_rejected": rejected}
    assert detect_kind(manifest, stats, stages, has_schedule) == expected


def test_filter_counts_stages_scores_and_clusters(report_outputs):
    summary = collect(report_outputs["filter"], bins=4, text_chars=20, reason_rows=3)
    assert (summary.rows_in, summary.rows_kept, summary.rows_rejected) == (10, 5, 5)
    assert [(s.name, s.kind, s.rows_in, s.rows_rejected, s.rows_out) for s in summary.stages] == [
        ("length", "scorer", 10, 0, 10),
        ("length_filter", "filter", 10, 2, 8),
        ("exact_dedup", "selector", 8, 3, 5),
    ]
    assert summary.stages[1].reasons == {"length_below_min_words": 2}
    (histogram,) = summary.scores
    assert histogram.edges == [1.0, 4.0, 7.0, 10.0, 13.0]
    assert histogram.kept == [0, 0, 4, 1] and histogram.rejected == [2, 0, 3, 0]
    assert summary.score_summaries["dp_score_length"]["max"] == 13.0
    dups = summary.duplicates
    assert (dups.clusters, dups.rows, dups.size_counts) == (2, 5, {2: 1, 3: 1})
    assert [(c.cluster, c.size, len(c.members)) for c in dups.examples] == [(2, 3, 3), (4, 2, 2)]
    # the first rejected rows of each reason, in row order (see ROWS in conftest.py)
    assert {key: [(m.id, m.text) for m in rows] for key, rows in summary.examples.items()} == {
        ("length_filter", "length_below_min_words"): [("b", "short"), ("f", "tiny")],
        ("exact_dedup", "exact_duplicate"): [
            ("d", "the same text repeat\u2026"),
            ("g", "THE SAME TEXT repeat\u2026"),
            ("<b>h</b>", "<script>alert('x')</\u2026"),
        ],
    }


def test_score_and_schedule_outputs(report_outputs):
    score = collect(report_outputs["score"])
    assert (score.rows_in, score.rows_kept, score.rows_rejected) == (10, 10, 0)
    assert score.duplicates is None and [h.column for h in score.scores] == ["dp_score_length"]
    schedule = collect(report_outputs["schedule"])
    assert (schedule.rows_in, schedule.rows_kept, schedule.rows_rejected) == (10, 20, 0)
    assert schedule.schedule["steps"] == 10
    assert [(s.name, s.rows_in) for s in schedule.stages] == [("schedule", 10)]


def test_without_stats_json_the_reasons_come_from_the_rejected_rows(report_outputs, tmp_path):
    out = shutil.copytree(report_outputs["filter"], tmp_path / "out")
    (out / "stats.json").unlink()
    summary = collect(out)
    assert (summary.rows_in, summary.rows_kept, summary.rows_rejected) == (10, 5, 5)
    by_name = {s.name: s for s in summary.stages}
    assert by_name["exact_dedup"].reasons == {"exact_duplicate": 3}
    assert by_name["exact_dedup"].rows_in is None


def test_user_errors_name_the_path(report_outputs, tmp_path):
    with pytest.raises(InputError, match="no such directory"):
        collect(tmp_path / "missing")
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match="not a directory"):
        collect(tmp_path / "file")
    with pytest.raises(InputError, match=re.escape("no manifest.json; not an output folder")):
        collect(tmp_path)
    out = shutil.copytree(report_outputs["score"], tmp_path / "out")
    (out / "manifest.json").write_text("{not json")
    with pytest.raises(InputError, match=re.escape("manifest.json: cannot be read as JSON")):
        collect(out)
    manifest = json.loads((report_outputs["score"] / "manifest.json").read_text())
    manifest["data"]["shards"].append({"file": "gone.arrow", "rows": 1})
    (out / "manifest.json").write_text(json.dumps(manifest))
    message = "gone.arrow: shard listed in manifest.json is missing"
    with pytest.raises(InputError, match=re.escape(message)):
        collect(out)
