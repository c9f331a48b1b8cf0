"""Column-wise passes over shards: exact histograms, cluster sizes, examples, reasons."""

import json
import re

import numpy as np
import pyarrow as pa
import pytest

from dataprep.errors import InputError
from dataprep.report.scan import (
    column_names,
    duplicates,
    iter_columns,
    reason_examples,
    rejection_counts,
    score_histograms,
    shard_paths,
)


def write_shard(path, table: pa.Table, fmt: str = "stream"):
    path.parent.mkdir(parents=True, exist_ok=True)
    opener = pa.ipc.new_stream if fmt == "stream" else pa.ipc.new_file
    with opener(str(path), table.schema) as writer:
        for batch in table.to_batches(max_chunksize=2):
            writer.write_batch(batch)
    return path


@pytest.mark.parametrize("fmt", ["stream", "file"])
def test_iter_columns_reads_only_the_asked_columns_of_both_ipc_formats(tmp_path, fmt):
    table = pa.table({"id": ["a", "b", "c"], "text": ["x", "y", "z"], "dp_score_n": [1.0, 2, 3]})
    path = write_shard(tmp_path / "data" / "data-00000-of-00001.arrow", table, fmt)
    batches = list(iter_columns([path], ["dp_score_n", "not_there"]))
    assert [b.schema.names for b in batches] == [["dp_score_n"], ["dp_score_n"]]
    assert sum(b.num_rows for b in batches) == 3
    assert column_names([path]) == ["id", "text", "dp_score_n"]


def test_shard_paths_follow_the_manifest_else_the_folder(tmp_path):
    (tmp_path / "b.arrow").write_bytes(b"")
    (tmp_path / "a.arrow").write_bytes(b"")
    assert shard_paths(tmp_path, [{"file": "b.arrow"}]) == [tmp_path / "b.arrow"]
    assert shard_paths(tmp_path, None) == [tmp_path / "a.arrow", tmp_path / "b.arrow"]
    assert shard_paths(tmp_path / "missing", None) == []


def test_a_broken_shard_is_an_input_error_naming_it(tmp_path):
    path = tmp_path / "bad.arrow"
    path.write_text("not arrow")
    with pytest.raises(InputError, match=re.escape("bad.arrow: cannot be read as an Arrow shard")):
        list(iter_columns([path], ["id"]))


def test_histograms_count_kept_and_rejected_apart_over_fixed_bins(tmp_path):
    kept = write_shard(tmp_path / "k.arrow", pa.table({"dp_score_q": [0.0, 1.0, 2.0, 3.0]}))
    rejected = write_shard(
        tmp_path / "r.arrow", pa.table({"dp_score_q": pa.array([3.0, float("nan"), None])})
    )
    (histogram,) = score_histograms([kept], [rejected], ["dp_score_q"], bins=3)
    assert histogram.edges == [0.0, 1.0, 2.0, 3.0]
    assert histogram.kept == [1, 1, 2]
    assert histogram.rejected == [0, 0, 1]
    assert (histogram.kept_missing, histogram.rejected_missing) == (0, 2)
    assert histogram.mean == pytest.approx(9.0 / 5)


def test_a_constant_or_empty_column_still_gets_bins(tmp_path):
    kept = write_shard(
        tmp_path / "k.arrow",
        pa.table({"dp_score_c": [2.0, 2.0], "dp_score_e": pa.array([None, None], pa.float64())}),
    )
    constant, empty = score_histograms([kept], [], ["dp_score_c", "dp_score_e"], bins=2)
    assert constant.edges == [1.5, 2.0, 2.5] and constant.kept == [0, 2]
    assert empty.kept == [0, 0] and empty.kept_missing == 2 and empty.mean is None


