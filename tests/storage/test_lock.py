"""One run at a time per output folder (dataprep.storage.lock)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from dataprep.cli import main
from dataprep.errors import OutputError
from dataprep.storage.lock import OutputLock


def test_a_second_holder_is_refused_with_the_first_ones_process(tmp_path):
    first = OutputLock(tmp_path / "out")
    first.acquire()
    assert first.held and first.path == tmp_path / ".out.dataprep-lock"
    with pytest.raises(OutputError, match=rf"out: another dataprep run \(process {os.getpid()}\)"):
        OutputLock(tmp_path / "out").acquire()
    OutputLock(tmp_path / "other").acquire()  # another folder is free
    first.release()
    assert not first.held and not first.path.exists()
    second = OutputLock(tmp_path / "out")
    second.acquire()
    second.release()


def test_a_killed_holder_leaves_no_stale_lock(tmp_path):
    code = (
        "import sys, time; from dataprep.storage.lock import OutputLock; "
        f"OutputLock({str(tmp_path / 'out')!r}).acquire(); print('held', flush=True); "
        "time.sleep(60)"
    )
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(OutputError, match=f"process {holder.pid}"):
            OutputLock(tmp_path / "out").acquire()
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    lock = OutputLock(tmp_path / "out")
    lock.acquire()  # the kernel released the dead holder's lock; its file is reused
    lock.release()


def test_a_lock_file_removed_after_opening_is_opened_again(tmp_path, monkeypatch):
    lock = OutputLock(tmp_path / "out")
    real_open = os.open
    calls = []

    def open_then_lose_it(path, flags, mode=0o777):
        fd = real_open(path, flags, mode)
        calls.append(path)
        if len(calls) == 1:
            os.unlink(path)  # as a previous holder's release would, just after our open
        return fd

    monkeypatch.setattr(os, "open", open_then_lose_it)
    lock.acquire()
    assert len(calls) == 2 and lock.path.exists()
    lock.release()


def test_a_second_filter_run_into_the_same_output_is_one_line(tmp_path):
    data = tmp_path / "in.jsonl"
    data.write_text('{"text": "one two three"}\n')
    holder = OutputLock(tmp_path / "out")
    holder.acquire()
    try:
        result = CliRunner().invoke(main, ["filter", str(data), "-o", str(tmp_path / "out")])
    finally:
        holder.release()
    assert result.exit_code != 0
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "another dataprep run" in lines[0], result.output
    assert not (tmp_path / ".out.dataprep-tmp").exists() and not (tmp_path / "out").exists()
    ok = CliRunner().invoke(main, ["filter", str(data), "-o", str(tmp_path / "out")])
    assert ok.exit_code == 0, ok.output
    assert not (tmp_path / ".out.dataprep-lock").exists()  # released after the run


def test_two_concurrent_cli_runs_one_refused_one_complete(tmp_path):
    data = tmp_path / "in.jsonl"
    data.write_text("".join(f'{{"text": "document number {i} here"}}\n' for i in range(60000)))
    command = [sys.executable, "-m", "dataprep", "filter", str(data), "-o", str(tmp_path / "out")]
    command += ["-c", "configs/filter/dedup.yaml", "--quiet"]
    first = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while not (tmp_path / ".out.dataprep-lock").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    second = subprocess.run(command, stderr=subprocess.PIPE, text=True)
    first_err = first.communicate()[1]
    assert first.returncode == 0, first_err
    assert second.returncode != 0
    assert "another dataprep run" in second.stderr and "Traceback" not in second.stderr
    assert len((tmp_path / "out" / "stats.json").read_text()) > 0
