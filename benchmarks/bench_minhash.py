"""MinHash signatures per second on real documents: dataprep's batch kernel against datasketch's
per-document ``MinHash.update`` loop, datasketch's ``MinHash.bulk`` and rensa's ``RMinHash``, all
on the same documents, the same shingles (lowercased word 5-grams) and 128 permutations, one core.
Then dataprep's LSH + clustering (the rest of ``minhash_dedup.fit``) on the same corpus.

Every method runs in its own process so its peak RSS is its own. The baselines get the shingles
the same way a user would write it (``text.lower().split()`` joined into 5-grams); their time is
reported with that shingling included ("end to end") and without it ("hashing only").

    python benchmarks/bench_minhash.py --repeat 4 --out benchmarks/results/minhash.json
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import platform
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpora import real_documents

NUM_PERM = 128
NGRAM = 5


def shingles(text: str) -> list[str]:
    tokens = text.lower().split()
    if not tokens:
        return []
    size = min(NGRAM, len(tokens))
    return list({" ".join(tokens[i : i + size]) for i in range(len(tokens) - size + 1)})


def _docs(repeat: int, limit: int | None) -> list[str]:
    """The corpus repeated; with ``limit``, an evenly spaced sample of that many documents."""
    docs = real_documents() * repeat
    return docs[:: max(1, len(docs) // limit)][:limit] if limit else docs


def run_ours(docs: list[str]) -> dict:
    import pyarrow as pa
    import pyarrow.compute as pc

    from dataprep.dedup.minhash_kernels import permutation_seeds, signatures

    seeds = permutation_seeds(NUM_PERM, 1)
    signatures(pa.array(docs[:10]), NGRAM, seeds)  # compile outside the timing
    array = pa.array(docs)
    start = time.perf_counter()
    for begin in range(0, len(docs), 8192):  # the pipeline's batch size
        signatures(pc.utf8_lower(array.slice(begin, 8192)), NGRAM, seeds)
    return {"seconds": time.perf_counter() - start}


def run_ours_fit(docs: list[str]) -> dict:
    """The whole minhash_dedup fit at defaults: signatures, bands, exact-verification spill,
    candidate pairs, verification and union-find."""
    import tempfile

    from dataprep.dedup.minhash import MinHashDedup
    from dataprep.stage import RunContext
    from dataprep.testing import make_batch

    stage = MinHashDedup()
    with tempfile.TemporaryDirectory() as work:
        stage.bind(RunContext(work_dir=Path(work)))
        stage.fit([stage.fit_state(make_batch([{"text": d} for d in docs[:50]]))])  # compile
        batches = [
            make_batch([{"text": d} for d in docs[i : i + 8192]]) for i in range(0, len(docs), 8192)
        ]
        start = time.perf_counter()
        states = [stage.fit_state(b) for b in batches]
        mapped = time.perf_counter()
        stage.fit(states)
        done = time.perf_counter()
    return {
        "seconds": done - start,
        "map_seconds": mapped - start,
        "lsh_cluster_seconds": done - mapped,
        "bands_rows": list(stage.banding),
        "candidate_pairs": stage.candidate_pairs_,
        "verified_pairs": stage.verified_pairs_,
        "rows_rejected": len(stage.rejected_rows_),
    }


def run_datasketch_loop(docs: list[str]) -> dict:
    from datasketch import MinHash

    start = time.perf_counter()
    shingled = [shingles(d) for d in docs]
    hashing = time.perf_counter()
    for items in shingled:
        m = MinHash(num_perm=NUM_PERM, seed=1)
        for item in items:
            m.update(item.encode("utf-8"))
    end = time.perf_counter()
    return {"seconds": end - start, "hashing_seconds": end - hashing}


def run_datasketch_bulk(docs: list[str]) -> dict:
    from datasketch import MinHash

    start = time.perf_counter()
    shingled = [[s.encode("utf-8") for s in shingles(d)] for d in docs]
    hashing = time.perf_counter()
    MinHash.bulk(shingled, num_perm=NUM_PERM, seed=1)
    end = time.perf_counter()
    return {"seconds": end - start, "hashing_seconds": end - hashing}


def run_rensa(docs: list[str]) -> dict:
    from rensa import RMinHash

    start = time.perf_counter()
    shingled = [shingles(d) for d in docs]
    hashing = time.perf_counter()
    for items in shingled:
        m = RMinHash(num_perm=NUM_PERM, seed=1)
        m.update(items)
        m.digest()
    end = time.perf_counter()
    return {"seconds": end - start, "hashing_seconds": end - hashing}


METHODS = {
    "dataprep": run_ours,
    "dataprep_fit": run_ours_fit,
    "datasketch_loop": run_datasketch_loop,
    "datasketch_bulk": run_datasketch_bulk,
    "rensa": run_rensa,
}


def _child(method: str, repeat: int, limit: int | None, queue) -> None:
    docs = _docs(repeat, limit)
    result = METHODS[method](docs)
    result["docs"] = len(docs)
    result["mb"] = sum(len(d.encode("utf-8")) for d in docs) / 1e6
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put(result)


def measure(method: str, repeat: int, limit: int | None) -> dict:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_child, args=(method, repeat, limit, queue))
    process.start()
    result = queue.get()
    process.join()
    result["docs_per_s"] = result["docs"] / result["seconds"]
    result["mb_per_s"] = result["mb"] / result["seconds"]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--repeat", type=int, default=4, help="copies of the real corpus (default 4)"
    )
    parser.add_argument(
        "--loop-limit", type=int, default=3000, help="docs for the slow datasketch loop"
    )
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    results = {}
    for method in METHODS:
        limit = args.loop_limit if method == "datasketch_loop" else None
        results[method] = measure(method, args.repeat, limit)
        print(
            f"{method:16s} {results[method]['docs_per_s']:>12,.0f} docs/s "
            f"{results[method]['mb_per_s']:8.2f} MB/s  "
            f"peak RSS {results[method]['peak_rss_mb']:.0f} MB"
        )
    ours = results["dataprep"]["mb_per_s"]
    report = {
        "command": "python benchmarks/bench_minhash.py " + " ".join(sys.argv[1:]),
        "machine": {"cpu_count": multiprocessing.cpu_count(), "python": platform.python_version()},
        "settings": {"num_perm": NUM_PERM, "ngram": NGRAM, "repeat": args.repeat},
        "results": results,
        # Ratios of MB/s, since the slow loop runs on a sample whose documents differ in length.
        "speedup_vs": {m: ours / r["mb_per_s"] for m, r in results.items() if m != "dataprep"},
    }
    for method, ratio in report["speedup_vs"].items():
        print(f"dataprep signatures: {ratio:,.1f}x the MB/s of {method}")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
