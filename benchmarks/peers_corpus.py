"""The corpora of ``bench_peers.py``: the Debian package descriptions (built from apt's package
indexes, cached in benchmarks/.cache/debian), the resampled corpus of ``corpora.py``, or any JSONL
file; reading them, and writing them as the one file dataprep reads and the per-task shards
datatrove reads.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEBIAN_CACHE = REPO / "benchmarks" / ".cache" / "debian"


def deb822_stanzas(text: str) -> list[dict[str, str]]:
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


def plain_description(value: str) -> str:
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
        for stanza in deb822_stanzas(text):
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
            text = plain_description(value)
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
