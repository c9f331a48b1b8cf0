"""dataprep against a peer on the same corpus: ``dataprep filter -c configs/filter/dedup.yaml``
and datatrove's MinHash dedup pipeline (``peers_datatrove.py``, in its own venv), back to back
at 1 and 2 processes, with the wall-time ratio and the overlap of the removed ids.

Set up once (a venv outside git, benchmarks/.venv-peers, with the pinned packages of
benchmarks/requirements-peers.txt; about a minute), then run:

    python benchmarks/bench_peers.py --setup
    python benchmarks/bench_peers.py --corpus debian --out benchmarks/results/peers.json
    python benchmarks/bench_peers.py --print-summary benchmarks/results/peers.json

Corpora (``--corpus``; ``--docs N`` keeps the first N documents of any of them):
- ``debian``: one document per binary package of the machine's Debian release (the release,
  updates and security suites, component main, native architecture), id = package name, text =
  its English long description (synopsis line, then the body with Debian's " ." lines made
  blank). ``apt-get update`` fetches the package indexes once into benchmarks/.cache/debian
  (``Acquire::Languages=en`` for the Translation-en files; needs root); later runs build the
  corpus from those cached files offline. ``--refresh-debian`` fetches them again. Bookworm
  gives 63,681 documents, 26 MB of text.
- ``resampled``: ``corpora.resampled_corpus(--docs)`` (real documents of ../shared/data with
  light edits, cached in benchmarks/.cache).
- a path: any JSONL file whose records have unique ``id`` and a ``text``.

Every measurement is one fresh subprocess (interpreter start and imports included), in the
order: for each repeat, for each process count, dataprep then each datatrove variant. Before
the timed runs each command runs once untimed on the first 500 documents (numba caches,
imports, page cache). datatrove reads its input as one JSONL file per task (its readers shard
by file), so the corpus is also written as 1 and as 2 contiguous files before any timing;
dataprep reads the single file.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "benchmarks"
VENV = BENCH / ".venv-peers"
REQUIREMENTS = BENCH / "requirements-peers.txt"
RUNNER = BENCH / "peers_datatrove.py"
DEBIAN_CACHE = BENCH / ".cache" / "debian"
RECIPE = "configs/filter/dedup.yaml"
VARIANTS = {
    "whitespace": "datatrove MinHash, whitespace words",
    "spacy": "datatrove MinHash, default (spaCy) words",
    "spacy-lowercase": "datatrove MinHash, spaCy words, lowercase only",
}
WARMUP_DOCS = 500
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
# Corpora


def _deb822(text: str) -> list[dict[str, str]]:
    """Stanzas of a Debian control-style file: field -> value, continuation lines joined with
    newlines (each keeps its leading space)."""
    stanzas, fields, last = [], {}, None
    for line in text.split("\n"):
        if not line.strip():
            if fields:
                stanzas.append(fields)
            fields, last = {}, None
        elif line[0] in " \t" and last is not None:
            fields[last] += "\n" + line
        else:
            name, _, value = line.partition(":")
            last = name
            fields[name] = value.strip()
    if fields:
        stanzas.append(fields)
    return stanzas


def _description(value: str) -> str:
    """A Debian description field as plain text: the synopsis line, then the body lines without
    their leading space, " ." lines made blank."""
    first, *body = value.split("\n")
    lines = [first.strip()]
    for line in body:
        line = line[1:]
        lines.append("" if line.strip() == "." else line)
    return "\n".join(lines)


def _apt(args: list[str], lists: Path) -> subprocess.CompletedProcess:
    options = [
        "-o",
        f"Dir::State::Lists={lists}",
        "-o",
        "Acquire::Languages=en",
        "-o",
        "Dir::Cache::pkgcache=",
        "-o",
        "Dir::Cache::srcpkgcache=",
    ]
    return subprocess.run(["apt-get", *options, *args], capture_output=True, text=True)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def debian_corpus(refresh: bool = False) -> tuple[Path, dict]:
    """The Debian package descriptions corpus (see the module docstring) and its description.
    The indexes are fetched by ``apt-get update`` into benchmarks/.cache/debian/lists once."""
    lists = DEBIAN_CACHE / "lists"
    path, meta_path = DEBIAN_CACHE / "descriptions.jsonl", DEBIAN_CACHE / "descriptions.json"
    if refresh:
        shutil.rmtree(lists, ignore_errors=True)
        path.unlink(missing_ok=True)
    if path.exists() and meta_path.exists():
        return path, json.loads(meta_path.read_text())
    arch = subprocess.run(
        ["dpkg", "--print-architecture"], capture_output=True, text=True, check=True
    ).stdout.strip()
    fields = "CREATED_BY ORIGIN CODENAME SUITE VERSION COMPONENT ARCHITECTURE LANGUAGE FILENAME"
    fmt = "\t".join(f"$({name})" for name in fields.split())

    def targets() -> list[dict]:
        listed = _apt(["indextargets", "--format", fmt], lists).stdout
        names = fields.lower().split()
        found = [dict(zip(names, line.split("\t"), strict=True)) for line in listed.splitlines()]
        return [
            t
            for t in found
            if t["origin"] == "Debian"
            and t["component"] == "main"
            and Path(t["filename"]).exists()
            and (
                (t["created_by"] == "Packages" and t["architecture"] == arch)
                or (t["created_by"] == "Translations" and t["language"] == "en")
            )
        ]

    (lists / "partial").mkdir(parents=True, exist_ok=True)
    if not any(t["created_by"] == "Translations" for t in targets()):
        result = _apt(["update"], lists)
        if result.returncode != 0:
            raise SystemExit(
                "apt-get update failed (it needs root and the Debian mirror); use "
                f"--corpus resampled or a JSONL path instead.\n{result.stderr[-2000:]}"
            )
    found = targets()
    if not any(t["created_by"] == "Translations" for t in found):
        raise SystemExit("apt-get fetched no Translation-en index; cannot build --corpus debian.")

    def read(filename: str) -> str:
        return subprocess.run(
            ["/usr/lib/apt/apt-helper", "cat-file", filename],
            capture_output=True,
            check=True,
        ).stdout.decode("utf-8")

    packages: dict[str, dict] = {}  # a later suite (updates, security) replaces the release
    long_texts: dict[str, str] = {}
    indexes = []
    for target in found:
        text = read(target["filename"])
        indexes.append(
            {
                "index": target["created_by"],
                "suite": target["codename"],
                "version": target["version"],
                "stanzas": text.count("\nPackage: ") + text.startswith("Package: "),
                "sha256": hashlib.sha256(text.encode()).hexdigest(),
            }
        )
        for stanza in _deb822(text):
            if target["created_by"] == "Packages":
                packages[stanza["Package"]] = stanza
            elif "Description-en" in stanza:
                long_texts[stanza["Description-md5"]] = stanza["Description-en"]
    short_only = 0
    DEBIAN_CACHE.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    text_bytes = 0
    with open(tmp, "w", encoding="utf-8") as f:
        for name in sorted(packages):
            stanza = packages[name]
            value = long_texts.get(stanza.get("Description-md5", ""))
            if value is None:
                value = stanza.get("Description", "")
                short_only += 1
            text = _description(value)
            text_bytes += len(text.encode())
            f.write(json.dumps({"id": name, "text": text}, ensure_ascii=False) + "\n")
    tmp.rename(path)
    releases = sorted({f"{i['suite']} {i['version']}" for i in indexes})
    meta = {
        "name": "debian",
        "description": f"Debian package descriptions: {len(packages):,} binary packages of "
        f"{', '.join(releases)} (main, {arch}), id = package name, text = English long "
        "description",
        "docs": len(packages),
        "text_bytes": text_bytes,
        "short_description_only": short_only,
        "indexes": indexes,
        "built": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    meta_path.write_text(json.dumps(meta, indent=2) + "\n")
    return path, meta


def read_corpus(path: Path) -> list[tuple[str, str, str]]:
    """(id, text, raw line) of each record; ids must be unique."""
    records, seen = [], set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            record = json.loads(line)
            key = str(record["id"])
            if key in seen:
                raise SystemExit(f"{path}: id {key!r} occurs twice; ids must be unique")
            seen.add(key)
            records.append(
                (key, record["text"] or "", line if line.endswith("\n") else line + "\n")
            )
    return records


def write_lines(lines: list[str], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.writelines(lines)
    return path


def write_shards(lines: list[str], count: int, folder: Path) -> Path:
    """``count`` contiguous JSONL files of about equal document counts (datatrove gives each
    task one file)."""
    folder.mkdir(parents=True, exist_ok=True)
    bounds = [round(i * len(lines) / count) for i in range(count + 1)]
    for i in range(count):
        write_lines(lines[bounds[i] : bounds[i + 1]], folder / f"{i:05d}.jsonl")
    return folder


def load_corpus(args: argparse.Namespace, scratch: Path) -> tuple[Path, dict]:
    """The corpus file to measure on (the first --docs documents) and its description."""
    if args.corpus == "debian":
        path, meta = debian_corpus(args.refresh_debian)
        meta = {**meta, "path": str(path.relative_to(REPO))}
    elif args.corpus == "resampled":
        from corpora import resampled_corpus

        if not args.docs:
            raise SystemExit("--corpus resampled needs --docs N")
        path = resampled_corpus(args.docs)
        meta = {
            "name": "resampled",
            "description": f"benchmarks/corpora.py resampled_corpus({args.docs}, seed=0): real "
            "documents of ../shared/data, 30% with light random edits",
            "path": str(path.relative_to(REPO)),
        }
    else:
        path = Path(args.corpus).resolve()
        meta = {"name": "file", "description": f"JSONL file {path}", "path": str(path)}
    records = read_corpus(path)
    if args.docs and args.docs < len(records):
        meta["description"] += f"; the first {args.docs:,} documents"
        records = records[: args.docs]
        path = write_lines([line for _, _, line in records], scratch / "corpus.jsonl")
    meta.update(
        docs=len(records),
        text_bytes=sum(len(text.encode()) for _, text, _ in records),
        file_bytes=path.stat().st_size,
        sha256=_sha256(path),
    )
    return path, meta


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


# ---------------------------------------------------------------------------------------------
# Results


def _spread(seconds: list[float]) -> dict:
    return {
        "median_s": round(statistics.median(seconds), 3),
        "min_s": round(min(seconds), 3),
        "max_s": round(max(seconds), 3),
        "runs_s": [round(s, 3) for s in seconds],
    }


def overlap(dataprep: dict[str, str], datatrove: set[str], words: dict[str, int], ngram: int):
    ours = set(dataprep)
    both = ours & datatrove
    union = ours | datatrove
    reasons = sorted(set(dataprep.values()))
    only_ours = ours - datatrove
    return {
        "dataprep_removed": len(ours),
        "datatrove_removed": len(datatrove),
        "both": len(both),
        "jaccard": round(len(both) / len(union), 4) if union else 1.0,
        "dataprep_only": len(only_ours),
        "datatrove_only": len(datatrove - ours),
        "dataprep_by_reason": {
            reason: {
                "removed": sum(1 for r in dataprep.values() if r == reason),
                "also_by_datatrove": sum(1 for k in both if dataprep[k] == reason),
            }
            for reason in reasons
        },
        f"dataprep_only_under_{ngram}_words": sum(1 for k in only_ours if words[k] < ngram),
    }


def summary(results: dict) -> str:
    """A markdown table of the medians and one sentence, from a results JSON of this script."""
    rows = {(r["pipeline"], r["procs"]): r for r in results["results"]}
    procs = results["procs"]
    repeats = results["repeats"]
    overlaps = {(o["variant"], o["procs"]): o for o in results["overlap"]}
    corpus = results["corpus"]
    top = max(procs)
    header = "| pipeline | " + " | ".join(f"{p} process{'es' if p > 1 else ''}" for p in procs)
    lines = [
        header + " | removed ids |",
        "|---" * (len(procs) + 2) + "|",
    ]
    dataprep_removed = rows[("dataprep", top)]["removed"]
    lines.append(
        f"| `dataprep filter -c {results['parameters']['dataprep']['recipe']}` | "
        + " | ".join(f"{rows[('dataprep', p)]['median_s']:.2f} s" for p in procs)
        + f" | {dataprep_removed:,} |"
    )
    for variant in results["variants"]:
        cells = []
        for p in procs:
            theirs = rows[(f"datatrove-{variant}", p)]["median_s"]
            ratio = theirs / rows[("dataprep", p)]["median_s"]
            cells.append(f"{theirs:.2f} s ({ratio:.1f}x)")
        removed = rows[(f"datatrove-{variant}", top)]["removed"]
        lines.append(f"| {VARIANTS[variant]} | " + " | ".join(cells) + f" | {removed:,} |")
    first = results["variants"][0]
    ratio = rows[(f"datatrove-{first}", top)]["median_s"] / rows[("dataprep", top)]["median_s"]
    o = overlaps[(first, top)]
    parameters = results["parameters"]["datatrove"]
    sentence = (
        f"On {corpus['docs']:,} documents ({corpus['name']} corpus, "
        f"{corpus['text_bytes'] / 1e6:.1f} MB of text), median of {repeats} "
        f"run{'s' if repeats > 1 else ''} back to back on "
        f"{results['machine']['cpus']} cores, word {parameters['ngram']}-grams, "
        f"{parameters['bands']} bands x {parameters['rows']} rows: dataprep at {top} "
        f"processes is {ratio:.1f}x faster than {VARIANTS[first]} at {top} workers "
        "(the ratio in brackets is datatrove's time over dataprep's). "
        f"Removed ids: dataprep {o['dataprep_removed']:,} (exact and near duplicates), "
        f"datatrove {o['datatrove_removed']:,}, both {o['both']:,} (Jaccard {o['jaccard']:.2f})."
    )
    return "\n".join(lines) + "\n\n" + sentence


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--setup", action="store_true", help="Create the peers venv and exit.")
    parser.add_argument("--venv", type=Path, default=VENV)
    parser.add_argument("--corpus", default="debian", help="debian, resampled or a JSONL path.")
    parser.add_argument("--docs", type=int, default=None, help="Keep the first N documents.")
    parser.add_argument("--refresh-debian", action="store_true")
    parser.add_argument("--procs", default="1,2", help="Process counts (tasks = workers).")
    parser.add_argument(
        "--variants", default="whitespace,spacy", help=f"datatrove variants: {', '.join(VARIANTS)}"
    )
    parser.add_argument(
        "--banding", default=None, help="datatrove BANDSxROWS (default: dataprep's)."
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=BENCH / "results/peers.json")
    parser.add_argument("--print-summary", type=Path, default=None, metavar="JSON")
    args = parser.parse_args()
    if args.print_summary:
        print(summary(json.loads(args.print_summary.read_text())))
        return
    if args.setup:
        print(json.dumps(setup(args.venv), indent=2))
        return
    if not venv_python(args.venv).exists():
        raise SystemExit(f"no peers venv at {args.venv}: run {Path(__file__).name} --setup first")
    variants = args.variants.split(",")
    for variant in variants:
        if variant not in VARIANTS:
            raise SystemExit(f"unknown variant {variant!r}; choose from {', '.join(VARIANTS)}")
    procs = [int(p) for p in args.procs.split(",")]
    ours = recipe_parameters()
    banding = (
        tuple(int(x) for x in args.banding.lower().split("x"))
        if args.banding
        else (ours["bands"], ours["rows"])
    )
    load_start = os.getloadavg()
    scratch = Path(tempfile.mkdtemp(prefix="dataprep-peers-"))
    try:
        corpus, corpus_meta = load_corpus(args, scratch)
        records = read_corpus(corpus)
        ids = [key for key, _, _ in records]
        words = {key: len(text.split()) for key, text, _ in records}
        lines = [line for _, _, line in records]
        shards = {p: write_shards(lines, p, scratch / f"input-{p}") for p in procs}
        warm = write_lines(lines[:WARMUP_DOCS], scratch / "warmup.jsonl")
        warm_shards = write_shards(lines[:WARMUP_DOCS], max(procs), scratch / "warmup-shards")
        del records, lines
        names = ["dataprep"] + [f"datatrove-{v}" for v in variants]

        def measure(name: str, p: int, corpus_file: Path, shard_dir: Path) -> dict:
            tag = f"{name}-{p}"
            if name == "dataprep":
                seconds, removed = run_dataprep(corpus_file, p, scratch / tag)
                return {"seconds": seconds, "removed": removed}
            variant = name.removeprefix("datatrove-")
            seconds, stages, removed = run_datatrove(
                args.venv, shard_dir, p, variant, banding, ours["ngram"], ids, scratch / tag
            )
            return {"seconds": seconds, "stages_s": stages, "removed": removed}

        for name in names:  # untimed: compiled caches, imports, page cache
            measure(name, max(procs), warm, warm_shards)
        runs, removed_sets = [], {}
        for repeat in range(args.repeats):
            for p in procs:
                for name in names:
                    load = os.getloadavg()[0]
                    got = measure(name, p, corpus, shards[p])
                    removed_sets.setdefault((name, p), []).append(got["removed"])
                    run = {"pipeline": name, "procs": p, "repeat": repeat, "load1_before": load}
                    run["seconds"] = round(got["seconds"], 3)
                    if "stages_s" in got:  # the rest: interpreter, imports, pools, Manager
                        run["stages_s"] = got["stages_s"]
                        outside = got["seconds"] - sum(got["stages_s"].values())
                        run["outside_stages_s"] = round(outside, 3)
                    run["removed"] = len(got["removed"])
                    runs.append(run)
                    print(
                        f"{time.strftime('%H:%M:%S')} repeat {repeat} {name} x{p}: "
                        f"{got['seconds']:.2f} s, "
                        f"{len(got['removed']):,} removed",
                        file=sys.stderr,
                    )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    results = []
    for name in names:
        for p in procs:
            seconds = [r["seconds"] for r in runs if r["pipeline"] == name and r["procs"] == p]
            sets = removed_sets[(name, p)]
            first = sets[0] if name == "dataprep" else set(sets[0])
            results.append(
                {
                    "pipeline": name,
                    "procs": p,
                    **_spread(seconds),
                    "removed": len(first),
                    "same_removed_ids_every_repeat": all(s == sets[0] for s in sets),
                }
            )
    by = {(r["pipeline"], r["procs"]): r for r in results}
    ratios, overlaps = [], []
    for variant in variants:
        for p in procs:
            theirs = by[(f"datatrove-{variant}", p)]["median_s"]
            ratios.append(
                {
                    "variant": variant,
                    "procs": p,
                    "datatrove_over_dataprep": round(theirs / by[("dataprep", p)]["median_s"], 2),
                }
            )
            entry = overlap(
                removed_sets[("dataprep", p)][0],
                removed_sets[(f"datatrove-{variant}", p)][0],
                words,
                ours["ngram"],
            )
            overlaps.append({"variant": variant, "procs": p, **entry})
    stable = {
        name: all(removed_sets[(name, p)][0] == removed_sets[(name, procs[0])][0] for p in procs)
        for name in names
    }
    bands, rows = banding
    report = {
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "commit": _commit(),
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "usable_cpus": len(os.sched_getaffinity(0)),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "load_average": {"start": list(load_start), "end": list(os.getloadavg())},
        "env": THREAD_ENV,
        "versions": {"dataprep": dataprep_versions(), "datatrove": peer_versions(args.venv)},
        "corpus": corpus_meta,
        "parameters": {
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
        },
        "differences": differences(ours, banding),
        "repeats": args.repeats,
        "procs": procs,
        "variants": variants,
        "results": results,
        "ratios": ratios,
        "overlap": overlaps,
        "same_removed_ids_at_every_process_count": stable,
        "runs": runs,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(summary(report))


def _commit() -> str | None:
    head = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    return (head + ("-dirty" if dirty else "")) or None


if __name__ == "__main__":
    main()
