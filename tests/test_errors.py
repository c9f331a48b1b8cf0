"""The user errors, and their wording: Python arguments for Python callers, flags for the CLI."""

import ast
import json
import pickle
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from dataprep.errors import ConfigError, DataprepError, InputError, OutputError


@pytest.mark.parametrize("error", [ConfigError, InputError, OutputError])
def test_every_user_error_is_a_dataprep_error(error):
    # The CLI turns exactly these into one-line messages.
    assert issubclass(error, DataprepError)
    assert not issubclass(DataprepError, (ValueError, OSError))


# ---- the wording fits the caller: Python arguments for Python, flags for the CLI -------------

REPO = Path(__file__).resolve().parents[1]
ERRORS = {"DataprepError", "ConfigError", "InputError", "OutputError", "EmptyInputError"}
CLI_MODULES = {"dataprep/cli.py", "dataprep/cli_options.py", "dataprep/bench/cli.py"}
FLAG = re.compile(r"(?<![\w-])--?[a-z][a-z0-9-]*")


def _error_calls(tree: ast.AST):
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        if name in ERRORS or name == "naming":
            yield node


def test_no_library_error_words_a_command_line_flag_for_every_caller():
    """A flag may appear only as a ``cli_message=`` or an ``arg(..., flag=...)`` of an error built
    with DataprepError.naming: the Python caller reads the Python argument instead."""
    found = []
    for path in sorted((REPO / "dataprep").rglob("*.py")):
        relative = path.relative_to(REPO).as_posix()
        if relative in CLI_MODULES:
            continue
        for call in _error_calls(ast.parse(path.read_text())):
            allowed = set()
            for sub in ast.walk(call):
                if isinstance(sub, ast.keyword) and sub.arg in ("cli_message", "flag"):
                    allowed |= {id(n) for n in ast.walk(sub)}
            for sub in ast.walk(call):
                if id(sub) in allowed or not isinstance(sub, ast.Constant):
                    continue
                if isinstance(sub.value, str) and FLAG.search(sub.value):
                    found.append(f"{relative}:{sub.lineno}: {sub.value!r}")
    assert found == []


def test_naming_words_the_error_for_each_caller_and_survives_pickling():
    error = OutputError.naming(
        lambda arg: (
            f"x: choose another {arg('out_dir', flag='-o')} or pass "
            f"{arg('overwrite', True)}; {arg('columns', ['id', 'text'], of='RunSettings')}; "
            f"{arg('on_error', of='RunSettings')}"
        )
    )
    assert str(error) == (
        "x: choose another out_dir or pass overwrite=True; RunSettings(columns=['id', 'text']); "
        "RunSettings.on_error"
    )
    assert (
        error.for_cli() == "x: choose another -o or pass --overwrite; --columns id,text; --on-error"
    )
    again = pickle.loads(pickle.dumps(error))  # from a worker process
    assert (type(again), str(again), again.for_cli()) == (OutputError, str(error), error.for_cli())
    plain = ConfigError("no flag here")
    assert plain.for_cli() == str(plain) == "no flag here"


def test_schedule_run_and_pipeline_name_the_python_argument_the_cli_the_flag(tmp_path):
    from dataprep.cli import main
    from dataprep.pipeline import Pipeline
    from dataprep.quality.simple import LengthFilter
    from dataprep.schedule.curriculum import Curriculum
    from dataprep.schedule.run import ScheduleRun

    source = tmp_path / "in.jsonl"
    rows = [{"id": str(i), "text": f"doc {i}", "hard": i} for i in range(4)]
    source.write_text("".join(json.dumps(row) + "\n" for row in rows))
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("x")
    schedule = ScheduleRun(Curriculum(difficulty_column="hard", batch_size=1))
    with pytest.raises(OutputError) as error:
        schedule.run([str(source)], out)
    assert str(error.value) == (
        f"{out}: already exists and is not empty; choose another out_dir or pass overwrite=True"
    )
    with pytest.raises(OutputError, match=r"choose another out_dir or pass overwrite=True$"):
        Pipeline([LengthFilter()]).run([str(source)], out)
    with pytest.raises(InputError, match=r"\(choose one with text_column\)$"):
        Pipeline([LengthFilter()]).run([str(source)], tmp_path / "o2", text_column="body")
    with pytest.raises(ConfigError, match=r"\(choose one with difficulty_column\)$"):
        ScheduleRun(Curriculum(difficulty_column="nope")).run([str(source)], tmp_path / "o3")

    cli = CliRunner()
    result = cli.invoke(
        main, ["schedule", str(source), "-o", str(out), "--difficulty-column", "hard"]
    )
    assert result.output == (
        f"Error: {out}: already exists and is not empty; choose another -o or pass --overwrite\n"
    )
    result = cli.invoke(
        main, ["filter", str(source), "-o", str(tmp_path / "o2"), "--text-column", "body"]
    )
    assert result.output.endswith("(choose one with --text-column)\n")
    result = cli.invoke(
        main, ["schedule", str(source), "-o", str(tmp_path / "o3"), "--difficulty-column", "nope"]
    )
    assert result.output.endswith("(choose one with --difficulty-column)\n")
