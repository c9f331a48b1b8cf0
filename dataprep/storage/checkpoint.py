"""Resumable runs: a fingerprint of the run and checkpoints in its temporary folder.

A run builds its output in ``.OUT.dataprep-tmp`` beside OUT and renames it into place when
complete. That folder holds, while the run is going on:

    resume.json           the run's fingerprint: dataprep version, resolved config, every
                          stage's name, version and params, input fingerprints, batch_rows,
                          max_shard_bytes, shard_format, on_error, max_text_bytes, text/id column
    checkpoints/fit-K.*   after the whole-corpus fit pass of stage K: the fitted stage (pickle),
                          then a JSON done-marker naming the decision log that goes with it
    checkpoints/W-N.*     in the writing pass, when part N of writer W (data or rejected) is
                          complete: a JSON marker (part, rows, bytes, sha256, the input batch
                          and the rows of it the part had consumed) and the run's stats as they
                          were at the start of that batch (pickle)
    checkpoints/written.pkl  the writing pass is over: both writers' parts and the stats

``--resume`` refuses, naming what changed, when the fingerprint differs. Otherwise it reloads
the last fitted stage whose marker is there (a fit pass cut short is run again from its start),
and restarts the writing pass at batch B, the earliest batch in which a still-open part of
either writer began: each writer keeps its complete parts, skips the rows those parts already
hold and writes the rest as before. Because batches, stage outputs and shard boundaries depend
only on the data and the fingerprinted settings, the output is byte-identical to an
uninterrupted run. Timing fields (``TIMING_FIELDS``) are the only exception.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
import signal
from collections import Counter
from pathlib import Path
from typing import Any

TIMING_FIELDS = ("seconds",)  # stats.json: per stage (and 'input'); wall-clock dependent
FINGERPRINT_FILE = "resume.json"
WRITERS = ("data", "rejected")


CRASH_ENV = "DATAPREP_CRASH_AT"
_reached: Counter = Counter()


def crash_point(name: str) -> None:
    """Test hook: when the environment variable DATAPREP_CRASH_AT is 'NAME:N', SIGKILL this
    process the N-th time it reaches point NAME (fit_done, part_saved, batch_written, written,
    before_rename). Does nothing otherwise."""
    wanted = os.environ.get(CRASH_ENV)
    if not wanted:
        return
    _reached[name] += 1
    point, _, count = wanted.partition(":")
    if point == name and _reached[name] == int(count or 1):
        os.kill(os.getpid(), signal.SIGKILL)


def strip_timing(stats: Any) -> Any:
    """``stats`` (a loaded stats.json) without its timing fields, for comparisons."""
    if isinstance(stats, dict):
        return {k: strip_timing(v) for k, v in stats.items() if k not in TIMING_FIELDS}
    if isinstance(stats, list):
        return [strip_timing(v) for v in stats]
    return stats


def _atomic_write(path: Path, data: bytes) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(data)
    os.replace(partial, path)


def _json_bytes(data: Any) -> bytes:
    return (json.dumps(data, indent=2, default=_plain) + "\n").encode()


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    return str(value)


def normalize(data: Any) -> Any:
    """``data`` as it reads back from JSON (tuples become lists, paths strings)."""
    return json.loads(json.dumps(data, default=_plain))


def explain_change(old: dict, new: dict) -> str | None:
    """One clause saying what differs between two fingerprints; None when they are equal."""
    if old == new:
        return None
    if old.get("dataprep_version") != new.get("dataprep_version"):
        return (
            f"the dataprep version changed: {old.get('dataprep_version')} -> "
            f"{new.get('dataprep_version')}"
        )
    old_stages, new_stages = old.get("stages", []), new.get("stages", [])
    if [s["name"] for s in old_stages] != [s["name"] for s in new_stages]:
        names = [s["name"] for s in old_stages], [s["name"] for s in new_stages]
        return f"the config changed: stages {names[0]} -> {names[1]}"
    for before, after in zip(old_stages, new_stages, strict=True):
        if before["version"] != after["version"]:
            return f"the {before['name']} stage changed: version {before['version']} -> " + str(
                after["version"]
            )
        for key in sorted(set(before["params"]) | set(after["params"])):
            if before["params"].get(key) != after["params"].get(key):
                return (
                    f"the config changed: {before['name']} {key} "
                    f"{before['params'].get(key)!r} -> {after['params'].get(key)!r}"
                )
    old_inputs = {i["file"]: i for i in old.get("inputs", [])}
    new_inputs = {i["file"]: i for i in new.get("inputs", [])}
    if list(old_inputs) != list(new_inputs):
        return f"the input files changed: {list(old_inputs)} -> {list(new_inputs)}"
    for name, before in old_inputs.items():
        if before != new_inputs[name]:
            return f"input {name} changed"
    for key in sorted(set(old) | set(new)):
        if old.get(key) != new.get(key):
            return f"the {key} changed: {old.get(key)!r} -> {new.get(key)!r}"
    return None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class RunState:
    """The checkpoints of one run, in ``tmp_dir``."""

    def __init__(self, tmp_dir: Path) -> None:
        self.tmp_dir = tmp_dir
        self.dir = tmp_dir / "checkpoints"

    # -- fingerprint ---------------------------------------------------------------------------

    def start(self, fingerprint: dict) -> None:
        """A fresh run: record its fingerprint."""
        self.dir.mkdir(parents=True, exist_ok=True)
        _atomic_write(self.tmp_dir / FINGERPRINT_FILE, _json_bytes(fingerprint))

    def change_from(self, fingerprint: dict) -> str | None:
        """Why this folder cannot be resumed with ``fingerprint``; None when it can."""
        path = self.tmp_dir / FINGERPRINT_FILE
        if not path.exists():
            return "the temporary folder holds no resume.json"
        return explain_change(json.loads(path.read_text()), normalize(fingerprint))

    def finish(self) -> None:
        """Remove everything that is not output (resume.json last)."""
        shutil.rmtree(self.dir, ignore_errors=True)
        shutil.rmtree(self.tmp_dir / "work", ignore_errors=True)
        (self.tmp_dir / FINGERPRINT_FILE).unlink(missing_ok=True)

    # -- fit passes ----------------------------------------------------------------------------

    def save_fit(self, index: int, stage: Any, log: dict | None, seconds: list[float]) -> bool:
        """Checkpoint the fitted stage ``index``; False when it cannot be pickled (then a
        resumed run fits it again)."""
        try:
            data = pickle.dumps(stage, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # an unpicklable fitted stage: no checkpoint, nothing else changes
            return False
        _atomic_write(self.dir / f"fit-{index}.pkl", data)
        marker = {"stage": stage.name, "log": log, "seconds": seconds}
        _atomic_write(self.dir / f"fit-{index}.json", _json_bytes(marker))
        crash_point("fit_done")
        return True

    def load_fits(self, fit_indices: list[int]) -> list[tuple[int, Any, dict]]:
        """(index, fitted stage, marker) of the fit passes done, in order, stopping at the first
        pass without a checkpoint."""
        done = []
        for index in fit_indices:
            marker_path = self.dir / f"fit-{index}.json"
            if not marker_path.exists():
                break
            stage = pickle.loads((self.dir / f"fit-{index}.pkl").read_bytes())
            done.append((index, stage, json.loads(marker_path.read_text())))
        return done

    # -- writing pass --------------------------------------------------------------------------

    def save_part(self, writer: str, part: dict, batch: int, consumed: int, state: bytes) -> None:
        """Checkpoint a complete part of ``writer``: the next part starts in input batch
        ``batch`` after ``consumed`` of that batch's rows for this writer; ``state`` is the
        pickled run state (stats) at the start of ``batch``."""
        path = self.tmp_dir / writer / part["part"]
        number = int(part["part"].split("-")[1].split(".")[0])
        _atomic_write(self.dir / f"{writer}-{number:05d}.state.pkl", state)
        marker = {
            **part,
            "bytes": path.stat().st_size,
            "sha256": sha256_of(path),
            "next_batch": batch,
            "next_row": consumed,
        }
        _atomic_write(self.dir / f"{writer}-{number:05d}.json", _json_bytes(marker))
        crash_point("part_saved")

    def load_parts(self, writer: str) -> list[dict]:
        """The complete parts of ``writer`` whose files are intact, in order."""
        parts = []
        while True:
            marker_path = self.dir / f"{writer}-{len(parts):05d}.json"
            if not marker_path.exists():
                return parts
            marker = json.loads(marker_path.read_text())
            path = self.tmp_dir / writer / marker["part"]
            if not path.exists() or path.stat().st_size != marker["bytes"]:
                return parts
            if sha256_of(path) != marker["sha256"]:
                return parts
            parts.append(marker)

    def load_part_state(self, writer: str, number: int) -> bytes:
        return (self.dir / f"{writer}-{number:05d}.state.pkl").read_bytes()

    def save_written(self, state: dict) -> None:
        _atomic_write(self.dir / "written.pkl", pickle.dumps(state))
        crash_point("written")

    def load_written(self) -> dict | None:
        path = self.dir / "written.pkl"
        return pickle.loads(path.read_bytes()) if path.exists() else None


def write_restart(parts: dict[str, list[dict]]) -> tuple[int, dict[str, tuple[int, int]]]:
    """(batch B to restart the writing pass at, per writer the (batch, row) its next part
    starts at); a writer with no complete part starts at (0, 0)."""
    starts = {
        writer: (done[-1]["next_batch"], done[-1]["next_row"]) if done else (0, 0)
        for writer, done in parts.items()
    }
    return min(batch for batch, _ in starts.values()), starts
