"""The report page: one self-contained HTML file (inline CSS, PNG plots as ``data:`` URIs, a
three-line inline script), which opens in a browser with no server and no network.

Every string that comes from the data (texts, ids, reasons, paths, the manifest) goes through
``html.escape``. Sections carry stable ids: summary, reasons, scores, duplicates (when rows
carry dp_dup_cluster), schedule (schedule outputs) and manifest. After loading, the script sets
``data-images-loaded`` on <body> to the number of images that decoded.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable

from dataprep.report import figures
from dataprep.report.collect import Summary

TOP_REASONS = 10  # reasons listed per stage; the rest are summed in one row
CHART_REASONS = 15  # bars of the overall reason chart
MAX_TABLE_ROWS = 30  # rows of a long table (phases, cluster sizes) before "... more"

CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#222;
background:#fafafa}
header{background:#1f3a5a;color:#fff;padding:14px 28px}
header h1{margin:0;font-size:20px}header p{margin:4px 0 0;opacity:.85}
nav{padding:8px 28px;background:#e9eef4}nav a{margin-right:14px;color:#1f3a5a}
main{padding:0 28px 40px}
section{background:#fff;border:1px solid #ddd;border-radius:6px;margin:18px 0;padding:6px 18px}
h2{font-size:17px;border-bottom:1px solid #eee;padding-bottom:4px}h3{font-size:15px}
table{border-collapse:collapse;margin:8px 0 14px;font-size:13px}
th,td{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f0f3f6}td.n{text-align:right;font-variant-numeric:tabular-nums}
table.wide{width:100%}
td.text{white-space:pre-wrap;word-break:break-word;font-size:12px}
td.text .ex{padding:2px 0}td.text .ex+.ex{border-top:1px dashed #ddd}.ex code{color:#1f3a5a}
img{width:100%;height:auto;display:block;margin:8px 0}
.plots{display:grid;grid-template-columns:repeat(auto-fit,minmax(820px,1fr));gap:0 18px}
.cards{display:flex;gap:12px;flex-wrap:wrap}.card{border:1px solid #ddd;border-radius:6px;
padding:8px 14px;min-width:120px}.card b{display:block;font-size:20px}
pre{background:#f6f8fa;border:1px solid #ddd;padding:10px;overflow:auto;max-height:480px;
font-size:12px}.note{color:#666}
"""

SCRIPT = """
window.addEventListener("load", function () {
  var n = 0;
  for (var i = 0; i < document.images.length; i++) {
    if (document.images[i].complete && document.images[i].naturalWidth > 0) n++;
  }
  document.body.setAttribute("data-images-loaded", String(n));
});
"""


def esc(value: object) -> str:
    """``value`` as text, HTML-escaped (quotes included)."""
    return html.escape(str(value), quote=True)


