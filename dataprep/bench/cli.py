"""``dataprep bench``: evidence that selected data is better. One subcommand per harness; each
writes OUT/results.json, OUT/report.md and its plots."""

from __future__ import annotations

import click


@click.group("bench")
def bench() -> None:
    """Benchmark data selection: coreset quality, dedup precision/recall, curriculum effect."""
