"""The dedup bench's outputs: results.json, report.md and dedup_pr.png."""

from __future__ import annotations

from pathlib import Path

from dataprep.bench.common import write_results
from dataprep.bench.plots import precision_recall_plot


def fmt_metric(value) -> str:
    """A score to 3 decimals; None (undefined) as n/a."""
    return "n/a" if value is None else f"{value:.3f}"


def skipped_methods(results: dict) -> dict[str, str]:
    """Methods that did not run -> why ("" when not known): ``results['skipped']``, and
    semantic_dedup / datasketch_lsh when no embedding / hashing time was recorded (the
    results.json of older runs)."""
    skipped = dict(results.get("skipped") or {})
    if results.get("embed_seconds") is None:
        skipped.setdefault("semantic_dedup", "")
    if "datasketch_hash_seconds" in results and results["datasketch_hash_seconds"] is None:
        skipped.setdefault("datasketch_lsh", "")
    return skipped


def report_markdown(results: dict) -> str:
    """The report: one table row per method and parameter; a skipped method is named as
    skipped, with its reason when known."""
    source = results["source"]
    what = (
        f"{source['pairs']}: {source['pairs_count']} pairs ({source['positives']} labelled "
        f"duplicate; flagging every pair would score precision "
        f"{source['positives'] / source['pairs_count']:.3f}), {results['rows']} texts"
        if results["mode"] == "pairs"
        else f"{source['corpus']}: {results['rows']} rows, clusters from "
        f"{source['cluster_column']!r} (metrics over all row pairs)"
    )
    skipped = skipped_methods(results)
    parts = [] if "datasketch_lsh" in skipped else ["datasketch: hashing + LSH"]
    if "semantic_dedup" not in skipped:
        parts.append(f"semantic: excluding the embedding, {results['embed_seconds']} s once")
    seconds = "Seconds: the method's fit" + (f" ({'; '.join(parts)})" if parts else "")
    lines = [
        "# Dedup bench",
        "",
        what + f". Command: `{results['command']}`",
        "",
        f"MinHash: {results['num_perm']} permutations, word {results['ngram']}-grams. {seconds}.",
        "",
    ]
    if skipped:
        named = [f"{name} ({why})" if why else name for name, why in sorted(skipped.items())]
        lines += [f"Skipped: {', '.join(named)}.", ""]
    lines += [
        "| method | parameter | precision | recall | F1 | TP | FP | FN | cross-pair links | "
        "seconds |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results["results"]:
        param = f"{r['param']}={r['value']}" if r["param"] else "defaults"
        lines.append(
            f"| {r['method']} | {param} | {fmt_metric(r['precision'])} | "
            f"{fmt_metric(r['recall'])} | {fmt_metric(r['f1'])} | {r['tp']} | {r['fp']} | "
            f"{r['fn']} | {r.get('cross_pair_links', 'n/a')} | {r['seconds']:.2f} |"
        )
    return "\n".join(lines) + "\n"


def write_outputs(results: dict, output: Path) -> None:
    """results.json, report.md and dedup_pr.png (precision vs recall per method family)."""
    write_results(output, results, report_markdown(results))
    curves: dict[str, list] = {}
    for r in results["results"]:
        note = "" if r["value"] is None else f"{r['value']:g}"
        curves.setdefault(r["method"], []).append((r["recall"], r["precision"], note))
    source = results["source"].get("pairs") or results["source"].get("corpus")
    title = f"Dedup: precision vs recall ({Path(source).name})"
    precision_recall_plot(curves, output / "dedup_pr.png", title=title)
