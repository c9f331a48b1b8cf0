"""The shared bench plots write valid PNG files and accept the edge cases the benches give."""

from dataprep.bench.plots import line_plot_with_error_bars, precision_recall_plot

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_line_plot_with_error_bars_writes_a_png(tmp_path):
    path = line_plot_with_error_bars(
        {
            "random": ([0.01, 0.1], [0.5, 0.7], [0.02, 0.01]),
            "kcenter": ([0.01, 0.1], [0.6, 0.8], None),
        },
        tmp_path / "sub" / "plot.png",
        references={"full data": 0.9, "other": 0.4},
        xlabel="fraction",
        ylabel="accuracy",
        title="t",
        log_x=True,
    )
    assert path == tmp_path / "sub" / "plot.png"
    data = path.read_bytes()
    assert data.startswith(PNG_MAGIC) and len(data) > 1000


def test_precision_recall_plot_skips_undefined_precision(tmp_path):
    path = precision_recall_plot(
        {
            "minhash": [(0.2, 1.0, "0.9"), (0.5, 0.8, "0.5")],
            "exact": [(0.1, 1.0, "")],
            "nothing found": [(0.0, None, "0.9")],
        },
        tmp_path / "pr.png",
        title="pr",
    )
    assert path.read_bytes().startswith(PNG_MAGIC)
