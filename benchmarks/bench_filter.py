"""End-to-end ``dataprep filter`` with the default recipe at several corpus sizes: docs/s, MB/s
and peak RSS. Corpora are real documents resampled with light random edits (benchmarks/corpora.py).
Each size runs in its own process (``python -m dataprep filter``), so peak RSS is that run's.

    python benchmarks/bench_filter.py --sizes 10000,100000,1000000 \
        --out benchmarks/results/filter.json
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpora import resampled_corpus

REPO = Path(__file__).resolve().parents[1]


def run_size(size: int, num_proc: int, recipe: Path) -> dict:
    corpus = resampled_corpus(size)
    out = Path(tempfile.mkdtemp(prefix="dataprep-bench-")) / "out"
    command = [
        sys.executable,
        "-m",
        "dataprep",
        "filter",
        str(corpus),
        "-o",
        str(out),
        "-c",
        str(recipe),
        "--num-proc",
        str(num_proc),
        "--quiet",
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    subprocess.run(command, check=True)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    stats = json.loads((out / "stats.json").read_text())
    shutil.rmtree(out.parent)
    mb = corpus.stat().st_size / 1e6
    return {
        "docs": size,
        "input_mb": round(mb, 1),
        "num_proc": num_proc,
        "seconds": round(seconds, 2),
        "docs_per_s": round(size / seconds, 1),
        "mb_per_s": round(mb / seconds, 2),
        # Largest resident set of any one process so far (the run, or one of its workers).
        "peak_rss_mb": round(max(peak, before) / 1024, 1) if peak > before else None,
        "rows_kept": stats["rows_kept"],
        "stage_seconds": {name: s["seconds"] for name, s in stats["stages"].items()},
        "rejected": {name: s["rows_rejected"] for name, s in stats["stages"].items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument(
        "--sizes", default="10000,100000,1000000", help="corpus sizes (documents), comma-separated"
    )
    parser.add_argument("--num-proc", type=int, default=1, help="dataprep filter --num-proc")
    parser.add_argument(
        "--recipe",
        type=Path,
        default=REPO / "configs" / "filter" / "default.yaml",
        help="the filter recipe",
    )
    parser.add_argument("--out", type=Path, default=None, help="write the JSON report here")
    args = parser.parse_args()
    run_size(1000, args.num_proc, args.recipe)  # warm-up: numba's on-disk cache, imports
    runs = []
    for size in [int(s) for s in args.sizes.split(",")]:
        run = run_size(size, args.num_proc, args.recipe)
        runs.append(run)
        print(json.dumps(run), flush=True)
    base = runs[0]
    for run in runs:
        # Linear scaling means seconds per doc stays flat: report it relative to the smallest run.
        run["seconds_per_doc_vs_smallest"] = round(
            (run["seconds"] / run["docs"]) / (base["seconds"] / base["docs"]), 3
        )
    report = {
        "command": "python benchmarks/bench_filter.py " + " ".join(sys.argv[1:]),
        "machine": {"cpu_count": multiprocessing.cpu_count(), "python": platform.python_version()},
        "recipe": str(args.recipe.relative_to(REPO))
        if args.recipe.is_relative_to(REPO)
        else str(args.recipe),
        "runs": runs,
    }
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
