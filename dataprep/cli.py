"""Command line: ``dataprep filter``, ``score``, ``schedule``, ``tokenize`` and ``stages``.
Thin: parse, build, run, print.

User errors (bad config, bad input, bad output path) print one line and exit with status 1.
"""

from __future__ import annotations

import importlib
import logging
import sys
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import click

from dataprep import __version__
from dataprep.cli_options import output_settings, run_options, run_settings
from dataprep.config import builtin_recipe, encoder_settings, load_recipe
from dataprep.errors import ConfigError, DataprepError
from dataprep.schedule.names import PACINGS

if TYPE_CHECKING:
    from dataprep.output import RunResult

# Commands whose modules load only when the command runs: name -> (module:attribute, help).
LAZY_COMMANDS = {
    "bench": (
        "dataprep.bench.cli:bench",
        "Benchmark data selection: coreset quality, dedup precision/recall, curriculum effect.",
    ),
    "tokenize": (
        "dataprep.tokenize.cli:tokenize",
        "Tokenize INPUT into packed token shards (Megatron .bin/.idx) in row order.",
    ),
}


class LazyGroup(click.Group):
    """A click group whose LAZY_COMMANDS are imported when invoked (``dataprep --help`` lists
    them from their stored help, importing nothing)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *LAZY_COMMANDS])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in LAZY_COMMANDS:
            module, _, attribute = LAZY_COMMANDS[name][0].partition(":")
            return getattr(importlib.import_module(module), attribute)
        return super().get_command(ctx, name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = []
        for name in names:
            if name in LAZY_COMMANDS:
                rows.append((name, LAZY_COMMANDS[name][1]))
            else:
                rows.append((name, super().get_command(ctx, name).get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def _summary(result: RunResult) -> str:
    rows = [("stage", "in", "rejected", "out", "top reason / median score", "seconds")]
    for stats in result.stages:
        top = stats.reasons.most_common(1)
        reason = f"{top[0][0]} ({top[0][1]})" if top else "-"
        if stats.score and stats.score.get("count"):
            reason = f"median {stats.score['quantiles']['p50']:.4g}"
        if stats.modified is not None:
            reason = f"{stats.modified['lines_removed']:,} lines removed"
        rows.append(
            (
                stats.name,
                f"{stats.rows_in:,}",
                f"{stats.rows_rejected:,}",
                f"{stats.rows_in - stats.rows_rejected:,}",
                reason,
                f"{stats.seconds:.2f}",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    if result.input is not None:
        top = ", ".join(f"{r} ({n})" for r, n in result.input.reasons.most_common(3))
        lines.append(f"\n{result.input.rows_rejected:,} bad input records rejected: {top or '-'}")
    lines.append(
        f"\n{result.rows_in:,} rows in: {result.rows_kept:,} kept in {result.out_dir / 'data'}, "
        f"{result.rows_rejected:,} rejected in {result.out_dir / 'rejected'}"
    )
    return "\n".join(lines)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dataprep")
def main() -> None:
    """dataprep: make LLM training data-efficient.

    Reads JSONL, Parquet, Arrow or saved Hugging Face datasets and writes an Arrow dataset
    (OUT/data) plus every rejected row with its reason (OUT/rejected).
    """
    warnings.showwarning = _show_warning


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """A warning as one line on stderr ("warning: ..."), not Python's two-line form."""
    click.echo(f"warning: {message}", err=True)


class _EchoHandler(logging.Handler):
    """Log messages as plain lines on the stderr of the moment (click.echo), so a caller that
    swaps stderr (CliRunner, a notebook) sees them."""

    def emit(self, record: logging.LogRecord) -> None:
        from dataprep.progress import above_bars

        with above_bars():
            click.echo(record.getMessage(), err=True)


def _log_to_stderr(quiet: bool) -> None:
    """The "dataprep" logger's messages as lines on stderr: warnings only when ``quiet``,
    else also what the run is doing (resuming, compiling its kernels on first use)."""
    from dataprep.compile_notice import announce_compiles

    if not logging.getLogger("dataprep").handlers:
        logging.getLogger("dataprep").addHandler(_EchoHandler())
    logging.getLogger("dataprep").setLevel(logging.WARNING if quiet else logging.INFO)
    announce_compiles()


