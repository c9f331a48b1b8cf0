"""YAML recipe -> stages. No algorithm code here.

A filter or score recipe::

    text_column: text          # optional; the CLI's --text-column wins
    id_column: id              # optional
    batch_rows: 8192           # optional
    stages:
      - gopher_quality: {}     # a stage with its default parameters
      - minhash_dedup:
          threshold: 0.85
      - exact_dedup            # a bare name works too

A schedule recipe has a ``schedule:`` mapping of curriculum parameters instead of ``stages``.
Every stage name and parameter is checked before any data is read.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import yaml

from dataprep import registry
from dataprep.errors import ConfigError
from dataprep.stage import Stage

RECIPE_KEYS = (
    "stages",
    "text_column",
    "id_column",
    "batch_rows",
    "max_shard_bytes",
    "shard_format",
    "on_error",
    "max_text_bytes",
)
# The type each optional key must have, and what it means, for one-sentence errors.
KEY_TYPES = {
    "text_column": (str, "a column name"),
    "id_column": (str, "a column name"),
    "batch_rows": (int, "a positive integer"),
    "max_shard_bytes": (int, "a positive integer"),
    "max_text_bytes": (int, "a positive integer"),
    "shard_format": (str, "'stream' or 'file'"),
    "on_error": (str, "'fail' or 'reject'"),
}
CHOICES = {"shard_format": ("stream", "file"), "on_error": ("fail", "reject")}

SCHEDULE_KEYS = (
    "schedule",
    "text_column",
    "id_column",
    "batch_rows",
    "max_shard_bytes",
    "shard_format",
    "on_error",
    "max_text_bytes",
)


def _did_you_mean(word: str, options: list[str]) -> str:
    close = difflib.get_close_matches(word, options, n=1)
    return f" Did you mean {close[0]!r}?" if close else ""


def read_yaml(path: str | Path) -> Any:
    """The parsed YAML file; a missing file or bad YAML is a one-line ConfigError."""
    path = Path(path)
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        problem = getattr(error, "problem", None) or error
        raise ConfigError(f"{path}:{where} is not valid YAML: {problem}") from None


def check_keys(path: str | Path, data: Any, known: tuple[str, ...], shape: str) -> None:
    """Raise unless ``data`` is a mapping whose keys are all in ``known``."""
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a recipe is {shape}")
    for key in data:
        if key not in known:
            hint = _did_you_mean(str(key), list(known))
            raise ConfigError(f"{path}: unknown key {key!r}.{hint} Known keys: {', '.join(known)}.")


def load_recipe(path: str | Path) -> dict[str, Any]:
    """Read and shape-check a YAML recipe file."""
    data = read_yaml(path)
    check_keys(path, data, RECIPE_KEYS, "a mapping with a 'stages' list")
    if not isinstance(data.get("stages"), list) or not data["stages"]:
        raise ConfigError(f"{Path(path)}: 'stages' must be a non-empty list of stages")
    check_key_types(path, data)
    return data


def load_schedule_recipe(path: str | Path) -> dict[str, Any]:
    """Read and shape-check a schedule recipe: a ``schedule:`` mapping of curriculum
    parameters (see ``dataprep.schedule.curriculum.Curriculum``) and the run keys."""
    data = read_yaml(path)
    check_keys(path, data, SCHEDULE_KEYS, "a mapping with a 'schedule' mapping")
    if not isinstance(data.get("schedule"), dict):
        raise ConfigError(f"{Path(path)}: 'schedule' must be a mapping of curriculum parameters")
    check_key_types(path, data)
    return data


def check_key_types(path: str | Path, data: dict[str, Any]) -> None:
    """Raise, in one sentence, when an optional run key has the wrong type or value."""
    for key, (expected, described) in KEY_TYPES.items():
        if key not in data:
            continue
        value = data[key]
        wrong = not isinstance(value, expected) or isinstance(value, bool)
        wrong = wrong or (expected is int and value < 1)
        wrong = wrong or (key in CHOICES and value not in CHOICES[key])
        if wrong:
            raise ConfigError(f"{path}: {key!r} must be {described}. Got {value!r} instead.")


def build_stage(name: str, params: dict[str, Any] | None) -> Stage:
    """Construct a registered stage, rejecting unknown parameters with a did-you-mean."""
    cls = registry.get(name)
    params = params or {}
    if not isinstance(params, dict):
        raise ConfigError(f"The parameters of {name} must be a mapping. Got {params!r} instead.")
    known = cls.param_names()
    for key in params:
        if key not in known:
            hint = _did_you_mean(str(key), known)
            listed = ", ".join(known) or "none"
            raise ConfigError(f"{name} has no parameter {key!r}.{hint} Its parameters: {listed}.")
    stage = cls(**params)
    stage.check_params()
    return stage


def build_stages(entries: list[Any]) -> list[Stage]:
    """Stages from the recipe's ``stages`` list (each a name or a one-key mapping)."""
    stages = []
    for position, entry in enumerate(entries, start=1):
        if isinstance(entry, str):
            stages.append(build_stage(entry, None))
        elif isinstance(entry, dict) and len(entry) == 1:
            ((name, params),) = entry.items()
            stages.append(build_stage(str(name), params))
        else:
            raise ConfigError(
                f"Stage #{position} must be a stage name or a mapping of one name to its "
                f"parameters. Got {entry!r} instead."
            )
    return stages
