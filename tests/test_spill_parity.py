"""Every whole-corpus (fit) stage writes the same rows whether its fit state stays in memory or
is spilled to many sorted runs merged in many small blocks (tiny ``run_rows``, small batches);
exact dedup joins a duplicate group split across merged blocks (``DuplicateGroups.add``). On the
generated corpus (tests/generated_corpus.py), so without ../shared/data."""

from __future__ import annotations

import itertools
import json
import math
import random
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
import xxhash

from dataprep import registry
from dataprep.config import build_stages
from dataprep.dedup import exact
from dataprep.embed.settings import EncoderSettings
from dataprep.pipeline import Pipeline
from dataprep.settings import RunSettings
from dataprep.storage import sorted_runs
from dataprep.storage.checkpoint import strip_timing
from dataprep.testing import same_column
from tests.generated_corpus import LANGS, generated_records, ids_of, word, write_jsonl
from tests.runners.conftest import read_output


def test_generated_corpus_is_deterministic_and_mixed():
    records = generated_records(5, 600)
    assert records == generated_records(5, 600)
    assert records != generated_records(6, 600)
    kinds = [r["kind"] for r in records]
    assert kinds.count("exact") > 40 and kinds.count("near") > 30 and kinds.count("unique") > 400
    assert {r["lang"] for r in records} == set(LANGS)
    assert any(r["quality"] is None for r in records)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict:
    """1,500 generated records with vectors, and a DSIR target (French and German documents
    of another seed)."""
    folder = tmp_path_factory.mktemp("invariants")
    records = generated_records(0, 1500)
    target = [r for r in generated_records(99, 600, vectors=False) if r["lang"] in ("fr", "de")]
    return {
        "records": records,
        "path": write_jsonl(folder / "corpus.jsonl", records),
        "target": write_jsonl(folder / "target.jsonl", target),
    }


# ---- spilled vs in-memory fit -----------------------------------------------------------------


def _expect_exact(kept, rejected, records):
    # Every exact copy (re-cased, re-spaced, full-width) names an earlier row: all rejected.
    copies = {r["id"] for r in records if r["kind"] == "exact"}
    assert copies <= ids_of(rejected, reason="exact_duplicate")
    assert set(rejected.column("dp_reject_reason").to_pylist()) == {"exact_duplicate"}


def row_clusters(table: pa.Table) -> list[tuple[int, int | None]]:
    """(row number, dp_dup_cluster) of each row; ids are g<row number>."""
    rows = [int(doc[1:]) for doc in table.column("id").to_pylist()]
    return list(zip(rows, table.column("dp_dup_cluster").to_pylist(), strict=True))


def _expect_near(kept, rejected, records):
    # Most near copies (one or two words changed in 100-180) are found; the first copy is kept.
    near = {r["id"] for r in records if r["kind"] == "near"}
    found = ids_of(rejected, reason="near_duplicate")
    assert len(near & found) >= 0.8 * len(near) > 100
    assert set(rejected.column("dp_reject_reason").to_pylist()) == {"near_duplicate"}
    assert all(cluster < row for row, cluster in row_clusters(rejected))


def _expect_highest_kept(kept, rejected, records):
    # Each cluster keeps its member of highest quality (null lowest; ties: the earliest row),
    # which is sometimes a later row.
    assert rejected.num_rows >= 0.8 * sum(r["kind"] == "near" for r in records) > 100
    assert set(rejected.column("dp_reject_reason").to_pylist()) == {"near_duplicate"}
    quality = [-1.0 if r["quality"] is None else r["quality"] for r in records]
    kept_rows = {row for row, _ in row_clusters(kept)}
    for row, cluster in row_clusters(rejected):
        assert cluster in kept_rows
        assert (quality[cluster], -cluster) > (quality[row], -row)
    assert any(cluster > row for row, cluster in row_clusters(rejected))


def _expect_budget(rows: int, *reasons: str):
    def check(kept, rejected, records):
        assert kept.num_rows == rows
        assert set(rejected.column("dp_reject_reason").to_pylist()) <= set(reasons)

    return check


def _expect_some_rejected(reason: str, low: int, high: int):
    def check(kept, rejected, records):
        assert low <= rejected.num_rows <= high
        assert set(rejected.column("dp_reject_reason").to_pylist()) == {reason}

    return check


def _expect_scores(column: str):
    def check(kept, rejected, records):
        assert rejected.num_rows == 0
        values = kept.column(column).to_pylist()
        assert len({v for v in values if v is not None and not math.isnan(v)}) > 100

    return check


