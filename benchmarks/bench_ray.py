"""The Ray runner against the local runner on one machine: ``dataprep filter`` and ``dataprep
score`` with their default recipes on the same resampled real corpus (benchmarks/corpora.py),
split into shards (the Ray runner reads one task per file). Runs, each in its own process:

- local runner, --num-proc 1 and 2;
- Ray runner (a local Ray instance started by the run), --ray-cpus 1 and 2.

Reported: wall seconds (Ray start-up included), docs/s, the Ray/local time ratio at equal CPUs
(the overhead), the 1 -> 2 CPU speed-up of each runner, and peak RSS of the whole process tree
(driver, workers, Ray's own processes; sampled every 0.2 s with psutil, shared memory counted
once per process, so it overstates the true footprint). Every run's kept and rejected row
counts are checked equal.

    python benchmarks/bench_ray.py --docs 100000 --shards 8 --out benchmarks/results/ray.json
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
import contextlib

from corpora import CACHE, resampled_corpus


def sharded_corpus(docs: int, shards: int) -> list[Path]:
    """The resampled corpus of ``docs`` documents split into ``shards`` JSONL files (cached)."""
    folder = CACHE / f"resampled_{docs}_0_x{shards}"
    if not folder.exists():
        lines = resampled_corpus(docs).read_text(encoding="utf-8").splitlines(keepends=True)
        tmp = folder.with_suffix(".tmp")
        tmp.mkdir(parents=True, exist_ok=True)
        size = -(-len(lines) // shards)
        for number in range(shards):
            part = lines[number * size : (number + 1) * size]
            (tmp / f"part-{number:03d}.jsonl").write_text("".join(part), encoding="utf-8")
        tmp.rename(folder)
    return sorted(folder.glob("*.jsonl"))


def _tree_rss(process: psutil.Process) -> int:
    total = 0
    for member in [process, *process.children(recursive=True)]:
        with contextlib.suppress(psutil.NoSuchProcess):
            total += member.memory_info().rss
    return total


def run(command: list[str]) -> tuple[float, int]:
    """(wall seconds, peak RSS of the process tree in bytes) of ``command``."""
    start = time.perf_counter()
    process = psutil.Popen(command)
    peak = [0]

    def sample():
        while process.poll() is None:
            try:
                peak[0] = max(peak[0], _tree_rss(process))
            except psutil.NoSuchProcess:
                return
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    code = process.wait()
    seconds = time.perf_counter() - start
    sampler.join()
    if code != 0:
        raise SystemExit(f"{' '.join(command)} failed with status {code}")
    return seconds, peak[0]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--docs", type=int, default=100_000, help="corpus size (documents)")
    parser.add_argument("--shards", type=int, default=8, help="JSONL files the corpus is split in")
    parser.add_argument("--commands", default="filter,score", help="dataprep commands to time")
    parser.add_argument(
        "--out", type=Path, default=Path("benchmarks/results/ray.json"), help="the JSON report"
    )
    args = parser.parse_args()
    files = sharded_corpus(args.docs, args.shards)
    megabytes = sum(f.stat().st_size for f in files) / 1e6
    results = []
    for verb in args.commands.split(","):
        counts = set()
        for runner, cpus in (("local", 1), ("local", 2), ("ray", 1), ("ray", 2)):
            out = Path(tempfile.mkdtemp(prefix="dataprep-bench-ray-")) / "out"
            command = [sys.executable, "-m", "dataprep", verb, *map(str, files), "-o", str(out)]
            command += ["--quiet", "--runner", runner]
            command += ["--num-proc", str(cpus)] if runner == "local" else ["--ray-cpus", str(cpus)]
            seconds, peak = run(command)
            stats = json.loads((out / "stats.json").read_text())
            counts.add((stats["rows_kept"], stats["rows_rejected"]))
            shutil.rmtree(out.parent)
            results.append(
                {
                    "command": verb,
                    "runner": runner,
                    "cpus": cpus,
                    "seconds": round(seconds, 2),
                    "docs_per_second": round(args.docs / seconds),
                    "peak_rss_mb": round(peak / 1e6),
                    "rows_kept": stats["rows_kept"],
                }
            )
            print(json.dumps(results[-1]), flush=True)
        if len(counts) != 1:
            raise SystemExit(f"{verb}: runners disagree on kept/rejected counts: {counts}")
    summary = {}
    for verb in args.commands.split(","):
        time_of = {(r["runner"], r["cpus"]): r["seconds"] for r in results if r["command"] == verb}
        summary[verb] = {
            "ray_over_local_1cpu": round(time_of[("ray", 1)] / time_of[("local", 1)], 2),
            "ray_over_local_2cpu": round(time_of[("ray", 2)] / time_of[("local", 2)], 2),
            "local_speedup_1_to_2": round(time_of[("local", 1)] / time_of[("local", 2)], 2),
            "ray_speedup_1_to_2": round(time_of[("ray", 1)] / time_of[("ray", 2)], 2),
        }
    report = {
        "command": "python " + " ".join(sys.argv),
        "machine": f"{platform.machine()}, {psutil.cpu_count()} CPUs, "
        f"{psutil.virtual_memory().total / 2**30:.0f} GiB",
        "docs": args.docs,
        "shards": args.shards,
        "megabytes": round(megabytes, 1),
        "runs": results,
        "summary": summary,
    }
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
