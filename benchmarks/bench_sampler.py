"""Samples per second of the adaptive sampler yielding batches of rows (text + label) from a
memory-mapped Arrow dataset on one core, with static weights and with ODM updates after every
batch; baseline in the same run: Hugging Face ``datasets.interleave_datasets`` with the same
probabilities (map-style, iterated in batches; and the streaming IterableDataset version).

The dataset is AG News (7,600 real news documents, 4 labels = 4 groups) repeated ``--repeat``
times and written with ``datasets.Dataset.save_to_disk`` (Arrow IPC stream shards of 1,000-row
record batches) under benchmarks/.cache. Every method runs in its own process pinned to one CPU,
so its peak RSS is its own.

    python benchmarks/bench_sampler.py --repeat 20 --samples 1000000 \
        --out benchmarks/results/sampler.json

Peak RSS is the process's VmHWM (/proc/self/status): ru_maxrss would carry the parent's peak
across the spawn's exec.
"""

from __future__ import annotations

import argparse
import gzip
import json
import multiprocessing
import os
import platform
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))
AG_NEWS = ROOT.parents[1] / "shared" / "data" / "ag_news" / "ag_news_test.jsonl.gz"
PROBABILITIES = [0.4, 0.3, 0.2, 0.1]  # labels 0..3
BATCH = 256


def build_dataset(repeat: int) -> Path:
    """AG News x repeat as a save_to_disk folder (cached)."""
    import datasets

    path = ROOT / ".cache" / f"ag_news_x{repeat}"
    if (path / "state.json").exists():
        return path
    with gzip.open(AG_NEWS, "rt", encoding="utf-8") as f:
        records = [json.loads(line) for line in f]
    texts = [r["text"] for r in records] * repeat
    labels = [r["label"] for r in records] * repeat
    datasets.Dataset.from_dict({"text": texts, "label": labels}).save_to_disk(str(path))
    return path


def _losses(batch, rng):
    labels = batch.column("label").to_numpy()
    return labels, 2.0 + 0.5 * labels + 0.1 * rng.random(len(labels))


def run_ours(path: Path, samples: int, rule: str | None) -> dict:
    import numpy as np

    from dataprep.sampling import AdaptiveSampler

    start = time.perf_counter()
    weights = dict(enumerate(PROBABILITIES))
    sampler = AdaptiveSampler.from_arrow(
        path, "label", weights=weights, rule=rule, batch_size=BATCH, seed=0
    )
    ready = time.perf_counter()
    rng = np.random.default_rng(0)
    served = 0
    for batch in sampler.iter_batches(columns=["text", "label"], num_batches=samples // BATCH):
        served += batch.num_rows
        if rule is not None:
            groups, losses = _losses(batch, rng)  # stands in for the trainer's losses
            sampler.update(AdaptiveSampler.mean_loss_by_group(groups, losses))
    end = time.perf_counter()
    return {
        "samples": served,
        "seconds": end - ready,
        "setup_seconds": ready - start,
        "final_weights": sampler.weights_.tolist(),
    }


def run_hf_interleave(path: Path, samples: int) -> dict:
    import datasets

    start = time.perf_counter()
    dataset = datasets.load_from_disk(str(path))
    parts = [
        dataset.filter(lambda b, k=k: [x == k for x in b["label"]], batched=True) for k in range(4)
    ]
    mixed = datasets.interleave_datasets(
        parts, probabilities=PROBABILITIES, seed=0, stopping_strategy="all_exhausted"
    )
    ready = time.perf_counter()
    served = 0
    while served < samples:  # repeat passes until the same number of samples
        for batch in mixed.iter(batch_size=BATCH):
            served += len(batch["text"])
            if served >= samples:
                break
    end = time.perf_counter()
    return {"samples": served, "seconds": end - ready, "setup_seconds": ready - start}


def run_hf_interleave_iterable(path: Path, samples: int) -> dict:
    import datasets

    start = time.perf_counter()
    dataset = datasets.load_from_disk(str(path))
    parts = [
        dataset.filter(lambda b, k=k: [x == k for x in b["label"]], batched=True)
        .to_iterable_dataset()
        .repeat(None)
        for k in range(4)
    ]
    mixed = datasets.interleave_datasets(parts, probabilities=PROBABILITIES, seed=0)
    ready = time.perf_counter()
    served = 0
    for _ in mixed:
        served += 1
        if served >= samples:
            break
    end = time.perf_counter()
    return {"samples": served, "seconds": end - ready, "setup_seconds": ready - start}


METHODS = {
    "dataprep_static": lambda p, n: run_ours(p, n, None),
    "dataprep_odm": lambda p, n: run_ours(p, n, "odm"),
    "hf_interleave_datasets": run_hf_interleave,
    "hf_interleave_iterable": run_hf_interleave_iterable,
}


def _peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(method: str, path: Path, samples: int, queue) -> None:
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    import pyarrow as pa

    pa.set_cpu_count(1)
    pa.set_io_thread_count(1)
    result = METHODS[method](path, samples)
    result["peak_rss_mb"] = _peak_rss_mb()
    queue.put(result)


def measure(method: str, path: Path, samples: int) -> dict:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_child, args=(method, path, samples, queue))
    process.start()
    result = queue.get()
    process.join()
    result["samples_per_s"] = result["samples"] / result["seconds"]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=20, help="copies of AG News")
    parser.add_argument("--samples", type=int, default=1_000_000, help="samples per method")
    parser.add_argument(
        "--iterable-samples", type=int, default=200_000, help="samples for the slow HF streaming"
    )
    parser.add_argument("--out", type=Path, default=None, help="write the JSON report here")
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    path = build_dataset(args.repeat)
    results = {}
    for method in METHODS:
        samples = args.iterable_samples if method == "hf_interleave_iterable" else args.samples
        results[method] = measure(method, path, samples)
        r = results[method]
        print(
            f"{method:24s} {r['samples_per_s']:>12,.0f} samples/s  setup {r['setup_seconds']:.2f} s"
            f"  peak RSS {r['peak_rss_mb']:.0f} MB"
        )
    ours = results["dataprep_static"]["samples_per_s"]
    report = {
        "command": "python benchmarks/bench_sampler.py " + " ".join(sys.argv[1:]),
        "machine": {"cpu_count": multiprocessing.cpu_count(), "python": platform.python_version()},
        "settings": {
            "dataset": f"AG News test x{args.repeat}, save_to_disk (1,000-row record batches)",
            "rows": 7600 * args.repeat,
            "batch_size": BATCH,
            "columns": ["text", "label"],
            "probabilities": PROBABILITIES,
            "cores": 1,
        },
        "results": results,
        "speedup_vs": {
            m: ours / r["samples_per_s"] for m, r in results.items() if m != "dataprep_static"
        },
        "target_samples_per_s": 200_000,
        "meets_target": {
            m: results[m]["samples_per_s"] >= 200_000 for m in ("dataprep_static", "dataprep_odm")
        },
    }
    for method, ratio in report["speedup_vs"].items():
        print(f"dataprep static: {ratio:,.2f}x the samples/s of {method}")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