# run_rows, and MIN_WINDOW: the fewest records a merge reads from a run file at a time (4,096 by
# default, which would read these small runs whole and merge them in one block).
EXACT_SPILL = {"run_rows": 16, "min_window": 4, "sorted_runs": True}  # ~90 runs, ~300 blocks
# MinHash band runs hold run_rows // bands records: 18 with 14 bands (threshold 0.8), 20 with
# 20 bands (0.7), so a merge reads each run in two windows.
MINHASH_SPILL = {"run_rows": 256, "min_window": 16, "sorted_runs": True}  # ~80 each, per band
MINHASH_SPILL_20_BANDS = {"run_rows": 400, "min_window": 16, "sorted_runs": True}
NO_SPILL_USED = {"run_rows": 16, "min_window": 4, "sorted_runs": False}  # fit state in memory

PRESENT = 1460  # rows of the corpus with a quality value (checked in the test)

# (id, recipe stages, spill settings, check(kept, rejected, records) of the non-trivial result)
CASES = [
    ("exact_dedup", [{"exact_dedup": {}}], EXACT_SPILL, _expect_exact),
    (
        "exact_dedup-raw",
        [{"exact_dedup": {"lowercase": False, "nfkc": False, "collapse_whitespace": False}}],
        EXACT_SPILL,
        _expect_some_rejected("exact_duplicate", 20, 150),
    ),
    ("minhash_dedup-exact", [{"minhash_dedup": {}}], MINHASH_SPILL, _expect_near),
    (
        "minhash_dedup-signature",
        [{"minhash_dedup": {"verify": "signature", "threshold": 0.7}}],
        MINHASH_SPILL_20_BANDS,
        _expect_near,
    ),
    (
        "minhash_dedup-keep_highest",
        [{"minhash_dedup": {"keep_highest": "quality"}}],
        MINHASH_SPILL,
        _expect_highest_kept,
    ),
    (
        "dsir",
        [{"dsir": {"target": "TARGET", "fraction": 0.3, "min_example_length": 5}}],
        NO_SPILL_USED,
        _expect_budget(450, "not_in_coreset", "too_short"),
    ),
    (
        "perplexity_band",
        [{"perplexity_band": {"score_column": "quality", "fraction": 0.5}}],
        NO_SPILL_USED,
        _expect_budget(
            730,  # half of the 1,460 rows with a quality
            "perplexity_below_band",
            "perplexity_above_band",
            "perplexity_missing",
        ),
    ),
    (
        "random",
        [{"random": {"budget": 0.3, "seed": 1}}],
        NO_SPILL_USED,
        _expect_budget(450, "not_in_coreset"),
    ),
    (
        "score_topk",
        [{"score_topk": {"budget": 0.2, "column": "quality"}}],
        NO_SPILL_USED,
        _expect_budget(300, "not_in_coreset"),
    ),
    (
        "stratified",
        [{"stratified": {"budget": 0.2, "column": "lang", "seed": 2}}],
        NO_SPILL_USED,
        _expect_budget(300, "not_in_coreset"),
    ),
    ("word_rarity", [{"word_rarity": {}}], NO_SPILL_USED, _expect_scores("dp_score_word_rarity")),
    (
        "difficulty",
        [
            {"word_rarity": {}},
            {
                "difficulty": {
                    "columns": {"dp_score_word_rarity": 1.0, "quality": 2.0},
                    "easier_when_higher": ["quality"],
                }
            },
        ],
        NO_SPILL_USED,
        _expect_scores("dp_score_difficulty"),
    ),
    (
        "semantic_dedup",
        [{"semantic_dedup": {"num_clusters": 8, "kmeans_sample": 1000, "eps": 0.05}}],
        NO_SPILL_USED,
        _expect_some_rejected("semantic_duplicate", 250, 600),
    ),
    (
        "prototypicality",
        [{"prototypicality": {"num_clusters": 8}}],
        NO_SPILL_USED,
        _expect_scores("dp_score_prototypicality"),
    ),
    (
        "kcenter_greedy",
        [{"kcenter_greedy": {"budget": 0.1}}],
        NO_SPILL_USED,
        _expect_budget(150, "not_in_coreset"),
    ),
    (
        "facility_location",
        [{"facility_location": {"budget": 0.1, "knn": 10}}],
        NO_SPILL_USED,
        _expect_budget(150, "not_in_coreset"),
    ),
    (
        "density",
        [{"density": {"budget": 0.1, "knn": 10}}],
        NO_SPILL_USED,
        _expect_budget(150, "not_in_coreset"),
    ),
    (
        "prototypes",
        [{"prototypes": {"budget": 0.2, "num_clusters": 8}}],
        NO_SPILL_USED,
        _expect_budget(300, "not_in_coreset"),
    ),
    (
        "d4",
        [{"d4": {"budget": 0.2, "num_clusters": 8, "eps": 0.05}}],
        NO_SPILL_USED,
        _expect_budget(300, "not_in_coreset", "semantic_duplicate"),
    ),
    (
        "typiclust",
        [{"typiclust": {"budget": 0.05}}],
        NO_SPILL_USED,
        _expect_budget(75, "not_in_coreset"),
    ),
    (
        "probcover",
        [{"probcover": {"budget": 0.05, "knn": 10, "num_clusters": 4}}],
        NO_SPILL_USED,
        _expect_budget(75, "not_in_coreset"),
    ),
    (
        "ccs",
        [{"ccs": {"budget": 0.2, "column": "quality", "hard": "low"}}],
        NO_SPILL_USED,
        _expect_budget(300, "not_in_coreset"),
    ),
    (
        "d2_pruning",
        [
            {
                "d2_pruning": {
                    "budget": 0.2,
                    "column": "quality",
                    "class_balanced": True,
                    "label_column": "lang",
                }
            }
        ],
        NO_SPILL_USED,
        _expect_budget(300, "not_in_coreset"),
    ),
]