def _run_recipe(verb: str, inputs, output, config, quiet, **options) -> None:
    """Load the recipe, run it, print the summary; user errors become one-line messages.
    Ctrl-C stops with status 130 and says how to resume."""
    _log_to_stderr(quiet)
    from dataprep.config import build_stages
    from dataprep.pipeline import Pipeline
    from dataprep.stage import Scorer

    try:
        recipe_path = Path(config) if config else builtin_recipe(f"{verb}/default.yaml")
        recipe = load_recipe(recipe_path)
        stages = build_stages(recipe["stages"])
        if verb == "score":
            for stage in stages:
                if not isinstance(stage, Scorer):
                    raise ConfigError(
                        f"dataprep score only adds score columns; {stage.name} is a "
                        f"{stage.kind}, which belongs in a `dataprep filter` recipe."
                    )
        pipeline = Pipeline(
            stages,
            settings=run_settings(options, recipe, recipe_path, quiet),
            encoder=encoder_settings(recipe, recipe_path),
            config={"recipe": str(recipe_path), **recipe},
        )
        result = pipeline.run(
            list(inputs), output, resume=options["resume"], **output_settings(options, recipe)
        )
    except DataprepError as error:
        raise click.ClickException(error.for_cli()) from None
    except KeyboardInterrupt:
        click.echo(
            f"Interrupted; the partial run is kept beside {output}: rerun the same command "
            "with --resume to continue.",
            err=True,
        )
        sys.exit(130)
    if not quiet:
        click.echo(_summary(result))
        _report_compiling()


def _report_compiling() -> None:
    from dataprep.compile_notice import compile_seconds

    if compile_seconds() >= 0.5:
        logging.getLogger("dataprep").info(
            f"compiled dataprep's kernels in {compile_seconds():.0f} s (kept in numba's cache "
            "for later runs; not counted in the stage times)"
        )


@main.command("filter")
@run_options("filter")
def filter_command(inputs, output, config, quiet, **options):
    """Deduplicate and quality-filter INPUT files (JSONL[.gz|.zst], Parquet, Arrow, or a
    datasets.save_to_disk folder; globs and directories work) into OUTPUT."""
    _run_recipe("filter", inputs, output, config, quiet, **options)


@main.command("score")
@run_options("score")
def score_command(inputs, output, config, quiet, **options):
    """Add difficulty and quality scores (dp_score_* columns) to every row of INPUT files;
    no row is dropped. stats.json summarizes each score column."""
    _run_recipe("score", inputs, output, config, quiet, **options)


@main.command("schedule")
@run_options("schedule", default_recipe="<pacing>.yaml", parallel=False, resumable=False)
@click.option(
    "--pacing",
    type=click.Choice(PACINGS),
    default=None,
    help="Pacing function; picks configs/schedule/<pacing>.yaml when no -c is given [linear].",
)
@click.option("--epochs", type=click.FloatRange(0, min_open=True), help="Plan length in epochs.")
@click.option("--total-samples", type=click.IntRange(1), help="Plan length in samples.")
@click.option("--batch-size", type=click.IntRange(1), help="Samples per step.")
@click.option("--seed", type=click.IntRange(0), help="Seed of the tie-break and the draws.")
@click.option("--difficulty-column", help="Numeric column ordering rows [dp_score_difficulty].")
def schedule_command(inputs, output, config, quiet, **options):
    """Write a curriculum-ordered dataset: the rows of INPUT (a scored dataset, e.g. the output
    of `dataprep score`) in the order a trainer consumes them, step by step, with dp_step,
    dp_bucket and dp_competence; OUTPUT/schedule.json describes the plan."""
    from dataprep.config import load_schedule_recipe
    from dataprep.schedule.curriculum import Curriculum
    from dataprep.schedule.run import ScheduleRun

    _log_to_stderr(quiet)
    try:
        pacing = options.pop("pacing")
        recipe_path = (
            Path(config) if config else builtin_recipe(f"schedule/{pacing or 'linear'}.yaml")
        )
        recipe = load_schedule_recipe(recipe_path)
        params = dict(recipe["schedule"])
        if pacing:
            params["pacing"] = pacing
        for key in ("epochs", "total_samples", "batch_size", "seed", "difficulty_column"):
            if options[key] is not None:
                params[key] = options[key]
        if options["total_samples"] is not None and options["epochs"] is None:
            params["epochs"] = None
        curriculum = Curriculum.from_mapping(params, where=f"{recipe_path}: schedule")
        run = ScheduleRun(
            curriculum,
            settings=run_settings(options, recipe, recipe_path, quiet),
            config={"recipe": str(recipe_path), **recipe, "schedule": curriculum.get_params()},
        )
        result = run.run(list(inputs), output, **output_settings(options, recipe))
    except DataprepError as error:
        raise click.ClickException(error.for_cli()) from None
    if not quiet:
        click.echo(
            f"{result.rows_in:,} rows in: {result.rows_scheduled:,} scheduled as "
            f"{result.samples:,} samples in {result.steps:,} steps ({curriculum.pacing}) in "
            f"{result.out_dir / 'data'}, {result.rows_rejected:,} without a difficulty in "
            f"{result.out_dir / 'rejected'}; the plan is in {result.out_dir / 'schedule.json'}"
        )


