"""``dataprep tokenize`` end to end (dataprep.tokenize.run): row order, EOS, token type,
fixed-length sequences within shards, group stats, any num_proc, resume."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from tiny_tokenizers import EOS, MULTILINGUAL, byte_bpe, decode_documents, word_level, write_jsonl

from dataprep.errors import ConfigError, OutputError
from dataprep.schedule.curriculum import Curriculum
from dataprep.schedule.run import ScheduleRun
from dataprep.settings import RunSettings
from dataprep.storage.checkpoint import CRASH_ENV, strip_timing
from dataprep.tokenize.indexed import read_index
from dataprep.tokenize.run import TokenizeRun

ROOT = Path(__file__).resolve().parents[2]


def documents_in_order(out: Path) -> np.ndarray:
    """The documents' tokens of every shard, in shard order (padding left out)."""
    manifest = json.loads((out / "manifest.json").read_text())
    pieces = []
    for shard in manifest["tokens"]["shards"]:
        prefix = out / "tokens" / shard["prefix"]
        index = read_index(prefix.with_suffix(".idx"))
        tokens = np.fromfile(prefix.with_suffix(".bin"), dtype=index.dtype)
        pieces.append(tokens[: int(index.lengths.sum())])
    return np.concatenate(pieces)


def corpus(tmp_path: Path, copies: int = 5) -> tuple[Path, list[str]]:
    texts = [f"{text} #{i}" for i in range(copies) for text in MULTILINGUAL]
    rows = [
        {"id": f"r{i}", "text": t, "lang": "en" if i % 3 else "xx"} for i, t in enumerate(texts)
    ]
    return write_jsonl(tmp_path / "in.jsonl", rows), texts


def test_decoding_the_shards_in_order_gives_back_the_texts_in_row_order(tmp_path):
    source, texts = corpus(tmp_path)
    tokenizer = byte_bpe(tmp_path / "tok.json", texts)
    run = TokenizeRun(tokenizer, shard_tokens=200, settings=RunSettings(batch_rows=7))
    result = run.run([str(source)], tmp_path / "out")

    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert result.shards == len(manifest["tokens"]["shards"]) > 2
    assert manifest["tokens"]["eos_token"] == EOS and manifest["tokens"]["dtype"] == "uint16"
    stream = documents_in_order(tmp_path / "out")
    assert decode_documents(tokenizer, stream, manifest["tokens"]["eos_id"]) == texts
    assert result.tokens == len(stream) == manifest["tokens"]["tokens"]
    # the document tables name each document's input row and id, in order
    rows, ids = [], []
    for shard in manifest["tokens"]["shards"]:
        table = pa.ipc.open_file(tmp_path / "out" / "tokens" / f"{shard['prefix']}.docs.arrow")
        table = table.read_all()
        rows += table.column("row").to_pylist()
        ids += table.column("id").to_pylist()
        assert table.column("offset").to_pylist()[0] == 0
    assert rows == list(range(len(texts)))
    assert ids == [f"r{i}" for i in range(len(texts))]


def test_a_scheduled_dataset_is_packed_in_plan_order(tmp_path):
    texts = [f"{text} level {i}" for i, text in enumerate(MULTILINGUAL * 2)]
    rows = [{"id": f"d{i}", "text": t, "hardness": float(-i)} for i, t in enumerate(texts)]
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    curriculum = Curriculum(
        pacing="linear", difficulty_column="hardness", batch_size=4, epochs=2, c0=0.3
    )
    ScheduleRun(curriculum).run([str(source)], tmp_path / "plan")
    plan = pa.concat_tables(
        pa.ipc.open_stream(path).read_all()
        for path in sorted((tmp_path / "plan" / "data").glob("*.arrow"))
    )
    planned = plan.column("text").to_pylist()
    assert len(planned) == 2 * len(texts) and planned != texts  # repeats, and reordered

    tokenizer = byte_bpe(tmp_path / "tok.json", texts)
    TokenizeRun(tokenizer, shard_tokens=300, group_columns=("dp_bucket",)).run(
        [str(tmp_path / "plan" / "data")], tmp_path / "out"
    )
    eos_id = json.loads((tmp_path / "out" / "manifest.json").read_text())["tokens"]["eos_id"]
    assert decode_documents(tokenizer, documents_in_order(tmp_path / "out"), eos_id) == planned
    stats = json.loads((tmp_path / "out" / "stats.json").read_text())
    buckets = plan.column("dp_bucket").to_pylist()
    assert {k: v["documents"] for k, v in stats["groups"]["dp_bucket"].items()} == {
        str(b): buckets.count(b) for b in set(buckets)
    }