# Fit stages deliberately not run here, with the reason (none at present: the embedding stages
# read the generated ``vec`` column through the run's encoder settings).
SKIPPED_FIT_STAGES: dict[str, str] = {}


def test_every_fit_stage_is_covered_or_skipped_with_a_reason():
    fit_stages = {name for name in registry.available() if registry.get(name).needs_fit}
    covered = {name for _, stages, _, _ in CASES for entry in stages for name in entry}
    missing = fit_stages - covered - set(SKIPPED_FIT_STAGES)
    assert not missing, f"fit stages with no spilled-vs-in-memory case: {sorted(missing)}"
    assert covered <= set(registry.available())
    assert all(reason.strip() for reason in SKIPPED_FIT_STAGES.values())


class SpillCounter:
    """Counts, per SortedRuns name, the runs written and the blocks merged (num_proc=1: the fit
    runs in this process)."""

    def __init__(self, monkeypatch) -> None:
        self.runs: dict[str, int] = {}
        self.blocks: dict[str, int] = {}
        write_run, merged = sorted_runs.SortedRuns.write_run, sorted_runs.SortedRuns.merged
        counter = self

        def counting_write_run(runs, records):
            counter.runs[runs.name] = counter.runs.get(runs.name, 0) + 1
            return write_run(runs, records)

        def counting_merged(runs):
            for block in merged(runs):
                counter.blocks[runs.name] = counter.blocks.get(runs.name, 0) + 1
                yield block

        monkeypatch.setattr(sorted_runs.SortedRuns, "write_run", counting_write_run)
        monkeypatch.setattr(sorted_runs.SortedRuns, "merged", counting_merged)


def run_pipeline(stages, inputs, out, settings: RunSettings) -> None:
    encoder = EncoderSettings(column="vec")
    Pipeline(build_stages(stages), settings=settings, encoder=encoder).run(inputs, out)


def assert_same_output_rows(a: Path, b: Path) -> None:
    """The same kept and rejected rows in the same order, every column, and the same stats
    apart from timing."""
    for part in ("data", "rejected"):
        left, right = read_output(a, part), read_output(b, part)
        assert left.schema.equals(right.schema), part
        for name in left.column_names:
            assert same_column(left.column(name), right.column(name)), f"{part}: {name} differs"
    stats = [_rounded(strip_timing(json.loads((d / "stats.json").read_text()))) for d in (a, b)]
    assert stats[0] == stats[1]


def _rounded(value):
    """Floats to 12 significant digits: a score's mean is summed batch by batch, so its last
    bit may depend on batch_rows (a fingerprinted setting)."""
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return float(f"{value:.12g}") if isinstance(value, float) else value


