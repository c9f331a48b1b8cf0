"""The coreset bench's outputs: results.json, report.md and coreset.png."""

from __future__ import annotations

from pathlib import Path

from dataprep.bench.common import write_results
from dataprep.bench.coreset_metrics import VIEWS
from dataprep.bench.plots import line_plot_with_error_bars


def _cell(stats: dict) -> str:
    return f"{stats['mean']:.4f} ± {stats['std']:.4f}"


def report_markdown(results: dict) -> str:
    """The report: one accuracy table per probe (mean ± std over seeds, then the difference
    from random and the ratio to full data), and a coverage table."""
    fractions, methods = results["fractions"], results["methods"]
    summary = {(r["method"], r["fraction"]): r for r in results["summary"]}
    lines = [
        "# Coreset bench",
        "",
        f"Train: {results['train']['path']} ({results['train']['rows']} rows); test: "
        f"{results['test']['path']} ({results['test']['rows']} rows). Seeds: "
        f"{len(results['seeds'])}. Command: `{results['command']}`",
        "",
    ]
    header = "| method | " + " | ".join(f"{f:g}" for f in fractions) + " |"
    rule = "|---" * (len(fractions) + 1) + "|"
    for view in VIEWS:
        lines += [
            f"## {view} probe accuracy (full data: {results['full'][view]:.4f})",
            "",
            "Cell: mean ± std over seeds; below it, Δ vs random / ratio to full data.",
            "",
            header,
            rule,
        ]
        for method in methods:
            cells = []
            for f in fractions:
                row = summary[(method, f)]
                delta = row["vs_random"][view]
                delta_s = "n/a" if delta is None else f"{delta:+.4f}"
                cells.append(f"{_cell(row[view])}<br>{delta_s} / {row['of_full'][view]:.3f}")
            lines.append(f"| {method} | " + " | ".join(cells) + " |")
        lines.append("")
    lines += [
        "## Coverage (mean over seeds)",
        "",
        "k-center radius / mean test distance to the nearest selected row (cosine) / "
        "label KL(subset || full) in nats; runs missing a class in brackets.",
        "",
        header,
        rule,
    ]
    for method in methods:
        cells = []
        for f in fractions:
            row = summary[(method, f)]
            missing = row["runs_missing_a_class"]
            cells.append(
                f"{row['kcenter_radius']['mean']:.3f} / {row['test_distance']['mean']:.3f}"
                f" / {row['label_kl']['mean']:.4f}" + (f" [{missing}]" if missing else "")
            )
        lines.append(f"| {method} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def write_outputs(results: dict, output: Path) -> None:
    """results.json, report.md and coreset.png (embedding probe accuracy vs fraction)."""
    write_results(output, results, report_markdown(results))
    summary = {(r["method"], r["fraction"]): r for r in results["summary"]}
    series = {}
    for method in results["methods"]:
        rows = [summary[(method, f)] for f in results["fractions"]]
        series[method] = (
            results["fractions"],
            [r["embedding"]["mean"] for r in rows],
            [r["embedding"]["std"] for r in rows],
        )
    references = {"full data": results["full"]["embedding"]}
    line_plot_with_error_bars(
        series,
        output / "coreset.png",
        references=references,
        xlabel="fraction of train rows",
        ylabel="test accuracy (embedding probe)",
        title=f"Coreset selection: probe accuracy ({Path(results['train']['path']).name})",
        log_x=True,
    )
