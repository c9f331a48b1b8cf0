"""``dataprep tokenize`` on the command line (dataprep.tokenize.cli)."""

import json

import pyarrow as pa
import pyarrow.parquet as pq
from click.testing import CliRunner
from tiny_tokenizers import word_level, write_jsonl

from dataprep.cli import main


def test_help_lists_the_command_and_its_options():
    runner = CliRunner()
    assert "tokenize" in runner.invoke(main, ["--help"]).output
    result = runner.invoke(main, ["tokenize", "--help"])
    assert result.exit_code == 0
    for option in ("--tokenizer", "--eos-token", "--seq-len", "--remainder", "--resume"):
        assert option in result.output


def test_the_command_prints_a_summary_and_writes_the_shards(tmp_path):
    word_level(tmp_path / "tok.json", ["a", "b"])
    source = write_jsonl(tmp_path / "in.jsonl", [{"text": "a b a"}, {"text": "b"}])
    out = tmp_path / "out"
    args = ["tokenize", str(source), "-o", str(out), "--tokenizer", str(tmp_path / "tok.json")]
    result = CliRunner().invoke(main, [*args, "--seq-len", "4", "--num-proc", "2"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("2 documents: 6 tokens (uint16) in 1 shards in ")
    assert result.stderr.startswith("tokenize: 2 documents in ")
    assert "; 2 sequences of 4 tokens, 2 padding and 0 dropped tokens" in result.stdout
    assert json.loads((out / "stats.json").read_text())["num_proc"] == 2


def test_progress_counts_documents_out_of_the_rows_a_parquet_input_stores(tmp_path):
    word_level(tmp_path / "tok.json", ["a", "b"])
    source = tmp_path / "in.parquet"
    pq.write_table(pa.table({"text": ["a b", "b", "a"]}), source)
    args = ["tokenize", str(source), "-o", str(tmp_path / "out")]
    args += ["--tokenizer", str(tmp_path / "tok.json"), "--batch-rows", "2"]
    result = CliRunner().invoke(main, args, env={"DATAPREP_PROGRESS_INTERVAL": "0"})
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert lines[0].startswith("tokenize: 2 / 3 documents, ")
    assert lines[1].startswith("tokenize: 3 / 3 documents, ")
    assert lines[2].startswith("tokenize: 3 documents in ")


def test_user_errors_are_one_line(tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl", [{"text": "a"}])
    args = ["tokenize", str(source), "-o", str(tmp_path / "out")]
    result = CliRunner().invoke(main, [*args, "--tokenizer", str(tmp_path / "none")])
    assert result.exit_code == 1
    assert result.output == f"Error: {tmp_path / 'none'}: no such tokenizer file or folder\n"
    word_level(tmp_path / "tok.json", ["a"])
    result = CliRunner().invoke(
        main, [*args, "--tokenizer", str(tmp_path / "tok.json"), "--text-column", "body"]
    )
    assert result.exit_code == 1
    assert "no text column 'body'" in result.output and len(result.output.splitlines()) == 1
