"""Counts of a tokenize run (dataprep.tokenize.stats)."""

import numpy as np
import pyarrow as pa

from dataprep.tokenize.stats import TokenStats


def test_documents_and_tokens_are_counted_per_group_value_and_shard():
    stats = TokenStats(group_columns=("source",))
    stats.add(pa.record_batch({"source": ["web", "code", None]}), np.array([5, 3, 2]))
    stats.add(pa.record_batch({"source": ["web"]}), np.array([4]))
    empty = {"dropped": 0, "first_row": 0}
    shards = [
        {"prefix": "part-00000", "documents": 3, "tokens": 10, "sequences": 3, "padding": 2},
        {"prefix": "part-00001", "documents": 1, "tokens": 4, "sequences": 1, "padding": 0},
    ]
    shards = [{**shard, **empty} for shard in shards]
    counts = stats.to_dict(shards)
    assert (counts["documents"], counts["tokens"], counts["eos_tokens"]) == (4, 14, 4)
    assert (counts["sequences"], counts["padding_tokens"], counts["dropped_tokens"]) == (4, 2, 0)
    assert counts["groups"] == {
        "source": {
            "(null)": {"documents": 1, "tokens": 2},
            "code": {"documents": 1, "tokens": 3},
            "web": {"documents": 2, "tokens": 9},
        }
    }
    assert [s["prefix"] for s in counts["shards"]] == ["part-00000", "part-00001"]
    assert "first_row" not in counts["shards"][0]


def test_without_sequences_or_groups_only_the_totals_are_written():
    stats = TokenStats()
    stats.add(pa.record_batch({"text": ["a"]}), np.array([2]))
    shard = {
        "prefix": "part-00000",
        "documents": 1,
        "tokens": 2,
        "sequences": None,
        "padding": 0,
        "dropped": 0,
    }
    counts = stats.to_dict([shard])
    assert "sequences" not in counts and "groups" not in counts
    assert counts["tokens"] == 2
