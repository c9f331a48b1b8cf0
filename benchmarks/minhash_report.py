"""From the runs of ``bench_minhash.py`` to its results (``aggregate``, ``speedups``) and to the
README text made from a report (``summary`` for benchmarks/README.md, ``headline`` for the
top-level README).
"""

from __future__ import annotations

import statistics

from minhash_methods import METHODS, OURS


def _stats(values: list[float]) -> dict:
    median = statistics.median(values)
    return {
        "median": median,
        "min": min(values),
        "max": max(values),
        "spread_pct": 100 * (max(values) - min(values)) / median if median else 0.0,
        "runs": values,
    }


def aggregate(runs: dict[str, list[dict]], docs: int, mb: float) -> dict:
    """Per method: median, min, max and every run of each time, peak RSS, and rates from the
    median time."""
    results = {}
    for method, measured in runs.items():
        seconds = _stats([r["seconds"] for r in measured])
        entry = {
            "label": METHODS[method].label if method in METHODS else method,
            "name": METHODS[method].name if method in METHODS else method,
            "full_set": METHODS[method].full_set if method in METHODS else True,
            "seconds": seconds,
            "docs_per_s": docs / seconds["median"],
            "mb_per_s": mb / seconds["median"],
            "hashing_seconds": None,
            "peak_rss_mb": _stats([r["peak_rss_mb"] for r in measured]),
            "cpu_over_wall_max": max(r["cpu_seconds"] / r["seconds"] for r in measured),
        }
        if measured[0].get("hashing_seconds") is not None:
            entry["hashing_seconds"] = _stats([r["hashing_seconds"] for r in measured])
            entry["hashing_mb_per_s"] = mb / entry["hashing_seconds"]["median"]
        for key in ("map_seconds", "lsh_cluster_seconds", "arrow_seconds"):
            if key in measured[0]:
                entry[key] = _stats([r[key] for r in measured])
        for key in ("bands_rows", "candidate_pairs", "verified_pairs", "rows_rejected"):
            if key in measured[0]:
                entry[key] = measured[0][key]
        entry["runs"] = measured
        results[method] = entry
    return results


def speedups(results: dict) -> dict:
    """dataprep kernel median time over each other method's, end to end and against the other's
    hashing only; ``range`` is the most and least favourable pairing of runs."""
    if "dataprep" not in results:
        return {}
    ours = results["dataprep"]["seconds"]
    out = {}
    for method, entry in results.items():
        if method in OURS:
            continue
        theirs = entry["seconds"]
        row = {
            "end_to_end": theirs["median"] / ours["median"],
            "end_to_end_range": [theirs["min"] / ours["max"], theirs["max"] / ours["min"]],
        }
        if entry["hashing_seconds"] is not None:
            hashing = entry["hashing_seconds"]
            row["vs_hashing_only"] = hashing["median"] / ours["median"]
            row["vs_hashing_only_range"] = [
                hashing["min"] / ours["max"],
                hashing["max"] / ours["min"],
            ]
        out[method] = row
    return out


# ---------------------------------------------------------------------------------------------
# The README text, made from a report


def _x(ratio: float) -> str:
    return f"{ratio:,.0f}x" if ratio >= 100 else f"{ratio:,.1f}x"


def _s(seconds: float) -> str:
    return f"{seconds:,.1f}" if seconds >= 10 else f"{seconds:.2f}"


def _rate(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.2f}" if value < 10 else f"{value:.1f}"


def _compare(ratio: float) -> str:
    """'2.5x faster than' for a time ratio (theirs / ours) of 2.5, '2.5x slower than' for 0.4."""
    return f"{_x(ratio)} faster than" if ratio >= 1 else f"{_x(1 / ratio)} slower than"


def _ratio(row: dict | None, key: str) -> str:
    if not row or key not in row:
        return ""
    return _compare(row[key]).removesuffix(" than")


def _span(bounds: list[float]) -> str:
    low, high = bounds
    if low >= 1:
        return f"{_x(low)}-{_x(high)} faster"
    if high < 1:
        return f"{_x(1 / high)}-{_x(1 / low)} slower"
    return f"from {_x(1 / low)} slower to {_x(high)} faster"


def _fastest(results: dict, key: str, methods) -> str | None:
    timed = [m for m in methods if results[m].get(key) is not None]
    return min(timed, key=lambda m: results[m][key]["median"]) if timed else None


