"""The measured methods of ``bench_minhash.py``, one function per library API, and the shingling
they share.

Each method takes the documents and returns at least "seconds" (end to end, from the list of
Python strings to signatures), "hashing_seconds" (None where shingling and hashing are one step)
and "signatures" (how many it made). Each keeps its output until it returns, so peak RSS includes
the signatures in the form its API gives them. ``METHODS`` names them for the command line and
the report; ``OURS`` are dataprep's.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

NUM_PERM = 128
NGRAM = 5
SEED = 1
BATCH = 8192  # the pipeline's batch size


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
