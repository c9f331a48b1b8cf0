"""``dataprep bench``: help texts, one-line user errors and a tiny real ``bench dedup`` run."""

import json

import pytest
from click.testing import CliRunner

from dataprep.bench.cli import bench
from dataprep.cli import main

# Rows 2i, 2i + 1 are pair i. exact_dedup (lowercase, collapsed whitespace) joins pairs 0, 1
# and 5, and row 8 ("Hello world" again) to pair 0's cluster.
PAIRS = [
    ("Hello world", "hello   WORLD", 1),  # exact duplicate, labelled one: TP
    ("Good morning to you", "good morning to you", 0),  # exact, labelled not: FP
    ("The sky is blue today", "Today the sky looks blue", 1),  # paraphrase: FN
    ("Apples are red", "Bananas are yellow", 0),  # TN
    ("Hello world", "Goodbye world", 0),  # TN; row 8 joins rows 0 and 1: 2 cross-pair links
    ("One two three", "one two three ", 1),  # TP
]


@pytest.fixture
def runner():
    return CliRunner()


def _pairs_file(tmp_path):
    path = tmp_path / "pairs.jsonl"
    path.write_text(
        "".join(json.dumps({"text1": a, "text2": b, "label": y}) + "\n" for a, b, y in PAIRS)
    )
    return path


def test_bench_help_lists_the_subcommands(runner):
    result = runner.invoke(main, ["bench", "--help"])
    assert result.exit_code == 0
    assert "Benchmark data selection" in result.output
    for name in ("coreset", "dedup", "curriculum"):
        assert f"  {name}  " in result.output


@pytest.mark.parametrize(
    "command, options",
    [
        ("coreset", ["--train", "--test-fraction", "--methods", "--fractions", "--seeds"]),
        ("dedup", ["--pairs", "--corpus", "--thresholds", "--eps", "--no-semantic"]),
        ("curriculum", ["--data", "--orders", "--adaptive", "--steps", "--valid-limit"]),
    ],
)
def test_subcommand_help(runner, command, options):
    result = runner.invoke(bench, [command, "--help"])
    assert result.exit_code == 0
    assert result.output.startswith(f"Usage: bench {command} [OPTIONS]")
    for option in options:
        assert option in result.output


def _error(result) -> str:
    """The one line a user error prints (exit status 1, no traceback)."""
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.output.count("\n") == 1
    return result.output.rstrip("\n")


def test_coreset_user_errors(runner, tmp_path):
    train = _pairs_file(tmp_path)  # any existing file: the options are checked first
    out = str(tmp_path / "o")
    args = ["coreset", "--train", str(train), "-o", out]
    assert _error(runner.invoke(bench, [*args, "--fractions", "0,abc"])) == (
        "Error: --fractions must be comma-separated numbers. Got '0,abc' instead."
    )
    assert _error(runner.invoke(bench, [*args, "--methods", "random,kmeans"])) == (
        "Error: Unknown coreset method 'kmeans'; the methods are random, stratified, "
        "kcenter_greedy, facility_location, density, prototypes, d4, score_topk."
    )
    assert _error(runner.invoke(bench, [*args, "--fractions", "0.1,1.5"])) == (
        "Error: Every fraction must be in (0, 1]. Got 1.5 instead."
    )
    assert _error(runner.invoke(bench, [*args, "--seeds", "0"])) == (
        "Error: --seeds must be at least 1. Got 0 instead."
    )
    missing = tmp_path / "missing.jsonl"
    assert _error(runner.invoke(bench, ["coreset", "--train", str(missing), "-o", out])) == (
        f"Error: {missing}: no such file."
    )


def test_dedup_user_errors(runner, tmp_path):
    pairs = str(_pairs_file(tmp_path))
    out = str(tmp_path / "o")
    assert _error(runner.invoke(bench, ["dedup", "--pairs", pairs, "--eps", "x", "-o", out])) == (
        "Error: --eps must be comma-separated numbers. Got 'x' instead."
    )
    both = ["dedup", "--pairs", pairs, "--corpus", pairs, "-o", out]
    assert _error(runner.invoke(bench, both)) == (
        "Error: Give either --pairs or --corpus (with --cluster-column), not both."
    )
    assert _error(runner.invoke(bench, ["dedup", "--corpus", pairs, "-o", out])) == (
        "Error: --corpus needs --cluster-column."
    )


def test_curriculum_user_errors(runner, tmp_path):
    args = ["curriculum", "--data", str(tmp_path / "none.jsonl"), "-o", str(tmp_path / "o")]
    assert _error(runner.invoke(bench, [*args, "--orders", "linear,cosine"])) == (
        "Error: Unknown order 'cosine'; choose among linear, root, exponential, baby_steps, "
        "random, sorted, anti."
    )
    assert _error(runner.invoke(bench, [*args, "--adaptive", "bandit"])) == (
        "Error: Unknown adaptive rule 'bandit'; choose among odm, doremi."
    )
    result = runner.invoke(bench, [*args, "--steps", "0"])  # click's own range check
    assert result.exit_code == 2 and "Invalid value for '--steps'" in result.output


def test_dedup_on_six_pairs_writes_exact_numbers(runner, tmp_path):
    out = tmp_path / "out"
    args = ["dedup", "--pairs", str(_pairs_file(tmp_path)), "--thresholds", "0.5"]
    result = runner.invoke(bench, [*args, "--no-datasketch", "--no-semantic", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "exact_dedup defaults: P=0.667 R=0.667 F1=0.667" in result.output
    saved = json.loads((out / "results.json").read_text())
    assert saved["mode"] == "pairs" and saved["rows"] == 12
    assert saved["source"]["pairs_count"] == 6 and saved["source"]["positives"] == 3
    assert saved["source"]["text_fields"] == ["text1", "text2"]
    assert [(r["method"], r["value"]) for r in saved["results"]] == [
        ("exact_dedup", None),
        ("minhash_dedup", 0.5),
    ]
    exact = saved["results"][0]
    assert (exact["tp"], exact["fp"], exact["fn"], exact["tn"]) == (2, 1, 1, 2)
    assert exact["precision"] == exact["recall"] == exact["f1"] == pytest.approx(2 / 3)
    # clusters {0, 1, 8}, {2, 3}, {10, 11}: 7 rows, 5 links, 3 of them labelled pairs
    assert exact["clustered_rows"] == 7 and exact["cross_pair_links"] == 2
    report = (out / "report.md").read_text()
    assert "| exact_dedup | defaults | 0.667 | 0.667 | 0.667 | 2 | 1 | 1 | 2 |" in report
    assert (out / "dedup_pr.png").is_file()