def summary(report: dict) -> str:
    """The table and sentences of benchmarks/README.md's MinHash section, all from ``report``."""
    results = report["results"]
    speed = report.get("dataprep_speedup", {})
    settings, corpus, machine = report["settings"], report["corpus"], report["machine"]
    v = report["versions"]
    lines = [
        "| method | end to end, s: median (min-max) | MB/s | docs/s | hashing only, s | "
        "peak RSS | dataprep kernel, end to end | dataprep kernel vs hashing only |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for method, r in results.items():
        t = r["seconds"]
        hashing = r["hashing_seconds"]
        ratio = speed.get(method)
        lines.append(
            f"| {r['label']} | {_s(t['median'])} ({_s(t['min'])}-{_s(t['max'])}) "
            f"| {_rate(r['mb_per_s'])} | {_rate(r['docs_per_s'])} "
            f"| {_s(hashing['median']) if hashing else '-'} "
            f"| {r['peak_rss_mb']['median']:,.0f} MB "
            f"| {_ratio(ratio, 'end_to_end')} | {_ratio(ratio, 'vs_hashing_only')} |"
        )
    dirty = " with uncommitted changes" if report.get("tree_dirty") else ""
    text = [
        "\n".join(lines),
        "",
        f"Corpus: {corpus['description']}. Median of {settings['repeats']} runs per method, each "
        "run in its own process after a warm-up on the first "
        f"{settings['warmup_docs']} documents, the rounds interleaved with the method order "
        f"rotated each round. Commit {report['commit']}{dirty}; {machine['cpu_count']} CPUs, "
        f"load average {machine['load_average_start'][0]:.2f} at the start and "
        f"{machine['load_average_end'][0]:.2f} at the end; datasketch "
        f"{v['datasketch']}, rensa {v['rensa']}, xxhash {v['xxhash']}, numba {v['numba']}.",
    ]
    ours = results.get("dataprep")
    others = [m for m in results if m not in OURS and results[m]["full_set"]]
    best = _fastest(results, "seconds", others)
    if ours and best:
        ratio = speed[best]
        text.append(
            f"\nThe fastest full-set baseline end to end is {results[best]['name']}: "
            f"{_rate(results[best]['mb_per_s'])} MB/s against {_rate(ours['mb_per_s'])} MB/s "
            f"for dataprep's kernel, which is {_compare(ratio['end_to_end'])} it "
            f"({_span(ratio['end_to_end_range'])} over the runs)."
        )
    best_hash = _fastest(results, "hashing_seconds", others)
    if ours and best_hash:
        r = results[best_hash]
        ratio = speed[best_hash]
        share = 1 - r["hashing_seconds"]["median"] / r["seconds"]["median"]
        text.append(
            f"The fastest hashing alone, given the shingles ready-made, is {r['name']}: "
            f"{_rate(r['hashing_mb_per_s'])} MB/s (the Python shingling was "
            f"{100 * share:.0f}% of its end-to-end time). dataprep's kernel, which tokenizes "
            f"and shingles too, is {_compare(ratio['vs_hashing_only'])} that "
            f"({_span(ratio['vs_hashing_only_range'])} over the runs)."
        )
    for method in [m for m in results if not results[m]["full_set"]]:
        r = results[method]
        ratio = speed.get(method)
        versus = (
            f"; dataprep's kernel is {_compare(ratio['end_to_end'])} it end to end and "
            f"{_compare(ratio['vs_hashing_only'])} its hashing alone"
            if ratio
            else ""
        )
        text.append(
            f"{r['name'][0].upper()}{r['name'][1:]} runs at {_rate(r['mb_per_s'])} MB/s end to "
            f"end and {_rate(r['hashing_mb_per_s'])} MB/s hashing only{versus}. It samples "
            "token positions instead of taking the minimum over every shingle, so it is a "
            "different estimator and not counted as a full-set baseline."
        )
    fit = results.get("dataprep_fit")
    if fit:
        text.append(
            f"\nWithin the fit, LSH + verification + clustering took "
            f"{_s(fit['lsh_cluster_seconds']['median'])} s against "
            f"{_s(fit['map_seconds']['median'])} s for the per-batch map (medians), with "
            f"{fit['candidate_pairs']:,} candidate pairs of which {fit['verified_pairs']:,} were "
            "verified."
        )
    check = report.get("shingle_check")
    if check:
        total, differ = check["distinct_documents"], check["shingle_count_differs"]
        text.append(
            f"\nPython's `str.split` and the kernel's ASCII-whitespace tokenizer give the same "
            f"number of distinct shingles on {total - differ:,} of the {total:,} distinct "
            "documents."
        )
    most = max(r["cpu_over_wall_max"] for r in results.values())
    threads = "one thread per method" if most < 1.05 else "so some method used more than one core"
    text.append(f"CPU time over wall time in the timed part was at most {most:.2f} ({threads}).")
    return "\n".join(text).replace("\n\n\n", "\n\n")


def headline(report: dict) -> str:
    """A one-line result for the top-level README's Performance list."""
    results, speed = report["results"], report["dataprep_speedup"]
    names = {
        "datasketch_bulk": "datasketch's `MinHash.bulk` with xxhash",
        "rensa_matrix": "rensa's `RMinHash.digest_matrix_from_token_sets`",
    }
    parts = [f"{_compare(speed[m]['end_to_end'])} {n}" for m, n in names.items() if m in speed]
    return (
        f"MinHash signatures at {_rate(results['dataprep']['mb_per_s'])} MB/s from Python "
        f"strings, {' and '.join(parts)} (their Python shingling included; median of "
        f"{report['settings']['repeats']} runs on the same {report['corpus']['docs']:,} real "
        "documents, `benchmarks/bench_minhash.py`)."
    )
