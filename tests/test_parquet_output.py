"""--shard-format parquet: filter, score and schedule write the rows of the Arrow output, row for
row; pyarrow.dataset, Polars, DuckDB and datasets open them; resume, atomic output, the report
and the readers of dataprep output work on them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from conftest import GOOD_DOC, REPO

from dataprep.cli import main
from dataprep.io import shard_files as shard_files_module
from dataprep.pipeline import Pipeline
from dataprep.schedule.curriculum import Curriculum
from dataprep.schedule.run import ScheduleRun
from dataprep.settings import RunSettings
from tests.storage.test_checkpoint import assert_same_output

GARDEN = (
    "The community garden opened in the spring of last year on an empty lot behind the library. "
    "Volunteers cleared the rubble, built raised beds and planted tomatoes, beans and herbs for "
    "the whole neighbourhood. Children from the local school visit every week to water the "
    "plants and to learn where their food comes from. In the autumn the gardeners share the "
    "harvest at a long table in the street. Older residents teach the younger ones how to save "
    "seeds for the next season. The city now plans to open three more gardens like it."
)
BRIDGE = (
    "The old stone bridge was built by hand more than three hundred years ago and still carries "
    "traffic today. Engineers who studied it last winter were surprised by how little the "
    "arches had moved over the centuries. The builders used local limestone and a mortar made "
    "from lime and river sand. Each spring the water rises and tests the foundations, but the "
    "piers have never failed. A small museum on the east bank explains how the bridge was "
    "designed. Many visitors stop there before they cross on foot."
)
BAKERY = (
    "Every morning before sunrise the baker lights the wood oven and begins to shape the first "
    "loaves of the day. The recipe for the dark rye bread has been passed down in her family "
    "for four generations. She buys her flour from a mill in the next valley and her butter "
    "from a farm down the road. By seven o'clock a line of customers has formed outside the "
    "small shop. Most of them know each other and talk about the weather while they wait. On "
    "Sundays she closes early and rests."
)
RECORDS = [
    {"id": "a", "text": GOOD_DOC, "n": 1, "q": 0.5, "tags": ["x"]},
    {"id": "b", "text": GARDEN, "n": 2, "q": None, "tags": []},
    # an exact copy after normalization (the gopher stop words are case-sensitive: no upper case)
    {"id": "c", "text": "  " + GOOD_DOC.replace(" ", "\t"), "n": 3, "q": 0.25, "tags": ["y", "z"]},
    {"id": "d", "text": "Too short to keep.", "n": 4, "q": 1.5, "tags": None},
    {"id": "e", "text": BRIDGE, "n": 5, "q": -1.0, "tags": ["é"]},
    {"id": "f", "text": GARDEN.replace("tomatoes", "potatoes"), "n": 6, "q": 2.0, "tags": ["w"]},
    {"id": "g", "text": BAKERY, "n": 7, "q": 3.0, "tags": ["v"]},
]
KEPT = ["a", "b", "e", "g"]
REJECTED = [
    ("c", "exact_dedup", "exact_duplicate"),
    ("d", "gopher_quality", "gopher_short_doc"),
    ("f", "minhash_dedup", "near_duplicate"),
]
SMALL = ["--batch-rows", "2", "--max-shard-bytes", "1200"]  # several batches and shards


@pytest.fixture
def corpus(tmp_path) -> Path:
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in RECORDS))
    return path


def run(*args) -> None:
    result = CliRunner().invoke(main, [*map(str, args), "-q"])
    assert result.exit_code == 0, result.output


def read(out: Path, part: str = "data") -> pa.Table:
    """OUT/<part> as one table, the manifest's shards in order, Arrow or Parquet."""
    manifest = json.loads((out / "manifest.json").read_text())
    tables = []
    for shard in manifest[part]["shards"]:
        path = out / part / shard["file"]
        if path.suffix == ".parquet":
            tables.append(pq.read_table(path))
        else:
            tables.append(pa.ipc.open_stream(pa.memory_map(str(path))).read_all())
    return pa.concat_tables(tables)


def assert_same_rows(arrow: Path, parquet: Path) -> None:
    """Every column of every row of data/ and rejected/, in order, and the same shard sizes."""
    for part in ("data", "rejected"):
        a, p = read(arrow, part), read(parquet, part)
        assert p.schema.equals(a.schema), part
        assert p.to_pylist() == a.to_pylist(), part
    manifests = [json.loads((out / "manifest.json").read_text()) for out in (arrow, parquet)]
    assert manifests[1]["shard_format"] == "parquet"
    for part in ("data", "rejected"):
        shards = [m[part]["shards"] for m in manifests]
        assert [s["rows"] for s in shards[1]] == [s["rows"] for s in shards[0]]
        assert all(s["file"].endswith(".parquet") for s in shards[1])
        assert sorted(p.name for p in (parquet / part).iterdir()) == [s["file"] for s in shards[1]]


