"""dataprep against a peer on the same corpus: ``dataprep filter -c configs/filter/dedup.yaml``
and datatrove's MinHash dedup pipeline (``peers_datatrove.py``, in its own venv), back to back
at 1 and 2 processes, with the wall-time ratio and the overlap of the removed ids.

Set up once (a venv outside git, benchmarks/.venv-peers, with the pinned packages of
benchmarks/requirements-peers.txt; about a minute), then run:

    python benchmarks/bench_peers.py --setup
    python benchmarks/bench_peers.py --corpus debian --out benchmarks/results/peers.json
    python benchmarks/bench_peers.py --print-summary benchmarks/results/peers.json

Corpora (``--corpus``; ``--docs N`` keeps the first N documents of any of them):
- ``debian``: one document per binary package of the machine's Debian release (the release,
  updates and security suites, component main, native architecture), id = package name, text =
  its English long description (synopsis line, then the body with Debian's " ." lines made
  blank). ``apt-get update`` fetches the package indexes once into benchmarks/.cache/debian
  (``Acquire::Languages=en`` for the Translation-en files; needs root); later runs build the
  corpus from those cached files offline. ``--refresh-debian`` fetches them again. Bookworm
  gives 63,681 documents, 26 MB of text.
- ``resampled``: ``corpora.resampled_corpus(--docs)`` (real documents of ../shared/data with
  light edits, cached in benchmarks/.cache).
- a path: any JSONL file whose records have unique ``id`` and a ``text``.

Every measurement is one fresh subprocess (interpreter start and imports included), in the
order: for each repeat, for each process count, dataprep then each datatrove variant. Before
the timed runs each command runs once untimed on the first 500 documents (numba caches,
imports, page cache). datatrove reads its input as one JSONL file per task (its readers shard
by file), so the corpus is also written as 1 and as 2 contiguous files before any timing;
dataprep reads the single file.

This script holds the order of the runs, their medians and comparisons, the report and its
summary, and the command line; the corpora are in ``peers_corpus.py``, the peers venv and one
run of each pipeline in ``peers_runs.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from peers_corpus import load_corpus, read_corpus, write_lines, write_shards
from peers_runs import (
    THREAD_ENV,
    VARIANTS,
    VENV,
    dataprep_versions,
    differences,
    peer_versions,
    pipeline_parameters,
    recipe_parameters,
    run_dataprep,
    run_datasketch_loop,
    run_datatrove,
    setup,
    venv_python,
)

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "benchmarks"
WARMUP_DOCS = 500
# datasketch's per-document loop, signatures only, in one process (peers_datasketch.py).
DATASKETCH = "datasketch-loop"
DATASKETCH_LABEL = (
    "datasketch, one `MinHash` per document, `update` per shingle: signatures only, no LSH"
)


# ---------------------------------------------------------------------------------------------
# The runs


def timed_runs(
    args: argparse.Namespace,
    procs: list[int],
    variants: list[str],
    banding: tuple[int, int],
    ours: dict,
) -> tuple[dict, dict[str, int], list[str], list[dict], dict]:
    """Every run, in a scratch folder removed after: one untimed warm-up of each pipeline, then
    for each repeat, for each process count, dataprep then each datatrove variant. Returns the
    corpus description, the word count of each id, the pipeline names, the timed runs and the
    removed ids of each, by (pipeline, procs)."""
    scratch = Path(tempfile.mkdtemp(prefix="dataprep-peers-"))
    try:
        corpus, corpus_meta = load_corpus(args, scratch)
        records = read_corpus(corpus)
        ids = [key for key, _, _ in records]
        words = {key: len(text.split()) for key, text, _ in records}
        lines = [line for _, _, line in records]
        shards = {p: write_shards(lines, p, scratch / f"input-{p}") for p in procs}
        warm = write_lines(lines[:WARMUP_DOCS], scratch / "warmup.jsonl")
        warm_shards = write_shards(lines[:WARMUP_DOCS], max(procs), scratch / "warmup-shards")
        del records, lines
        names = ["dataprep"] + [f"datatrove-{v}" for v in variants]
        if args.datasketch:
            names.append(DATASKETCH)

        def measure(name: str, p: int, corpus_file: Path, shard_dir: Path) -> dict:
            tag = f"{name}-{p}"
            if name == "dataprep":
                seconds, removed = run_dataprep(corpus_file, p, scratch / tag)
                return {"seconds": seconds, "removed": removed}
            if name == DATASKETCH:
                return {"seconds": run_datasketch_loop(corpus_file, scratch / tag), "removed": {}}
            variant = name.removeprefix("datatrove-")
            seconds, stages, removed = run_datatrove(
                args.venv, shard_dir, p, variant, banding, ours["ngram"], ids, scratch / tag
            )
            return {"seconds": seconds, "stages_s": stages, "removed": removed}

        for name in names:  # untimed: compiled caches, imports, page cache
            measure(name, max(procs), warm, warm_shards)
        runs, removed_sets = [], {}
        for repeat in range(args.repeats):
            for p in procs:
                for name in names:
                    if name == DATASKETCH and p != 1:
                        continue  # one process: the loop is a single Python loop
                    load = os.getloadavg()[0]
                    got = measure(name, p, corpus, shards[p])
                    removed_sets.setdefault((name, p), []).append(got["removed"])
                    run = {"pipeline": name, "procs": p, "repeat": repeat, "load1_before": load}
                    run["seconds"] = round(got["seconds"], 3)
                    if "stages_s" in got:  # the rest: interpreter, imports, pools, Manager
                        run["stages_s"] = got["stages_s"]
                        outside = got["seconds"] - sum(got["stages_s"].values())
                        run["outside_stages_s"] = round(outside, 3)
                    run["removed"] = len(got["removed"])
                    runs.append(run)
                    print(
                        f"{time.strftime('%H:%M:%S')} repeat {repeat} {name} x{p}: "
                        f"{got['seconds']:.2f} s, "
                        f"{len(got['removed']):,} removed",
                        file=sys.stderr,
                    )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return corpus_meta, words, names, runs, removed_sets


# ---------------------------------------------------------------------------------------------
# Results


def _spread(seconds: list[float]) -> dict:
    return {
        "median_s": round(statistics.median(seconds), 3),
        "min_s": round(min(seconds), 3),
        "max_s": round(max(seconds), 3),
        "runs_s": [round(s, 3) for s in seconds],
    }


def overlap(dataprep: dict[str, str], datatrove: set[str], words: dict[str, int], ngram: int):
    ours = set(dataprep)
    both = ours & datatrove
    union = ours | datatrove
    reasons = sorted(set(dataprep.values()))
    only_ours = ours - datatrove
    return {
        "dataprep_removed": len(ours),
        "datatrove_removed": len(datatrove),
        "both": len(both),
        "jaccard": round(len(both) / len(union), 4) if union else 1.0,
        "dataprep_only": len(only_ours),
        "datatrove_only": len(datatrove - ours),
        "dataprep_by_reason": {
            reason: {
                "removed": sum(1 for r in dataprep.values() if r == reason),
                "also_by_datatrove": sum(1 for k in both if dataprep[k] == reason),
            }
            for reason in reasons
        },
        f"dataprep_only_under_{ngram}_words": sum(1 for k in only_ours if words[k] < ngram),
    }


def medians(names: list[str], procs: list[int], runs: list[dict], removed_sets: dict) -> list[dict]:
    """Per pipeline and process count: the spread of the wall times and how many ids it removed
    (and whether the same ones every repeat)."""
    results = []
    for name in names:
        for p in procs:
            seconds = [r["seconds"] for r in runs if r["pipeline"] == name and r["procs"] == p]
            if not seconds:
                continue
            sets = removed_sets[(name, p)]
            first = sets[0] if name == "dataprep" else set(sets[0])
            results.append(
                {
                    "pipeline": name,
                    "procs": p,
                    **_spread(seconds),
                    "removed": len(first),
                    "same_removed_ids_every_repeat": all(s == sets[0] for s in sets),
                }
            )
    return results


def comparisons(
    variants: list[str],
    procs: list[int],
    results: list[dict],
    removed_sets: dict,
    words: dict[str, int],
    ngram: int,
) -> tuple[list[dict], list[dict]]:
    """Per datatrove variant and process count: its median time over dataprep's, and the
    overlap of the ids the two removed."""
    by = {(r["pipeline"], r["procs"]): r for r in results}
    ratios, overlaps = [], []
    for variant in variants:
        for p in procs:
            theirs = by[(f"datatrove-{variant}", p)]["median_s"]
            ratios.append(
                {
                    "variant": variant,
                    "procs": p,
                    "datatrove_over_dataprep": round(theirs / by[("dataprep", p)]["median_s"], 2),
                }
            )
            entry = overlap(
                removed_sets[("dataprep", p)][0],
                removed_sets[(f"datatrove-{variant}", p)][0],
                words,
                ngram,
            )
            overlaps.append({"variant": variant, "procs": p, **entry})
    if (DATASKETCH, 1) in by and ("dataprep", 1) in by:
        theirs = by[(DATASKETCH, 1)]["median_s"]
        ratios.append(
            {
                "variant": DATASKETCH,
                "procs": 1,
                "datasketch_over_dataprep": round(theirs / by[("dataprep", 1)]["median_s"], 2),
            }
        )
    return ratios, overlaps


def summary(results: dict) -> str:
    """A markdown table of the medians and one sentence, from a results JSON of this script."""
    rows = {(r["pipeline"], r["procs"]): r for r in results["results"]}
    procs = results["procs"]
    repeats = results["repeats"]
    overlaps = {(o["variant"], o["procs"]): o for o in results["overlap"]}
    corpus = results["corpus"]
    top = max(procs)
    header = "| pipeline | " + " | ".join(f"{p} process{'es' if p > 1 else ''}" for p in procs)
    lines = [
        header + " | removed ids |",
        "|---" * (len(procs) + 2) + "|",
    ]
    dataprep_removed = rows[("dataprep", top)]["removed"]
    lines.append(
        f"| `dataprep filter -c {results['parameters']['dataprep']['recipe']}` | "
        + " | ".join(f"{rows[('dataprep', p)]['median_s']:.2f} s" for p in procs)
        + f" | {dataprep_removed:,} |"
    )
    for variant in results["variants"]:
        cells = []
        for p in procs:
            theirs = rows[(f"datatrove-{variant}", p)]["median_s"]
            ratio = theirs / rows[("dataprep", p)]["median_s"]
            cells.append(f"{theirs:.2f} s ({ratio:.1f}x)")
        removed = rows[(f"datatrove-{variant}", top)]["removed"]
        lines.append(f"| {VARIANTS[variant]} | " + " | ".join(cells) + f" | {removed:,} |")
    loop, loop_sentence = rows.get((DATASKETCH, 1)), ""
    if loop and ("dataprep", 1) in rows:
        loop_ratio = loop["median_s"] / rows[("dataprep", 1)]["median_s"]
        cells = [f"{loop['median_s']:.2f} s ({loop_ratio:.1f}x)" if p == 1 else "—" for p in procs]
        lines.append(f"| {DATASKETCH_LABEL} | " + " | ".join(cells) + " | — |")
        loop_sentence = (
            f" datasketch's per-document loop, computing signatures only, takes {loop_ratio:.1f}x "
            "as long as dataprep's whole one-process run."
        )
    first = results["variants"][0]
    ratio = rows[(f"datatrove-{first}", top)]["median_s"] / rows[("dataprep", top)]["median_s"]
    o = overlaps[(first, top)]
    parameters = results["parameters"]["datatrove"]
    sentence = (
        f"On {corpus['docs']:,} documents ({corpus['name']} corpus, "
        f"{corpus['text_bytes'] / 1e6:.1f} MB of text), median of {repeats} "
        f"run{'s' if repeats > 1 else ''} back to back on "
        f"{results['machine']['cpus']} cores, word {parameters['ngram']}-grams, "
        f"{parameters['bands']} bands x {parameters['rows']} rows: dataprep at {top} "
        f"processes is {ratio:.1f}x faster than {VARIANTS[first]} at {top} workers "
        "(the ratio in brackets is datatrove's time over dataprep's). "
        f"Removed ids: dataprep {o['dataprep_removed']:,} (exact and near duplicates), "
        f"datatrove {o['datatrove_removed']:,}, both {o['both']:,} (Jaccard {o['jaccard']:.2f})."
        + loop_sentence
    )
    return "\n".join(lines) + "\n\n" + sentence


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--setup", action="store_true", help="Create the peers venv and exit.")
    parser.add_argument("--venv", type=Path, default=VENV, help="the peers venv")
    parser.add_argument("--corpus", default="debian", help="debian, resampled or a JSONL path.")
    parser.add_argument("--docs", type=int, default=None, help="Keep the first N documents.")
    parser.add_argument(
        "--refresh-debian", action="store_true", help="fetch the cached Debian files again"
    )
    parser.add_argument("--procs", default="1,2", help="Process counts (tasks = workers).")
    parser.add_argument(
        "--variants", default="whitespace,spacy", help=f"datatrove variants: {', '.join(VARIANTS)}"
    )
    parser.add_argument("--banding", default=None, help="datatrove BANDSxROWS (None: dataprep's).")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each measurement")
    parser.add_argument(
        "--out", type=Path, default=BENCH / "results/peers.json", help="the JSON report"
    )
    parser.add_argument(
        "--print-summary",
        type=Path,
        default=None,
        metavar="JSON",
        help="print the README text for an existing report and exit",
    )
    parser.add_argument(
        "--no-datasketch",
        dest="datasketch",
        action="store_false",
        help="Leave out datasketch's per-document loop (signatures only, one process).",
    )
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if args.print_summary:
        print(summary(json.loads(args.print_summary.read_text())))
        return
    if args.setup:
        print(json.dumps(setup(args.venv), indent=2))
        return
    if not venv_python(args.venv).exists():
        raise SystemExit(f"no peers venv at {args.venv}: run {Path(__file__).name} --setup first")
    variants = args.variants.split(",")
    for variant in variants:
        if variant not in VARIANTS:
            raise SystemExit(f"unknown variant {variant!r}; choose from {', '.join(VARIANTS)}")
    procs = [int(p) for p in args.procs.split(",")]
    ours = recipe_parameters()
    banding = (
        tuple(int(x) for x in args.banding.lower().split("x"))
        if args.banding
        else (ours["bands"], ours["rows"])
    )
    load_start = os.getloadavg()
    corpus_meta, words, names, runs, removed_sets = timed_runs(args, procs, variants, banding, ours)
    results = medians(names, procs, runs, removed_sets)
    ratios, overlaps = comparisons(variants, procs, results, removed_sets, words, ours["ngram"])
    stable = {
        name: all(removed_sets[(name, p)][0] == removed_sets[(name, procs[0])][0] for p in procs)
        for name in names
        if name != DATASKETCH
    }
    report = {
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "commit": _commit(),
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "usable_cpus": len(os.sched_getaffinity(0)),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "load_average": {"start": list(load_start), "end": list(os.getloadavg())},
        "env": THREAD_ENV,
        "versions": {"dataprep": dataprep_versions(), "datatrove": peer_versions(args.venv)},
        "corpus": corpus_meta,
        "parameters": pipeline_parameters(ours, banding, variants),
        "differences": differences(ours, banding),
        "repeats": args.repeats,
        "procs": procs,
        "variants": variants,
        "results": results,
        "ratios": ratios,
        "overlap": overlaps,
        "same_removed_ids_at_every_process_count": stable,
        "runs": runs,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(summary(report))


def _commit() -> str | None:
    head = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        # Results of other benchmarks written in the same session do not make the code dirty.
        [
            "git",
            "-C",
            str(REPO),
            "status",
            "--porcelain",
            "--untracked-files=no",
            "--",
            ".",
            ":!benchmarks/results",
        ],
        capture_output=True,
        text=True,
    ).stdout.strip()
    return (head + ("-dirty" if dirty else "")) or None


if __name__ == "__main__":
    main()
