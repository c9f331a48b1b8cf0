import io
import re

import pyarrow as pa
import pytest
from click.testing import CliRunner

from dataprep.cli import main
from dataprep.errors import ConfigError
from dataprep.progress import (
    PassProgress,
    duration,
    end_line,
    log_interval,
    progress_bar,
    progress_line,
)

RATE = r"[\d,]+ rows/s"


def test_items_pass_through_unchanged_and_nothing_is_shown_when_disabled(capsys):
    seen = []
    items = progress_bar(iter([1, 2, 3]), "x", enabled=False, finished=seen.append)
    assert list(items) == [1, 2, 3]
    assert capsys.readouterr().err == ""
    assert seen == []


def test_lines_name_the_pass_the_rows_done_of_the_total_the_rate_and_eta():
    line = progress_line("pass 2/3 (fit minhash_dedup)", 40_000, 100_000, "rows", 40_000 / 12_000)
    assert line == "pass 2/3 (fit minhash_dedup): 40,000 / 100,000 rows, 12,000 rows/s, ETA 5 s"
    assert progress_line("read", 1_500, None, "rows", 0.5) == "read: 1,500 rows, 3,000 rows/s"
    assert progress_line("read", 0, 10, "rows", 0.0) == "read: 0 / 10 rows"
    assert end_line("pass 3/3 (write)", 9_000, "rows", 2.0) == (
        "pass 3/3 (write): 9,000 rows in 2.0 s (4,500 rows/s)"
    )


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0.4, "0 s"), (5, "5 s"), (59.6, "1 min 0 s"), (200, "3 min 20 s"), (7500, "2 h 05 min")],
)
def test_duration(seconds, text):
    assert duration(seconds) == text


def test_a_plain_line_per_interval_when_stderr_is_not_a_terminal(capsys):
    batches = [[1, 2], [3, 4, 5], [6]]
    seen = []
    items = progress_bar(
        iter(batches), "L", enabled=True, total=6, unit="rows", count=len, interval=0,
        finished=seen.append,
    )  # fmt: skip
    assert list(items) == batches
    lines = capsys.readouterr().err.splitlines()
    assert [line.split(",")[0] for line in lines[:3]] == [
        "L: 2 / 6 rows",
        "L: 5 / 6 rows",
        "L: 6 / 6 rows",
    ]
    assert all(re.fullmatch(rf"L: \d / 6 rows, {RATE}, ETA \d+ s", line) for line in lines[:3])
    assert re.fullmatch(rf"L: 6 rows in \d+\.\d s \({RATE}\)", lines[3])
    assert len(lines) == 4
    assert seen == [6]


def test_a_long_interval_leaves_only_the_end_line(capsys):
    assert list(progress_bar(iter("abc"), "L", enabled=True, interval=3600)) == ["a", "b", "c"]
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("L: 3 batches in ")


def test_stopped_early_there_is_no_end_line_and_no_total_learned(capsys):
    seen = []
    items = progress_bar(iter("abc"), "L", enabled=True, interval=3600, finished=seen.append)
    assert next(items) == "a"
    items.close()
    assert capsys.readouterr().err == ""
    assert seen == []


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_a_bar_with_the_total_stays_after_the_pass(monkeypatch):
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    seen = []
    items = progress_bar(
        iter([[1, 2], [3]]), "L", enabled=True, total=3, unit="rows", count=len,
        finished=seen.append,
    )  # fmt: skip
    assert list(items) == [[1, 2], [3]]
    assert seen == [3]
    final = terminal.getvalue().split("\r")[-1]
    assert final.startswith("L: 100%") and "3.00/3.00" in final and "rows/s" in final


def test_the_interval_comes_from_the_environment(monkeypatch):
    monkeypatch.delenv("DATAPREP_PROGRESS_INTERVAL", raising=False)
    assert log_interval() == 10.0
    monkeypatch.setenv("DATAPREP_PROGRESS_INTERVAL", "0.5")
    assert log_interval() == 0.5
    monkeypatch.setenv("DATAPREP_PROGRESS_INTERVAL", "soon")
    with pytest.raises(ConfigError, match=r"must be a number of seconds >= 0\. Got 'soon'"):
        log_interval()


class _Stage:
    def __init__(self, name: str, needs_fit: bool) -> None:
        self.name, self.needs_fit = name, needs_fit


def _fit_result(rows: int):
    return "state", (pa.array([None] * rows, pa.string()), pa.array([None] * rows)), [0.1]


