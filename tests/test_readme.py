"""The README's set-up commands are what CI runs, and the package lists every subpackage."""

import json
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def readme_commands() -> list[str]:
    text = (REPO / "README.md").read_text()
    setup = text.split("## Set-up", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```bash\n(.+?)\n```", setup)


def test_readme_has_exactly_two_setup_commands_and_ci_runs_the_test_one():
    commands = readme_commands()
    assert len(commands) == 2
    assert commands[0].startswith("pip install") and "dataprep filter data/" in commands[0]
    assert "pytest" in commands[1]
    assert commands[1] in (REPO / ".ci" / "run").read_text()


def test_every_subpackage_is_listed_in_pyproject():
    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11
    listed = set(
        tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    found = {
        ".".join(path.parent.relative_to(REPO).parts)
        for path in (REPO / "dataprep").rglob("__init__.py")
    }
    assert found | {"dataprep.recipes"} == listed


def test_bundled_sample_is_small_and_documented():
    sample = REPO / "data" / "kjv_chapters.jsonl.gz"
    assert sample.stat().st_size <= 2 * 1024 * 1024
    assert "public domain" in (REPO / "data" / "README.md").read_text()


def test_training_benchmark_table_and_verdict_in_the_readmes_come_from_the_committed_json():
    import json

    from dataprep.bench.train_report import table_lines, verdict

    results = json.loads(
        (REPO / "benchmarks/results/bench_train_wikitext/results.json").read_text()
    )
    for readme in (REPO / "README.md", REPO / "benchmarks" / "README.md"):
        text = readme.read_text()
        for line in table_lines(results):
            assert line in text, f"{readme.name} lacks the committed table line {line!r}"
        assert verdict(results) in " ".join(text.split())


def test_end_to_end_numbers_in_the_readme_come_from_the_committed_json():
    import json
    import sys

    sys.path.insert(0, str(REPO / "benchmarks"))
    from bench_end_to_end import summary

    report = json.loads((REPO / "benchmarks/results/end_to_end.json").read_text())
    assert summary(report) in " ".join((REPO / "README.md").read_text().split())


def test_scale_numbers_in_the_readme_come_from_the_committed_json():
    import json
    import sys

    sys.path.insert(0, str(REPO / "benchmarks"))
    from bench_scale import summary

    report = json.loads((REPO / "benchmarks/results/scale.json").read_text())
    lines = summary(report).splitlines()
    assert lines, "no run of the current code in benchmarks/results/scale.json"
    readme = " ".join((REPO / "README.md").read_text().split())
    for line in lines:
        assert " ".join(line.split()) in readme


def test_peer_comparison_in_the_readme_comes_from_the_committed_json():
    import json
    import sys

    sys.path.insert(0, str(REPO / "benchmarks"))
    from bench_peers import summary

    report = json.loads((REPO / "benchmarks/results/peers.json").read_text())
    sentence = summary(report).strip().split("\n\n")[-1]
    readme = " ".join((REPO / "README.md").read_text().split())
    assert " ".join(sentence.split()) in readme
    for row in summary(report).strip().split("\n\n")[0].splitlines():
        assert " ".join(row.split()) in readme


def test_minhash_headline_in_the_readme_comes_from_the_committed_json():
    import json
    import sys

    sys.path.insert(0, str(REPO / "benchmarks"))
    from minhash_report import headline

    report = json.loads((REPO / "benchmarks/results/minhash.json").read_text())
    assert headline(report) in " ".join((REPO / "README.md").read_text().split())


def test_the_python_quickstart_runs_verbatim_as_a_script_with_two_processes(tmp_path):
    """No `if __name__ == "__main__":` guard needed (issue 16): workers are forked."""
    import subprocess
    import sys

    text = (REPO / "README.md").read_text()
    snippet = text.split("From Python:", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    assert "num_proc=2" in snippet
    (tmp_path / "s.py").write_text(snippet)
    words = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron"
    lines = [f'{{"text": "{words} {i % 40} the end of it is near."}}' for i in range(20000)]
    (tmp_path / "in.jsonl").write_text("\n".join(lines) + "\n")
    done = subprocess.run(
        [sys.executable, "s.py"], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    stats = json.loads((tmp_path / "out" / "stats.json").read_text())
    assert stats["num_proc"] == 2 and stats["rows_in"] == 20000


def test_the_adaptive_sampling_snippet_runs_verbatim_on_a_real_output(tmp_path):
    """Issue 16: DataLoader over a dataprep output, whose dp_dup_cluster is mostly null."""
    import subprocess
    import sys

    text = (REPO / "README.md").read_text()
    section = text.split("### Adaptive data mixing in the trainer", 1)[1].split("\n### ", 1)[0]
    snippet = section.split("```python\n", 1)[1].split("```", 1)[0]
    assert "DataLoader(hf_dataset, batch_sampler=batches" in snippet
    (tmp_path / "data").symlink_to(REPO / "data")
    check = (
        "\nimport json\n"
        "print(json.dumps({'step': step, 'checkpoint': checkpoint['yielded'],"
        " 'dup': batch['dp_dup_cluster'], 'rows': len(batch['text']),"
        " 'chapter': type(batch['chapter']).__name__}))\n"
    )
    (tmp_path / "s.py").write_text(snippet + check)
    done = subprocess.run(
        [sys.executable, "s.py"], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert (result["step"], result["checkpoint"], result["rows"]) == (8, 8, 256)
    assert result["chapter"] == "Tensor"
    # the sample has 2 exact duplicates among 1,278 rows: the batch's column is nulls, kept
    assert len(result["dup"]) == 256 and None in result["dup"]
    stats = json.loads((tmp_path / "out" / "stats.json").read_text())
    assert stats["rows_in"] == 1278 and stats["rows_rejected"] == 2


def _section(text: str, heading: str) -> str:
    return text.split(heading, 1)[1].split("\n## ", 1)[0]


def test_the_setup_and_quickstart_outputs_do_not_collide():
    """Run in order, no command meets the output folder of an earlier one (an existing output
    is refused without --overwrite, and replaced with it)."""
    text = (REPO / "README.md").read_text()
    commands = readme_commands()[:1]
    commands += re.findall(r"```bash\n(.+?)\n```", _section(text, "## Quickstart"), re.S)
    outputs = [Path(o) for block in commands for o in re.findall(r"(?:^|\s)-o (\S+)", block)]
    assert len(outputs) >= 4
    for i, a in enumerate(outputs):
        for b in outputs[i + 1 :]:
            assert a != b and a not in b.parents and b not in a.parents, (a, b)


def test_every_readme_snippet_that_imports_datasets_names_the_hf_extra():
    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11
    extras = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert any(dep.startswith("datasets") for dep in extras["optional-dependencies"]["hf"])
    text = (REPO / "README.md").read_text()
    parts = re.split(r"```python\n(.*?)```", text, flags=re.S)
    snippets = 0
    for before, snippet in zip(parts[0::2], parts[1::2], strict=False):
        if re.search(r"^\s*(import|from) datasets\b", snippet, re.M):
            snippets += 1
            said = before.rstrip().rsplit("\n\n", 1)[-1]  # the paragraph just above it
            names_hf = re.compile(r'"\.\[(?:[a-z]+,)*hf(?:,[a-z]+)*\]"')
            assert names_hf.search(said) or names_hf.search(snippet), snippet[:80]
    assert snippets >= 1


def test_the_distill_static_time_is_a_measured_one_with_its_conditions():
    text = " ".join((REPO / "README.md").read_text().split())
    sentence = text.split("`dataprep distill-static -o static/`", 1)[1].split(". ", 1)[0]
    assert "about 20 s" not in sentence
    assert "OMP_NUM_THREADS=2" in sentence and "2-core" in sentence, sentence


def test_language_numbers_in_the_readmes_come_from_the_committed_json():
    results = json.loads((REPO / "benchmarks/results/language.json").read_text())
    fasttext = results["candidates"]["fasttext_lid176_lite"]
    text = " ".join((REPO / "README.md").read_text().split())
    assert (
        f"it named {fasttext['accuracy']:.2%} of the {results['docs']:,} documents right, kept "
        f"{fasttext['english_kept']:.2%} of English and rejected "
        f"{fasttext['non_english_rejected']:.2%} of the rest at {results['threshold']}, at "
        f"{fasttext['speed']['median']:,.0f} docs/s on one core"
    ) in text
    bench = (REPO / "benchmarks" / "README.md").read_text()
    for name, result in results["candidates"].items():
        if "error" in result:
            continue
        row = (
            f"| {name} | {result['accuracy']:.2%} | {result['english_kept']:.2%} | "
            f"{result['non_english_rejected']:.2%} | {result['non_english_named_right']:.2%} | "
            f"{result['speed']['median']:,.0f} ({result['speed']['spread']:,.0f}) |"
        )
        assert row in bench, f"benchmarks/README.md lacks the committed row {row!r}"


def test_quality_rules_peer_agreement_table_in_the_readme_comes_from_the_committed_json():
    import json
    import sys

    sys.path.insert(0, str(REPO / "benchmarks"))
    from bench_peer_agreement import FILTERS, summary

    report = json.loads((REPO / "benchmarks/results/peer_agreement.json").read_text())
    assert summary(report) in (REPO / "README.md").read_text()
    assert set(report["filters"]) == set(FILTERS)
    for result in report["filters"].values():
        parts = ("both_keep", "both_reject", "only_dataprep_rejects", "only_datatrove_rejects")
        assert sum(result[part] for part in parts) == result["documents"]


def test_tokenize_speed_in_the_readme_comes_from_the_committed_json():
    import sys

    sys.path.insert(0, str(REPO / "benchmarks"))
    from bench_tokenize import summary

    report = json.loads((REPO / "benchmarks/results/tokenize.json").read_text())
    assert summary(report) in " ".join((REPO / "README.md").read_text().split())
