"""Choosing the runner: bad options are one-sentence config errors before any data is read."""

from __future__ import annotations

import importlib.util

import pytest
from click.testing import CliRunner

from dataprep.cli import main
from dataprep.errors import ConfigError
from dataprep.runners import ray_session
from dataprep.runners.ray import RayRunner
from dataprep.settings import RunSettings


def test_unknown_runner():
    with pytest.raises(ConfigError, match=r"'runner' must be 'local' or 'ray'\. Got 'spark'"):
        RunSettings(runner="spark").check()


def test_ray_options_need_the_ray_runner():
    with pytest.raises(ConfigError, match="ray_address and ray_cpus need runner='ray'"):
        RunSettings(ray_address="auto").check()
    with pytest.raises(ConfigError) as error:
        RunSettings(ray_cpus=2).check()
    assert str(error.value) == "ray_address and ray_cpus need runner='ray'"
    assert error.value.for_cli() == "--ray-address and --ray-cpus need --runner ray"


def test_missing_ray_names_the_pip_line(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        ray_session.importlib.util,
        "find_spec",
        lambda name, *a: None if name == "ray" else real(name, *a),
    )
    with pytest.raises(ConfigError) as error:
        RayRunner().check()
    pip = 'pip install "dataprep[ray]"'
    assert str(error.value) == f"RunSettings(runner='ray') needs the 'ray' package: {pip}"
    assert error.value.for_cli() == f"--runner ray needs the 'ray' package: {pip}"


def test_cli_error_is_one_line(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text('{"id": "a", "text": "hello world"}\n')
    result = CliRunner().invoke(
        main, ["filter", str(source), "-o", str(tmp_path / "o"), "--ray-cpus", "2"]
    )
    assert result.exit_code == 1
    assert result.output == "Error: --ray-address and --ray-cpus need --runner ray\n"
    assert not (tmp_path / "o").exists()