def fmt(value: object) -> str:
    """A number for a table: 1,278 for integers, 4 significant digits for floats, '-' for
    None; other values as text. The result is escaped."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return esc(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:.4g}"
    return esc(value)


def table(headers: list[str], rows: Iterable[Iterable[object]], *, wide: bool = False) -> str:
    """An HTML table; numbers are right-aligned and formatted with ``fmt``, strings escaped.
    A cell given as ``("text", s)`` is shown as a wrapped text block; one given as
    ``("examples", [(id, text), ...])`` as one block per example, the id first.
    wide: the table takes the page's full width (default False: as wide as its cells)."""
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = []
    for row in rows:
        cells = []
        for cell in row:
            if isinstance(cell, tuple) and cell and cell[0] == "text":
                cells.append(f'<td class="text">{esc(cell[1])}</td>')
            elif isinstance(cell, tuple) and cell and cell[0] == "examples":
                blocks = "".join(
                    f'<div class="ex"><code>{esc(i)}</code> {esc(t)}</div>' for i, t in cell[1]
                )
                cells.append(f'<td class="text">{blocks}</td>')
            elif isinstance(cell, int | float) and not isinstance(cell, bool):
                cells.append(f'<td class="n">{fmt(cell)}</td>')
            else:
                cells.append(f"<td>{fmt(cell)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    opening = '<table class="wide">' if wide else "<table>"
    return f"{opening}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def image(png: bytes, alt: str) -> str:
    """An <img> holding ``png`` as a data: URI, with alt text."""
    return f'<img src="{figures.data_uri(png)}" alt="{esc(alt)}">'


def section(section_id: str, title: str, body: str) -> str:
    return f'<section id="{section_id}"><h2>{esc(title)}</h2>{body}</section>'


def _percent(part: int | None, whole: int | None) -> str:
    if part is None or not whole:
        return "-"
    return f"{100 * part / whole:.1f}%"


def _cards(items: list[tuple[str, object]]) -> str:
    cards = "".join(f'<div class="card"><b>{fmt(v)}</b>{esc(k)}</div>' for k, v in items)
    return f'<div class="cards">{cards}</div>'


def summary_section(summary: Summary) -> str:
    """Counts of the whole run and per stage, and the stage funnel plot."""
    if summary.kind == "schedule":
        schedule = summary.schedule or {}
        cards = _cards(
            [
                ("rows in", summary.rows_in),
                ("rows scheduled", summary.stats.get("rows_scheduled", schedule.get("rows"))),
                ("rows rejected", summary.rows_rejected),
                ("samples (OUT/data rows)", summary.rows_kept),
                ("steps", schedule.get("steps", summary.stats.get("steps"))),
            ]
        )
    else:
        cards = _cards(
            [
                ("rows in", summary.rows_in),
                ("rows kept", summary.rows_kept),
                ("rows rejected", summary.rows_rejected),
                ("rejected share", _percent(summary.rows_rejected, summary.rows_in)),
            ]
        )
    rows = [
        (
            s.name,
            s.kind,
            s.rows_in,
            s.rows_rejected,
            s.rows_out,
            _percent(s.rows_rejected, s.rows_in),
            s.seconds,
        )
        for s in summary.stages
    ]
    body = cards + table(
        ["stage", "kind", "rows in", "rejected", "rows out", "rejected %", "seconds"], rows
    )
    known = [s for s in summary.stages if s.rows_in is not None]
    if known and len(known) == len(summary.stages) and summary.kind != "schedule":
        png = figures.stages_figure(
            [s.name for s in known], [s.rows_out for s in known], [s.rows_rejected for s in known]
        )
        body += image(png, "Rows passed on and rejected by each stage")
    return section("summary", f"Summary ({summary.kind} output)", body)


def reasons_section(summary: Summary, top: int = TOP_REASONS) -> str:
    """The ``top`` reasons of each stage (default 10) in a table with example rows of each,
    and a bar chart overall."""
    pairs = [(s, r, n) for s in summary.stages for r, n in s.reasons.items() if n]
    if not pairs:
        return section("reasons", "Rejection reasons", "<p>No row was rejected.</p>")
    rows = []
    for stage in summary.stages:
        ranked = sorted(stage.reasons.items(), key=lambda item: (-item[1], item[0]))
        for reason, count in ranked[:top]:
            found = summary.examples.get((stage.name, reason), [])
            examples = ("examples", [(m.id, m.text) for m in found])
            rows.append((stage.name, reason, count, _percent(count, stage.rows_in), examples))
        rest = ranked[top:]
        if rest:
            count = sum(n for _, n in rest)
            label = f"other ({len(rest)} reasons)"
            rows.append((stage.name, label, count, _percent(count, stage.rows_in), ""))
    body = (
        '<p class="note">Examples: the first rejected rows with each reason, in the order of '
        "<code>rejected/</code> (id, then text, cut).</p>"
    )
    headers = ["stage", "reason", "rows", "% of stage input", "examples"]
    body += table(headers, rows, wide=True)
    ranked = sorted(pairs, key=lambda item: (-item[2], item[0].name, item[1]))[:CHART_REASONS]
    png = figures.reasons_figure([f"{s.name}: {r}" for s, r, _ in ranked], [n for *_, n in ranked])
    body += image(png, "Bar chart of the top rejection reasons")
    return section("reasons", "Rejection reasons", body)


def scores_section(summary: Summary) -> str:
    """One histogram per dp_score_* column, kept and rejected rows overlaid, and a table."""
    if not summary.scores:
        return section("scores", "Scores", "<p>No dp_score_* column in the output.</p>")
    schedule = summary.kind == "schedule"
    note = (
        '<p class="note">Counts are the plan\'s samples: a row served n times counts n times.</p>'
        if schedule
        else ""
    )
    rows = []
    plots = []
    kept_label = "served samples" if schedule else "kept"
    for histogram in summary.scores:
        stats = summary.score_summaries.get(histogram.column, {})
        quantiles = stats.get("quantiles", {})
        rows.append(
            (
                histogram.column,
                sum(histogram.kept),
                sum(histogram.rejected),
                histogram.kept_missing + histogram.rejected_missing,
                histogram.edges[0] if sum(histogram.kept) + sum(histogram.rejected) else None,
                histogram.mean,
                quantiles.get("p50"),
                histogram.edges[-1] if sum(histogram.kept) + sum(histogram.rejected) else None,
            )
        )
        alt = f"Histogram of {histogram.column}: {kept_label} vs rejected rows"
        plots.append(
            f"<div><h3>{esc(histogram.column)}</h3>"
            + image(figures.score_figure(histogram, kept_label=kept_label), alt)
            + "</div>"
        )
    headers = [
        "column",
        "served samples" if schedule else "kept rows",
        "rejected rows",
        "missing",
        "min",
        "mean",
        "median (stats.json)",
        "max",
    ]
    plots_html = f'<div class="plots">{"".join(plots)}</div>'
    return section("scores", "Scores", note + table(headers, rows) + plots_html)


def duplicates_section(summary: Summary) -> str:
    """Cluster size distribution (plot and table) and the largest clusters' rows."""
    dups = summary.duplicates
    if dups is None:
        return ""
    if not dups.clusters:
        return section("duplicates", "Duplicates", "<p>No row is in a duplicate cluster.</p>")
    body = (
        f"<p>{fmt(dups.clusters)} duplicate clusters hold {fmt(dups.rows)} rows (each cluster "
        "is named by the row number of its kept copy, <code>dp_dup_cluster</code>).</p>"
    )
    body += image(figures.cluster_sizes_figure(dups.size_counts), "Duplicate cluster sizes")
    sizes = sorted(dups.size_counts.items())
    body += table(["cluster size", "clusters"], sizes[:MAX_TABLE_ROWS])
    if len(sizes) > MAX_TABLE_ROWS:
        body += f'<p class="note">{len(sizes) - MAX_TABLE_ROWS:,} more sizes not listed.</p>'
    body += f"<h3>The {len(dups.examples)} largest clusters</h3>"
    for cluster in dups.examples:
        shown = len(cluster.members)
        body += (
            f"<h3>Cluster {fmt(cluster.cluster)}: {fmt(cluster.size)} rows"
            f"{'' if shown >= cluster.size else f' ({shown} shown)'}</h3>"
        )
        body += table(
            ["id", "status", "text"],
            [(m.id, m.status, ("text", m.text)) for m in cluster.members],
            wide=True,
        )
    return section("duplicates", "Duplicates", body)


def schedule_section(summary: Summary) -> str:
    """The plan: parameters, difficulty curve, bucket mix, buckets, phases, served counts."""
    plan = summary.schedule
    if summary.kind != "schedule" or plan is None:
        return ""
    params = plan.get("params", {})
    column = params.get("difficulty_column", "difficulty")
    body = table(
        ["pacing", "difficulty column", "order", "rows", "samples", "steps", "batch size",
         "ramp steps", "full competence at step"],
        [(plan.get("pacing"), column, params.get("order"), plan.get("rows"), plan.get("samples"),
          plan.get("steps"), plan.get("batch_size"), plan.get("ramp_steps"),
          plan.get("full_competence_step"))],
    )  # fmt: skip
    curve = plan.get("curve", {})
    if curve.get("first_step"):
        competence = plan.get("competence", {})
        png = figures.curve_figure(
            curve["first_step"],
            curve["mean_difficulty"],
            competence.get("values", []),
            competence.get("stride", 1),
            column,
        )
        body += image(png, "Mean difficulty of the served samples versus step, and competence")
        png = figures.bucket_mix_figure(curve["first_step"], curve["bucket_mix"])
        body += image(png, "Share of each difficulty bucket versus step (stacked)")
    buckets = plan.get("buckets", [])
    body += "<h3>Difficulty buckets</h3>" + table(
        ["bucket", "rows", "min", "max"],
        [(b.get("bucket"), b.get("rows"), b.get("min"), b.get("max")) for b in buckets],
    )
    phases = plan.get("phases", [])
    body += "<h3>Phases (runs of steps with the same eligible rows)</h3>" + table(
        ["first step", "competence", "eligible rows"],
        [(p.get("first_step"), p.get("competence"), p.get("eligible_rows")) for p in phases][
            :MAX_TABLE_ROWS
        ],
    )
    if len(phases) > MAX_TABLE_ROWS:
        body += (
            f'<p class="note">{len(phases) - MAX_TABLE_ROWS:,} more phases in schedule.json.</p>'
        )
    served = summary.stats.get("served")
    if served:
        body += "<h3>Served counts</h3>" + table(
            ["rows never served", "rows served more than once", "most served", "mean"],
            [(served.get("rows_never"), served.get("rows_repeated"), served.get("max"),
              served.get("mean"))],
        )  # fmt: skip
        histogram = served.get("histogram", {})
        body += table(["times served", "rows"], list(histogram.items()))
    return section("schedule", "Schedule", body)


def manifest_section(summary: Summary) -> str:
    """Key facts of the manifest, the inputs table and the whole manifest as JSON."""
    manifest = summary.manifest
    data = manifest.get("data", {})
    rejected = manifest.get("rejected", {})
    body = table(
        ["dataprep version", "command", "text column", "id column", "shard format",
         "data rows", "data shards", "rejected rows", "rejected shards"],
        [(manifest.get("dataprep_version"), manifest.get("command", summary.kind),
          manifest.get("text_column"), manifest.get("id_column"), manifest.get("shard_format"),
          data.get("rows"), len(data.get("shards", [])), rejected.get("rows"),
          len(rejected.get("shards", [])))],
    )  # fmt: skip
    inputs = manifest.get("inputs", [])
    body += "<h3>Inputs</h3>" + table(
        ["path", "format", "bytes", "fingerprint"],
        [(i.get("path", i.get("file")), i.get("format"), i.get("bytes"), i.get("fingerprint"))
         for i in inputs],
    )  # fmt: skip
    text = json.dumps(manifest, indent=2, ensure_ascii=False, default=str)
    body += f"<h3>manifest.json</h3><pre>{esc(text)}</pre>"
    return section("manifest", "Manifest", body)


def render(summary: Summary) -> str:
    """The whole page for ``summary``."""
    sections = [
        summary_section(summary),
        reasons_section(summary),
        scores_section(summary),
        duplicates_section(summary),
        schedule_section(summary),
        manifest_section(summary),
    ]
    sections = [s for s in sections if s]
    titles = {
        "summary": "Summary",
        "reasons": "Rejection reasons",
        "scores": "Scores",
        "duplicates": "Duplicates",
        "schedule": "Schedule",
        "manifest": "Manifest",
    }
    present = [key for key in titles if f'<section id="{key}">' in "".join(sections)]
    nav = "".join(f'<a href="#{key}">{titles[key]}</a>' for key in present)
    images = sum(s.count("<img ") for s in sections)
    title = f"dataprep report: {summary.out_dir.name or summary.out_dir}"
    version = summary.manifest.get("dataprep_version", "?")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{CSS}</style></head>\n"
        f'<body data-kind="{summary.kind}" data-images-total="{images}">'
        f"<header><h1>{esc(title)}</h1><p>{esc(summary.kind)} output in "
        f"<code>{esc(summary.out_dir)}</code>, dataprep {esc(version)}</p></header>"
        f"<nav>{nav}</nav><main>\n" + "\n".join(sections) + "\n</main>"
        f"<script>{SCRIPT}</script></body></html>\n"
    )
