import json

import pyarrow as pa
import pytest
from conftest import shared_file

from dataprep.dedup.exact import ExactDedup
from dataprep.dedup.minhash import MinHashDedup
from dataprep.errors import ConfigError, InputError, OutputError
from dataprep.pipeline import Pipeline
from dataprep.quality.simple import LengthFilter, ScoreThreshold
from dataprep.settings import RunSettings


def read_split(out, split):
    manifest = json.loads((out / "manifest.json").read_text())
    tables = []
    for shard in manifest[split]["shards"]:
        with pa.memory_map(str(out / split / shard["file"])) as source:
            tables.append(pa.ipc.open_stream(source).read_all())
    return pa.concat_tables(tables)


def dedup_stages():
    return [LengthFilter(min_words=3), ExactDedup(), MinHashDedup(threshold=0.8)]


def assert_nothing_lost(out, rows_in, id_column="id"):
    kept, rejected = read_split(out, "data"), read_split(out, "rejected")
    assert kept.num_rows + rejected.num_rows == rows_in
    ids = kept.column(id_column).to_pylist() + rejected.column(id_column).to_pylist()
    assert len(set(ids)) == rows_in
    assert None not in rejected.column("dp_reject_stage").to_pylist()
    assert None not in rejected.column("dp_reject_reason").to_pylist()
    assert "dp_reject_stage" not in kept.schema.names
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["data"]["rows"] + manifest["rejected"]["rows"] == manifest["rows_in"] == rows_in
    stats = json.loads((out / "stats.json").read_text())
    assert stats["rows_kept"] == kept.num_rows
    for stage in stats["stages"].values():
        assert sum(stage["reasons"].values()) == stage["rows_rejected"]
    return kept, rejected


@pytest.mark.parametrize(
    ("parts", "rows"),
    [
        (("tinyshakespeare", "tinyshakespeare.jsonl.gz"), 7222),
        (("ag_news", "ag_news_test.jsonl.gz"), 7600),
        (("wikitext-2", "wikitext2_test.jsonl.gz"), 62),
    ],
)
def test_nothing_lost_on_real_corpora(tmp_path, parts, rows):
    result = Pipeline(dedup_stages()).run([str(shared_file(*parts))], tmp_path / "out")
    assert result.rows_in == rows
    assert_nothing_lost(tmp_path / "out", rows)


def test_sample_near_duplicates_are_the_second_edition(tmp_path, sample_corpus):
    Pipeline(dedup_stages()).run([str(sample_corpus)], tmp_path / "out")
    _, rejected = assert_nothing_lost(tmp_path / "out", 1278)
    dup_ids = [
        i
        for i, s in zip(
            rejected.column("id").to_pylist(),
            rejected.column("dp_reject_stage").to_pylist(),
            strict=True,
        )
        if s in ("exact_dedup", "minhash_dedup")
    ]
    # Every duplicate found is a 2006-edition Gospel chapter; the 1769 chapter comes first.
    assert len(dup_ids) >= 80
    assert all(i.startswith("ebible:") for i in dup_ids)


def default_stages():
    from dataprep.cli import builtin_recipe
    from dataprep.config import build_stages, load_recipe

    return build_stages(load_recipe(builtin_recipe("filter/default.yaml"))["stages"])


@pytest.mark.parametrize(
    "parts",
    [
        ("tinyshakespeare", "tinyshakespeare.jsonl.gz"),
        ("dclm_quality_annotations", "dclm_quality_majority.jsonl.gz"),
    ],
)
def test_output_does_not_depend_on_num_proc(tmp_path, parts):
    source = [str(shared_file(*parts))]
    for num_proc in (1, 2):
        pipeline = Pipeline(
            default_stages(), settings=RunSettings(num_proc=num_proc, batch_rows=100)
        )
        pipeline.run(source, tmp_path / f"p{num_proc}")
    files = sorted(p.relative_to(tmp_path / "p1") for p in (tmp_path / "p1").rglob("*"))
    assert files == sorted(p.relative_to(tmp_path / "p2") for p in (tmp_path / "p2").rglob("*"))
    for relative in files:
        if relative.name != "stats.json" and (tmp_path / "p1" / relative).is_file():
            assert (tmp_path / "p1" / relative).read_bytes() == (
                tmp_path / "p2" / relative
            ).read_bytes()


