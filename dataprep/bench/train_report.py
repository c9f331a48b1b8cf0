"""report.md and train.png of ``dataprep bench train`` (see dataprep.bench.train)."""

from __future__ import annotations

from pathlib import Path

GOAL_FRACTION = 0.7  # the project's goal: random's final loss in at most 70% of the steps


def _interval(entry: dict, digits: int = 4, sign: bool = False) -> str:
    form = f"{{:{'+' if sign else ''}.{digits}f}}"
    return (
        f"{form.format(entry['mean'])} [{form.format(entry['low'])}, {form.format(entry['high'])}]"
    )


def _reach(reach: dict) -> str:
    def step(value):
        return "never" if value is None else f"{value:.0f}"

    point = reach["steps"]
    share = "" if point is None else f" ({reach['fraction']:.0%})"
    return f"{step(point)}{share} [{step(reach['low'])}, {step(reach['high'])}]"


def verdict(results: dict) -> str:
    """One sentence: which arms reach random's final loss in at most 70% of the steps with a
    bootstrap interval that excludes 100%, or that none does."""
    steps = results["eval_steps"][-1]
    winners = []
    for name, arm in results["arms"].items():
        reach = arm["steps_to_random_final"]
        if name == "random" or reach["steps"] is None:
            continue
        high = reach["high"]
        if reach["fraction"] <= GOAL_FRACTION and high is not None and high < steps:
            winners.append(
                f"{name} ({reach['fraction']:.0%} of the steps, interval up to {high / steps:.0%})"
            )
    if not winners:
        return (
            f"No arm reaches the random arm's final validation loss in at most "
            f"{GOAL_FRACTION:.0%} of the steps with an interval that excludes 100%."
        )
    return (
        f"Arms that reach the random arm's final validation loss in at most {GOAL_FRACTION:.0%} "
        f"of the steps, with a bootstrap interval that excludes 100%: {', '.join(winners)}."
    )


def report_markdown(results: dict) -> str:
    """The results as Markdown: settings, verdict, and one row per arm, best final loss first."""
    settings = results["settings"]
    model = settings["model"]
    lines = [
        "# Training benchmark: does the prepared data train a better LM?",
        "",
        f"Pool: `{settings['pool']}` ({settings['pool_documents']:,} documents in "
        f"{len(settings['pool_groups'])} groups); selection budget "
        f"{settings['fraction']:.0%} ({settings['budget_rows']:,} rows). Validation: "
        f"`{settings['valid']}` (first {settings['valid_documents']:,} texts). DSIR target: "
        f"`{settings['target']}`.",
        "",
        f"Every run: {settings['steps']} steps of {settings['batch_size']} samples (the first "
        f"{model['context'] + 1} bytes of a document), byte-level Transformer (context "
        f"{model['context']}, width {model['width']}, {model['layers']} layers), AdamW at "
        f"{model['learning_rate']}, cosine decay. {settings['seeds']} seeds per arm; seed s "
        "of every arm starts from the same weights. Loss in nats per byte.",
        "",
        f"Command: `{results.get('command')}`; commit `{results['provenance']['commit'][:12]}`"
        f"{' (uncommitted changes)' if results['provenance']['dirty'] else ''}; device "
        f"{results['provenance']['device']}; {results['seconds'] / 60:.1f} minutes.",
        "",
        f"**{verdict(results)}**",
        "",
        "Intervals: final loss and the difference from random are means over seeds with 95% "
        "Student-t intervals (the difference is paired by seed); steps to reach random's mean "
        "final loss are for the seed-mean curve, with a 95% paired bootstrap interval over seeds "
        "('never' = not reached within the run).",
        "",
        *table_lines(results),
    ]
    return "\n".join(lines) + "\n"


def table_lines(results: dict) -> list[str]:
    """The Markdown table of the arms, best mean final loss first (the README quotes it)."""
    lines = [
        "| arm | final validation loss | vs random | steps to random's final loss | unique rows |",
        "|---|---|---|---|---|",
    ]
    ranked = sorted(results["arms"].items(), key=lambda item: item[1]["final_loss"]["mean"])
    for name, arm in ranked:
        unique = arm["unique_rows"]
        lines.append(
            f"| {name} | {_interval(arm['final_loss'])} | "
            f"{_interval(arm['vs_random'], sign=True)} | "
            f"{_reach(arm['steps_to_random_final'])} | "
            f"{min(unique):,}-{max(unique):,} |"
        )
    return lines


def plot_curves(results: dict, path: Path) -> None:
    """Seed-mean validation loss against step for every arm; random drawn thick."""
    from dataprep.bench.plots import loss_curves_plot

    steps = results["eval_steps"]
    start = len(steps) // 4  # the first evaluations dwarf the differences that matter
    loss_curves_plot(
        {name: (steps[start:], arm["mean_curve"][start:]) for name, arm in results["arms"].items()},
        path,
        reference_loss=results["random_final_loss"],
        title="Tiny LM trained on each arm's data, same steps and samples",
        ylabel="validation loss (nats/byte), mean over seeds",
    )
