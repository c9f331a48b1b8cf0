"""A run killed (SIGKILL) or interrupted (Ctrl-C) at each checkpoint resumes to byte-identical
output, on the generated corpus (tests/generated_corpus.py), so without ../shared/data."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO

from tests.generated_corpus import generated_records, write_jsonl
from tests.storage.test_checkpoint import assert_same_output

# ---- SIGKILL and Ctrl-C, then --resume ---------------------------------------------------------

RECIPE = """\
stages:
  - length_filter: {min_words: 6}
  - exact_dedup: {}
  - minhash_dedup: {threshold: 0.8}
  - length: {unit: words}
batch_rows: 64
max_shard_bytes: 16384
"""

# Runs `dataprep filter` with crash_point() sending SIGINT (a Ctrl-C) instead of SIGKILL at the
# N-th time a point is reached: INTERRUPT_AT='point:N'.
INTERRUPTING_CLI = """\
import os, signal, sys
from collections import Counter
import dataprep.output, dataprep.runners.local_write, dataprep.storage.checkpoint
point, _, count = os.environ.pop("INTERRUPT_AT").partition(":")
seen = Counter()
def interrupt_at(name):
    seen[name] += 1
    if name == point and seen[name] == int(count):
        os.kill(os.getpid(), signal.SIGINT)
for module in (dataprep.output, dataprep.runners.local_write, dataprep.storage.checkpoint):
    module.crash_point = interrupt_at
from dataprep.cli import main
main(prog_name="dataprep")
"""


def filter_command(source, out, recipe, *extra, env=None, interrupt_at=None):
    """A `dataprep filter` subprocess (run_rows 256: the fits spill sorted runs)."""
    if interrupt_at is None:
        command = [sys.executable, "-m", "dataprep"]
    else:
        command = [sys.executable, "-c", INTERRUPTING_CLI]
        env = {**(env or {}), "INTERRUPT_AT": interrupt_at}
    args = ["filter", source, "-o", out, "-c", recipe, "--run-rows", "256", "-q", *extra]
    environment = {k: v for k, v in os.environ.items() if k != "DATAPREP_CRASH_AT"}
    environment.update({"OMP_NUM_THREADS": "1", **(env or {})})
    return subprocess.Popen(
        [*command, *map(str, args)], cwd=REPO, env=environment, stderr=subprocess.PIPE
    )


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory) -> dict:
    """The generated corpus (seed 1, no vectors), the recipe, and an uninterrupted run."""
    folder = tmp_path_factory.mktemp("resume")
    source = write_jsonl(folder / "corpus.jsonl", generated_records(1, 1500, vectors=False))
    recipe = folder / "recipe.yaml"
    recipe.write_text(RECIPE)
    process = filter_command(source, folder / "full", recipe)
    assert process.wait() == 0, process.stderr.read().decode()
    stats = json.loads((folder / "full" / "stats.json").read_text())
    parts = json.loads((folder / "full" / "manifest.json").read_text())["data"]["shards"]
    # Non-trivial: both dedup stages found copies, and the data is written in many parts.
    assert stats["stages"]["exact_dedup"]["rows_rejected"] > 100
    assert stats["stages"]["minhash_dedup"]["rows_rejected"] > 100
    assert len(parts) >= 20
    return {"source": source, "recipe": recipe, "full": folder / "full"}


def resume_to_identical_output(uninterrupted: dict, out: Path) -> int:
    """Resume the interrupted run into ``out`` and compare with the uninterrupted one; returns
    how many checkpointed output parts the resumed run kept as they were (same inode and
    modification time), never rewriting them."""
    temporary = out.parent / f".{out.name}.dataprep-tmp"
    assert not out.exists()
    # kept for --resume: its fingerprint, or (killed just before the rename) the whole output
    assert (temporary / "resume.json").exists() or (temporary / "manifest.json").exists()
    checkpointed = {}
    for marker in sorted((temporary / "checkpoints").glob("*-[0-9][0-9][0-9][0-9][0-9].json")):
        writer, number = marker.stem.split("-")
        part = temporary / writer / json.loads(marker.read_text())["part"]
        checkpointed[writer, int(number)] = (part.stat().st_ino, part.stat().st_mtime_ns)
    resumed = filter_command(uninterrupted["source"], out, uninterrupted["recipe"], "--resume")
    assert resumed.wait() == 0, resumed.stderr.read().decode()
    assert not temporary.exists()
    assert_same_output(uninterrupted["full"], out)
    manifest = json.loads((out / "manifest.json").read_text())
    for (writer, number), identity in checkpointed.items():
        final = out / writer / manifest[writer]["shards"][number]["file"]
        assert (final.stat().st_ino, final.stat().st_mtime_ns) == identity, final
    return len(checkpointed)


# The second fit pass done, a data part checkpointed mid-way, a batch written, the writing pass
# over, the output complete but not yet renamed into place; and the first fit pass done.
# (point, output parts checkpointed by then, at least)
CHECKPOINTS = [
    ("fit_done:1", 0),
    ("fit_done:2", 0),
    ("part_saved:7", 7),
    ("batch_written:11", 1),
    ("written:1", 20),
    ("before_rename:1", 0),
]


@pytest.mark.slow
@pytest.mark.parametrize(("point", "parts"), CHECKPOINTS, ids=[p for p, _ in CHECKPOINTS])
def test_sigkill_at_a_checkpoint_then_resume_gives_identical_output(
    uninterrupted, tmp_path, point, parts
):
    out = tmp_path / "out"
    env = {"DATAPREP_CRASH_AT": point}
    process = filter_command(uninterrupted["source"], out, uninterrupted["recipe"], env=env)
    assert process.wait() == -signal.SIGKILL
    assert resume_to_identical_output(uninterrupted, out) >= parts


def assert_interrupted_cleanly(process: subprocess.Popen) -> None:
    assert process.wait(timeout=120) == 130
    message = process.stderr.read().decode().strip().splitlines()
    assert message[-1].startswith("Interrupted;") and "--resume" in message[-1]
    assert "Traceback" not in "\n".join(message)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("point", "parts"),
    [("part_saved:7", 7)],  # the SIGKILL test covers every checkpoint; Ctrl-C one of them
    ids=["part_saved:7"],
)
def test_ctrl_c_at_a_checkpoint_then_resume_gives_identical_output(
    uninterrupted, tmp_path, point, parts
):
    out = tmp_path / "out"
    process = filter_command(
        uninterrupted["source"], out, uninterrupted["recipe"], interrupt_at=point
    )
    assert_interrupted_cleanly(process)
    assert resume_to_identical_output(uninterrupted, out) >= parts


@pytest.mark.slow
def test_ctrl_c_from_outside_mid_run_then_resume_gives_identical_output(uninterrupted, tmp_path):
    """A real SIGINT from another process, sent once the first fit pass is checkpointed (the
    MinHash fit and the writing pass are still to come)."""
    out = tmp_path / "out"
    process = filter_command(uninterrupted["source"], out, uninterrupted["recipe"])
    marker = tmp_path / ".out.dataprep-tmp" / "checkpoints" / "fit-1.json"
    deadline = time.monotonic() + 120
    while not marker.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    assert marker.exists() and process.poll() is None, "the run ended before it was interrupted"
    process.send_signal(signal.SIGINT)
    assert_interrupted_cleanly(process)
    resume_to_identical_output(uninterrupted, out)
