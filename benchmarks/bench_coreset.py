"""Coreset selection at scale: seconds and peak RSS of each embedding-based selector on n
normalized vectors of 384 dimensions (random Gaussian directions: no cluster structure, the
worst case for k-NN graphs), budget 10%, one process on this machine.

    python benchmarks/bench_coreset.py --rows 100000 --out benchmarks/results/coreset.json
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import sys
import time

import numpy as np

METHODS = ["kcenter_greedy", "facility_location", "density", "prototypes"]


def _child(method: str, rows: int, dim: int, queue) -> None:
    import pyarrow as pa

    from dataprep import registry
    from dataprep.embed.settings import EncoderSettings
    from dataprep.stage import ROW_COLUMN, RunContext

    vectors = np.random.default_rng(0).normal(size=(rows, dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    stage = registry.get(method)(budget=0.1)
    stage.bind(RunContext(encoder=EncoderSettings(column="v")))
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    states = []
    for begin in range(0, rows, 8192):
        part = vectors[begin : begin + 8192]
        column = pa.FixedSizeListArray.from_arrays(pa.array(part.ravel()), dim)
        batch = pa.RecordBatch.from_arrays(
            [column, pa.array(np.arange(begin, begin + len(part)))], names=["v", ROW_COLUMN]
        )
        states.append(stage.fit_state(batch))
    stage.fit(states)
    queue.put(
        {
            "seconds": time.perf_counter() - start,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "rss_before_fit_mb": baseline,
            "selected": len(stage.selected_rows_),
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000, help="vectors to select from")
    parser.add_argument("--dim", type=int, default=384, help="dimensions of each vector")
    parser.add_argument("--methods", default=",".join(METHODS), help="comma-separated selectors")
    parser.add_argument("--out", default=None, help="write the JSON report here")
    args = parser.parse_args()
    context = multiprocessing.get_context("spawn")
    results = {}
    for method in args.methods.split(","):
        queue = context.Queue()
        process = context.Process(target=_child, args=(method, args.rows, args.dim, queue))
        process.start()
        results[method] = queue.get()
        process.join()
        print(method, json.dumps(results[method]), flush=True)
    report = {
        "command": "python benchmarks/bench_coreset.py " + " ".join(sys.argv[1:]),
        "rows": args.rows,
        "dim": args.dim,
        "budget": 0.1,
        "results": results,
    }
    if args.out:
        with open(args.out, "w") as f:
            f.write(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
