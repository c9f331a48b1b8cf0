"""YAML recipe -> stages. No algorithm code here.

A filter or score recipe::

    text_column: text          # optional; the CLI's --text-column wins
    id_column: id              # optional
    batch_rows: 8192           # optional: any run setting (dataprep.settings); a flag wins
    embedding:                 # optional: the encoder settings of every embedding stage
      device: cuda             # (dataprep.embed.settings.EncoderSettings)
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
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from dataprep.embed.settings import EncoderSettings
from dataprep.errors import ConfigError
from dataprep.settings import SETTINGS, check_setting

if TYPE_CHECKING:
    from dataprep.stage import Stage

COLUMN_KEYS = ("text_column", "id_column")
# Every run setting (dataprep.settings) may be a recipe key too.
RUN_KEYS = (*COLUMN_KEYS, *(name for name, s in SETTINGS.items() if s.in_recipe))
RECIPE_KEYS = ("stages", "embedding", *RUN_KEYS)
SCHEDULE_KEYS = ("schedule", *RUN_KEYS)


def builtin_recipe(relative: str) -> Path:
    """Path of a recipe shipped with the package (the repository's ``configs/`` folder)."""
    return Path(str(resources.files("dataprep.recipes").joinpath(relative)))


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
    encoder_settings(data, path)  # checked before any data is read
    return data


def encoder_settings(recipe: dict[str, Any], path: str | Path) -> EncoderSettings:
    """The encoder settings of a recipe's ``embedding:`` mapping (defaults when the key is
    absent); a ConfigError naming the recipe ``path`` when it is not a mapping, has an unknown
    key or a bad value."""
    if "embedding" not in recipe:
        return EncoderSettings()
    return EncoderSettings.from_mapping(recipe["embedding"], f"{path}: embedding")


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
    """Raise, in one sentence, when a column key or run setting has the wrong type or value."""
    for key in COLUMN_KEYS:
        value = data.get(key, "text")
        if not isinstance(value, str) or not value:
            raise ConfigError(f"{path}: {key!r} must be a column name. Got {value!r} instead.")
    for key, value in data.items():
        if key in SETTINGS:
            check_setting(str(path), key, value)


def build_stage(name: str, params: dict[str, Any] | None) -> Stage:
    """Construct a registered stage, rejecting unknown parameters with a did-you-mean."""
    from dataprep import registry  # the stage families load with the first stage

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
