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
    for name in ("coreset", "dedup", "curriculum", "train"):
        assert f"  {name}  " in result.output


@pytest.mark.parametrize(
    "command, options",
    [
        ("coreset", ["--train", "--test-fraction", "--methods", "--fractions", "--seeds"]),
        ("dedup", ["--pairs", "--corpus", "--thresholds", "--eps", "--no-semantic"]),
        ("curriculum", ["--data", "--orders", "--adaptive", "--steps", "--valid-limit"]),
        (
            "train",
            [
                *("--pool", "--valid", "--target", "--group-column", "--arms", "--seeds"),
                *("--fraction", "--eval-every", "--valid-limit", "--context", "--workers"),
            ],
        ),
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
        "kcenter_greedy, facility_location, density, prototypes, d4, typiclust, probcover, "
        "ccs, d2_pruning, score_topk."
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
    assert saved["skipped"] == {
        "datasketch_lsh": "turned off by --no-datasketch",
        "semantic_dedup": "turned off by --no-semantic",
    }
    report = (out / "report.md").read_text()
    assert "| exact_dedup | defaults | 0.667 | 0.667 | 0.667 | 2 | 1 | 1 | 2 |" in report
    assert "None s" not in report
    assert "semantic_dedup (turned off by --no-semantic)" in report
    assert (out / "dedup_pr.png").is_file()


def test_train_help_names_every_arm_and_the_defaults(runner):
    from dataprep.bench.train import TrainBench
    from dataprep.bench.train_arms import ARMS

    result = runner.invoke(bench, ["train", "--help"])
    assert result.exit_code == 0
    text = " ".join(result.output.split())  # the help as one line
    assert "Train the same small LM from scratch on each arm's data" in text
    assert f"Comma-separated arms among {', '.join(ARMS)} (random is always run)." in text
    defaults = TrainBench()
    assert f"--seeds INTEGER RANGE [default: {defaults.seeds}; x>=1]" in text
    assert f"the pool. [default: {defaults.fraction}; 0<x<=1]" in text  # --fraction
    assert f"--group-column TEXT [default: {defaults.group_column}]" in text
    assert "--workers INTEGER RANGE Training processes (0: in this process)." in text


def _train_args(tmp_path, train_files, *extra):
    return [
        "train",
        "--pool",
        str(train_files["pool"]),
        "--valid",
        str(train_files["valid"]),
        "-o",
        str(tmp_path / "o"),
        *extra,
    ]


def test_train_user_errors(runner, tmp_path, train_files):
    assert _error(
        runner.invoke(bench, _train_args(tmp_path, train_files, "--arms", "random,bm25"))
    ) == (
        "Error: Unknown arm 'bm25'; choose among random, filter, dsir, semdedup, d4, "
        "perplexity_low, perplexity_middle, perplexity_high, linear, root, exponential, "
        "baby_steps, sorted, anti, odm, doremi."
    )
    assert _error(runner.invoke(bench, _train_args(tmp_path, train_files, "--arms", "dsir"))) == (
        "Error: The dsir arm needs a target sample: pass --target."
    )
    group = _train_args(tmp_path, train_files, "--arms", "random", "--group-column", "topic")
    assert _error(runner.invoke(bench, group)) == (
        f"Error: {train_files['pool']}: no group column 'topic'; the columns are id, text, source."
    )
    missing = tmp_path / "missing.jsonl"
    args = ["train", "--pool", str(missing), "--valid", str(missing), "-o", str(tmp_path / "o")]
    assert _error(runner.invoke(bench, [*args, "--arms", "random"])) == (
        f"Error: {missing}: no such file or directory"
    )
    for option, value in (("--fraction", "0"), ("--fraction", "1.5"), ("--seeds", "0")):
        result = runner.invoke(bench, _train_args(tmp_path, train_files, option, value))
        assert result.exit_code == 2 and f"Invalid value for '{option}'" in result.output
    assert not (tmp_path / "o").exists()


TINY_TRAIN = ["--seeds", "1", "--steps", "2", "--eval-every", "1", "--batch-size", "2"]
TINY_TRAIN += ["--valid-limit", "4", "--context", "16", "--width", "16", "--layers", "1"]
TINY_TRAIN += ["--workers", "0"]


def test_train_arm_that_keeps_no_row_is_a_one_line_error(runner, tmp_path, one_torch_thread):
    # DSIR never keeps a row under 100 tokens: with a pool of short rows it keeps none
    pool = tmp_path / "short.jsonl"
    rows = [{"id": f"r{i}", "text": f"short row {i}", "source": "abc"[i % 3]} for i in range(12)]
    pool.write_text("".join(json.dumps(r) + "\n" for r in rows))
    args = ["train", "--pool", str(pool), "--valid", str(pool), "--target", str(pool)]
    result = runner.invoke(bench, [*args, "--arms", "dsir", *TINY_TRAIN, "-o", str(tmp_path / "o")])
    assert result.exit_code == 1, result.output
    assert (
        result.output.splitlines()[-1] == "Error: The dsir arm kept no row of the pool at seed 0."
    )
    assert "Traceback" not in result.output


def test_train_on_a_tiny_pool(runner, tmp_path, train_files, one_torch_thread):
    out = tmp_path / "o"
    args = _train_args(tmp_path, train_files, "--arms", "random,odm", *TINY_TRAIN)
    result = runner.invoke(bench, [*args, "--learning-rate", "0.01"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[-1] == f"see {out}/report.md"
    assert lines[-2].startswith("No arm reaches") or lines[-2].startswith("Arms that reach")
    assert any(line.startswith("done odm seed 0: ") for line in lines)
    saved = json.loads((out / "results.json").read_text())
    assert list(saved["arms"]) == ["random", "odm"] and saved["eval_steps"] == [1, 2]
    assert saved["command"].startswith("dataprep ")
    settings = saved["settings"]
    assert settings["model"] == {"context": 16, "width": 16, "layers": 1, "learning_rate": 0.01}
    assert (settings["seeds"], settings["steps"], settings["batch_size"]) == (1, 2, 2)
    assert settings["budget_rows"] == 50 and settings["valid_documents"] == 4
    assert (out / "report.md").is_file() and (out / "train.png").is_file()
    assert not (out / "work").exists()
