"""The run options of the recipe commands (dataprep.cli_options)."""

import click
import pytest

from dataprep.cli_options import PROCESSES, output_settings, run_settings


def test_processes_accept_positive_integers_and_auto_only():
    assert PROCESSES.convert("auto", None, None) == "auto"
    assert PROCESSES.convert("3", None, None) == 3
    for bad in ("0", "-1", "two"):
        with pytest.raises(click.BadParameter, match="not a positive integer or 'auto'"):
            PROCESSES.convert(bad, None, None)


def test_a_flag_wins_over_the_recipe_and_the_recipe_over_the_default():
    recipe = {"batch_rows": 100, "num_proc": 2}
    settings = run_settings({"batch_rows": 50}, recipe, "r.yaml", quiet=True)
    assert (settings.batch_rows, settings.num_proc, settings.progress) == (50, 2, False)


def test_output_settings_take_the_recipe_columns_unless_given():
    options = {"text_column": None, "id_column": "key", "overwrite": True}
    assert output_settings(options, {"text_column": "body"}) == {
        "text_column": "body",
        "id_column": "key",
        "overwrite": True,
    }


def test_the_command_line_defaults_to_all_cpus_unless_the_variable_says_otherwise(monkeypatch):
    monkeypatch.delenv("DATAPREP_NUM_PROC", raising=False)
    assert run_settings({"num_proc": None}, {}, "r.yaml", quiet=True).num_proc == "auto"
    monkeypatch.setenv("DATAPREP_NUM_PROC", "3")
    assert run_settings({"num_proc": None}, {}, "r.yaml", quiet=True).num_proc == 3
    # The recipe and the flag win over the variable; a command without --num-proc keeps 1.
    assert run_settings({"num_proc": None}, {"num_proc": 2}, "r.yaml", quiet=True).num_proc == 2
    assert run_settings({"num_proc": 4}, {}, "r.yaml", quiet=True).num_proc == 4
    assert run_settings({}, {}, "r.yaml", quiet=True).num_proc == 1
    monkeypatch.setenv("DATAPREP_NUM_PROC", "zero")
    with pytest.raises(click.UsageError, match=r"\$DATAPREP_NUM_PROC: 'zero' is not a positive"):
        run_settings({"num_proc": None}, {}, "r.yaml", quiet=True)
