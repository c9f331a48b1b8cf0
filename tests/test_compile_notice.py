"""The first-use compile message, in fresh processes with their own numba cache folder (the
listener and the cache are per process and per folder)."""

import os
import subprocess
import sys
from pathlib import Path

from dataprep.compile_notice import MESSAGE

REPO = Path(__file__).resolve().parents[1]


def _run(args: list[str], cache: Path, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache), "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, env=env, cwd=cwd, check=True
    )


def test_the_message_shows_on_a_cold_cache_only_and_not_with_quiet(tmp_path):
    (tmp_path / "in.jsonl").write_text('{"text": "a b"}\n{"text": "a b"}\n{"text": "c"}\n')
    (tmp_path / "r.yaml").write_text("stages:\n  - exact_dedup: {}\n")
    command = ["-m", "dataprep", "filter", "in.jsonl", "-c", "r.yaml", "-o"]

    cold = _run([*command, "cold"], tmp_path / "cache", tmp_path)
    assert cold.stderr.splitlines().count(MESSAGE) == 1
    assert MESSAGE not in cold.stdout
    assert "compiled dataprep's kernels in " in cold.stderr  # and how long it took, at the end
    warm = _run([*command, "warm"], tmp_path / "cache", tmp_path)
    assert MESSAGE not in warm.stderr
    assert "compiled dataprep's kernels" not in warm.stderr
    quiet = _run([*command, "quiet", "-q"], tmp_path / "cache-2", tmp_path)
    assert quiet.stderr == ""
    assert list((tmp_path / "cache-2").rglob("*.nbi")), "the quiet run compiled, silently"


SCRIPT = """
import logging
import sys
import numba
import numpy as np
from dataprep.compile_notice import announce_compiles
from dataprep.schedule.draws import fill_identity

logging.basicConfig(level=logging.INFO, format="%(message)s")
announce_compiles()
announce_compiles()

@numba.njit
def not_ours(x):
    return x + 1

not_ours(1)
print("compiled not_ours", file=sys.stderr, flush=True)
fill_identity(np.zeros(3, dtype=np.int64))
fill_identity(np.zeros(3, dtype=np.int32))
print("compiled fill_identity twice", file=sys.stderr, flush=True)
"""


def test_only_dataprep_kernels_count_and_the_message_shows_once(tmp_path):
    (tmp_path / "script.py").write_text(SCRIPT)
    result = _run(["script.py"], tmp_path / "cache", tmp_path)
    assert result.stderr.splitlines() == [
        "compiled not_ours",
        MESSAGE,
        "compiled fill_identity twice",
    ]


STAGE_SCRIPT = """
import time
import numba
import numpy as np
import pyarrow as pa
from dataprep.compile_notice import announce_compiles, compile_seconds
from dataprep.passes import PassPlan, transform
from dataprep.stage import Stage

announce_compiles()

@numba.njit
def slow_to_compile(values):
    total = 0
    for value in values:
        total += value * 3
    return total

class Compiling(Stage):
    name = "compiling"
    def transform_batch(self, batch):
        slow_to_compile(np.arange(4))
        time.sleep(0.2)
        return batch

batch = pa.record_batch({"text": ["a"]})
_, seconds = transform(PassPlan([Compiling()], [False]), batch)
print(compile_seconds(), seconds[0])
"""


def test_a_stage_is_not_charged_for_compiling(tmp_path):
    done = _run(["-c", STAGE_SCRIPT], tmp_path / "cache", tmp_path)
    compiled, charged = (float(x) for x in done.stdout.split())
    assert compiled > 0.05  # numba compiled the function (a cold cache folder)
    assert 0.2 <= charged < 0.2 + compiled / 2
