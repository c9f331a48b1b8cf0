"""benchmarks/bench_minhash.py (and its minhash_methods.py, minhash_report.py): the README text
is rendered from a report, never typed by hand."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

import bench_minhash  # noqa: E402
import minhash_methods  # noqa: E402
import minhash_report  # noqa: E402


def _run(seconds, hashing=None, **extra):
    return {
        "seconds": seconds,
        "hashing_seconds": hashing,
        "cpu_seconds": 0.99 * seconds,
        "peak_rss_mb": 100.0,
        **extra,
    }


def hand_made_report() -> dict:
    fit = {"candidate_pairs": 1234, "verified_pairs": 1200, "rows_rejected": 600}
    fit["bands_rows"] = [14, 9]
    runs = {
        "dataprep": [_run(1.0), _run(1.1), _run(0.9)],
        "dataprep_fit": [
            _run(s, map_seconds=0.75 * s, lsh_cluster_seconds=0.25 * s, **fit)
            for s in (2.0, 2.2, 1.8)
        ],
        "datasketch_loop": [_run(100.0, 95.0), _run(110.0, 104.0), _run(90.0, 85.0)],
        "datasketch_bulk": [_run(10.0, 5.0), _run(11.0, 6.0), _run(9.0, 4.0)],
        "rensa_matrix": [_run(4.0, 0.5), _run(4.4, 0.6), _run(3.6, 0.4)],
        "rensa_rho": [_run(3.8, 0.1), _run(4.0, 0.1), _run(3.6, 0.1)],
    }
    results = minhash_report.aggregate(runs, docs=10_000, mb=20.0)
    return {
        "command": "python benchmarks/bench_minhash.py --docs 10000",
        "commit": "abc1234",
        "tree_dirty": False,
        "machine": {"cpu_count": 2, "load_average_start": [0.1], "load_average_end": [1.0]},
        "versions": {"datasketch": "2.0.0", "rensa": "0.5.0", "xxhash": "4.1.0", "numba": "0.6"},
        "settings": {"repeats": 3, "warmup_docs": 50},
        "corpus": {
            "docs": 10_000,
            "description": bench_minhash.describe_corpus(10_000, 9_703, 20.0),
        },
        "shingle_check": {"distinct_documents": 9_703, "shingle_count_differs": 1},
        "results": results,
        "dataprep_speedup": minhash_report.speedups(results),
    }


def test_summary_renders_table_and_sentences_from_the_report():
    text = minhash_report.summary(hand_made_report())
    rows = {line.split(" | ")[0]: line for line in text.splitlines() if line.startswith("| ")}
    bulk = rows["| datasketch `MinHash.bulk`, `hashfunc=xxhash.xxh32_intdigest`"]
    # median 10 s (9-11), 20 MB / 10 s, 10,000 docs / 10 s, hashing 5 s, ratio 10 / 1.
    assert (
        "| 10.0 (9.00-11.0) | 2.00 | 1,000 | 5.00 | 100 MB | 10.0x faster | 5.0x faster |" in bulk
    )
    ours = rows[
        "| dataprep batch kernel (`minhash_kernels.signatures`: lowercase, tokenize, "
        "shingle and hash from Arrow buffers)"
    ]
    assert "| 1.00 (0.90-1.10) | 20.0 | 10,000 | - |" in ours
    assert (
        "| 4.0x faster | 2.0x slower |"
        in rows["| rensa `RMinHash.digest_matrix_from_token_sets` (batch)"]
    )
    flat = " ".join(text.split())
    assert "10,000 real documents (20.0 MB): the 9,703 of `corpora.real_documents()` once" in flat
    assert "Median of 3 runs per method" in flat
    assert "load average 0.10 at the start and 1.00 at the end" in flat
    # The rho sketch is reported but is not the fastest full-set baseline.
    assert (
        "The fastest full-set baseline end to end is rensa's "
        "`RMinHash.digest_matrix_from_token_sets`: 5.00 MB/s against 20.0 MB/s for dataprep's "
        "kernel, which is 4.0x faster than it (3.3x-4.9x faster over the runs)." in flat
    )
    assert (
        "dataprep's kernel, which tokenizes and shingles too, is 2.0x slower than that "
        "(1.5x-2.8x slower over the runs)" in flat
    )
    assert "(the Python shingling was 88% of its end-to-end time)" in flat
    assert "not counted as a full-set baseline" in flat
    assert "1,234 candidate pairs of which 1,200 were verified" in flat
    assert "on 9,702 of the 9,703 distinct documents" in flat
    assert "at most 0.99 (one thread per method)" in flat


def test_print_summary_reads_a_report_file(tmp_path):
    report = hand_made_report()
    path = tmp_path / "minhash.json"
    path.write_text(json.dumps(report))
    script = REPO / "benchmarks" / "bench_minhash.py"
    for flag, render in (("--print-summary", minhash_report.summary), ("--print-headline", None)):
        out = subprocess.run(
            [sys.executable, str(script), flag, str(path)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        expected = render(report) if render else minhash_report.headline(report)
        assert out == expected + "\n"
    assert "10.0x faster than datasketch's `MinHash.bulk` with xxhash" in out


def test_every_method_gets_the_same_documents_and_shingles():
    pool = [f"doc {i}" for i in range(10)]
    assert bench_minhash.select_documents(pool, 10) == pool
    assert bench_minhash.select_documents(pool, 4) == ["doc 0", "doc 2", "doc 5", "doc 7"]
    assert bench_minhash.select_documents(pool, 25) == pool + pool + [
        "doc 0",
        "doc 2",
        "doc 4",
        "doc 6",
        "doc 8",
    ]
    assert sorted(minhash_methods.shingles("A b C d e F")) == ["a b c d e", "b c d e f"]
    assert minhash_methods.shingles("Two  Words") == ["two words"]  # short: one shingle
    assert minhash_methods.byte_shingles("x") == [b"x"]


def test_the_readme_section_comes_from_the_committed_report():
    report = json.loads((REPO / "benchmarks/results/minhash.json").read_text())
    if "dataprep_speedup" not in report:
        pytest.skip("benchmarks/results/minhash.json predates summary(): rerun the benchmark")
    readme = " ".join((REPO / "benchmarks/README.md").read_text().split())
    assert " ".join(minhash_report.summary(report).split()) in readme
