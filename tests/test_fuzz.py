"""Property tests over generated corpora (random Unicode, empty and huge rows, repeated rows,
mixed types) for the reader, the writer and every registered stage.

Properties: conservation (kept + rejected = input rows), unique ids, determinism (two runs give
byte-identical output), and ``transform_batch`` keeps the row count, the order and the input
columns. Runs are in-process (num_proc=1). The fast set runs a few cases per test; the slow set
(``-m slow``) runs FUZZ_SLOW_CASES per stage, over 1,000 cases in all.
"""

import json
import pickle

import pyarrow as pa
import pytest
from conftest import GOOD_DOC
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_stage_contract import EXAMPLE_PARAMS, STAGES

from dataprep import registry
from dataprep.io.readers import open_corpus
from dataprep.pipeline import Pipeline
from dataprep.settings import RunSettings
from dataprep.stage import REJECT_REASON, REJECT_STAGE, ROW_COLUMN
from dataprep.testing import make_batch, run_stage

FAST_CASES = 3
# Slow set: 40 cases per stage, 12 for the stages that embed text or run a neural LM, 200 for
# the reader: over 1,000 in all.
SLOW_CASES = 40
HEAVY_SLOW_CASES = 12
READER_SLOW_CASES = 200
HEAVY = {n for n, p in EXAMPLE_PARAMS.items() if p and "cache_dir" in p} | {"hf_perplexity"}
SETTINGS = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    "derandomize": True,  # the same cases every run: a failure is reproducible in CI
}

