"""Shared plotting helpers for the ``dataprep bench`` harnesses (matplotlib, Agg backend, PNG).

Each helper takes plain Python data, writes one PNG file and returns its path, so any harness
(coreset, dedup, curriculum, ...) can reuse it. Nothing here knows about a particular bench.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

REFERENCE_STYLES = ("--", ":", "-.")


def line_plot_with_error_bars(
    series: Mapping[str, tuple[Sequence[float], Sequence[float], Sequence[float] | None]],
    path: str | Path,
    *,
    references: Mapping[str, float] | None = None,
    xlabel: str = "",
    ylabel: str = "",
    title: str = "",
    log_x: bool = False,
    dpi: int = 120,
) -> Path:
    """One line per series with error bars, plus horizontal reference lines.

    series: name -> (x values, y values, y error half-widths or None for no bars); drawn in
        the mapping's order.
    path: the PNG file to write (parent folders are created).
    references: name -> y value, drawn as dashed horizontal lines (default none).
    xlabel / ylabel / title: axis labels and title (default empty).
    log_x: logarithmic x axis (default False).
    dpi: resolution of the PNG (default 120).
    """
    fig, ax = plt.subplots(figsize=(8, 5))
    for name, (x, y, err) in series.items():
        ax.errorbar(
            list(x),
            list(y),
            yerr=None if err is None else list(err),
            marker="o",
            markersize=4,
            capsize=3,
            linewidth=1.5,
            label=name,
        )
    for i, (name, value) in enumerate((references or {}).items()):
        ax.axhline(
            value,
            color="black",
            linestyle=REFERENCE_STYLES[i % len(REFERENCE_STYLES)],
            linewidth=1,
            label=name,
        )
    if log_x:
        ax.set_xscale("log")
    _finish(ax, xlabel, ylabel, title)
    return _save(fig, path, dpi)


def precision_recall_plot(
    curves: Mapping[str, Sequence[tuple[float, float, str]]],
    path: str | Path,
    *,
    title: str = "",
    dpi: int = 120,
) -> Path:
    """Precision (y) against recall (x), one curve per method family.

    curves: name -> points (recall, precision, annotation), e.g. one point per threshold with
        the threshold as its annotation (an empty string annotates nothing); a family with one
        point is drawn as a single marker. Points whose precision is None are skipped.
    path: the PNG file to write (parent folders are created).
    title: the plot title (default empty).
    dpi: resolution of the PNG (default 120).
    """
    fig, ax = plt.subplots(figsize=(7, 6))
    for name, points in curves.items():
        points = [p for p in points if p[1] is not None and p[0] is not None]
        if not points:
            continue
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        ax.plot(xs, ys, marker="o", markersize=5, linewidth=1.2, label=name)
        for x, y, note in points:
            if note:
                ax.annotate(note, (x, y), textcoords="offset points", xytext=(4, 4), fontsize=7)
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    _finish(ax, "recall", "precision", title)
    return _save(fig, path, dpi)


def _finish(ax, xlabel: str, ylabel: str, title: str) -> None:
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="best")


def _save(fig, path: str | Path, dpi: int) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=dpi, format="png", metadata={"Software": None})
    plt.close(fig)
    return path


def loss_curves_plot(
    curves: Mapping[str, tuple[Sequence[float], Sequence[float]]],
    path: str | Path,
    *,
    reference_loss: float,
    title: str,
    ylabel: str = "validation loss (nats/byte)",
    thick: str = "random",
    dpi: int = 110,
) -> Path:
    """Loss against training step, one line per run.

    curves: name -> (steps, losses), drawn in the mapping's order; the run named ``thick``
        (default 'random', the reference) is drawn thick.
    reference_loss: a dotted horizontal line (the reference run's final loss).
    title / ylabel: the plot's title and y label; dpi: resolution of the PNG (default 110).
    """
    fig, ax = plt.subplots(figsize=(8, 5))
    colors = plt.get_cmap("tab20").colors  # 20 distinct colours: more runs than the default 10
    for index, (name, (steps, losses)) in enumerate(curves.items()):
        ax.plot(
            steps,
            losses,
            label=name,
            color=colors[index % len(colors)],
            linestyle="-" if index < len(colors) else "--",
            linewidth=2.6 if name == thick else 1.2,
        )
    ax.axhline(reference_loss, color="grey", linestyle=":", linewidth=1)
    _finish(ax, "training step", ylabel, title)
    return _save(fig, path, dpi)
