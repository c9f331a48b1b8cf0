"""The local runner (dataprep.runners.local) through the pipeline, on a tiny generated corpus
with exact duplicates: the input is read once, and output does not depend on num_proc."""

from __future__ import annotations

import json

import pyarrow as pa
import pytest

from dataprep.dedup.exact import ExactDedup
from dataprep.io.readers import Corpus
from dataprep.pipeline import Pipeline
from dataprep.quality.simple import LengthFilter
from dataprep.runners.local import LocalRunner
from dataprep.settings import RunSettings, usable_cpus

# id -> text: d1 is short, d3 copies d0 (case and spacing differ), d6 and d9 copy d2.
DOCS = [
    "the cat sat on the mat",
    "short",
    "a dog ran in the park",
    "The Cat  sat on the MAT",
    "birds fly over the town",
    "rain fell all night long",
    "a dog ran in the park",
    "one",
    "fish swim in the sea",
    "a dog ran in the park",
    "the sun came up early",
]
KEPT = ["d0", "d2", "d4", "d5", "d8", "d10"]
REJECTED = {
    "d1": ("length_filter", "length_below_min_words"),
    "d3": ("exact_dedup", "exact_duplicate"),
    "d6": ("exact_dedup", "exact_duplicate"),
    "d7": ("length_filter", "length_below_min_words"),
    "d9": ("exact_dedup", "exact_duplicate"),
}


@pytest.fixture
def corpus_file(tmp_path):
    path = tmp_path / "in.jsonl"
    lines = [json.dumps({"id": f"d{i}", "text": text}) for i, text in enumerate(DOCS)]
    path.write_text("\n".join(lines) + "\n")
    return path


def read_split(out, split):
    manifest = json.loads((out / "manifest.json").read_text())
    tables = []
    for shard in manifest[split]["shards"]:
        with pa.memory_map(str(out / split / shard["file"])) as source:
            tables.append(pa.ipc.open_stream(source).read_all())
    return pa.concat_tables(tables)


def run(corpus_file, out, num_proc=1):
    settings = RunSettings(batch_rows=3, num_proc=num_proc)
    stages = [LengthFilter(min_words=2), ExactDedup()]
    return Pipeline(stages, settings=settings).run([str(corpus_file)], out)


def test_a_run_with_a_fit_stage_reads_the_input_once(corpus_file, tmp_path, monkeypatch):
    calls = []
    original = Corpus.iter_batches

    def counting(self):
        calls.append(1)
        return original(self)

    monkeypatch.setattr(Corpus, "iter_batches", counting)
    result = run(corpus_file, tmp_path / "out")
    assert len(calls) == 1
    assert (result.rows_in, result.rows_kept, result.rows_rejected) == (11, 6, 5)
    kept = read_split(tmp_path / "out", "data")
    assert kept.column("id").to_pylist() == KEPT
    assert kept.column("dp_dup_cluster").to_pylist() == [0, 2, None, None, None, None]
    rejected = read_split(tmp_path / "out", "rejected")
    assert {
        row["id"]: (row["dp_reject_stage"], row["dp_reject_reason"]) for row in rejected.to_pylist()
    } == REJECTED
    assert not (tmp_path / ".out.dataprep-tmp").exists()
    assert not (tmp_path / "out" / "work").exists()


def test_two_processes_give_the_same_output(corpus_file, tmp_path):
    one = run(corpus_file, tmp_path / "one", num_proc=1)
    two = run(corpus_file, tmp_path / "two", num_proc=2)
    assert (two.rows_kept, two.rows_rejected) == (one.rows_kept, one.rows_rejected) == (6, 5)
    for split in ("data", "rejected"):
        assert read_split(tmp_path / "two", split).equals(read_split(tmp_path / "one", split))
    stats = [json.loads((tmp_path / d / "stats.json").read_text()) for d in ("one", "two")]
    for a, b in zip(stats[0]["stages"].values(), stats[1]["stages"].values(), strict=True):
        assert (a["rows_in"], a["reasons"]) == (b["rows_in"], b["reasons"])


def test_processes():
    assert LocalRunner("auto").processes == usable_cpus()
    assert LocalRunner(3).processes == 3
    assert LocalRunner().processes == 1
    assert LocalRunner(0).processes == 1
