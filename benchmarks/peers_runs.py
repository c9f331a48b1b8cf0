"""The two pipelines of ``bench_peers.py``: the peers venv that runs datatrove (``setup``,
``peer_versions``), the parameters of dataprep's recipe and of the datatrove pipeline run against
it (its tokenizer ``VARIANTS``) and how the two differ, and one timed run of each
(``run_dataprep``, ``run_datatrove``: a fresh subprocess, its wall seconds, the ids it removed).
"""

from __future__ import annotations

import gzip
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "benchmarks"
VENV = BENCH / ".venv-peers"
REQUIREMENTS = BENCH / "requirements-peers.txt"
RUNNER = BENCH / "peers_datatrove.py"
RECIPE = "configs/filter/dedup.yaml"
VARIANTS = {
    "whitespace": "datatrove MinHash, whitespace words",
    "spacy": "datatrove MinHash, default (spaCy) words",
    "spacy-lowercase": "datatrove MinHash, spaCy words, lowercase only",
}
THREAD_ENV = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "NUMBA_NUM_THREADS": "1",
    "TOKENIZERS_PARALLELISM": "false",
}


# ---------------------------------------------------------------------------------------------
# The peers venv


def venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def setup(venv: Path) -> dict:
    """Create ``venv`` with this interpreter's venv module and install the pinned packages."""
    if not venv_python(venv).exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv_python(venv)), "-m", "pip", "install", "--quiet"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "-r", str(REQUIREMENTS)], check=True)
    return peer_versions(venv)


def peer_versions(venv: Path) -> dict:
    """Versions of the packages peers_datatrove.py uses, and the venv's whole pip freeze."""
    python = str(venv_python(venv))
    versions = json.loads(
        subprocess.run(
            [python, str(RUNNER), "--versions"], capture_output=True, text=True, check=True
        ).stdout
    )
    freeze = subprocess.run(
        [python, "-m", "pip", "freeze"], capture_output=True, text=True, check=True
    ).stdout.split()
    return {**versions, "freeze": freeze}


def dataprep_versions() -> dict:
    from importlib import metadata

    found = {"python": platform.python_version()}
    for name in ("dataprep", "pyarrow", "numpy", "numba", "xxhash", "click", "pyyaml"):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


# ---------------------------------------------------------------------------------------------
# The two pipelines


def recipe_parameters() -> dict:
    """The stages of the recipe, and the LSH banding dataprep's minhash_dedup uses with them."""
    import yaml

    from dataprep.dedup.minhash import MinHashDedup

    stages = yaml.safe_load((REPO / RECIPE).read_text())["stages"]
    minhash = next(s["minhash_dedup"] for s in stages if "minhash_dedup" in s)
    stage = MinHashDedup(**minhash)
    bands, rows = stage.banding
    return {
        "recipe": RECIPE,
        "stages": stages,
        "ngram": stage.ngram,
        "num_perm": stage.num_perm,
        "threshold": stage.threshold,
        "bands": bands,
        "rows": rows,
        "verify": stage.verify,
        "lowercase": stage.lowercase,
    }


def collision_probability(similarity: float, bands: int, rows: int) -> float:
    """Probability that two documents of Jaccard ``similarity`` share a band bucket."""
    return 1 - (1 - similarity**rows) ** bands


def pipeline_parameters(ours: dict, banding: tuple[int, int], variants: list[str]) -> dict:
    """The report's "parameters": dataprep's recipe and the datatrove pipeline it is run against."""
    bands, rows = banding
    return {
        "dataprep": ours,
        "datatrove": {
            "pipeline": "JsonlReader -> MinhashDedupSignature; MinhashDedupBuckets; "
            "MinhashDedupCluster; JsonlReader -> MinhashDedupFilter -> JsonlWriter "
            "(LocalPipelineExecutor each; stages 1 and 4: tasks = workers = procs, one "
            "input file per task; stage 2: tasks = bands, workers = procs; stage 3: 1 task)",
            "ngram": ours["ngram"],
            "bands": bands,
            "rows": rows,
            "hashes": bands * rows,
            "hash": "xxhash, 64 bits",
            "variants": {v: VARIANTS[v] for v in variants},
        },
        "collision_probability_at_threshold": round(
            collision_probability(ours["threshold"], bands, rows), 4
        ),
    }


