"""benchmarks/bench_peers.py (and its peers_corpus.py, peers_runs.py): the corpus helpers, the
comparison of removed ids and the summary rendered from a report; no pipeline is run."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

import bench_peers  # noqa: E402
import peers_corpus  # noqa: E402
import peers_runs  # noqa: E402


def test_debian_stanzas_and_descriptions_become_plain_text():
    text = (
        "Package: a\nDescription-md5: 1\nDescription-en: synopsis\n first line\n .\n"
        "  indented\n\nPackage: b\nDescription: short\n"
    )
    stanzas = peers_corpus.deb822_stanzas(text)
    assert [s["Package"] for s in stanzas] == ["a", "b"]
    assert stanzas[0]["Description-en"] == "synopsis\n first line\n .\n  indented"
    assert peers_corpus.plain_description(stanzas[0]["Description-en"]) == (
        "synopsis\nfirst line\n\n indented"
    )


def test_corpus_files_round_trip_and_shard_contiguously(tmp_path):
    lines = [json.dumps({"id": i, "text": f"doc {i}"}) + "\n" for i in range(5)]
    path = peers_corpus.write_lines(lines, tmp_path / "c.jsonl")
    assert [key for key, _, _ in peers_corpus.read_corpus(path)] == ["0", "1", "2", "3", "4"]
    folder = peers_corpus.write_shards(lines, 2, tmp_path / "shards")
    parts = [p.read_text().splitlines(keepends=True) for p in sorted(folder.iterdir())]
    assert parts == [lines[:2], lines[2:]]
    peers_corpus.write_lines([*lines, lines[0]], path)
    with pytest.raises(SystemExit, match="occurs twice"):
        peers_corpus.read_corpus(path)


def test_overlap_counts_removed_ids_by_reason():
    ours = {"a": "exact_dedup", "b": "minhash_dedup", "c": "minhash_dedup"}
    got = bench_peers.overlap(ours, {"b", "d"}, {"a": 3, "b": 9, "c": 2, "d": 9}, 5)
    assert got["both"] == 1 and got["jaccard"] == 0.25
    assert got["dataprep_only"] == 2 and got["datatrove_only"] == 1
    assert got["dataprep_by_reason"]["minhash_dedup"] == {"removed": 2, "also_by_datatrove": 1}
    assert got["dataprep_only_under_5_words"] == 2
    assert peers_runs.collision_probability(1.0, 14, 9) == 1.0
    assert peers_runs.collision_probability(0.0, 14, 9) == 0.0


def hand_made_report() -> dict:
    results = [
        {"pipeline": "dataprep", "procs": 1, "median_s": 2.0, "removed": 70},
        {"pipeline": "dataprep", "procs": 2, "median_s": 1.0, "removed": 70},
        {"pipeline": "datatrove-whitespace", "procs": 1, "median_s": 10.0, "removed": 80},
        {"pipeline": "datatrove-whitespace", "procs": 2, "median_s": 6.0, "removed": 80},
    ]
    overlap = {"dataprep_removed": 70, "datatrove_removed": 80, "both": 60, "jaccard": 0.6667}
    return {
        "machine": {"cpus": 2},
        "corpus": {"docs": 3000, "name": "debian", "text_bytes": 1_500_000},
        "parameters": {
            "dataprep": {"recipe": "configs/filter/dedup.yaml"},
            "datatrove": {"ngram": 5, "bands": 14, "rows": 9},
        },
        "repeats": 3,
        "procs": [1, 2],
        "variants": ["whitespace"],
        "results": results,
        "overlap": [{"variant": "whitespace", "procs": p, **overlap} for p in (1, 2)],
    }


def test_summary_renders_table_and_sentence_from_the_report(tmp_path):
    report = hand_made_report()
    text = bench_peers.summary(report)
    assert "| `dataprep filter -c configs/filter/dedup.yaml` | 2.00 s | 1.00 s | 70 |" in text
    assert "| datatrove MinHash, whitespace words | 10.00 s (5.0x) | 6.00 s (6.0x) | 80 |" in text
    assert "dataprep at 2 processes is 6.0x faster than" in text
    assert "both 60 (Jaccard 0.67)" in text
    path = tmp_path / "peers.json"
    path.write_text(json.dumps(report))
    script = REPO / "benchmarks" / "bench_peers.py"
    out = subprocess.run(
        [sys.executable, str(script), "--print-summary", str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out == text + "\n"


def test_summary_adds_the_datasketch_loop_at_one_process_when_measured():
    report = hand_made_report()
    assert "datasketch" not in bench_peers.summary(report)
    report["results"].append({"pipeline": "datasketch-loop", "procs": 1, "median_s": 50.0})
    text = bench_peers.summary(report)
    assert f"| {bench_peers.DATASKETCH_LABEL} | 50.00 s (25.0x) | — | — |" in text
    assert "signatures only, takes 25.0x as long as dataprep's whole one-process run." in text


def test_the_datasketch_peer_signs_every_document(tmp_path):
    pytest.importorskip("datasketch")
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(
        '{"id": "a", "text": "one two three four five six"}\n{"id": "b", "text": "x"}\n'
    )
    script = REPO / "benchmarks" / "peers_datasketch.py"
    done = subprocess.run(
        [sys.executable, str(script), str(corpus)], capture_output=True, text=True
    )
    assert json.loads(done.stdout) == {"signatures": 2}
