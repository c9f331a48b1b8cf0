"""dataprep.stats: mergeable StageStats, per-batch stage stats and the bounded ValueSample."""

import json
from collections import Counter

import numpy as np
import pyarrow as pa
import pytest

from dataprep.stage import REJECT_REASON, REJECT_STAGE
from dataprep.stats import StageStats, ValueSample, batch_stage_stats

# --- StageStats ---


def test_add_sums_counts_reasons_and_seconds():
    a = StageStats("f", 10, 3, Counter(short=2, long=1), 1.5)
    b = StageStats("f", 5, 2, Counter(short=1, dup=1), 0.25)
    total = a + b
    assert total == StageStats("f", 15, 5, Counter(short=3, long=1, dup=1), 1.75, None)
    # the operands are left as they were
    assert a == StageStats("f", 10, 3, Counter(short=2, long=1), 1.5)
    assert b.reasons == Counter(short=1, dup=1)


def test_add_keeps_the_first_score_that_is_set():
    left = StageStats("s", score={"count": 1})
    right = StageStats("s", score={"count": 2})
    assert (left + right).score == {"count": 1}
    assert (StageStats("s") + right).score == {"count": 2}
    assert (StageStats("s") + StageStats("s")).score is None


def test_add_refuses_stats_of_another_stage():
    with pytest.raises(ValueError, match="cannot add stats of 'b' to 'a'"):
        StageStats("a") + StageStats("b")


def test_to_dict_exact():
    stats = StageStats("f", 10, 4, Counter(zeta=1, alpha=3), 1.23456)
    data = stats.to_dict()
    assert data == {
        "rows_in": 10,
        "rows_rejected": 4,
        "rows_out": 6,
        "reasons": {"alpha": 3, "zeta": 1},
        "seconds": 1.235,
    }
    assert list(data["reasons"]) == ["alpha", "zeta"]  # sorted by reason
    assert list(data) == ["rows_in", "rows_rejected", "rows_out", "reasons", "seconds"]


def test_to_dict_includes_score_only_when_set():
    assert "score" not in StageStats("s").to_dict()
    assert StageStats("s", score={"count": 0, "missing": 2}).to_dict()["score"] == {
        "count": 0,
        "missing": 2,
    }


def test_from_dict_round_trips_through_json():
    stats = StageStats("f", 7, 2, Counter(short=1, dup=1), 0.125)
    back = StageStats.from_dict("f", json.loads(json.dumps(stats.to_dict())))
    assert back == stats
    assert isinstance(back.reasons, Counter)
    assert back.to_dict() == stats.to_dict()


def test_from_dict_keeps_the_score_summary():
    stats = StageStats("s", 3, 0, Counter(), 0.5, {"count": 3, "missing": 0})
    assert StageStats.from_dict("s", stats.to_dict()).score == {"count": 3, "missing": 0}


# --- batch_stage_stats ---


def transformed(stages, reasons):
    return pa.RecordBatch.from_pydict(
        {
            "text": [str(i) for i in range(len(stages))],
            REJECT_STAGE: pa.array(stages, pa.string()),
            REJECT_REASON: pa.array(reasons, pa.string()),
        }
    )


def test_batch_stage_stats_counts_rows_reaching_each_stage_and_its_reasons():
    batch = transformed(
        ["a", None, "b", "a", "b", "a", None],
        ["short", None, "dup", "long", "dup", "short", None],
    )
    a, b, c = batch_stage_stats(batch, ["a", "b", "c"])
    assert a == StageStats("a", 7, 3, Counter(short=2, long=1))
    assert b == StageStats("b", 4, 2, Counter(dup=2))
    assert c == StageStats("c", 2, 0, Counter())
    assert c.to_dict()["rows_out"] == 2


def test_batch_stage_stats_rows_in_follows_the_given_stage_order():
    batch = transformed(["b", "b", None], ["x", "y", None])
    first, second = batch_stage_stats(batch, ["b", "a"])
    assert (first.name, first.rows_in, first.rows_rejected) == ("b", 3, 2)
    assert (second.name, second.rows_in, second.rows_rejected) == ("a", 1, 0)


def test_batch_stage_stats_merge_across_batches():
    one = batch_stage_stats(transformed(["a", None], ["r", None]), ["a", "b"])
    two = batch_stage_stats(transformed([None, "b", "a"], [None, "q", "r"]), ["a", "b"])
    merged = [x + y for x, y in zip(one, two, strict=True)]
    assert merged == [StageStats("a", 5, 2, Counter(r=2)), StageStats("b", 3, 1, Counter(q=1))]


# --- ValueSample ---


def test_empty_sample_summary():
    sample = ValueSample()
    assert sample.summary() == {"count": 0, "missing": 0}
    assert sample.values().tolist() == []
    assert sample.values().dtype == np.float64


def test_only_missing_values():
    sample = ValueSample()
    sample.add(np.array([np.nan, np.nan]))
    sample.add(np.array([]))
    assert sample.summary() == {"count": 0, "missing": 2}


