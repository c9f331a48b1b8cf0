"""The whole command, not only the kernel: ``dataprep --help``, ``dataprep stages`` and
``dataprep filter -c configs/filter/dedup.yaml`` wall time, the last at 1 and 2 processes on
real-text corpora of 5,000 and 100,000 documents (``corpora.resampled_corpus``), for this
checkout and, measured in the same run on the same files, a baseline checkout (``--baseline``,
e.g. a worktree of an older commit).

Every measurement is a fresh ``python -m dataprep`` subprocess with ``PYTHONPATH`` set to the
checkout, repeated ``--repeats`` times (default 3; median and spread reported), interleaved
across checkouts so a busy moment does not favour one. It also records the import time of each
top-level module of ``dataprep.cli`` (``python -X importtime``).

    python benchmarks/bench_end_to_end.py --baseline /tmp/baseline \\
        --out benchmarks/results/end_to_end.json
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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpora import resampled_corpus

REPO = Path(__file__).resolve().parents[1]
RECIPE = "configs/filter/dedup.yaml"


def _run(code: Path, arguments: list[str]) -> float:
    """Wall seconds of ``python -m dataprep ARGUMENTS`` run with ``code`` first on the path."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "dataprep", *arguments],
        cwd=code,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def _summary(seconds: list[float]) -> dict:
    return {
        "median_s": round(statistics.median(seconds), 3),
        "min_s": round(min(seconds), 3),
        "max_s": round(max(seconds), 3),
        "runs_s": [round(s, 3) for s in seconds],
    }


def import_times(code: Path) -> dict[str, float]:
    """Cumulative import seconds of the modules ``import dataprep.cli`` loads at top level
    (depth 1 of ``-X importtime``), largest first."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import dataprep.cli"],
        cwd=code,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    times = {}
    for line in result.stderr.splitlines():
        _, _, rest = line.partition("import time:")
        parts = rest.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit() and not parts[2].startswith("  "):
            times[parts[2].strip()] = int(parts[1]) / 1e6  # a top-level import
    return dict(sorted(times.items(), key=lambda item: -item[1]))


def _commit(code: Path) -> str | None:
    result = subprocess.run(
        ["git", "-C", str(code), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    )
    dirty = subprocess.run(
        # Results of other benchmarks written in the same session do not make the code dirty.
        [
            "git",
            "-C",
            str(code),
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
    return (result.stdout.strip() + ("-dirty" if dirty else "")) or None


def _versions() -> dict[str, str]:
    from importlib import metadata

    names = ("pyarrow", "numpy", "numba", "click", "xxhash")
    return {name: metadata.version(name) for name in names}


def summary(report: dict) -> str:
    """The README's sentences about a committed report (tests/test_readme.py checks them)."""
    median = {
        (r["tree"], r["command"], r["docs"], r["num_proc"]): r["median_s"]
        for r in report["results"]
    }

    def pair(command, docs=None, procs=None) -> str:
        now = median[("current", command, docs, procs)]
        before = median.get(("baseline", command, docs, procs))
        return f"{now:.2f} s" + (f" (was {before:.2f} s)" if before is not None else "")

    def ratio(docs) -> str:
        one, two = (median[("current", "filter", docs, procs)] for procs in (1, 2))
        return f"{one / two:.2f}x"

    sizes = sorted({r["docs"] for r in report["results"] if r["docs"]})
    small, large = sizes[0], sizes[-1]
    stages = (
        f"`dataprep stages` {pair('stages')}; "
        if ("current", "stages", None, None) in median
        else ""
    )
    return (
        f"`dataprep --help` {pair('help')}; {stages}`dataprep filter -c {report['recipe']}` "
        f"on {large:,} real documents {pair('filter', large, 1)} with one process and "
        f"{pair('filter', large, 2)} with two; on {small:,} documents "
        f"{pair('filter', small, 1)} with one and {pair('filter', small, 2)} with two (median "
        f"of {report['repeats']}, the previous code measured in the same run). Two processes "
        f"are {ratio(large)} one process at {large:,} documents and {ratio(small)} at "
        f"{small:,} on this 2-core machine."
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--baseline", type=Path, default=None, help="An older checkout.")
    parser.add_argument("--sizes", default="5000,100000", help="Corpus sizes (documents).")
    parser.add_argument("--procs", default="1,2", help="--num-proc values.")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each measurement")
    parser.add_argument(
        "--out",
        type=Path,
        default=REPO / "benchmarks/results/end_to_end.json",
        help="the JSON report",
    )
    args = parser.parse_args()
    trees = {"current": REPO}
    if args.baseline is not None:
        trees["baseline"] = args.baseline.resolve()
    sizes = [int(s) for s in args.sizes.split(",")]
    procs = [int(p) for p in args.procs.split(",")]
    corpora = {size: resampled_corpus(size) for size in sizes}
    scratch = Path(tempfile.mkdtemp(prefix="dataprep-e2e-"))
    quick = {"help": ["--help"], "stages": ["stages"]}  # no input: start-up and listing only
    cases = [(kind, None, None) for kind in quick]
    cases += [("filter", s, p) for s in sizes for p in procs]
    seconds: dict[tuple, list[float]] = {}
    try:
        for _ in range(args.repeats):
            for kind, size, proc in cases:
                for name, code in trees.items():  # interleaved: the same moment for both
                    if kind in quick:
                        arguments = quick[kind]
                    else:
                        out = scratch / f"{name}-{size}-{proc}"
                        arguments = ["filter", str(corpora[size]), "-o", str(out), "-c", RECIPE]
                        arguments += ["--num-proc", str(proc), "-q", "--overwrite"]
                    seconds.setdefault((name, kind, size, proc), []).append(_run(code, arguments))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    results = []
    for (name, kind, size, proc), values in seconds.items():
        entry = {"tree": name, "command": kind, "docs": size, "num_proc": proc}
        results.append({**entry, **_summary(values)})
    by_key = {(r["tree"], r["command"], r["docs"], r["num_proc"]): r for r in results}
    ratios = []
    for kind, size, proc in cases:
        current = by_key[("current", kind, size, proc)]["median_s"]
        row = {"command": kind, "docs": size, "num_proc": proc}
        if "baseline" in trees:
            row["baseline_over_current"] = round(
                by_key[("baseline", kind, size, proc)]["median_s"] / current, 2
            )
        if kind == "filter" and proc != 1:
            single = by_key[("current", kind, size, 1)]["median_s"]
            row["one_process_over_this"] = round(single / current, 2)
        ratios.append(row)
    report = {
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "recipe": RECIPE,
        "corpus": "benchmarks/corpora.py resampled_corpus(n, seed=0): real documents of "
        "../shared/data with light edits",
        "commit": _commit(REPO),  # the code measured as "current"
        "commits": {name: _commit(code) for name, code in trees.items()},
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "versions": _versions(),
        "repeats": args.repeats,
        "results": results,
        "ratios": ratios,
        "import_seconds": {name: import_times(code) for name, code in trees.items()},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(ratios, indent=2))


if __name__ == "__main__":
    main()
