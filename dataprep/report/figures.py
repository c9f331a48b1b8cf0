"""The report's plots: matplotlib (Agg, no display, no pyplot state) to PNG bytes, and PNG bytes
to ``data:`` URIs that an HTML page embeds, so the page needs no other file.

Every ``*_figure`` function returns PNG bytes; the same input gives the same bytes (no timestamp
or software version is written into the PNG). The count plots are also built as matplotlib
Figures by their ``*_plot`` functions; their count axes carry whole-number ticks only. Plots are
drawn WIDTH x DPI pixels wide and the page scales them to its full width.
"""

from __future__ import annotations

import base64
import io

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from dataprep.report.scan import ScoreHistogram

WIDTH = 12.0  # inches: 1200 px, about the width of the page's main column on a laptop
DPI = 100
KEPT_COLOR = "#2b7bba"
REJECTED_COLOR = "#d9534f"


def data_uri(png: bytes) -> str:
    """``data:image/png;base64,...`` for the PNG bytes ``png``."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _figure(height: float) -> Figure:
    figure = Figure(figsize=(WIDTH, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def integer_ticks(axis) -> None:
    """Whole-number ticks only on ``axis`` (an XAxis or YAxis), for counts and steps."""
    axis.set_major_locator(MaxNLocator(integer=True))


def _bar_height(count: int) -> float:
    return min(12.0, 1.2 + 0.32 * max(1, count))


def stages_figure(names: list[str], rows_out: list[int], rows_rejected: list[int]) -> bytes:
    """PNG of ``stages_plot``."""
    return _png(stages_plot(names, rows_out, rows_rejected))


def stages_plot(names: list[str], rows_out: list[int], rows_rejected: list[int]) -> Figure:
    """Horizontal stacked bars, one per stage (first on top): rows passed on and rows rejected.
    names: stage names; rows_out / rows_rejected: each stage's rows passed on / rejected."""
    figure = _figure(_bar_height(len(names)))
    axes = figure.add_subplot()
    y = np.arange(len(names))[::-1]
    axes.barh(y, rows_out, color=KEPT_COLOR, label="passed on")
    axes.barh(y, rows_rejected, left=rows_out, color=REJECTED_COLOR, label="rejected")
    axes.set_yticks(y, names)
    axes.set_xlabel("rows")
    axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="small")
    axes.set_title("Rows reaching each stage")
    integer_ticks(axes.xaxis)
    return figure


def reasons_figure(labels: list[str], counts: list[int]) -> bytes:
    """PNG of ``reasons_plot``."""
    return _png(reasons_plot(labels, counts))


def reasons_plot(labels: list[str], counts: list[int]) -> Figure:
    """Horizontal bars of rejection counts, the first label on top.
    labels: one per bar ("stage: reason"); counts: the rejected rows of each."""
    figure = _figure(_bar_height(len(labels)))
    axes = figure.add_subplot()
    y = np.arange(len(labels))[::-1]
    axes.barh(y, counts, color=REJECTED_COLOR)
    axes.set_yticks(y, labels, fontsize="small")
    axes.set_xlabel("rejected rows")
    axes.set_title("Top rejection reasons")
    integer_ticks(axes.xaxis)
    return figure


def score_figure(histogram: ScoreHistogram, *, kept_label: str = "kept") -> bytes:
    """PNG of ``score_plot``."""
    return _png(score_plot(histogram, kept_label=kept_label))


def score_plot(histogram: ScoreHistogram, *, kept_label: str = "kept") -> Figure:
    """The kept and rejected rows' histograms of one score column, overlaid as steps.
    kept_label: legend label of the kept rows (default 'kept')."""
    figure = _figure(3.0)
    axes = figure.add_subplot()
    edges = np.asarray(histogram.edges)
    axes.stairs(histogram.kept, edges, fill=True, alpha=0.45, color=KEPT_COLOR, label=kept_label)
    axes.stairs(histogram.kept, edges, color=KEPT_COLOR)
    if any(histogram.rejected):
        axes.stairs(
            histogram.rejected,
            edges,
            fill=True,
            alpha=0.45,
            color=REJECTED_COLOR,
            label="rejected",
        )
        axes.stairs(histogram.rejected, edges, color=REJECTED_COLOR)
    axes.set_xlabel(histogram.column)
    axes.set_ylabel("rows")
    axes.legend(fontsize="small")
    integer_ticks(axes.yaxis)
    return figure