@main.command("train-quality")
@click.option("--positive", required=True, type=click.Path(), help="High-quality examples.")
@click.option("--negative", required=True, type=click.Path(), help="Low-quality examples.")
@click.option("-o", "--output", required=True, type=click.Path(), help="Model file (.joblib).")
@click.option("--text-column", default="text", show_default=True)
@click.option(
    "-C",
    "--regularization",
    default=1.0,
    show_default=True,
    type=click.FloatRange(0, min_open=True),
)
@click.option(
    "--folds",
    default=5,
    show_default=True,
    type=click.IntRange(0),
    help="Stratified cross-validation folds for the held-out scores (0: none).",
)
@click.option("--seed", default=0, show_default=True, type=int, help="Model and folds seed.")
def train_quality_command(positive, negative, output, text_column, regularization, folds, seed):
    """Train the quality_classifier scorer's model (hashed word and bigram features, logistic
    regression) from POSITIVE and NEGATIVE example files (JSONL, Parquet or Arrow). Prints the
    training accuracy, the held-out accuracy and ROC AUC by stratified k-fold cross-validation,
    and the model's size; writes them to OUTPUT.json beside the model."""
    from dataprep.quality.classifier import summary_lines, train_quality_model

    try:
        info = train_quality_model(
            positive,
            negative,
            output,
            text_column=text_column,
            regularization=regularization,
            seed=seed,
            folds=folds,
        )
    except DataprepError as error:
        raise click.ClickException(error.for_cli()) from None
    for line in summary_lines(info, output):
        click.echo(line)


@main.command("distill-static")
@click.option("-o", "--output", required=True, type=click.Path(), help="Folder for the model.")
@click.option("--model", default=None, help="Local sentence-transformers folder [bundled MiniLM].")
@click.option("--pca-dims", default=256, show_default=True, type=click.IntRange(2))
def distill_static_command(output, model, pca_dims):
    """Distill a fast static (model2vec) embedding model from a local sentence-transformers
    model, offline; pass its folder as `model:` to any embedding stage."""
    from dataprep.embed.encoder import distill_static_model

    try:
        distill_static_model(output, model=model, pca_dims=pca_dims)
    except DataprepError as error:
        raise click.ClickException(error.for_cli()) from None
    click.echo(f"saved a static embedding model to {output}")


@main.command("stages")
def stages_command() -> None:
    """List every registered stage with its parameters and defaults."""
    from dataprep.catalog import listing  # the stage index: no stage module is imported

    for line in listing():
        click.echo(line)


@main.command("report")
@click.argument("out", metavar="OUT", type=click.Path())
@click.option(
    "-o", "--output", type=click.Path(), default=None, help="HTML file [OUT/report.html]."
)
def report_command(out, output):
    """Write one self-contained HTML page (plots embedded, no network needed) about OUT, an
    output folder of `dataprep filter`, `score` or `schedule`: rows per stage, rejection
    reasons, score histograms, duplicate clusters, the schedule's curve, and the manifest."""
    from dataprep.report import write_report

    try:
        path = write_report(out, output)
    except DataprepError as error:
        raise click.ClickException(error.for_cli()) from None
    click.echo(f"wrote {path} ({path.stat().st_size:,} bytes)")
