"""Run settings: how a run reads, holds, processes and writes data, never what it computes.

One object, ``RunSettings``, read by the CLI (each field is a flag, its default shown in
``--help``), by recipes (each field is an optional top-level key; a flag given on the command
line wins over the recipe, the recipe over the default), by ``Pipeline`` and by ``ScheduleRun``.
The defaults live here and nowhere else.

Output does not depend on ``num_proc``, ``run_rows``, ``runner``, ``ray_address``, ``ray_cpus``
or ``progress``; the other fields are part of a run's fingerprint (a resumed run must share
them).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from typing import Any

from dataprep.errors import ConfigError

# The defaults, here and nowhere else (this module imports nothing heavy: the CLI's --help
# reads it). The readers, the writer and the sorted runs take theirs from here.
DEFAULT_BATCH_ROWS = 8192
DEFAULT_MAX_SHARD_BYTES = 256 << 20
DEFAULT_MAX_TEXT_BYTES = 4 << 20  # 4 MiB: far above real documents, far below a 10 MB dump
DEFAULT_RUN_ROWS = 1 << 21
SHARD_FORMATS = ("stream", "file", "parquet")
ON_ERROR_MODES = ("fail", "reject")
RUNNERS = ("local", "ray")


@dataclass(frozen=True)
class Setting:
    """What one field accepts and means (for errors, recipes and ``--help``).

    kind: 'count' (a positive integer), 'processes' (a positive integer or 'auto'), 'choice'
        (one of ``choices``), 'text', 'columns' (a list of distinct column names) or 'flag'.
    help: one sentence for ``--help``.
    optional: None is allowed (and is the default).
    in_recipe: a recipe may set it (False for flags that only make sense per invocation).
    """

    kind: str
    help: str
    choices: tuple[str, ...] = ()
    optional: bool = False
    in_recipe: bool = True

    def described(self) -> str:
        if self.kind == "count":
            return "a positive integer"
        if self.kind == "processes":
            return "a positive integer or 'auto'"
        if self.kind == "choice":
            return " or ".join(repr(choice) for choice in self.choices)
        if self.kind == "columns":
            return "a non-empty list of distinct column names"
        return "a string" if self.kind == "text" else "true or false"


SETTINGS: dict[str, Setting] = {
    "batch_rows": Setting("count", "Rows per record batch."),
    "max_shard_bytes": Setting("count", "Size bound of one output shard, in bytes."),
    "shard_format": Setting(
        "choice",
        "Arrow IPC stream (the datasets.save_to_disk layout), Arrow IPC file, or Parquet "
        "(zstd; for pyarrow.dataset, Polars, DuckDB, Spark).",
        SHARD_FORMATS,
    ),
    "on_error": Setting(
        "choice",
        "A bad input record stops the run (fail) or becomes a rejected row with reason "
        "bad_input_<kind> (reject).",
        ON_ERROR_MODES,
    ),
    "max_text_bytes": Setting("count", "Longer texts (UTF-8 bytes) are bad input."),
    "num_proc": Setting(
        "processes", "Worker processes of the local runner; 'auto': one per usable CPU."
    ),
    "run_rows": Setting(
        "count",
        "Records of whole-corpus fit state (hashes, band keys, pairs) held in memory before "
        "they are spilled to disk as a sorted run; bounds memory, never changes output.",
    ),
    "runner": Setting(
        "choice", 'Run on this machine, or on Ray Data (pip install "dataprep[ray]").', RUNNERS
    ),
    "ray_address": Setting(
        "text",
        "Ray cluster to join with --runner ray (default: start a local Ray instance).",
        optional=True,
    ),
    "ray_cpus": Setting("count", "CPUs of the local Ray instance (default: all).", optional=True),
    "progress": Setting("flag", "Show the progress of each pass on stderr.", in_recipe=False),
    "columns": Setting(
        "columns",
        "Keep only these input columns (comma-separated, e.g. id,text), dropping the others "
        "before anything else; inputs whose columns differ can then be read together.",
        optional=True,
    ),
}


@dataclass(frozen=True)
class RunSettings:
    """How a run reads, holds, processes and writes data (see ``SETTINGS`` for each field).

    batch_rows: rows per record batch (default 8192).
    max_shard_bytes: size bound of one output shard (default 256 MiB).
    shard_format: 'stream' (datasets.save_to_disk layout, default), 'file' (Arrow IPC file) or
        'parquet' (zstd Parquet files).
    on_error: 'fail' (default): the first bad input record stops the run with an InputError
        naming file, line or row and column; 'reject': bad records become rejected rows
        (dp_reject_stage 'input', dp_reject_reason 'bad_input_<kind>').
    max_text_bytes: a text longer than this many UTF-8 bytes is bad input (default 4 MiB).
    num_proc: worker processes of the local runner, or 'auto' (one per usable CPU); default 1.
    run_rows: records of fit state held before spilling a sorted run (default 2,097,152).
    runner: 'local' (default) or 'ray'.
    ray_address: the Ray cluster to join (default None: start a local Ray instance).
    ray_cpus: CPUs of that local Ray instance (default None: all).
    progress: show the progress of each pass on stderr (dataprep.progress; default False).
    columns: the input columns to keep, in this order, the others dropped as the files are
        read (default None: all); every input must have each (see dataprep.io.columns).
    """

    batch_rows: int = DEFAULT_BATCH_ROWS
    max_shard_bytes: int = DEFAULT_MAX_SHARD_BYTES
    shard_format: str = "stream"
    on_error: str = "fail"
    max_text_bytes: int = DEFAULT_MAX_TEXT_BYTES
    num_proc: int | str = 1
    run_rows: int = DEFAULT_RUN_ROWS
    runner: str = "local"
    ray_address: str | None = None
    ray_cpus: int | None = None
    progress: bool = False
    columns: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if isinstance(self.columns, list):  # a list from Python or a recipe: hashable, as given
            object.__setattr__(self, "columns", tuple(self.columns))

    def check(self, where: str = "run settings") -> None:
        """Raise ConfigError, in one sentence naming ``where``, for a bad field."""
        for name, value in self.to_dict().items():
            check_setting(where, name, value)
        if self.runner == "local" and (self.ray_address is not None or self.ray_cpus is not None):
            raise ConfigError.naming(
                lambda arg: (
                    f"{arg('ray_address')} and {arg('ray_cpus')} need {arg('runner', 'ray')}"
                )
            )

    def to_dict(self) -> dict[str, Any]:
        return {field.name: getattr(self, field.name) for field in fields(self)}

    def fingerprint(self) -> dict[str, Any]:
        """The fields output depends on: what a resumed run must share."""
        same_output = ("num_proc", "run_rows", "runner", "ray_address", "ray_cpus", "progress")
        return {k: v for k, v in self.to_dict().items() if k not in same_output}

    def updated(self, values: dict[str, Any]) -> RunSettings:
        """A copy with ``values`` (None values are ignored: not given)."""
        return replace(self, **{k: v for k, v in values.items() if v is not None})

    @classmethod
    def from_sources(
        cls, recipe: dict[str, Any], flags: dict[str, Any], where: str = "recipe"
    ) -> RunSettings:
        """Settings from a recipe's keys, then the command line's flags (None: not given)."""
        from_recipe = {k: v for k, v in recipe.items() if k in SETTINGS}
        for name, value in from_recipe.items():
            if not SETTINGS[name].in_recipe:
                raise ConfigError(f"{where}: {name!r} cannot be set in a recipe")
            check_setting(where, name, value)
        settings = cls().updated(from_recipe).updated({k: flags.get(k) for k in SETTINGS})
        settings.check(where)
        return settings


def check_setting(where: str, name: str, value: Any) -> None:
    """Raise ConfigError when ``value`` does not fit setting ``name``."""
    setting = SETTINGS[name]
    if value is None and setting.optional:
        return
    if setting.kind in ("count", "processes"):
        wrong = not isinstance(value, int) or isinstance(value, bool) or value < 1
        wrong = wrong and not (setting.kind == "processes" and value == "auto")
    elif setting.kind == "choice":
        wrong = value not in setting.choices
    elif setting.kind == "text":
        wrong = not isinstance(value, str) or not value
    elif setting.kind == "columns":
        wrong = (
            not isinstance(value, (list, tuple))
            or not value
            or not all(isinstance(name, str) and name for name in value)
            or len(set(value)) != len(value)
        )
    else:
        wrong = not isinstance(value, bool)
    if wrong:
        raise ConfigError(
            f"{where}: {name!r} must be {setting.described()}. Got {value!r} instead."
        )


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # no affinity on this platform
        return max(1, os.cpu_count() or 1)


def resolve_processes(num_proc: int | str) -> int:
    """``num_proc`` as a number of processes ('auto': one per usable CPU)."""
    return usable_cpus() if num_proc == "auto" else int(num_proc)


def setting_default(name: str) -> Any:
    """The default of field ``name`` (for ``--help``)."""
    return getattr(RunSettings(), name)
