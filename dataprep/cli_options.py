"""The command-line options of every command that runs a recipe over a corpus: the run
settings as flags (dataprep.settings: flag > recipe > default), the input and output options,
and how the flags become ``RunSettings`` and ``Pipeline.run`` arguments."""

from __future__ import annotations

import os

import click

from dataprep.settings import SETTINGS, RunSettings, setting_default


class Processes(click.ParamType):
    """A positive integer or 'auto'."""

    name = "N|auto"

    def convert(self, value, param, ctx):
        if value == "auto" or isinstance(value, int):
            return value
        try:
            number = int(value)
        except ValueError:
            number = 0
        if number < 1:
            self.fail(f"{value!r} is not a positive integer or 'auto'.", param, ctx)
        return number


PROCESSES = Processes()

# The command line's --num-proc when neither the flag nor the recipe sets it: this variable,
# else 'auto' (the Python API keeps one process unless told otherwise).
PROCESSES_VARIABLE = "DATAPREP_NUM_PROC"


class Columns(click.ParamType):
    """Comma-separated column names (``id,text``), as a tuple; none empty or repeated."""

    name = "COL,..."

    def convert(self, value, param, ctx):
        if isinstance(value, tuple):
            return value
        names = tuple(name.strip() for name in value.split(","))
        if not all(names):
            self.fail(f"{value!r} has an empty column name; expected e.g. id,text.", param, ctx)
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            self.fail(f"{value!r} lists {repeated[0]!r} twice.", param, ctx)
        return names


COLUMNS = Columns()


def setting_option(name: str):
    """The command-line flag of run setting ``name`` (dataprep.settings): default None (not
    given: the recipe's value, else the setting's default, which ``--help`` shows)."""
    setting = SETTINGS[name]
    flag = "--" + name.replace("_", "-")
    kinds = {"count": click.IntRange(1), "processes": PROCESSES, "text": str, "columns": COLUMNS}
    kind = click.Choice(setting.choices) if setting.kind == "choice" else kinds[setting.kind]
    default = setting_default(name)
    if name == "num_proc":
        default = f"auto, or ${PROCESSES_VARIABLE}"
    shown = "" if default is None else f"  [default: {default}]"
    return click.option(flag, default=None, type=kind, help=setting.help + shown)


# Run settings each command takes as flags (--progress is the inverse of --quiet).
COMMON_SETTINGS = (
    "columns",
    "batch_rows",
    "max_shard_bytes",
    "shard_format",
    "on_error",
    "max_text_bytes",
    "runner",
    "ray_address",
    "ray_cpus",
)


def run_options(
    verb: str, default_recipe: str = "default.yaml", parallel: bool = True, resumable: bool = True
):
    """The options shared by every command that runs a recipe over a corpus (``parallel``:
    with --num-proc and --run-rows; ``resumable``: with --resume)."""
    names = (*COMMON_SETTINGS, "num_proc", "run_rows") if parallel else COMMON_SETTINGS
    options = [
        click.argument("inputs", nargs=-1, required=True, metavar="INPUT..."),
        click.option("-o", "--output", required=True, type=click.Path(), help="Output folder."),
        click.option(
            "-c",
            "--config",
            type=click.Path(),
            default=None,
            help=f"YAML recipe (default: configs/{verb}/{default_recipe}).",
        ),
        click.option("--text-column", default=None, help="Column holding the text [text]."),
        click.option(
            "--id-column", default=None, help="Column of unique ids, generated when absent [id]."
        ),
        *(setting_option(name) for name in names),
        click.option("--overwrite", is_flag=True, help="Replace an existing output folder."),
        click.option(
            "-q",
            "--quiet",
            is_flag=True,
            help="Warnings and errors only: no progress, first-use or summary lines.",
        ),
    ]
    if resumable:
        resume = click.option(
            "--resume",
            is_flag=True,
            help="Continue an interrupted run of the same command (refused if config or input "
            "changed).",
        )
        options.insert(-1, resume)

    def decorate(function):
        for option in reversed(options):
            function = option(function)
        return function

    return decorate


def run_settings(options: dict, recipe: dict, recipe_path, quiet: bool) -> RunSettings:
    """The run settings: a flag given on the command line wins over the recipe, the recipe
    over the defaults."""
    flags = {name: options.get(name) for name in SETTINGS}
    flags["progress"] = not quiet
    if "num_proc" in options and flags["num_proc"] is None and "num_proc" not in recipe:
        flags["num_proc"] = default_processes()
    return RunSettings.from_sources(recipe, flags, str(recipe_path))


def default_processes() -> int | str:
    """The command line's default --num-proc: $DATAPREP_NUM_PROC, else 'auto'."""
    value = os.environ.get(PROCESSES_VARIABLE, "auto")
    try:
        return PROCESSES.convert(value, None, None)
    except click.BadParameter as error:
        raise click.UsageError(f"${PROCESSES_VARIABLE}: {error.message}") from None


def output_settings(options: dict, recipe: dict) -> dict:
    """The columns and the overwrite flag given to ``run``."""
    return {
        "text_column": options["text_column"] or recipe.get("text_column", "text"),
        "id_column": options["id_column"] or recipe.get("id_column", "id"),
        "overwrite": options["overwrite"],
    }