def test_default_recipe_loses_nothing_and_names_every_reason(tmp_path):
    path = shared_file("dclm_quality_annotations", "dclm_quality_majority.jsonl.gz")
    Pipeline(default_stages()).run([str(path)], tmp_path / "out")
    _, rejected = assert_nothing_lost(tmp_path / "out", 499)
    stages = set(rejected.column("dp_reject_stage").to_pylist())
    assert {"gopher_quality", "c4_quality", "fineweb_quality"} <= stages
    for stage, reason in zip(
        rejected.column("dp_reject_stage").to_pylist(),
        rejected.column("dp_reject_reason").to_pylist(),
        strict=True,
    ):
        prefix = {"exact_dedup": "exact_", "minhash_dedup": "near_"}.get(stage, stage.split("_")[0])
        assert reason.startswith(prefix), (stage, reason)


def test_rejected_rows_carry_columns_and_cluster_ids(tmp_path):
    path = tmp_path / "in.jsonl"
    texts = ["short", "a b c d e f g h", "a b c d e f g h", "A  B c d e f g h"]
    path.write_text("".join(json.dumps({"text": t, "k": i}) + "\n" for i, t in enumerate(texts)))
    Pipeline(dedup_stages()).run([str(path)], tmp_path / "out")
    kept, rejected = assert_nothing_lost(tmp_path / "out", 4)
    assert kept.to_pylist() == [{"text": texts[1], "k": 1, "id": "in.jsonl:1", "dp_dup_cluster": 1}]
    assert [
        (r["k"], r["dp_reject_stage"], r["dp_reject_reason"], r["dp_dup_cluster"])
        for r in rejected.to_pylist()
    ] == [
        (0, "length_filter", "length_below_min_words", None),
        (2, "exact_dedup", "exact_duplicate", 1),
        (3, "exact_dedup", "exact_duplicate", 1),
    ]


def test_existing_output_is_refused_and_overwrite_replaces_it(tmp_path, sample_corpus):
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.txt").write_text("x")
    with pytest.raises(OutputError, match="already exists and is not empty"):
        Pipeline([ExactDedup()]).run([str(sample_corpus)], out)
    Pipeline([ExactDedup()]).run([str(sample_corpus)], out, overwrite=True)
    assert not (out / "old.txt").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no temporary folder left


def test_config_errors_come_before_reading_data(tmp_path):
    missing_input = str(tmp_path / "does-not-exist.jsonl")
    with pytest.raises(ConfigError, match="appears twice"):
        Pipeline([ExactDedup(), ExactDedup()]).run([missing_input], tmp_path / "o")
    with pytest.raises(ConfigError, match="threshold"):
        Pipeline([MinHashDedup(threshold=2.0)]).run([missing_input], tmp_path / "o")


def test_missing_score_column_is_named_before_any_batch(tmp_path, sample_corpus):
    with pytest.raises(ConfigError, match="no column 'dp_score_x'; the columns are id, edition"):
        Pipeline([ScoreThreshold(column="dp_score_x", min=0.5)]).run(
            [str(sample_corpus)], tmp_path / "o"
        )
    assert not (tmp_path / "o").exists()


class CountingFilter(LengthFilter):
    """length_filter that counts the rows it is asked about (num_proc=1 runs in this process)."""

    name = "length_filter"
    seen = 0

    def reject_reasons(self, batch):
        CountingFilter.seen += batch.num_rows
        return super().reject_reasons(batch)


def test_filters_before_whole_corpus_stages_run_once_per_row(tmp_path, sample_corpus):
    from conftest import read_jsonl_gz

    CountingFilter.seen = 0
    stages = [CountingFilter(min_words=200), ExactDedup(), MinHashDedup()]
    Pipeline(stages).run([str(sample_corpus)], tmp_path / "out")
    # Three passes (two fits and the write), but the filter's verdicts come from the decision log.
    assert CountingFilter.seen == 1278
    short = sum(len(r["text"].split()) < 200 for r in read_jsonl_gz(sample_corpus))
    stats = json.loads((tmp_path / "out" / "stats.json").read_text())["stages"]
    assert stats["length_filter"]["reasons"] == {"length_below_min_words": short}
    assert stats["exact_dedup"]["rows_in"] == 1278 - short


def test_a_bad_line_mid_run_leaves_no_output_behind(tmp_path, monkeypatch):
    from dataprep.io import jsonl

    monkeypatch.setattr(jsonl, "JSON_BLOCK_BYTES", 64)  # the bad line is read mid-run
    path = tmp_path / "in.jsonl"
    path.write_text('{"text": "a b c"}\n' * 20 + "{not json}\n")
    with pytest.raises(InputError, match=r"in\.jsonl:line 21: not valid JSON"):
        Pipeline([ExactDedup()]).run([str(path)], tmp_path / "out")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl"]
