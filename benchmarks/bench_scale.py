"""``dataprep filter`` on corpora larger than memory allows to hold whole: wall time, docs/s, MB/s
and the peak resident memory of the whole process tree (driver + workers).

The corpus is written OUTSIDE the repository (``--data-dir``; it is about 1 KB per document, so
10M documents are about 10 GB) by ``corpora.resampled_corpus``: real documents resampled with light
random edits. The run is one ``python -m dataprep filter`` subprocess, with ``PYTHONPATH`` set to
``--code`` (default: this checkout), so an older checkout can be measured on the same corpus.

Memory is measured two ways: a sampler reads ``/proc/PID/status`` of the run and all its
descendants every 0.1 s and keeps the largest sum (``peak_rss_tree_mb``, split into anonymous and
file-backed pages at that moment: file-backed pages are memory-mapped spill files and shared
libraries, which the kernel can drop); and the largest ``VmHWM`` (the kernel's exact high-water
mark of one process) of any process in the tree (``peak_rss_max_process_mb``).

    python benchmarks/bench_scale.py --docs 10000000 --data-dir /work/bigdata --num-proc 2 \
        --out benchmarks/results/scale.json

Each run is added to ``--out`` (replacing an earlier run with the same docs, recipe, num_proc and
label), with the exact command that produced it.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpora import resampled_corpus

REPO = Path(__file__).resolve().parents[1]


def _status(pid: int) -> dict[str, int]:
    """VmRSS, RssAnon, RssFile and VmHWM of one process, in bytes."""
    values = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "RssAnon", "RssFile", "VmHWM"):
                values[key] = int(rest.split()[0]) * 1024
    return values


def _descendants(pid: int) -> list[int]:
    import psutil

    try:
        parent = psutil.Process(pid)
        return [pid] + [child.pid for child in parent.children(recursive=True)]
    except psutil.Error:
        return []


class TreeMemory:
    """Samples the RSS of a process tree in a thread until ``stop()``."""

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        self.pid = pid
        self.interval = interval
        self.peak = {"VmRSS": 0, "RssAnon": 0, "RssFile": 0}
        self.hwm = 0
        self.processes = 1
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._done.is_set():
            total = {"VmRSS": 0, "RssAnon": 0, "RssFile": 0}
            pids = _descendants(self.pid)
            for pid in pids:
                try:
                    status = _status(pid)
                except OSError:
                    continue
                for key in total:
                    total[key] += status.get(key, 0)
                self.hwm = max(self.hwm, status.get("VmHWM", 0))
            if total["VmRSS"] > self.peak["VmRSS"]:
                self.peak = total
            self.processes = max(self.processes, len(pids))
            time.sleep(self.interval)

    def stop(self) -> None:
        self._done.set()
        self._thread.join()


def _git_commit(code: Path) -> str | None:
    result = subprocess.run(
        ["git", "-C", str(code), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    )
    return result.stdout.strip() or None


def run(corpus: Path, out: Path, recipe: Path, num_proc: int, code: Path) -> dict:
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
        "--overwrite",
        "--quiet",
    ]
    env = {**os.environ, "PYTHONPATH": str(code)}
    load = os.getloadavg()[0]  # other work on the machine makes timings noisy
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, cwd=code)
    memory = TreeMemory(process.pid)
    returncode = process.wait()
    seconds = time.perf_counter() - start
    memory.stop()
    if returncode:
        raise SystemExit(f"the run failed with status {returncode}: {' '.join(command)}")
    stats = json.loads((out / "stats.json").read_text())
    work = out.parent / f".{out.name}.dataprep-tmp"  # gone after a complete run
    shutil.rmtree(out)
    shutil.rmtree(work, ignore_errors=True)
    mb = corpus.stat().st_size / 1e6
    return {
        "docs": stats["rows_in"],
        "input_mb": round(mb, 1),
        "num_proc": num_proc,
        "seconds": round(seconds, 1),
        "docs_per_s": round(stats["rows_in"] / seconds, 1),
        "mb_per_s": round(mb / seconds, 2),
        "peak_rss_tree_mb": round(memory.peak["VmRSS"] / 1e6, 1),
        "peak_rss_tree_anon_mb": round(memory.peak["RssAnon"] / 1e6, 1),
        "peak_rss_tree_file_mb": round(memory.peak["RssFile"] / 1e6, 1),
        "peak_rss_max_process_mb": round(memory.hwm / 1e6, 1),
        "processes": memory.processes,
        "load_average_at_start": round(load, 2),
        "rows_kept": stats["rows_kept"],
        "stage_seconds": {name: s["seconds"] for name, s in stats["stages"].items()},
        "stage_rows_in": {name: s["rows_in"] for name, s in stats["stages"].items()},
        "rejected": {name: s["rows_rejected"] for name, s in stats["stages"].items()},
    }


def versions() -> dict[str, str]:
    """Versions of the libraries the measured run depends on."""
    from importlib.metadata import version

    found = {"python": platform.python_version()}
    for name in ("pyarrow", "numpy", "numba", "xxhash", "click"):
        found[name] = version(name)
    return found


def _duration(seconds: float) -> str:
    return f"{seconds:,.0f} s" if seconds < 120 else f"{seconds / 60:.1f} minutes"


def summary(report: dict, label: str = "current") -> str:
    """The README's lines about the runs labelled ``label``, one per recipe and corpus size
    (tests/test_readme.py checks that the README holds them)."""
    runs = [r for r in report["runs"] if r["label"] == label]
    lines = []
    for recipe, docs in sorted({(r["recipe"], r["docs"]) for r in runs}, key=lambda k: k[1]):
        group = sorted(
            (r for r in runs if (r["recipe"], r["docs"]) == (recipe, docs)),
            key=lambda r: r["num_proc"],
        )
        one = next((r["seconds"] for r in group if r["num_proc"] == 1), None)
        measured = "; ".join(
            f"{_duration(r['seconds'])} with {r['num_proc']} "
            f"{'process' if r['num_proc'] == 1 else 'processes'} ({r['docs_per_s']:,.0f} docs/s, "
            f"peak RSS of all processes {r['peak_rss_tree_mb']:,.0f} MB"
            + (f", {one / r['seconds']:.2f}x one process" if one and r["num_proc"] > 1 else "")
            + ")"
            for r in group
        )
        lines.append(
            f"- `dataprep filter -c {recipe}` on {docs:,} real resampled documents "
            f"({group[0]['input_mb'] / 1000:.2f} GB of JSONL): {measured} (commit "
            f"{group[0]['code_commit']})."
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--docs", type=int, default=10_000_000, help="corpus size (documents)")
    parser.add_argument("--data-dir", type=Path, help="corpus folder (not the repo)")
    parser.add_argument("--num-proc", type=int, default=2, help="dataprep filter --num-proc")
    parser.add_argument(
        "--recipe",
        type=Path,
        default=REPO / "configs" / "filter" / "default.yaml",
        help="the filter recipe",
    )
    parser.add_argument("--code", type=Path, default=REPO, help="checkout to run (PYTHONPATH)")
    parser.add_argument("--label", default="", help="e.g. 'before': kept apart in --out")
    parser.add_argument("--out", type=Path, default=None, help="add the run to this JSON report")
    parser.add_argument("--print-summary", type=Path, default=None, help="a results JSON")
    args = parser.parse_args()
    if args.print_summary:
        print(summary(json.loads(args.print_summary.read_text())))
        return
    if args.data_dir is None:
        parser.error("--data-dir is required to run")
    args.data_dir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    corpus = resampled_corpus(args.docs, directory=args.data_dir)
    print(f"corpus {corpus} ready in {time.perf_counter() - start:.0f} s", flush=True)
    recipe = args.recipe.resolve()
    result = run(corpus, args.data_dir / "out", recipe, args.num_proc, args.code.resolve())
    result = {
        "label": args.label,
        "code_commit": _git_commit(args.code),
        "recipe": str(recipe.relative_to(REPO)) if recipe.is_relative_to(REPO) else str(recipe),
        "command": "python benchmarks/bench_scale.py " + " ".join(sys.argv[1:]),
        "versions": versions(),
        **result,
    }
    print(json.dumps(result), flush=True)
    if args.out:
        report = json.loads(args.out.read_text()) if args.out.exists() else {"runs": []}
        # The code the newest run measured; every run also records its own code_commit.
        report["commit"] = result["code_commit"]
        report["command"] = result["command"]
        report["machine"] = {
            "cpu_count": multiprocessing.cpu_count(),
            "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1e9, 1),
            "python": platform.python_version(),
        }
        key = ("docs", "recipe", "num_proc", "label")
        runs = [r for r in report["runs"] if any(r.get(k) != result[k] for k in key)]
        report["runs"] = sorted(
            [*runs, result], key=lambda r: (r["label"], r["recipe"], r["docs"], r["num_proc"])
        )
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
