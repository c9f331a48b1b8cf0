"""Run settings: one object, defaults in one place, flag > recipe > default."""

import dataclasses

import pytest
from click.testing import CliRunner

from dataprep.cli import main
from dataprep.errors import ConfigError
from dataprep.settings import SETTINGS, RunSettings, setting_default


def test_a_flag_wins_over_the_recipe_and_the_recipe_over_the_default():
    recipe = {"batch_rows": 100, "run_rows": 64, "stages": ["exact_dedup"]}
    flags = {"batch_rows": 7, "run_rows": None, "num_proc": None}
    settings = RunSettings.from_sources(recipe, flags, "r.yaml")
    assert (settings.batch_rows, settings.run_rows) == (7, 64)
    assert settings.num_proc == 1 and settings.shard_format == "stream"


def test_bad_recipe_values_are_one_sentence_errors_naming_the_recipe():
    with pytest.raises(ConfigError) as error:
        RunSettings.from_sources({"run_rows": 0}, {}, "r.yaml")
    assert str(error.value) == "r.yaml: 'run_rows' must be a positive integer. Got 0 instead."
    with pytest.raises(ConfigError) as error:
        RunSettings.from_sources({"shard_format": "csv"}, {}, "r.yaml")
    assert str(error.value) == (
        "r.yaml: 'shard_format' must be 'stream' or 'file' or 'parquet'. Got 'csv' instead."
    )
    assert RunSettings.from_sources({"shard_format": "parquet"}, {}, "r.yaml").shard_format == (
        "parquet"
    )
    with pytest.raises(ConfigError, match="'progress' cannot be set in a recipe"):
        RunSettings.from_sources({"progress": True}, {}, "r.yaml")
    with pytest.raises(
        ConfigError, match=r"'num_proc' must be a positive integer or 'auto'\. Got True"
    ):
        RunSettings(num_proc=True).check()


def test_the_fingerprint_leaves_out_what_does_not_change_output():
    base = RunSettings()
    same = RunSettings(num_proc=4, run_rows=16, runner="ray", ray_cpus=2, progress=True)
    assert same.fingerprint() == base.fingerprint()
    assert RunSettings(batch_rows=5).fingerprint() != base.fingerprint()
    assert set(base.fingerprint()) == {
        "batch_rows",
        "max_shard_bytes",
        "shard_format",
        "on_error",
        "max_text_bytes",
        "columns",
    }


def test_every_field_is_described_and_every_default_is_the_dataclass_default():
    fields = {f.name: f.default for f in dataclasses.fields(RunSettings)}
    assert set(fields) == set(SETTINGS)
    for name, default in fields.items():
        assert setting_default(name) == default


@pytest.mark.parametrize("command", ["filter", "score"])
def test_help_shows_each_settings_default(command):
    text = " ".join(CliRunner().invoke(main, [command, "--help"]).output.split())
    for name in ("batch_rows", "max_shard_bytes", "num_proc", "run_rows", "on_error"):
        flag = "--" + name.replace("_", "-")
        described = text.split(f" {flag} ")[1].split(" --")[0]
        default = setting_default(name)
        if name == "num_proc":  # the command line's own default (Python's is 1)
            default = "auto, or $DATAPREP_NUM_PROC"
        assert f"[default: {default}]" in described


def test_schedule_has_no_local_parallelism_flags():
    output = CliRunner().invoke(main, ["schedule", "--help"], terminal_width=200).output
    assert "--run-rows" not in output and "--num-proc" not in output
    assert "--batch-rows" in output


def test_num_proc_auto_is_one_process_per_usable_cpu(monkeypatch):
    import os

    from dataprep.runners.local import LocalRunner
    from dataprep.settings import resolve_processes

    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 3, 5}, raising=False)
    assert resolve_processes("auto") == 3 and resolve_processes(2) == 2
    assert LocalRunner("auto").processes == 3
    RunSettings(num_proc="auto").check()
    with pytest.raises(ConfigError, match="'num_proc' must be a positive integer or 'auto'"):
        RunSettings.from_sources({"num_proc": "many"}, {}, "r.yaml")


@pytest.mark.parametrize(("value", "ok"), [("auto", True), ("2", True), ("0", False), ("x", False)])
def test_the_num_proc_flag_takes_a_count_or_auto(tmp_path, value, ok):
    source = tmp_path / "in.jsonl"
    source.write_text('{"text": "a b c"}\n')
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["score", str(source), "-o", str(out), "--num-proc", value])
    assert (result.exit_code == 0) == ok, result.output
    if not ok:
        assert "is not a positive integer or 'auto'" in result.output