def test_eos_ends_every_document_and_the_32_bit_type_holds_ids_past_65535(tmp_path):
    words = [f"w{i}" for i in range(70_000)]
    tokenizer = word_level(tmp_path / "tok.json", words)
    source = write_jsonl(
        tmp_path / "in.jsonl", [{"text": "w1 w69999"}, {"text": "w65536"}, {"text": "w0 w0 w2"}]
    )
    result = TokenizeRun(tokenizer).run([str(source)], tmp_path / "out")
    assert result.dtype == "int32"
    eos = 70_000
    assert documents_in_order(tmp_path / "out").tolist() == [
        1, 69_999, eos, 65_536, eos, 0, 0, 2, eos,
    ]  # fmt: skip
    small = word_level(tmp_path / "small.json", words[:65_535])  # 65,536 ids with EOS
    result = TokenizeRun(small).run([str(source)], tmp_path / "out16")
    assert result.dtype == "uint16"
    assert (tmp_path / "out16" / "tokens" / "part-00000.bin").stat().st_size == 9 * 2


@pytest.mark.parametrize("remainder", ["pad", "drop"])
def test_sequences_stay_inside_their_shard_and_padding_and_dropped_tokens_are_counted(
    tmp_path, remainder
):
    words = [f"w{i}" for i in range(50)]
    tokenizer = word_level(tmp_path / "tok.json", words)
    lengths = [3, 5, 2, 7, 4, 1, 6, 2, 9, 3]  # words per document; tokens: + 1 EOS
    rows = [{"text": " ".join(f"w{n}" for _ in range(k))} for n, k in enumerate(lengths)]
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    run = TokenizeRun(tokenizer, seq_len=4, remainder=remainder, shard_tokens=12)
    result = run.run([str(source)], tmp_path / "out")

    # shards close at the first document boundary at or after 12 tokens:
    # [4, 6, 3] = 13, [8, 5] = 13, [2, 7, 3] = 12, [10, 4] = 14
    shard_tokens = [13, 13, 12, 14]
    stats = json.loads((tmp_path / "out" / "stats.json").read_text())
    assert [s["tokens"] for s in stats["shards"]] == shard_tokens
    sizes = [
        (tmp_path / "out" / "tokens" / f"part-0000{i}.bin").stat().st_size // 2 for i in range(4)
    ]
    if remainder == "pad":
        assert [s["padding"] for s in stats["shards"]] == [3, 3, 0, 2]
        assert (stats["padding_tokens"], stats["dropped_tokens"]) == (8, 0)
        assert sizes == [16, 16, 12, 16]  # every shard a whole number of sequences
        assert stats["sequences"] == result.sequences == 15
    else:
        assert [s["dropped"] for s in stats["shards"]] == [1, 1, 0, 2]
        assert (stats["padding_tokens"], stats["dropped_tokens"]) == (0, 4)
        assert sizes == shard_tokens
        assert stats["sequences"] == result.sequences == 12
    assert stats["tokens"] == sum(lengths) + len(lengths) == sum(shard_tokens)


def test_two_processes_write_the_same_bytes_as_one(tmp_path, monkeypatch):
    source, texts = corpus(tmp_path, copies=12)
    tokenizer = byte_bpe(tmp_path / "tok.json", texts)
    monkeypatch.setattr("dataprep.tokenize.run.TASK_ROWS", 7)  # batches of 20 in 3 tasks
    for processes in (1, 2):
        settings = RunSettings(batch_rows=20, num_proc=processes)
        TokenizeRun(tokenizer, seq_len=16, shard_tokens=500, settings=settings).run(
            [str(source)], tmp_path / f"out{processes}"
        )
    assert tree_bytes(tmp_path / "out1" / "tokens") == tree_bytes(tmp_path / "out2" / "tokens")
    assert len(tree_bytes(tmp_path / "out1" / "tokens")) > 3


