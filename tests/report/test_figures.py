"""Plots: PNG bytes, deterministic, embeddable as data: URIs."""

import base64

import pytest

from dataprep.report import figures
from dataprep.report.scan import ScoreHistogram

PNG = b"\x89PNG\r\n\x1a\n"

HISTOGRAM = ScoreHistogram("dp_score_x", [0.0, 1.0, 2.0], [3, 1], [0, 2])
CASES = {
    "stages": lambda: figures.stages_figure(["a", "b"], [9, 7], [1, 2]),
    "reasons": lambda: figures.reasons_figure(["a: x", "b: y"], [5, 2]),
    "score": lambda: figures.score_figure(HISTOGRAM),
    "score_kept_only": lambda: figures.score_figure(
        ScoreHistogram("c", [0.0, 1.0], [4], [0]), kept_label="served samples"
    ),
    "clusters": lambda: figures.cluster_sizes_figure({2: 500, 3: 2, 50: 1}),
    "many_sizes": lambda: figures.cluster_sizes_figure({s: 1 for s in range(2, 60)}),
    "curve": lambda: figures.curve_figure([0, 5], [0.2, 0.6], [0.1, 0.5, 1.0], 4, "dp_score_d"),
    "mix": lambda: figures.bucket_mix_figure([0, 5], [[3, 1, 0], [1, 1, 2]]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_figure_is_a_deterministic_png(name):
    first = CASES[name]()
    assert first.startswith(PNG)
    assert CASES[name]() == first


def test_data_uri_round_trips():
    png = CASES["stages"]()
    uri = figures.data_uri(png)
    assert uri.startswith("data:image/png;base64,")
    assert base64.b64decode(uri.split(",", 1)[1]) == png


# counts of 1 to 3: matplotlib's default ticks would include 0.5, 1.5, ...
COUNT_AXES = {
    "stages": lambda: (figures.stages_plot(["a", "b"], [2, 1], [1, 1]), "x"),
    "reasons": lambda: (figures.reasons_plot(["a: x", "b: y"], [3, 1]), "x"),
    "score": lambda: (figures.score_plot(HISTOGRAM), "y"),
    "clusters": lambda: (figures.cluster_sizes_plot({2: 3, 3: 1}), "y"),
    "many_sizes": lambda: (figures.cluster_sizes_plot({s: 1 + s % 2 for s in range(2, 60)}), "y"),
}


@pytest.mark.parametrize("name", sorted(COUNT_AXES))
def test_count_axes_have_whole_number_ticks(name):
    figure, which = COUNT_AXES[name]()
    axes = figure.axes[0]
    figure.canvas.draw()
    lower, upper = sorted(axes.get_xlim() if which == "x" else axes.get_ylim())
    ticks = [t for t in (axes.get_xticks() if which == "x" else axes.get_yticks())]
    shown = [t for t in ticks if lower <= t <= upper]
    assert len(shown) >= 2 and all(float(t).is_integer() for t in shown), ticks


def test_plots_are_drawn_at_the_full_page_width():
    png = CASES["score"]()
    width = int.from_bytes(png[16:20], "big")  # the IHDR chunk: width, then height
    assert width == figures.WIDTH * figures.DPI == 1200
