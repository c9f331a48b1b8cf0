import json

import pytest
from click.testing import CliRunner

from dataprep.cli import main


@pytest.mark.parametrize("args", [[]] + [[name] for name in sorted(main.commands)])
def test_help_of_every_command(args):
    result = CliRunner().invoke(main, [*args, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output


def test_filter_default_recipe_on_the_bundled_sample(tmp_path, sample_corpus):
    result = CliRunner().invoke(main, ["filter", str(sample_corpus), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "minhash_dedup" in result.output and "near_duplicate" in result.output
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["data"]["rows"] + manifest["rejected"]["rows"] == 1278
    assert [s["name"] for s in manifest["stages"]][-2:] == ["exact_dedup", "minhash_dedup"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["filter", "missing.jsonl", "-o", "OUT"],
            "Error: missing.jsonl: no such file or directory",
        ),
        (
            ["filter", "SAMPLE", "-o", "OUT", "-c", "nope.yaml"],
            "Error: nope.yaml: no such config file",
        ),
        (["filter", "SAMPLE", "-o", "OUT", "--text-column", "body"], "no text column 'body'"),
    ],
)
def test_user_errors_are_one_line_without_traceback(
    tmp_path, sample_corpus, args, message, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    args = [str(sample_corpus) if a == "SAMPLE" else a for a in args]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_stages_lists_every_stage_with_defaults():
    result = CliRunner().invoke(main, ["stages"])
    assert result.exit_code == 0
    assert "minhash_dedup (selector): ngram=5, num_perm=128, threshold=0.8" in result.output


def test_score_default_recipe_adds_columns_and_summaries(tmp_path, sample_corpus):
    result = CliRunner().invoke(main, ["score", str(sample_corpus), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    stats = json.loads((tmp_path / "out" / "stats.json").read_text())
    assert stats["rows_kept"] == 1278 and stats["rows_rejected"] == 0
    difficulty = stats["stages"]["difficulty"]["score"]
    assert difficulty["count"] == 1278
    assert 0.0 <= difficulty["min"] < difficulty["quantiles"]["p50"] < difficulty["max"] <= 1.0
    assert sum(difficulty["histogram"]["counts"]) == 1278
    datasets = pytest.importorskip("datasets")
    kept = datasets.load_from_disk(str(tmp_path / "out" / "data"))
    for column in ["dp_score_length", "dp_score_word_rarity", "dp_score_difficulty"]:
        assert column in kept.column_names


def test_score_refuses_a_filter_stage(tmp_path, sample_corpus):
    recipe = tmp_path / "r.yaml"
    recipe.write_text("stages:\n  - exact_dedup\n")
    args = ["score", str(sample_corpus), "-o", str(tmp_path / "o"), "-c", str(recipe)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    assert "exact_dedup is a selector, which belongs in a `dataprep filter` recipe" in result.output


def test_the_command_line_imports_nothing_heavy():
    """``dataprep --help`` stays fast: no numerical, plotting, model or Ray library is
    imported with the CLI (they load with the command that needs them)."""
    import subprocess
    import sys

    heavy = {"numpy", "pyarrow", "matplotlib", "sklearn", "torch", "numba", "ray", "datasets"}
    code = (
        "import sys, dataprep.cli; "
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({sorted(heavy)!r})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_lazy_commands_are_listed_with_their_own_help():
    from dataprep.cli import LAZY_COMMANDS

    listing = " ".join(CliRunner().invoke(main, ["--help"]).output.split())
    for name, (_, short_help) in LAZY_COMMANDS.items():
        assert f"{name} {short_help}" in listing
        own = " ".join(CliRunner().invoke(main, [name, "--help"]).output.split())
        assert short_help in own


def test_a_file_an_input_folder_holds_but_cannot_read_is_one_warning_line(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.jsonl").write_text('{"text": "one two three four five"}\n')
    (tmp_path / "in" / "b.csv").write_text("text\nx\n")
    result = CliRunner().invoke(main, ["filter", str(tmp_path / "in"), "-o", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    warning_lines = [line for line in result.output.splitlines() if "b.csv" in line]
    assert warning_lines == [
        f"warning: {tmp_path / 'in' / 'b.csv'}: not a JSONL, Parquet or Arrow file; not read"
    ]


def test_a_stage_that_rejects_almost_every_row_is_warned_about(tmp_path):
    data = tmp_path / "in.jsonl"
    data.write_text("".join(f'{{"text": "short {i}"}}\n' for i in range(150)))
    recipe = tmp_path / "r.yaml"
    recipe.write_text("stages:\n  - length_filter:\n      min_words: 50\n")
    result = CliRunner().invoke(
        main, ["filter", str(data), "-o", str(tmp_path / "o"), "-c", str(recipe)]
    )
    assert result.exit_code == 0, result.output
    message = (
        "length_filter rejected 150 of the 150 rows it saw (100.0%); top reason "
        "length_below_min_words (150 rows); check that its parameters suit this data"
    )
    assert f"warning: {message}" in result.output
    stats = json.loads((tmp_path / "o" / "stats.json").read_text())
    assert stats["warnings"] == [message]


@pytest.mark.parametrize(("short", "long", "warned"), [(60, 31, True), (60, 30, False)])
def test_the_warning_starts_above_90_percent_and_names_the_top_reason(
    tmp_path, short, long, warned
):
    """91 of 100 rejected is warned about (top reason: the 60 short rows); 90 of 100 is not."""
    docs = ["one"] * short + ["a b c d e f g h"] * long + ["a b c"] * (100 - short - long)
    data = tmp_path / "in.jsonl"
    data.write_text("".join(json.dumps({"text": t}) + "\n" for t in docs))
    recipe = tmp_path / "r.yaml"
    recipe.write_text("stages:\n  - length_filter:\n      min_words: 2\n      max_words: 5\n")
    result = CliRunner().invoke(
        main, ["filter", str(data), "-o", str(tmp_path / "o"), "-c", str(recipe)]
    )
    assert result.exit_code == 0, result.output
    stats = json.loads((tmp_path / "o" / "stats.json").read_text())
    if warned:
        message = (
            "length_filter rejected 91 of the 100 rows it saw (91.0%); top reason "
            "length_below_min_words (60 rows); check that its parameters suit this data"
        )
        assert stats["warnings"] == [message]
        assert f"warning: {message}" in result.output
    else:
        assert "warnings" not in stats
        assert "warning:" not in result.output


def test_a_coreset_selector_keeping_its_budget_is_not_warned_about(tmp_path):
    """random at budget 5 rejects 195 of 200 rows because it was asked to; a filter would warn."""
    data = tmp_path / "in.jsonl"
    data.write_text("".join(json.dumps({"text": f"row {i} of text"}) + "\n" for i in range(200)))
    recipe = tmp_path / "r.yaml"
    recipe.write_text("stages:\n  - random:\n      budget: 5\n")
    result = CliRunner().invoke(
        main, ["filter", str(data), "-o", str(tmp_path / "o"), "-c", str(recipe)]
    )
    assert result.exit_code == 0, result.output
    stats = json.loads((tmp_path / "o" / "stats.json").read_text())
    assert (stats["rows_kept"], "warnings" in stats) == (5, False)
    assert "warning:" not in result.output


def test_resume_with_nothing_to_resume_says_so(tmp_path):
    data = tmp_path / "in.jsonl"
    data.write_text('{"text": "one two three four five"}\n')
    result = CliRunner().invoke(main, ["filter", str(data), "-o", str(tmp_path / "o"), "--resume"])
    assert result.exit_code == 0, result.output
    assert f"nothing to resume for {tmp_path / 'o'}: starting afresh" in result.output


def test_an_output_that_is_a_file_is_refused_before_any_work(tmp_path):
    data = tmp_path / "in.jsonl"
    data.write_text('{"text": "one two three four five"}\n')
    target = tmp_path / "taken"
    target.write_text("not a folder")
    result = CliRunner().invoke(main, ["filter", str(data), "-o", str(target), "--overwrite"])
    assert result.exit_code != 0
    assert result.output.strip() == (
        f"Error: {target}: is a file; -o names the output folder (choose another -o)"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "taken"]


def test_bench_dedup_without_datasketch_is_one_line(tmp_path, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "datasketch" else real(name, *a),
    )
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text('{"text1": "a", "text2": "b", "label": 1}\n')
    result = CliRunner().invoke(
        main, ["bench", "dedup", "--pairs", str(pairs), "-o", str(tmp_path / "b")]
    )
    assert result.exit_code != 0
    assert result.output.strip().splitlines() == [
        "Error: the datasketch baseline needs the bench extra: pip install -e '.[bench]' "
        "(or pass --no-datasketch)"
    ]
