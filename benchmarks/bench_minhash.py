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
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(Path(__file__).resolve().parent), str(REPO)]  # corpora; this checkout's code
NUM_PERM = 128
NGRAM = 5
SEED = 1
BATCH = 8192  # the pipeline's batch size
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


def shingles(text: str) -> list[str]:
    """The distinct lowercased word 5-grams of ``text``; a document with fewer than 5 words has
    one shingle of all its words (as dataprep's kernel does)."""
    tokens = text.lower().split()
    if not tokens:
        return []
    size = min(NGRAM, len(tokens))
    return list({" ".join(tokens[i : i + size]) for i in range(len(tokens) - size + 1)})


def byte_shingles(text: str) -> list[bytes]:
    return [s.encode("utf-8") for s in shingles(text)]


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
# The methods. Each takes the documents and returns at least "seconds" (end to end, from the
# list of Python strings to signatures), "hashing_seconds" (None where shingling and hashing are
# one step) and "signatures" (how many it made). Each keeps its output until it returns, so peak
# RSS includes the signatures in the form its API gives them.


def _clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def _baseline(docs: list[str], prepare: Callable, sign: Callable) -> dict:
    """Time ``prepare`` (Python shingling into the library's input) and ``sign`` (the library)."""
    start, cpu = _clock()
    inputs = [prepare(d) for d in docs]
    hashing = time.perf_counter()
    count = sign(inputs)
    end, cpu_end = _clock()
    return {
        "seconds": end - start,
        "hashing_seconds": end - hashing,
        "cpu_seconds": cpu_end - cpu,
        "signatures": count,
    }


def run_dataprep(docs: list[str]) -> dict:
    import pyarrow as pa
    import pyarrow.compute as pc

    from dataprep.dedup.minhash_kernels import permutation_seeds, signatures

    seeds = permutation_seeds(NUM_PERM, SEED)
    start, cpu = _clock()
    array = pa.array(docs)  # the same list of Python strings the baselines start from
    converted = time.perf_counter()
    out = [
        signatures(pc.utf8_lower(array.slice(begin, BATCH)), NGRAM, seeds)[0]
        for begin in range(0, len(array), BATCH)
    ]
    end, cpu_end = _clock()
    return {
        "seconds": end - start,
        "hashing_seconds": None,
        "arrow_seconds": converted - start,
        "cpu_seconds": cpu_end - cpu,
        "signatures": sum(len(s) for s in out),
    }


def run_dataprep_fit(docs: list[str]) -> dict:
    """The whole minhash_dedup fit at defaults: signatures, bands, exact-verification spill,
    candidate pairs, verification and union-find (batches built outside the timing)."""
    from dataprep.dedup.minhash import MinHashDedup
    from dataprep.stage import RunContext
    from dataprep.testing import make_batch

    stage = MinHashDedup()
    with tempfile.TemporaryDirectory() as work:
        stage.bind(RunContext(work_dir=Path(work)))
        batches = [
            make_batch([{"text": d} for d in docs[i : i + BATCH]])
            for i in range(0, len(docs), BATCH)
        ]
        start, cpu = _clock()
        states = [stage.fit_state(b) for b in batches]
        mapped = time.perf_counter()
        stage.fit(states)
        done, cpu_end = _clock()
    return {
        "seconds": done - start,
        "hashing_seconds": None,
        "cpu_seconds": cpu_end - cpu,
        "signatures": len(docs),
        "map_seconds": mapped - start,
        "lsh_cluster_seconds": done - mapped,
        "bands_rows": list(stage.banding),
        "candidate_pairs": stage.candidate_pairs_,
        "verified_pairs": stage.verified_pairs_,
        "rows_rejected": len(stage.rejected_rows_),
    }


def run_datasketch_loop(docs: list[str]) -> dict:
    from datasketch import MinHash

    def sign(inputs):
        out = []
        for items in inputs:
            m = MinHash(num_perm=NUM_PERM, seed=SEED)
            for item in items:
                m.update(item)
            out.append(m)
        return len(out)

    return _baseline(docs, byte_shingles, sign)