@pytest.mark.parametrize(
    ("stages", "spill", "expect"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_spilled_fit_gives_the_in_memory_output(
    corpus, tmp_path, monkeypatch, stages, spill, expect
):
    stages = json.loads(json.dumps(stages).replace('"TARGET"', json.dumps(corpus["target"])))
    assert sum(r["quality"] is not None for r in corpus["records"]) == PRESENT
    inputs = [corpus["path"]]
    counter = SpillCounter(monkeypatch)
    run_pipeline(stages, inputs, tmp_path / "memory", RunSettings())
    assert not counter.runs  # the default run_rows holds every record in memory
    monkeypatch.setattr(sorted_runs, "MIN_WINDOW", spill["min_window"])
    settings = RunSettings(run_rows=spill["run_rows"], batch_rows=50)
    run_pipeline(stages, inputs, tmp_path / "spilled", settings)
    assert_same_output_rows(tmp_path / "memory", tmp_path / "spilled")
    if spill["sorted_runs"]:  # the spilled path was really taken: many runs, many blocks
        assert counter.runs and min(counter.runs.values()) >= 10, counter.runs
        assert min(counter.blocks.get(name, 0) for name in counter.runs) >= 5, counter.blocks
    expect(
        read_output(tmp_path / "memory", "data"),
        read_output(tmp_path / "memory", "rejected"),
        corpus["records"],
    )


# ---- exact dedup: a duplicate group split across merged blocks --------------------------------


def test_exact_dedup_joins_a_group_split_across_merged_blocks(tmp_path, monkeypatch):
    """One text copied 40 times across 240 rows (re-cased, re-spaced), another 5 times, the
    rest unique; fitted with runs of 4 records merged in windows of 1 record, so the merge hands
    DuplicateGroups blocks of one or two records and the big group spans dozens of blocks. Every
    copy after the first is rejected and every member names the first copy's row."""
    rng = random.Random(3)
    # The merge's last block takes whatever is left once the run files are read, so the big
    # group must sort early: of 100 candidate texts, the one whose hash (xxh3-128 of the
    # normalized text, the fit's sort key) is smallest.
    big = min(
        (f"The same line in many places {k}" for k in range(100)),
        key=lambda t: xxhash.xxh3_128_intdigest(t.lower().encode()),
    )
    small = "another repeated line"
    texts = [f"doc {i} " + " ".join(word(rng, "en") for _ in range(5)) for i in range(240)]
    variants = [str, str.upper, lambda t: "  " + t.replace(" ", " \t ") + " "]
    for copy, row in enumerate(range(3, 240, 6)):
        texts[row] = variants[copy % 3](big)
    for row in (1, 50, 51, 130, 239):
        texts[row] = small
    records = [{"id": f"r{i}", "text": t} for i, t in enumerate(texts)]
    first: dict[str, int] = {}
    for row, text in enumerate(texts):
        first.setdefault(" ".join(text.lower().split()), row)
    firsts = [first[" ".join(t.lower().split())] for t in texts]
    members = {f for f in firsts if firsts.count(f) > 1}
    assert members == {1, 3}

    blocks: list[np.ndarray] = []

    class Recording(exact.DuplicateGroups):
        def add(self, block):
            blocks.append(block.copy())
            super().add(block)

    monkeypatch.setattr(exact, "DuplicateGroups", Recording)
    monkeypatch.setattr(sorted_runs, "MIN_WINDOW", 1)
    counter = SpillCounter(monkeypatch)
    source = write_jsonl(tmp_path / "in.jsonl", records)
    settings = RunSettings(run_rows=4, batch_rows=7)
    Pipeline([exact.ExactDedup()], settings=settings).run([source], tmp_path / "out")

    assert counter.runs["exact_dedup"] == 60
    # The merge really split a group: some block starts with the previous block's last hash.
    splits = sum(
        bool(np.all(block[0, :2] == previous[-1, :2]))
        for previous, block in itertools.pairwise(blocks)
        if len(previous) and len(block)
    )
    assert splits >= 30, (len(blocks), splits)

    rejected = read_output(tmp_path / "out", "rejected").to_pylist()
    assert [
        (r["id"], r["dp_reject_stage"], r["dp_reject_reason"], r["dp_dup_cluster"])
        for r in rejected
    ] == [
        (f"r{row}", "exact_dedup", "exact_duplicate", f) for row, f in enumerate(firsts) if f != row
    ]
    kept = read_output(tmp_path / "out", "data").to_pylist()
    assert [(r["id"], r["dp_dup_cluster"]) for r in kept] == [
        (f"r{row}", row if row in members else None) for row, f in enumerate(firsts) if f == row
    ]


@pytest.mark.slow
def test_run_rows_4096_gives_the_default_output_on_tens_of_thousands_of_documents(
    tmp_path, monkeypatch
):
    """The issue's acceptance: ``--run-rows 4096`` writes what the default writes, on 30,000
    documents with exact and near duplicates, through the command line."""
    from click.testing import CliRunner

    from dataprep.cli import main

    records = generated_records(7, 30_000, vectors=False)
    source = write_jsonl(tmp_path / "corpus.jsonl", records)
    recipe = tmp_path / "dedup.yaml"
    recipe.write_text("stages:\n  - exact_dedup\n  - minhash_dedup\n")
    counter = SpillCounter(monkeypatch)
    for name, extra in (("default", []), ("small", ["--run-rows", "4096"])):
        arguments = ["filter", source, "-o", str(tmp_path / name), "-c", str(recipe), "-q"]
        result = CliRunner().invoke(main, arguments + extra)
        assert result.exit_code == 0, result.output
        if name == "default":
            assert not counter.runs
    assert min(counter.runs.values()) >= 4, counter.runs  # every store spilled, repeatedly
    assert_same_output_rows(tmp_path / "default", tmp_path / "small")
    rejected = read_output(tmp_path / "default", "rejected")
    exact = ids_of(rejected, reason="exact_duplicate")
    near = ids_of(rejected, reason="near_duplicate")
    assert len(exact) > 3000 and len(near) > 1500, (len(exact), len(near))