def differences(dataprep: dict, banding: tuple[int, int]) -> list[str]:
    bands, rows = banding

    def probability(similarity: float) -> float:
        return collision_probability(similarity, bands, rows)

    exact = [s for s in dataprep["stages"] if "exact_dedup" in s]
    notes = []
    if exact:
        notes.append(
            f"dataprep's recipe runs exact_dedup ({exact[0]['exact_dedup']}) before MinHash; "
            "the datatrove pipeline is MinHash only (datatrove's exact dedup is three more "
            "pipeline stages, not added). Exact copies of at least ngram words collide in every "
            "band and are removed by datatrove's MinHash too; shorter ones are not (below)."
        )
    notes += [
        f"Banding: both use {bands} bands x {rows} rows (dataprep's choice for threshold "
        f"{dataprep['threshold']} with {dataprep['num_perm']} permutations, fp/fn weights "
        f"0.1/0.9). datatrove computes num_buckets x hashes_per_bucket = {bands * rows} hashes; "
        f"dataprep computes {dataprep['num_perm']} and uses them all to verify candidates.",
        f"Verification: dataprep keeps a candidate pair only if its signatures agree on at least "
        f"{dataprep['threshold']} of the {dataprep['num_perm']} values (verify: "
        f"{dataprep['verify']}); datatrove has no verification, every pair sharing a band "
        f"bucket is a duplicate (collision probability {probability(0.5):.3f} at Jaccard 0.5, "
        f"{probability(0.7):.3f} at 0.7, {probability(dataprep['threshold']):.3f} at "
        f"{dataprep['threshold']}).",
        "Kept member of a cluster: dataprep keeps the first in input order; datatrove keeps the "
        "root of its union-by-size forest (usually, not always, the earliest document).",
        f"Short documents: datatrove makes no shingle from a document of fewer than "
        f"{dataprep['ngram']} words, so such a document is never a duplicate; dataprep gives it "
        "one shingle of all its words (and its exact_dedup removes exact copies).",
        "Hashes: dataprep hashes shingles to 32 bits and permutes with a 32-bit mixer; "
        "datatrove uses 64-bit xxhash and (a*x+b) mod 2^61-1 permutations (its default).",
        "Tokens: the whitespace variant splits with str.split() (Unicode whitespace; dataprep "
        "splits on ASCII whitespace only) after lowercasing only, the same shingles as "
        "dataprep's; the spaCy variant is datatrove as shipped (spaCy's blank English "
        "tokenizer after datatrove's normalization: lowercase, numbers to 0, punctuation "
        "removed, diacritics removed).",
        "Input layout: datatrove's readers give each task whole files, so it reads the corpus "
        "as one JSONL file per task (written before timing); dataprep reads the one file.",
        "Output: dataprep writes kept and rejected rows as Arrow (datasets layout) plus a "
        "manifest and stats; datatrove writes the kept documents as gzipped JSONL.",
    ]
    return notes


def _env(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return {**env, **THREAD_ENV, **extra}


def _timed(command: list[str], cwd: Path, env: dict, log: Path) -> float:
    start = time.perf_counter()
    with open(log, "w") as out:
        result = subprocess.run(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        tail = log.read_text(errors="replace")[-3000:]
        raise SystemExit(f"failed ({result.returncode}): {' '.join(command)}\n{tail}")
    return seconds


def run_dataprep(corpus: Path, procs: int, out: Path) -> tuple[float, dict[str, str]]:
    """Wall seconds of the dataprep command, and the removed ids with their reasons."""
    command = [sys.executable, "-m", "dataprep", "filter", str(corpus), "-c", RECIPE]
    command += ["-o", str(out), "--num-proc", str(procs), "--quiet"]
    log = out.parent / f"{out.name}.log"
    seconds = _timed(command, REPO, _env(PYTHONPATH=str(REPO)), log)
    import pyarrow as pa

    removed = {}
    for shard in sorted((out / "rejected").glob("*.arrow")):
        with pa.memory_map(str(shard)) as source:
            table = pa.ipc.open_stream(source).read_all()
        reasons = table.column("dp_reject_reason").to_pylist()
        for key, reason in zip(table.column("id").to_pylist(), reasons, strict=True):
            removed[str(key)] = reason
    shutil.rmtree(out)
    log.unlink()
    return seconds, removed


def run_datasketch_loop(corpus: Path, work: Path) -> float:
    """Wall seconds of peers_datasketch.py (datasketch's per-document loop, signatures only)
    over ``corpus``, in one process."""
    log = work.parent / f"{work.name}.log"
    command = [sys.executable, str(REPO / "benchmarks" / "peers_datasketch.py"), str(corpus)]
    seconds = _timed(command, REPO, _env(), log)
    log.unlink()
    return seconds


def run_datatrove(
    venv: Path,
    shards: Path,
    procs: int,
    variant: str,
    banding: tuple[int, int],
    ngram: int,
    ids: list[str],
    work: Path,
) -> tuple[float, dict, set[str]]:
    """Wall seconds of peers_datatrove.py, its per-stage seconds, and the removed ids."""
    bands, rows = banding
    report = work.parent / f"{work.name}.json"
    command = [str(venv_python(venv)), str(RUNNER), "--input", str(shards), "--work", str(work)]
    command += ["--tasks", str(procs), "--workers", str(procs), "--variant", variant]
    command += ["--buckets", str(bands), "--rows", str(rows), "--ngram", str(ngram)]
    command += ["--report", str(report)]
    log = work.parent / f"{work.name}.log"
    seconds = _timed(command, work.parent, _env(), log)
    stages = json.loads(report.read_text())["seconds"]
    kept = set()
    for part in sorted((work / "output").glob("*.jsonl.gz")):
        with gzip.open(part, "rt", encoding="utf-8") as f:
            kept.update(str(json.loads(line)["id"]) for line in f)
    shutil.rmtree(work)
    report.unlink()
    log.unlink()
    return seconds, stages, set(ids) - kept