def test_default_filter_recipe_parquet_rows_equal_the_arrow_rows(tmp_path, corpus):
    run("filter", corpus, "-o", tmp_path / "arrow", *SMALL)
    run("filter", corpus, "-o", tmp_path / "parquet", *SMALL, "--shard-format", "parquet")
    assert_same_rows(tmp_path / "arrow", tmp_path / "parquet")
    kept = read(tmp_path / "parquet")
    assert kept.column("id").to_pylist() == KEPT
    assert kept.column("dp_dup_cluster").to_pylist() == [0, 1, None, None]
    rejected = read(tmp_path / "parquet", "rejected")
    columns = ["id", "dp_reject_stage", "dp_reject_reason"]
    assert [tuple(r.values()) for r in rejected.select(columns).to_pylist()] == REJECTED
    manifest = json.loads((tmp_path / "parquet" / "manifest.json").read_text())
    assert len(manifest["data"]["shards"]) > 1


def test_filter_parquet_output_opens_in_table_tools(tmp_path, corpus):
    run("filter", corpus, "-o", tmp_path / "arrow", *SMALL)
    run("filter", corpus, "-o", tmp_path / "parquet", *SMALL, "--shard-format", "parquet")
    expected = read(tmp_path / "arrow").to_pylist()
    pattern = str(tmp_path / "parquet" / "data" / "*.parquet")
    assert ds.dataset(str(tmp_path / "parquet" / "data")).to_table().to_pylist() == expected
    polars = pytest.importorskip("polars")
    assert polars.read_parquet(pattern).to_arrow().to_pylist() == expected
    assert polars.scan_parquet(pattern).collect().to_arrow().to_pylist() == expected
    duckdb = pytest.importorskip("duckdb")
    relation = duckdb.sql(f"SELECT * FROM read_parquet('{pattern}')")
    assert relation.arrow().read_all().to_pylist() == expected
    datasets = pytest.importorskip("datasets")
    loaded = datasets.load_dataset(
        "parquet", data_files=pattern, split="train", cache_dir=str(tmp_path / "hf")
    )
    assert loaded.to_list() == expected


def test_score_and_schedule_parquet_rows_equal_the_arrow_rows(tmp_path, corpus):
    recipe = REPO / "configs" / "schedule" / "random.yaml"  # each epoch: every row once
    for fmt in ("stream", "parquet"):
        run("score", corpus, "-o", tmp_path / f"score-{fmt}", *SMALL, "--shard-format", fmt)
        # the schedule reads the score's output: Parquet shards in the parquet case
        scored = tmp_path / f"score-{fmt}" / "data"
        plan = ["-o", tmp_path / f"plan-{fmt}", "-c", recipe, *SMALL, "--shard-format", fmt]
        run("schedule", scored, *plan)
    assert_same_rows(tmp_path / "score-stream", tmp_path / "score-parquet")
    scored = read(tmp_path / "score-parquet")
    assert scored.column("id").to_pylist() == [r["id"] for r in RECORDS]
    assert scored.column("dp_score_length").to_pylist() == [
        float(len(r["text"].split())) for r in RECORDS
    ]
    assert_same_rows(tmp_path / "plan-stream", tmp_path / "plan-parquet")
    plan = read(tmp_path / "plan-parquet")
    assert plan.num_rows == 2 * len(RECORDS)  # epochs: 2
    assert sorted(plan.column("id").to_pylist()) == sorted([r["id"] for r in RECORDS] * 2)
    for name in ("schedule.json", "stats.json"):
        assert json.loads((tmp_path / "plan-stream" / name).read_text()) == json.loads(
            (tmp_path / "plan-parquet" / name).read_text()
        )


def test_report_reads_a_parquet_output_as_an_arrow_one(tmp_path, corpus):
    from dataprep.report.collect import collect

    recipe = tmp_path / "r.yaml"  # the default filter recipe, then a score column
    default = (REPO / "configs" / "filter" / "default.yaml").read_text()
    recipe.write_text(default + "  - length: {unit: words}\n")
    run("filter", corpus, "-o", tmp_path / "arrow", "-c", recipe, *SMALL)
    parquet_args = ["-o", tmp_path / "parquet", "-c", recipe, *SMALL, "--shard-format", "parquet"]
    run("filter", corpus, *parquet_args)
    arrow, parquet = collect(tmp_path / "arrow"), collect(tmp_path / "parquet")
    assert parquet.duplicates == arrow.duplicates
    assert parquet.duplicates.size_counts == {2: 2}  # a with c, b with f
    assert [m.id for c in parquet.duplicates.examples for m in c.members] == ["a", "c", "b", "f"]
    assert (parquet.rows_in, parquet.rows_kept, parquet.rows_rejected) == (7, 4, 3)
    assert parquet.scores == arrow.scores
    [histogram] = parquet.scores
    assert (sum(histogram.kept), sum(histogram.rejected)) == (4, 3)
    page = tmp_path / "report.html"
    result = CliRunner().invoke(main, ["report", str(tmp_path / "parquet"), "-o", str(page)])
    assert result.exit_code == 0, result.output
    assert "gopher_short_doc" in page.read_text()


