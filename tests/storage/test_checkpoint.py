"""Interrupted runs: checkpoints, --resume giving byte-identical output, refusals, Ctrl-C."""

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO, shared_file

from dataprep.dedup.exact import ExactDedup
from dataprep.dedup.minhash import MinHashDedup
from dataprep.errors import OutputError
from dataprep.pipeline import Pipeline
from dataprep.quality.simple import LengthFilter
from dataprep.settings import RunSettings
from dataprep.storage.checkpoint import explain_change, strip_timing, write_restart


def assert_same_output(a: Path, b: Path) -> None:
    """Byte-identical files, except stats.json's timing fields (checkpoint.TIMING_FIELDS)."""
    files = sorted(p.relative_to(a) for p in a.rglob("*"))
    assert files == sorted(p.relative_to(b) for p in b.rglob("*"))
    for relative in files:
        if (a / relative).is_dir():
            continue
        if relative.name == "stats.json":
            left, right = (json.loads((d / relative).read_text()) for d in (a, b))
            assert strip_timing(left) == strip_timing(right)
        else:
            assert (a / relative).read_bytes() == (b / relative).read_bytes(), relative


def test_explain_change_names_what_changed():
    old = {
        "dataprep_version": "1",
        "stages": [{"name": "minhash_dedup", "version": 1, "params": {"threshold": 0.8}}],
        "inputs": [{"file": "x.jsonl", "fingerprint": "a"}],
        "batch_rows": 10,
    }
    assert explain_change(old, old) is None
    new = json.loads(json.dumps(old))
    new["stages"][0]["params"]["threshold"] = 0.85
    assert explain_change(old, new) == "the config changed: minhash_dedup threshold 0.8 -> 0.85"
    new = json.loads(json.dumps(old))
    new["inputs"][0]["fingerprint"] = "b"
    assert explain_change(old, new) == "input x.jsonl changed"
    new = {**old, "batch_rows": 20}
    assert explain_change(old, new) == "the batch_rows changed: 10 -> 20"


def test_strip_timing_and_write_restart():
    assert strip_timing({"a": {"seconds": 1, "rows_in": 2}}) == {"a": {"rows_in": 2}}
    parts = {"data": [{"next_batch": 5, "next_row": 3}], "rejected": []}
    assert write_restart(parts) == (0, {"data": (5, 3), "rejected": (0, 0)})
    parts["rejected"] = [{"next_batch": 7, "next_row": 0}]
    assert write_restart(parts) == (5, {"data": (5, 3), "rejected": (7, 0)})


class Crash(RuntimeError):
    pass


class CrashingDedup(ExactDedup):
    """exact_dedup that raises on its N-th transformed batch (the process 'dies' mid-run).
    With 20 batches, calls 1-20 are in the MinHash fit pass and 21-40 in the writing pass."""

    name = "exact_dedup"
    crash_at = -1
    calls = 0

    def transform_batch(self, batch):
        CrashingDedup.calls += 1
        if CrashingDedup.calls == CrashingDedup.crash_at:
            raise Crash("simulated crash")
        return super().transform_batch(batch)


def pipeline(threshold=0.8, crash_at=-1):
    CrashingDedup.calls, CrashingDedup.crash_at = 0, crash_at
    stages = [LengthFilter(min_words=50), CrashingDedup(), MinHashDedup(threshold=threshold)]
    return Pipeline(stages, settings=RunSettings(batch_rows=64, max_shard_bytes=48 << 10))


@pytest.mark.parametrize("crash_at", [5, 20, 22, 31, 40])  # fit pass, then the writing pass
def test_a_crashed_run_resumes_to_identical_output(tmp_path, sample_corpus, crash_at):
    pipeline().run([str(sample_corpus)], tmp_path / "full")
    with pytest.raises(Crash):
        pipeline(crash_at=crash_at).run([str(sample_corpus)], tmp_path / "out")
    tmp = tmp_path / ".out.dataprep-tmp"
    assert (tmp / "resume.json").exists()  # kept for --resume
    result = pipeline().run([str(sample_corpus)], tmp_path / "out", resume=True)
    assert result.rows_in == 1278
    assert not tmp.exists()
    assert_same_output(tmp_path / "full", tmp_path / "out")


def test_resume_refuses_a_changed_config_or_input(tmp_path, sample_corpus):
    source = tmp_path / "in.jsonl.gz"
    source.write_bytes(sample_corpus.read_bytes())
    with pytest.raises(Crash):
        pipeline(crash_at=25).run([str(source)], tmp_path / "out")
    with pytest.raises(
        OutputError,
        match=r"cannot resume: the config changed: minhash_dedup "
        r"threshold 0.8 -> 0.85; rerun without resume=True to start over",
    ):
        pipeline(threshold=0.85).run([str(source)], tmp_path / "out", resume=True)
    source.write_bytes(sample_corpus.read_bytes() + b"")
    os.utime(source)
    with open(source, "ab") as f:
        f.write(b"\x1f\x8b")  # the file changed (a byte appended)
    with pytest.raises(OutputError, match=r"cannot resume: input in.jsonl.gz changed"):
        pipeline().run([str(source)], tmp_path / "out", resume=True)