def _write_result(rows: int):
    return pa.record_batch({"text": ["t"] * rows}), [0.1]


def test_passes_are_numbered_and_the_first_counts_the_total_of_the_next(capsys):
    stages = [_Stage("length_filter", False), _Stage("exact_dedup", True), _Stage("m", True)]
    progress = PassProgress(stages, enabled=True)
    fit = [_fit_result(4), _fit_result(3)]
    assert list(progress.fit_pass(iter(fit), 1)) == fit
    assert progress.rows == 7
    list(progress.fit_pass(iter([_fit_result(7)]), 2))
    written = [_write_result(5), _write_result(2)]
    assert list(progress.write_pass(iter(written))) == written
    lines = capsys.readouterr().err.splitlines()
    assert [line.split(" in ")[0] for line in lines] == [
        "pass 1/3 (fit exact_dedup): 7 rows",
        "pass 2/3 (fit m): 7 rows",
        "pass 3/3 (write): 7 rows",
    ]


def test_a_resumed_writing_pass_shows_no_total(capsys, monkeypatch):
    monkeypatch.setenv("DATAPREP_PROGRESS_INTERVAL", "0")
    progress = PassProgress([_Stage("exact_dedup", True)], enabled=True)
    progress.rows = 10
    list(progress.write_pass(iter([_write_result(3)]), resumed=True))
    first = capsys.readouterr().err.splitlines()[0]
    assert first.startswith("pass 2/2 (write): 3 rows, ")
    assert progress.rows == 10


# The hand-built corpus: two one-word rows (too short), one exact duplicate, three kept.
TEXTS = ["a b c", "a b c", "x", "d e f", "g h i", "j"]
RECIPE = "stages:\n  - length_filter:\n      min_words: 2\n  - exact_dedup: {}\n"


def _filter(tmp_path, *flags: str):
    data = tmp_path / "in.jsonl"
    data.write_text("".join(f'{{"text": "{text}"}}\n' for text in TEXTS))
    recipe = tmp_path / "r.yaml"
    recipe.write_text(RECIPE)
    out = tmp_path / f"out{len(list(tmp_path.iterdir()))}"
    args = ["filter", str(data), "-o", str(out), "-c", str(recipe), "--batch-rows", "2", *flags]
    result = CliRunner().invoke(main, args, env={"DATAPREP_PROGRESS_INTERVAL": "0"})
    assert result.exit_code == 0, result.output
    return result


@pytest.mark.parametrize("processes", ["1", "2"])
def test_a_run_logs_each_pass_with_the_total_once_known(tmp_path, processes):
    result = _filter(tmp_path, "--num-proc", processes)
    lines = [line for line in result.stderr.splitlines() if line.startswith("pass ")]
    assert [re.sub(r",.*| in .*", "", line) for line in lines] == [
        "pass 1/2 (fit exact_dedup): 2 rows",
        "pass 1/2 (fit exact_dedup): 4 rows",
        "pass 1/2 (fit exact_dedup): 6 rows",
        "pass 1/2 (fit exact_dedup): 6 rows",
        "pass 2/2 (write): 2 / 6 rows",
        "pass 2/2 (write): 4 / 6 rows",
        "pass 2/2 (write): 6 / 6 rows",
        "pass 2/2 (write): 6 rows",
    ]
    end = rf" 6 rows in \d+\.\d s \({RATE}\)"
    assert re.fullmatch(r"pass 1/2 \(fit exact_dedup\):" + end, lines[3])
    assert re.fullmatch(r"pass 2/2 \(write\):" + end, lines[7])
    assert re.fullmatch(rf"pass 2/2 \(write\): 4 / 6 rows, {RATE}, ETA \d+ s", lines[5])


def test_quiet_prints_nothing(tmp_path):
    result = _filter(tmp_path, "-q")
    assert result.stderr == "" and result.stdout == ""


def test_the_summary_has_one_line_per_stage_with_exact_counts(tmp_path):
    result = _filter(tmp_path)
    rows = [line.split() for line in result.stdout.splitlines()[2:4]]
    assert [row[:6] for row in rows] == [
        ["length_filter", "6", "2", "4", "length_below_min_words", "(2)"],
        ["exact_dedup", "4", "1", "3", "exact_duplicate", "(1)"],
    ]
    assert all(re.fullmatch(r"\d+\.\d\d", row[6]) for row in rows)
    assert "6 rows in: 3 kept in" in result.stdout