def test_cluster_sizes_and_the_largest_clusters_with_the_kept_copy_first(tmp_path):
    kept = write_shard(
        tmp_path / "k.arrow",
        pa.table(
            {
                "id": ["k0", "k5", "k7", "k9"],
                "text": ["zero " * 100, "five", "seven", "nine"],
                "dp_dup_cluster": pa.array([0, 5, None, 9], pa.int64()),
            }
        ),
    )
    rejected = write_shard(
        tmp_path / "r.arrow",
        pa.table(
            {
                "id": ["r1", "r2", "r3", "r4", "r6"],
                "text": ["zero", "zero", "five", "zero", "nine"],
                "dp_dup_cluster": pa.array([0, 0, 5, 0, 9], pa.int64()),
                "dp_reject_stage": ["exact_dedup"] * 5,
                "dp_reject_reason": ["exact_duplicate"] * 5,
            }
        ),
    )
    result = duplicates([kept], [rejected], examples=2, members=3, text_chars=10)
    assert (result.clusters, result.rows) == (3, 8)
    assert result.size_counts == {2: 2, 4: 1}
    first, second = result.examples
    assert (first.cluster, first.size, second.cluster, second.size) == (0, 4, 5, 2)
    assert [m.id for m in first.members] == ["k0", "r1", "r2"]
    assert first.members[0].text == "zero zero \u2026"
    assert first.members[0].status == "kept"
    assert first.members[1].status == "exact_dedup: exact_duplicate"


def test_rejection_counts_come_from_the_rejected_columns(tmp_path):
    rejected = write_shard(
        tmp_path / "r.arrow",
        pa.table({"dp_reject_stage": ["a", "a", "b"], "dp_reject_reason": ["x", "x", "y"]}),
    )
    assert rejection_counts([rejected]) == {("a", "x"): 2, ("b", "y"): 1}


def test_histograms_of_the_real_filter_output_match_its_stats_json(report_outputs):
    out = report_outputs["filter"]
    manifest = json.loads((out / "manifest.json").read_text())
    kept = shard_paths(out / "data", manifest["data"]["shards"])
    rejected = shard_paths(out / "rejected", manifest["rejected"]["shards"])
    (histogram,) = score_histograms(kept, rejected, ["dp_score_length"], bins=20)
    stats = json.loads((out / "stats.json").read_text())["stages"]["length"]["score"]
    assert np.allclose(histogram.edges, stats["histogram"]["edges"])
    totals = np.add(histogram.kept, histogram.rejected).tolist()
    assert totals == stats["histogram"]["counts"]


def test_reason_examples_are_the_first_rows_of_each_reason_in_row_order(tmp_path):
    first = write_shard(
        tmp_path / "r0.arrow",
        pa.table(
            {
                "id": ["r0", "r1", "r2", "r3", "r4"],
                "text": ["a " * 20, "b", None, "<i>d</i>", "e"],
                "dp_reject_stage": ["len", "len", "len", "rep", "len"],
                "dp_reject_reason": ["short", "short", "short", "dup_lines", "short"],
            }
        ),
    )
    second = write_shard(
        tmp_path / "r1.arrow",
        pa.table(
            {
                "id": ["r5", "r6"],
                "text": ["f", "g"],
                "dp_reject_stage": ["rep", "len"],
                "dp_reject_reason": ["dup_lines", "long"],
            }
        ),
    )
    found = reason_examples([first, second], per_reason=3, text_chars=5)
    assert {key: [(m.id, m.text) for m in rows] for key, rows in found.items()} == {
        ("len", "short"): [("r0", "a a a\u2026"), ("r1", "b"), ("r2", "")],
        ("rep", "dup_lines"): [("r3", "<i>d<\u2026"), ("r5", "f")],
        ("len", "long"): [("r6", "g")],
    }
    assert found[("rep", "dup_lines")][1].status == "rep: dup_lines"
    # every row under one stage name, two rows per reason
    found = reason_examples([first, second], per_reason=2, stage="schedule")
    assert [(key, [m.id for m in rows]) for key, rows in found.items()] == [
        (("schedule", "short"), ["r0", "r1"]),
        (("schedule", "dup_lines"), ["r3", "r5"]),
        (("schedule", "long"), ["r6"]),
    ]
    # with the counts known, reading stops once each reason has its rows (here in the first
    # shard's last batch): the next shard, broken, is never opened
    (tmp_path / "broken.arrow").write_text("not arrow")
    counts = rejection_counts([first])
    found = reason_examples([first, tmp_path / "broken.arrow"], per_reason=4, counts=counts)
    assert {key: [m.id for m in rows] for key, rows in found.items()} == {
        ("len", "short"): ["r0", "r1", "r2", "r4"],
        ("rep", "dup_lines"): ["r3"],
    }