def tree_bytes(folder: Path) -> dict:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def tokenize_in_subprocess(
    args: list[str], crash: str | None = None
) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop(CRASH_ENV, None)
    if crash:
        env[CRASH_ENV] = crash
    command = [sys.executable, "-m", "dataprep", "tokenize", *args, "-q"]
    return subprocess.run(command, env=env, capture_output=True, text=True, cwd=ROOT)


def test_a_resumed_run_writes_the_same_bytes_as_an_uninterrupted_one(tmp_path):
    source, texts = corpus(tmp_path, copies=6)
    tokenizer = byte_bpe(tmp_path / "tok.json", texts)
    args = [str(source), "--tokenizer", str(tokenizer), "--shard-tokens", "150"]
    args += ["--seq-len", "8", "--batch-rows", "4"]
    clean = tokenize_in_subprocess([*args, "-o", str(tmp_path / "clean")])
    assert clean.returncode == 0, clean.stderr
    crashed = tokenize_in_subprocess([*args, "-o", str(tmp_path / "out")], crash="part_saved:2")
    assert crashed.returncode != 0
    assert not (tmp_path / "out").exists()
    kept = sorted(p.name for p in (tmp_path / ".out.dataprep-tmp" / "tokens").iterdir())
    assert kept[:6] == [
        f"part-0000{i}.{ext}" for i in (0, 1) for ext in ("bin", "docs.arrow", "idx")
    ]

    resumed = tokenize_in_subprocess([*args, "-o", str(tmp_path / "out"), "--resume"])
    assert resumed.returncode == 0, resumed.stderr
    assert tree_bytes(tmp_path / "out" / "tokens") == tree_bytes(tmp_path / "clean" / "tokens")
    stats = [json.loads((tmp_path / d / "stats.json").read_text()) for d in ("out", "clean")]
    assert strip_timing(stats[0]) == strip_timing(stats[1])
    manifests = [json.loads((tmp_path / d / "manifest.json").read_text()) for d in ("out", "clean")]
    assert manifests[0]["tokens"] == manifests[1]["tokens"]


def test_resume_refuses_when_the_layout_changed(tmp_path):
    source, texts = corpus(tmp_path)
    tokenizer = byte_bpe(tmp_path / "tok.json", texts)
    args = [str(source), "--tokenizer", str(tokenizer), "--shard-tokens", "100"]
    crashed = tokenize_in_subprocess([*args, "-o", str(tmp_path / "out")], crash="part_saved:1")
    assert crashed.returncode != 0
    refused = tokenize_in_subprocess(
        [*args, "--seq-len", "8", "-o", str(tmp_path / "out"), "--resume"]
    )
    assert refused.returncode == 1
    assert "cannot resume: the layout changed" in refused.stderr


def test_bad_parameters_and_columns_are_one_sentence_errors(tmp_path):
    source, texts = corpus(tmp_path)
    tokenizer = byte_bpe(tmp_path / "tok.json", texts)
    with pytest.raises(ConfigError, match=r"seq_len must be a positive integer\. Got 0"):
        TokenizeRun(tokenizer, seq_len=0).run([str(source)], tmp_path / "a")
    with pytest.raises(ConfigError, match="remainder must be 'pad' or 'drop'"):
        TokenizeRun(tokenizer, remainder="keep").run([str(source)], tmp_path / "b")
    with pytest.raises(ConfigError, match=r"in\.jsonl: no group column 'source'; the columns are"):
        TokenizeRun(tokenizer, group_columns=("source",)).run([str(source)], tmp_path / "c")
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "x").write_text("")
    with pytest.raises(OutputError, match="already exists and is not empty"):
        TokenizeRun(tokenizer).run([str(source)], tmp_path / "d")