def test_readers_of_dataprep_output_take_parquet(tmp_path, corpus):
    from dataprep.bench.curriculum import in_order_batches
    from dataprep.sampling.arrow_rows import open_arrow

    run("score", corpus, "-o", tmp_path / "arrow", *SMALL)
    run("score", corpus, "-o", tmp_path / "parquet", *SMALL, "--shard-format", "parquet")
    rows = open_arrow(tmp_path / "parquet")  # OUT: its data/ folder
    indices = np.array([6, 0, 3, 3, 1])
    expected = open_arrow(tmp_path / "arrow").take(indices).to_pylist()
    assert rows.take(indices).to_pylist() == expected
    texts = [r["text"] for r in RECORDS]
    assert list(in_order_batches(tmp_path / "parquet" / "data", 3)) == [
        texts[:3],
        texts[3:6],
        texts[6:],
    ]
    again = ["-o", tmp_path / "again", "--shard-format", "parquet"]
    run("filter", tmp_path / "parquet" / "data", *again)
    assert read(tmp_path / "again").column("id").to_pylist() == KEPT


class Crash(RuntimeError):
    pass


def crashing_part_file(after: int):
    """A PartFile whose ``after``-th write (counted over all part files) raises Crash."""
    writes = [0]

    class CrashingPartFile(shard_files_module.PartFile):
        def write(self, batch):
            writes[0] += 1
            if writes[0] == after:
                raise Crash("simulated crash")
            super().write(batch)

    return CrashingPartFile


def filter_pipeline() -> Pipeline:
    from dataprep.config import build_stages, builtin_recipe, load_recipe

    stages = build_stages(load_recipe(builtin_recipe("filter/default.yaml"))["stages"])
    settings = RunSettings(batch_rows=1, max_shard_bytes=1200, shard_format="parquet")
    return Pipeline(stages, settings=settings)


@pytest.mark.parametrize("after", [2, 4, 6])  # mid-way through the first to the last part
def test_a_run_crashed_while_writing_parquet_resumes_to_identical_output(
    tmp_path, corpus, monkeypatch, after
):
    filter_pipeline().run([str(corpus)], tmp_path / "full")
    with monkeypatch.context() as patch:
        patch.setattr("dataprep.io.writer.PartFile", crashing_part_file(after))
        with pytest.raises(Crash):
            filter_pipeline().run([str(corpus)], tmp_path / "out")
    temporary = tmp_path / ".out.dataprep-tmp"
    assert not (tmp_path / "out").exists()  # atomic: nothing at OUT until the run is complete
    assert not list(temporary.rglob("data-*.parquet"))  # only parts, never a final shard
    assert list(temporary.rglob("part-*.parquet"))
    filter_pipeline().run([str(corpus)], tmp_path / "out", resume=True)
    assert not temporary.exists()
    assert_same_output(tmp_path / "full", tmp_path / "out")


def test_a_failed_schedule_leaves_no_parquet_output(tmp_path, corpus, monkeypatch):
    settings = RunSettings(batch_rows=2, max_shard_bytes=1200, shard_format="parquet")
    curriculum = Curriculum(pacing="random", difficulty_column="n", batch_size=2)
    monkeypatch.setattr("dataprep.io.writer.PartFile", crashing_part_file(3))
    with pytest.raises(Crash):
        ScheduleRun(curriculum, settings=settings).run([str(corpus)], tmp_path / "out")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl"]


@pytest.mark.slow
def test_sigkill_after_a_parquet_part_then_resume_gives_identical_output(tmp_path, corpus):
    def filter_process(out, *extra, env=None):
        args = ["filter", corpus, "-o", out, *SMALL, "--shard-format", "parquet", "-q", *extra]
        environment = {k: v for k, v in os.environ.items() if k != "DATAPREP_CRASH_AT"}
        command = [sys.executable, "-m", "dataprep", *map(str, args)]
        return subprocess.run(command, cwd=REPO, env={**environment, **(env or {})})

    assert filter_process(tmp_path / "full").returncode == 0
    killed = filter_process(tmp_path / "out", env={"DATAPREP_CRASH_AT": "part_saved:2"})
    assert killed.returncode == -signal.SIGKILL
    temporary = tmp_path / ".out.dataprep-tmp"
    assert len(list((temporary / "checkpoints").glob("*-[0-9][0-9][0-9][0-9][0-9].json"))) == 2
    assert filter_process(tmp_path / "out", "--resume").returncode == 0
    assert_same_output(tmp_path / "full", tmp_path / "out")