WEIRD = st.characters(blacklist_categories=("Cs",))  # any code point but surrogates
TEXTS = st.one_of(
    st.text(WEIRD, max_size=80),
    st.sampled_from([GOOD_DOC, GOOD_DOC.upper(), "", " ", "\n\n", "a b c d e f " * 30]),
    st.text(st.sampled_from("ab .\n\u00e9\u4e2d"), min_size=3000, max_size=9000),  # huge rows
)
ODD_VALUES = st.one_of(
    st.none(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


@st.composite
def corpora(draw, mixed_types: bool = False):
    """Records with a text and a quality column; some rows repeat earlier ones."""
    pool = draw(
        st.lists(st.one_of(TEXTS, ODD_VALUES) if mixed_types else TEXTS, min_size=1, max_size=10)
    )
    picks = draw(st.lists(st.integers(0, len(pool) - 1), min_size=1, max_size=24))
    quality = draw(st.lists(st.floats(0, 1), min_size=len(picks), max_size=len(picks)))
    return [{"text": pool[i], "quality": q} for i, q in zip(picks, quality, strict=True)]


def write_jsonl(path, records):
    with open(path, "w", encoding="utf-8") as f:
        for record in records:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def read_split(out, split):
    files = sorted((out / split).glob("data-*.arrow"))
    tables = []
    for path in files:
        with pa.memory_map(str(path)) as source:
            tables.append(pa.ipc.open_stream(source).read_all())
    return pa.concat_tables(tables)


def output_bytes(out):
    files = sorted(p for p in out.rglob("*") if p.is_file() and p.name != "stats.json")
    return {p.relative_to(out): p.read_bytes() for p in files}


def check_reader(tmp_path, records):
    path = write_jsonl(tmp_path / "in.jsonl", records)
    corpus = open_corpus([str(path)], on_error="reject", batch_rows=7)
    table = pa.Table.from_batches(list(corpus.iter_batches()))
    assert table.num_rows == len(records)  # conservation: every line is a row
    assert table.column("id").to_pylist() == [f"in.jsonl:{i}" for i in range(len(records))]
    assert table.column(ROW_COLUMN).to_pylist() == list(range(len(records)))
    for record, text, reason in zip(
        records,
        table.column("text").to_pylist(),
        table.column(REJECT_REASON).to_pylist(),
        strict=True,
    ):
        value = record["text"]
        if isinstance(value, str) and value:
            assert reason is None and text == value
        else:
            assert reason in (
                "bad_input_null_text",
                "bad_input_empty_text",
                "bad_input_non_string_text",
            ), (value, reason)


@given(records=corpora(mixed_types=True))
@settings(max_examples=FAST_CASES * 5, **SETTINGS)
def test_reader_keeps_every_row_fast(tmp_path_factory, records):
    check_reader(tmp_path_factory.mktemp("fuzz"), records)


@pytest.mark.slow
@given(records=corpora(mixed_types=True))
@settings(max_examples=READER_SLOW_CASES, **SETTINGS)
def test_reader_keeps_every_row(tmp_path_factory, records):
    check_reader(tmp_path_factory.mktemp("fuzz"), records)


def _small_reference() -> str:
    """A small reference corpus, so ngram_perplexity trains in milliseconds per case."""
    import tempfile

    path = tempfile.mkdtemp(prefix="dataprep-fuzz-") + "/reference.jsonl"
    write_jsonl(path, [{"text": GOOD_DOC}, {"text": GOOD_DOC.lower()}, {"text": "the cat sat"}])
    return path


PARAMS = {**EXAMPLE_PARAMS, "ngram_perplexity": {"reference": _small_reference()}}


def make_stage(name):
    return registry.get(name)(**PARAMS.get(name, {}))


def check_stage_pipeline(tmp_path, name, records):
    """reader -> stage -> writer, twice: nothing lost, unique ids, identical output."""
    path = write_jsonl(tmp_path / "in.jsonl", records)
    outputs = []
    for run in range(2):
        out = tmp_path / f"out{run}"
        Pipeline(
            [make_stage(name)],
            settings=RunSettings(batch_rows=5, max_shard_bytes=4096, on_error="reject"),
        ).run([str(path)], out)
        outputs.append(out)
    kept, rejected = read_split(outputs[0], "data"), read_split(outputs[0], "rejected")
    assert kept.num_rows + rejected.num_rows == len(records)
    ids = kept.column("id").to_pylist() + rejected.column("id").to_pylist()
    assert sorted(ids) == sorted(f"in.jsonl:{i}" for i in range(len(records)))
    assert None not in rejected.column(REJECT_STAGE).to_pylist()
    assert output_bytes(outputs[0]) == output_bytes(outputs[1])


def check_transform(name, records):
    """transform_batch keeps row count, order and input columns; it is deterministic."""
    batch = make_batch(records)
    first = run_stage(make_stage(name), batch, batch_rows=4)
    second = run_stage(pickle.loads(pickle.dumps(make_stage(name))), batch, batch_rows=4)
    assert first.num_rows == batch.num_rows
    rewritten = {"text"} if make_stage(name).kind == "modifier" else set()  # a modifier's job
    for column in batch.schema.names:
        if column not in (REJECT_STAGE, REJECT_REASON, *rewritten):
            assert first.column(column).equals(batch.column(column)), column
    assert ipc_bytes(first) == ipc_bytes(second)  # equal, NaN scores included


def ipc_bytes(batch):
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, batch.schema) as writer:
        writer.write_batch(batch)
    return sink.getvalue().to_pybytes()


@pytest.mark.parametrize("name", STAGES)
@given(records=corpora())
@settings(max_examples=FAST_CASES, **SETTINGS)
def test_every_stage_on_generated_corpora_fast(tmp_path_factory, name, records):
    check_stage_pipeline(tmp_path_factory.mktemp("fuzz"), name, records)
    check_transform(name, records)


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n in STAGES if n not in HEAVY])
@given(records=corpora())
@settings(max_examples=SLOW_CASES, **SETTINGS)
def test_every_stage_on_generated_corpora(tmp_path_factory, name, records):
    check_stage_pipeline(tmp_path_factory.mktemp("fuzz"), name, records)
    check_transform(name, records)


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n in STAGES if n in HEAVY])
@given(records=corpora())
@settings(max_examples=HEAVY_SLOW_CASES, **SETTINGS)
def test_every_embedding_stage_on_generated_corpora(tmp_path_factory, name, records):
    check_stage_pipeline(tmp_path_factory.mktemp("fuzz"), name, records)
    check_transform(name, records)