def test_without_resume_a_leftover_temp_folder_is_replaced(tmp_path, sample_corpus, caplog):
    with pytest.raises(Crash):
        pipeline(crash_at=25).run([str(sample_corpus)], tmp_path / "out")
    with caplog.at_level("WARNING", logger="dataprep"):
        pipeline().run([str(sample_corpus)], tmp_path / "out")
    assert "replacing" in caplog.text and "(resume=True, or --resume on the" in caplog.text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


# ---- real processes: SIGKILL at 20 points, Ctrl-C ---------------------------------------------


def corpus_and_recipe(tmp_path):
    """About 2,000 real documents (DCLM pages and AG News), small batches and shards, the
    default filter recipe (quality rules, exact and MinHash dedup: two fit passes)."""
    import gzip

    records = []
    for name, count in [
        (("dclm_quality_annotations", "dclm_quality_majority.jsonl.gz"), 499),
        (("ag_news", "ag_news_test.jsonl.gz"), 1500),
    ]:
        with gzip.open(shared_file(*name), "rt", encoding="utf-8") as f:
            for line, _ in zip(f, range(count), strict=False):
                record = json.loads(line)
                records.append({"id": record["id"], "text": record["text"]})
    source = tmp_path / "mix.jsonl.gz"
    with gzip.open(source, "wt", encoding="utf-8") as f:
        f.writelines(json.dumps(r) + "\n" for r in records)
    recipe = tmp_path / "r.yaml"
    default = (REPO / "configs" / "filter" / "default.yaml").read_text()
    recipe.write_text(default + "batch_rows: 64\nmax_shard_bytes: 32768\n")
    return source, recipe


def dataprep(*args, env=None, **kwargs):
    command = [sys.executable, "-m", "dataprep", "filter", *map(str, args), "-q"]
    return subprocess.Popen(
        command, cwd=REPO, env={**os.environ, **(env or {})}, stderr=subprocess.PIPE, **kwargs
    )


@pytest.mark.slow
def test_sigkill_at_random_times_then_resume_gives_identical_output(tmp_path):
    source, recipe = corpus_and_recipe(tmp_path)
    start = time.perf_counter()
    assert dataprep(source, "-o", tmp_path / "full", "-c", recipe).wait() == 0
    duration = time.perf_counter() - start
    rng = random.Random(7)
    # 8 times drawn across the run, on real documents (the named checkpoints are each killed
    # at in tests/storage/test_resume_generated.py, which needs no shared data).
    points = [("time", rng.uniform(0.3, 1.0) * duration) for _ in range(8)]
    killed = 0
    for index, (kind, when) in enumerate(points):
        out = tmp_path / f"o{index}"
        if kind == "time":
            process = dataprep(source, "-o", out, "-c", recipe)
            try:
                process.wait(timeout=when)
            except subprocess.TimeoutExpired:
                process.send_signal(signal.SIGKILL)
                process.wait()
        else:
            env = {"DATAPREP_CRASH_AT": f"{kind}:{when}"}
            process = dataprep(source, "-o", out, "-c", recipe, env=env)
            assert process.wait() == -signal.SIGKILL
        if process.returncode == -signal.SIGKILL:
            killed += 1
            resumed = dataprep(source, "-o", out, "-c", recipe, "--resume")
            assert resumed.wait() == 0, resumed.stderr.read().decode()
        assert_same_output(tmp_path / "full", out)
    assert killed >= 5


def children_of(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def running(pid: int) -> bool:
    """The process exists and is not a zombie."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.slow
def test_ctrl_c_stops_cleanly_and_says_how_to_resume(tmp_path):
    source, recipe = corpus_and_recipe(tmp_path)
    out = tmp_path / "out"
    process = dataprep(source, "-o", out, "-c", recipe, "--num-proc", "2")
    deadline = time.monotonic() + 60
    while len(children_of(process.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    workers = children_of(process.pid)
    assert len(workers) >= 2, "the worker pool never started"
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=60) == 130
    message = process.stderr.read().decode().strip().splitlines()
    assert message[-1].startswith("Interrupted;") and "--resume" in message[-1]
    assert "Traceback" not in "\n".join(message)
    deadline = time.monotonic() + 10  # the resource tracker exits a moment after the driver
    while [pid for pid in workers if running(pid)] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in workers if running(pid)], "orphaned worker processes"
    assert (tmp_path / ".out.dataprep-tmp" / "resume.json").exists()
    resumed = dataprep(source, "-o", out, "-c", recipe, "--resume")
    assert resumed.wait() == 0
    assert json.loads((out / "manifest.json").read_text())["rows_in"] == 1999