def cluster_sizes_figure(size_counts: dict[int, int]) -> bytes:
    """PNG of ``cluster_sizes_plot``."""
    return _png(cluster_sizes_plot(size_counts))


def cluster_sizes_plot(size_counts: dict[int, int]) -> Figure:
    """Bars: number of duplicate clusters of each size (log scale when counts span > 100x).
    size_counts: cluster size -> number of clusters of that size."""
    figure = _figure(3.0)
    axes = figure.add_subplot()
    sizes = sorted(size_counts)
    counts = [size_counts[s] for s in sizes]
    if len(sizes) <= 40:
        axes.bar([str(s) for s in sizes], counts, color=KEPT_COLOR)
    else:
        axes.bar(sizes, counts, color=KEPT_COLOR, width=1.0)
        integer_ticks(axes.xaxis)
    if counts and max(counts) > 100 * max(1, min(counts)):
        axes.set_yscale("log")
    else:
        integer_ticks(axes.yaxis)
    axes.set_xlabel("cluster size (rows, kept copy included)")
    axes.set_ylabel("clusters")
    axes.set_title("Duplicate cluster sizes")
    return figure


def curve_figure(
    first_step: list[int],
    mean_difficulty: list[float],
    competence: list[float],
    competence_stride: int = 1,
    difficulty_column: str = "difficulty",
) -> bytes:
    """Mean difficulty of the served samples per window of steps, and the competence per step
    (every ``competence_stride``-th step, default 1) on a second axis."""
    figure = _figure(3.4)
    axes = figure.add_subplot()
    axes.plot(first_step, mean_difficulty, color=KEPT_COLOR, drawstyle="steps-post")
    axes.set_xlabel("step")
    integer_ticks(axes.xaxis)
    axes.set_ylabel(f"mean {difficulty_column}", color=KEPT_COLOR)
    if competence:
        twin = axes.twinx()
        steps = np.arange(len(competence)) * competence_stride
        twin.plot(steps, competence, color="#555555", linestyle="--", linewidth=1)
        twin.set_ylabel("competence", color="#555555")
        twin.set_ylim(0, 1.05)
    axes.set_title("Difficulty of the served samples along the plan")
    return _png(figure)


def bucket_mix_figure(first_step: list[int], bucket_mix: list[list[int]]) -> bytes:
    """Stacked areas: the share of each difficulty bucket among the samples of each window."""
    figure = _figure(3.4)
    axes = figure.add_subplot()
    mix = np.asarray(bucket_mix, dtype=np.float64).reshape(len(first_step), -1)
    shares = mix / np.maximum(mix.sum(axis=1, keepdims=True), 1)
    buckets = shares.shape[1]
    colors = [_viridis(i / max(1, buckets - 1)) for i in range(buckets)]
    axes.stackplot(
        first_step, shares.T, labels=[str(b) for b in range(buckets)], colors=colors, step="post"
    )
    axes.set_xlabel("step")
    integer_ticks(axes.xaxis)
    axes.set_ylabel("share of samples")
    axes.set_ylim(0, 1)
    axes.margins(x=0)
    axes.legend(
        title="bucket", fontsize="x-small", loc="center left", bbox_to_anchor=(1.0, 0.5), ncols=1
    )
    axes.set_title("Difficulty-bucket mix along the plan (0 = easiest)")
    return _png(figure)


def _viridis(x: float):
    from matplotlib import colormaps

    return colormaps["viridis"](x)
