"""The dedup bench's report by hand in pairs and corpus modes, and its files."""

import json

from dataprep.bench.dedup_report import fmt_metric, report_markdown, write_outputs

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _result(method, param, value, tp, fp, fn, precision, recall, f1, seconds, **extra):
    return {
        "method": method,
        "param": param,
        "value": value,
        "seconds": seconds,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        **extra,
    }


PAIRS = {
    "command": "dataprep bench dedup --pairs p.jsonl",
    "mode": "pairs",
    "source": {"pairs": "data/p.jsonl", "pairs_count": 4, "positives": 1},
    "rows": 8,
    "num_perm": 128,
    "ngram": 5,
    "embed_seconds": None,
    "results": [
        _result("exact_dedup", "", None, 0, 0, 1, None, 0.0, 0.0, 0.004, cross_pair_links=0),
        _result(
            "minhash_dedup", "threshold", 0.5, 1, 1, 0, 0.5, 1.0, 2 / 3, 1.234, cross_pair_links=2
        ),
    ],
}


def test_fmt_metric():
    assert fmt_metric(None) == "n/a"
    assert fmt_metric(2 / 3) == "0.667"
    assert fmt_metric(1) == "1.000"


def test_pairs_report_by_hand():
    lines = report_markdown(PAIRS).splitlines()
    assert lines[0] == "# Dedup bench"
    assert lines[2] == (
        "data/p.jsonl: 4 pairs (1 labelled duplicate; flagging every pair would score precision "
        "0.250), 8 texts. Command: `dataprep bench dedup --pairs p.jsonl`"
    )
    # no embedding time recorded (an older results.json): semantic_dedup did not run
    assert lines[4] == (
        "MinHash: 128 permutations, word 5-grams. Seconds: the method's fit (datasketch: hashing "
        "+ LSH)."
    )
    assert lines[6] == "Skipped: semantic_dedup."
    assert lines[-2:] == [
        "| exact_dedup | defaults | n/a | 0.000 | 0.000 | 0 | 0 | 1 | 0 | 0.00 |",
        "| minhash_dedup | threshold=0.5 | 0.500 | 1.000 | 0.667 | 1 | 1 | 0 | 2 | 1.23 |",
    ]


def test_skipped_methods_are_named_with_their_reason_never_as_none_seconds():
    results = {
        **PAIRS,
        "datasketch_hash_seconds": None,
        "skipped": {
            "datasketch_lsh": "turned off by --no-datasketch",
            "semantic_dedup": "turned off by --no-semantic",
        },
    }
    text = report_markdown(results)
    lines = text.splitlines()
    assert lines[4] == "MinHash: 128 permutations, word 5-grams. Seconds: the method's fit."
    assert lines[6] == (
        "Skipped: datasketch_lsh (turned off by --no-datasketch), "
        "semantic_dedup (turned off by --no-semantic)."
    )
    assert "None" not in text
    ran = {**PAIRS, "embed_seconds": 2.5, "datasketch_hash_seconds": 0.1, "skipped": {}}
    lines = report_markdown(ran).splitlines()
    assert lines[4].endswith(
        "(datasketch: hashing + LSH; semantic: excluding the embedding, 2.5 s once)."
    )
    assert not any(line.startswith("Skipped") for line in lines)


def test_corpus_report_has_no_cross_pair_links():
    results = {
        **PAIRS,
        "mode": "clusters",
        "source": {"corpus": "data/c.jsonl", "cluster_column": "cid"},
        "embed_seconds": 0.5,
        "results": [_result("exact_dedup", "", None, 1, 0, 0, 1.0, 1.0, 1.0, 0.01)],
    }
    lines = report_markdown(results).splitlines()
    assert lines[2] == (
        "data/c.jsonl: 8 rows, clusters from 'cid' (metrics over all row pairs). "
        "Command: `dataprep bench dedup --pairs p.jsonl`"
    )
    assert "excluding the embedding, 0.5 s once" in lines[4]
    assert (
        lines[-1] == "| exact_dedup | defaults | 1.000 | 1.000 | 1.000 | 1 | 0 | 0 | n/a | 0.01 |"
    )


def test_write_outputs_writes_json_report_and_png(tmp_path):
    write_outputs(PAIRS, tmp_path / "out")
    assert json.loads((tmp_path / "out" / "results.json").read_text()) == PAIRS
    assert (tmp_path / "out" / "report.md").read_text() == report_markdown(PAIRS)
    assert (tmp_path / "out" / "dedup_pr.png").read_bytes().startswith(PNG_MAGIC)