def run_datasketch_bulk(docs: list[str]) -> dict:
    import xxhash
    from datasketch import MinHash

    def sign(inputs):
        out = MinHash.bulk(inputs, num_perm=NUM_PERM, seed=SEED, hashfunc=xxhash.xxh32_intdigest)
        return len(out)

    return _baseline(docs, byte_shingles, sign)


def run_rensa_loop(docs: list[str]) -> dict:
    from rensa import RMinHash

    def sign(inputs):
        out = []
        for items in inputs:
            m = RMinHash(num_perm=NUM_PERM, seed=SEED)
            m.update(items)
            out.append(m.digest())
        return len(out)

    return _baseline(docs, shingles, sign)


def run_rensa_matrix(docs: list[str]) -> dict:
    from rensa import RMinHash

    def sign(inputs):
        return RMinHash.digest_matrix_from_token_sets(inputs, NUM_PERM, SEED).len()

    return _baseline(docs, shingles, sign)


def run_rensa_cminhash(docs: list[str]) -> dict:
    from rensa import CMinHash

    def sign(inputs):
        return len(CMinHash.digests_from_token_sets(inputs, NUM_PERM, SEED))

    return _baseline(docs, shingles, sign)


def run_rensa_rho(docs: list[str]) -> dict:
    from rensa import RMinHash

    def sign(inputs):
        return RMinHash.digest_matrix_from_token_sets_rho(inputs, NUM_PERM, SEED).len()

    return _baseline(docs, shingles, sign)


@dataclass(frozen=True)
class Method:
    label: str  # the README table's row
    name: str  # in sentences
    run: Callable[[list[str]], dict]
    full_set: bool = True  # a full-set MinHash of every shingle (rho samples tokens)


METHODS = {
    "dataprep": Method(
        "dataprep batch kernel (`minhash_kernels.signatures`: lowercase, tokenize, shingle and "
        "hash from Arrow buffers)",
        "dataprep's kernel",
        run_dataprep,
    ),
    "dataprep_fit": Method(
        "dataprep `minhash_dedup` fit (kernel + bands + spill + LSH + verify + union-find)",
        "dataprep's fit",
        run_dataprep_fit,
    ),
    "datasketch_loop": Method(
        "datasketch, one `MinHash` per document, `update` per shingle, default SHA-1 (naive)",
        "datasketch's per-document `update` loop",
        run_datasketch_loop,
    ),
    "datasketch_bulk": Method(
        "datasketch `MinHash.bulk`, `hashfunc=xxhash.xxh32_intdigest`",
        "datasketch's `MinHash.bulk` with xxhash",
        run_datasketch_bulk,
    ),
    "rensa_loop": Method(
        "rensa, one `RMinHash` per document, `update` + `digest` (naive)",
        "rensa's per-document `RMinHash` loop",
        run_rensa_loop,
    ),
    "rensa_matrix": Method(
        "rensa `RMinHash.digest_matrix_from_token_sets` (batch)",
        "rensa's `RMinHash.digest_matrix_from_token_sets`",
        run_rensa_matrix,
    ),
    "rensa_cminhash": Method(
        "rensa `CMinHash.digests_from_token_sets` (batch)",
        "rensa's `CMinHash.digests_from_token_sets`",
        run_rensa_cminhash,
    ),
    "rensa_rho": Method(
        "rensa `RMinHash.digest_matrix_from_token_sets_rho` (batch; samples tokens, not "
        "full-set MinHash)",
        "rensa's rho sketch (`digest_matrix_from_token_sets_rho`)",
        run_rensa_rho,
        full_set=False,
    ),
}
OURS = ("dataprep", "dataprep_fit")


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--docs",
        type=int,
        default=None,
        help=f"documents, the same for every method (default: the real corpus {COPIES} times)",
    )
    parser.add_argument("--repeats", type=int, default=3, help="runs per method (default 3)")
    parser.add_argument(
        "--methods",
        type=lambda s: s.split(","),
        default=list(METHODS),
        help=f"comma-separated subset of {','.join(METHODS)}",
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
