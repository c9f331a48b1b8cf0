"""MinHash signatures per second on real documents: dataprep's batch kernel against the fastest
documented APIs of datasketch and rensa, plus their naive per-document loops for reference.

Every method gets exactly the same documents (``--docs N``, default the real corpus 4 times), the
same shingles (lowercased whitespace-word 5-grams, as a set per document) and 128 permutations,
on one thread (``OMP/OPENBLAS/MKL/NUMBA/RAYON_NUM_THREADS=1``). The baselines get their shingles
the way a user would make them (``text.lower().split()`` joined into 5-grams, encoded to bytes
where the library wants bytes); their time is reported with that shingling included ("end to
end") and without it ("hashing only"). dataprep's kernel lowercases, tokenizes, shingles and
hashes in one pass over the Arrow buffers, so it has only an end-to-end time.

Every measurement is a fresh process (so its peak RSS is its own) that loads the corpus, runs the
method once on the first documents as a warm-up (numba compilation, lazy set-up), then times one
pass over the whole corpus. Each method is measured ``--repeats`` times (default 3), interleaved:
one round runs every method once, in an order rotated by one each round. The JSON has every run,
the median, min and max, the command, the git commit and the library versions.

    python benchmarks/bench_minhash.py --out benchmarks/results/minhash.json
    python benchmarks/bench_minhash.py --print-summary benchmarks/results/minhash.json

This script holds the corpus, the measurement (one spawned process per run) and the command
line; the measured methods are in ``minhash_methods.py``, the aggregation of the runs and the
README text made from a report in ``minhash_report.py``.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import multiprocessing
import os
import pickle
import platform
import queue
import resource
import shlex
import shutil
import subprocess
import sys
import tempfile
import traceback
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's code
sys.path.insert(0, str(Path(__file__).resolve().parent))  # corpora and the minhash_* modules
from minhash_methods import BATCH, METHODS, NGRAM, NUM_PERM, SEED, shingles
from minhash_report import aggregate, headline, speedups, summary

REPO = Path(__file__).resolve().parents[1]
WARMUP_DOCS = 50
COPIES = 4  # default corpus: the real documents this many times
THREAD_ENV = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NUMBA_NUM_THREADS",
    "RAYON_NUM_THREADS",
)
VERSIONS = ("numpy", "pyarrow", "numba", "datasketch", "rensa", "xxhash")


def describe_corpus(n: int, pool: int, mb: float) -> str:
    copies, rest = divmod(n, pool)
    source = "`corpora.real_documents()`"
    if not copies:
        return (
            f"{n:,} real documents ({mb:.1f} MB): an evenly spaced {n:,}"
            f" of the {pool:,} of {source}"
        )
    times = "once" if copies == 1 else f"{copies} times"
    extra = f" plus an evenly spaced {rest:,} of them" if rest else ""
    return f"{n:,} real documents ({mb:.1f} MB): the {pool:,} of {source} {times}{extra}"


def select_documents(pool: list[str], n: int) -> list[str]:
    """``n`` documents from ``pool``: whole copies of it, then an evenly spaced subset of it (so
    a small corpus keeps every source's share)."""
    copies, rest = divmod(n, len(pool))
    return pool * copies + [pool[i * len(pool) // rest] for i in range(rest)]


# ---------------------------------------------------------------------------------------------
# Measurement


def _rss_mb() -> float | None:
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except OSError:
        return None
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def corpus_sha256(docs: list[str]) -> str:
    digest = hashlib.sha256()
    for d in docs:
        digest.update(d.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


def _child(method: str, corpus_path: str, out: multiprocessing.Queue) -> None:
    try:
        with open(corpus_path, "rb") as f:
            docs = pickle.load(f)
        sha = corpus_sha256(docs)
        run = METHODS[method].run
        run(docs[:WARMUP_DOCS])  # compilation and lazy set-up, outside the timing
        gc.collect()
        rss_before = _rss_mb()
        result = run(docs)
        result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        result["rss_before_mb"] = rss_before
        result["corpus_sha256"] = sha
        out.put(result)
    except BaseException:
        out.put({"error": traceback.format_exc()})


def measure(method: str, corpus_path: Path) -> dict:
    """One run of ``method`` in a fresh spawned process."""
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    process = context.Process(target=_child, args=(method, str(corpus_path), results))
    process.start()
    while True:
        try:
            result = results.get(timeout=5)
            break
        except queue.Empty:
            if not process.is_alive():
                message = f"{method}: the process died (exit {process.exitcode})"
                raise RuntimeError(message) from None
    process.join()
    if "error" in result:
        raise RuntimeError(f"{method} failed:\n{result['error']}")
    return result


def shingle_check(docs: list[str]) -> dict:
    """Whether Python's shingles (``str.split``) and the kernel's (ASCII whitespace) agree:
    per distinct document, the number of distinct shingles each finds."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from dataprep.dedup.minhash_kernels import shingle_hashes

    distinct = list(dict.fromkeys(docs))
    kernel = shingle_hashes(pc.utf8_lower(pa.array(distinct)), NGRAM)
    differ = sum(len(k) != len(shingles(d)) for k, d in zip(kernel, distinct, strict=True))
    return {"distinct_documents": len(distinct), "shingle_count_differs": differ}


def _git(*args: str) -> str:
    result = subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, text=True)
    return result.stdout.rstrip("\n")  # porcelain lines start with a space


def git_state() -> dict:
    changed = _git("status", "--porcelain", "--untracked-files=no").splitlines()
    return {
        "commit": _git("rev-parse", "--short", "HEAD").strip() or None,
        "tree_dirty": bool(changed),
        "changed_paths": [line[3:] for line in changed],
    }


def versions() -> dict[str, str]:
    from importlib import metadata

    found = {"python": platform.python_version()}
    for name in VERSIONS:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


def benchmark(args: argparse.Namespace) -> dict:
    from corpora import SOURCES, real_documents

    for name in THREAD_ENV:  # one thread everywhere; spawned children inherit it
        os.environ[name] = "1"
    started = datetime.now(timezone.utc)
    load_start = os.getloadavg()
    if load_start[0] > 0.5:
        print(f"warning: load average {load_start[0]:.2f}; the timings will be noisy", flush=True)
    pool = real_documents()
    n = args.docs if args.docs is not None else COPIES * len(pool)
    docs = select_documents(pool, n)
    mb = sum(len(d.encode("utf-8")) for d in docs) / 1e6
    sha = corpus_sha256(docs)
    description = describe_corpus(n, len(pool), mb)
    methods = args.methods
    scratch = Path(tempfile.mkdtemp(prefix="bench-minhash-"))
    corpus_path = scratch / "docs.pickle"
    with open(corpus_path, "wb") as f:
        pickle.dump(docs, f, protocol=pickle.HIGHEST_PROTOCOL)
    runs: dict[str, list[dict]] = {m: [] for m in methods}
    schedule = []
    try:
        for round_ in range(args.repeats):
            shift = round_ % len(methods)
            order = methods[shift:] + methods[:shift]
            schedule.append(order)
            for method in order:
                result = measure(method, corpus_path)
                if result["corpus_sha256"] != sha:
                    raise RuntimeError(f"{method} saw other documents")
                if result["signatures"] != n:
                    raise RuntimeError(f"{method} made {result['signatures']} signatures, not {n}")
                runs[method].append(result)
                hashing = result.get("hashing_seconds")
                print(
                    f"round {round_ + 1}/{args.repeats} {method:16s} "
                    f"{result['seconds']:9.3f} s end to end"
                    + (f" {hashing:9.3f} s hashing" if hashing is not None else " " * 20)
                    + f"  peak RSS {result['peak_rss_mb']:6.0f} MB",
                    flush=True,
                )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    results = aggregate(runs, n, mb)
    return {
        "command": shlex.join(sys.orig_argv),
        "started_utc": started.isoformat(timespec="seconds"),
        "wall_seconds": (datetime.now(timezone.utc) - started).total_seconds(),
        **git_state(),
        "machine": {
            "cpu_count": os.cpu_count(),
            "platform": platform.platform(),
            "load_average_start": list(load_start),
            "load_average_end": list(os.getloadavg()),
        },
        "versions": versions(),
        "threads_env": {name: os.environ[name] for name in THREAD_ENV},
        "settings": {
            "num_perm": NUM_PERM,
            "ngram": NGRAM,
            "seed": SEED,
            "batch": BATCH,
            "warmup_docs": WARMUP_DOCS,
            "repeats": args.repeats,
            "methods": methods,
        },
        "corpus": {
            "description": description,
            "docs": n,
            "mb": mb,
            "sha256": sha,
            "sources": [f"{path}:{field}" for path, field in SOURCES],
        },
        "schedule": schedule,
        "shingle_check": shingle_check(docs) if "dataprep" in methods else None,
        "results": results,
        "dataprep_speedup": speedups(results),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument(
        "--docs",
        type=int,
        default=None,
        help=f"documents, the same for every method (None: the real corpus {COPIES} times)",
    )
    parser.add_argument("--repeats", type=int, default=3, help="runs per method")
    parser.add_argument(
        "--methods",
        type=lambda s: s.split(","),
        default=",".join(METHODS),  # argparse applies ``type`` to a string default
        help="comma-separated subset of the methods",
    )
    parser.add_argument("--out", type=Path, default=None, help="write the JSON report here")
    parser.add_argument(
        "--print-summary",
        type=Path,
        metavar="PATH",
        help="print the README text for an existing report and exit",
    )
    parser.add_argument(
        "--print-headline",
        type=Path,
        metavar="PATH",
        help="print the top-level README line for an existing report and exit",
    )
    args = parser.parse_args()
    if args.print_summary or args.print_headline:
        path = args.print_summary or args.print_headline
        report = json.loads(path.read_text())
        print(summary(report) if args.print_summary else headline(report))
        return
    unknown = [m for m in args.methods if m not in METHODS]
    if unknown or args.repeats < 1 or (args.docs is not None and args.docs < WARMUP_DOCS):
        parser.error(f"unknown methods {unknown}" if unknown else "bad --repeats or --docs")
    report = benchmark(args)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2) + "\n")
    print()
    print(summary(report))


if __name__ == "__main__":
    main()