def test_summary_exact_on_small_input():
    sample = ValueSample()
    sample.add([3, 1, 5])
    sample.add(np.array([2.0, 4.0]))
    assert sample.values().tolist() == [3.0, 1.0, 5.0, 2.0, 4.0]  # stream order
    summary = sample.summary(bins=4)
    assert summary == {
        "count": 5,
        "missing": 0,
        "mean": 3.0,
        "min": 1.0,
        "max": 5.0,
        "quantiles": {
            "p1": pytest.approx(1.04),
            "p5": pytest.approx(1.2),
            "p25": 2.0,
            "p50": 3.0,
            "p75": 4.0,
            "p95": pytest.approx(4.8),
            "p99": pytest.approx(4.96),
        },
        "histogram": {"edges": [1.0, 2.0, 3.0, 4.0, 5.0], "counts": [1, 1, 1, 2]},
    }
    assert list(summary["quantiles"]) == ["p1", "p5", "p25", "p50", "p75", "p95", "p99"]


def test_nan_and_infinite_values_are_counted_as_missing_and_not_sampled():
    sample = ValueSample()
    sample.add(np.array([1.0, np.nan, 3.0, np.inf, -np.inf, np.nan]))
    assert sample.values().tolist() == [1.0, 3.0]
    summary = sample.summary(bins=2)
    assert (summary["count"], summary["missing"]) == (2, 4)
    assert (summary["mean"], summary["min"], summary["max"]) == (2.0, 1.0, 3.0)
    assert summary["quantiles"]["p50"] == 2.0
    assert summary["histogram"] == {"edges": [1.0, 2.0, 3.0], "counts": [1, 1]}


def test_single_value_summary():
    sample = ValueSample()
    sample.add([5.0])
    summary = sample.summary(bins=2)
    assert set(summary["quantiles"].values()) == {5.0}
    assert sum(summary["histogram"]["counts"]) == 1
    assert (summary["mean"], summary["min"], summary["max"]) == (5.0, 5.0, 5.0)


def test_sample_at_capacity_keeps_every_value():
    sample = ValueSample(capacity=4)
    sample.add(np.arange(4.0))
    assert sample.stride == 1
    assert sample.values().tolist() == [0.0, 1.0, 2.0, 3.0]


def test_over_capacity_the_stride_doubles_until_the_sample_fits():
    sample = ValueSample(capacity=4)
    sample.add(np.arange(10.0))
    assert sample.stride == 4
    assert sample.values().tolist() == [0.0, 4.0, 8.0]
    summary = sample.summary(bins=3)
    # count, mean, min and max stay exact; histogram counts are scaled by the stride
    assert (summary["count"], summary["mean"], summary["min"], summary["max"]) == (10, 4.5, 0, 9)
    assert summary["histogram"]["counts"] == [4, 4, 4]
    assert summary["quantiles"]["p50"] == 4.0


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 100])
def test_sample_does_not_depend_on_how_the_stream_is_chunked(chunk):
    stream = np.arange(37.0)
    sample = ValueSample(capacity=5)
    for start in range(0, len(stream), chunk):
        sample.add(stream[start : start + chunk])
    assert sample.stride == 8
    assert sample.values().tolist() == [0.0, 8.0, 16.0, 24.0, 32.0]
    assert sample.seen == 37


def test_missing_values_do_not_shift_stride_positions():
    sample = ValueSample(capacity=2)
    sample.add(np.array([10.0, np.nan, 11.0]))
    sample.add(np.array([np.nan, 12.0, 13.0, 14.0]))
    # finite stream 10..14; positions 0, 2, 4 at stride 2 would be 3 > capacity -> stride 4
    assert sample.stride == 4
    assert sample.values().tolist() == [10.0, 14.0]
    assert (sample.seen, sample.missing) == (5, 2)


def test_modifier_totals_add_and_round_trip_through_stats_json():
    from dataprep.stage import Modifier
    from dataprep.stats import Totals

    class Dropper(Modifier):
        name = "dropper"

        def rewrite(self, texts):
            return [t[:1] for t in texts], [1 if len(t) > 1 else 0 for t in texts]

    stage = Dropper()
    totals = Totals([stage], [0.0], with_input=False)
    for texts in (["abc", "d"], ["efgh"]):
        batch = pa.RecordBatch.from_pydict(
            {
                "text": texts,
                REJECT_STAGE: pa.nulls(len(texts), pa.string()),
                REJECT_REASON: pa.nulls(len(texts), pa.string()),
            }
        )
        totals.add(stage.transform_batch(batch), [0.0])
    _, (stats,) = totals.finish()
    assert stats.modified == Counter(rows_changed=2, lines_removed=2, chars_removed=5)
    entry = json.loads(json.dumps(stats.to_dict()))
    assert entry["modified"] == {"rows_changed": 2, "lines_removed": 2, "chars_removed": 5}
    assert StageStats.from_dict("dropper", entry) == stats
    assert "modified" not in StageStats("f").to_dict()
