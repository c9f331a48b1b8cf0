"""The dedup bench harness: pair-field detection, pairs and corpus modes, the output files and
the CLI (scores: test_dedup_metrics.py; each method's clusters: test_dedup_methods.py)."""

import json

import numpy as np
import pytest
from click.testing import CliRunner

from dataprep.bench.dedup import detect_pair_fields, run_dedup_bench
from dataprep.cli import main
from dataprep.errors import ConfigError
from tests.conftest import shared_file

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
LONG = (
    "the committee met on tuesday to discuss the new budget for the city parks and agreed "
    "to spend more money on trees benches and lighting along the river walk next year"
)
# 3 duplicates (one exact up to case and spaces, one near, one paraphrase) and 3 non-duplicates
SIX_PAIRS = [
    ("The cat sat on the mat.", "the  cat sat on the MAT.", 1),
    (LONG, LONG.replace("tuesday", "wednesday"), 1),
    ("Stocks fell sharply on Monday.", "Shares dropped steeply at the start of the week.", 1),
    ("I like green tea.", "I like black coffee.", 0),
    ("Paris is in France.", "Rome is in Italy.", 0),
    ("He ran home.", "She walked to school.", 0),
]


class WordEncoder:
    """Bag-of-words vectors over a fixed vocabulary, normalized (deterministic, no model)."""

    def encode(self, texts):
        from sklearn.feature_extraction.text import HashingVectorizer

        v = HashingVectorizer(n_features=256, alternate_sign=False, norm="l2")
        vectors = v.transform(texts).toarray().astype(np.float32)
        vectors[:, 0] += 1e-6
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def _pairs_file(path, pairs=SIX_PAIRS, fields=("text1", "text2"), label=True):
    with open(path, "w") as f:
        for i, (a, b, y) in enumerate(pairs):
            record = {"id": i, fields[0]: a, fields[1]: b}
            if label:
                record["label"] = y
            f.write(json.dumps(record) + "\n")
    return path


def _texts(pairs=SIX_PAIRS):
    return [t for a, b, _ in pairs for t in (a, b)]


def _labels(pairs=SIX_PAIRS):
    return np.array([bool(y) for _, _, y in pairs])


def test_pair_fields_are_detected():
    assert detect_pair_fields({"buggy": "", "fixed": ""}, None, None) == ("buggy", "fixed")
    assert detect_pair_fields({"text1": "", "text2": ""}, None, None) == ("text1", "text2")
    assert detect_pair_fields({"a": "", "b": ""}, "a", "b") == ("a", "b")
    with pytest.raises(ConfigError, match="give text1_field and text2_field"):
        detect_pair_fields({"a": "", "b": ""}, None, None)


def test_end_to_end_writes_results_report_and_png(tmp_path):
    pairs = _pairs_file(tmp_path / "pairs.jsonl")
    out = tmp_path / "out"
    results = run_dedup_bench(
        out,
        pairs_path=str(pairs),
        thresholds=[0.5, 0.9],
        eps=[0.05],
        encoder=WordEncoder(),
        log=lambda *_: None,
    )
    saved = json.loads((out / "results.json").read_text())
    assert saved["source"]["pairs_count"] == 6 and saved["source"]["positives"] == 3
    methods = [(r["method"], r["value"]) for r in saved["results"]]
    assert methods == [
        ("exact_dedup", None),
        ("minhash_dedup", 0.5),
        ("minhash_dedup", 0.9),
        ("datasketch_lsh", 0.5),
        ("datasketch_lsh", 0.9),
        ("semantic_dedup", 0.05),
    ]
    exact = saved["results"][0]
    assert exact["precision"] == 1.0 and exact["recall"] == pytest.approx(1 / 3)
    assert results["results"] == saved["results"]
    report = (out / "report.md").read_text()
    assert "| exact_dedup | defaults | 1.000 | 0.333 | 0.500 | 1 | 0 | 2 | 0 |" in report
    assert "| minhash_dedup | threshold=0.5 | 1.000 | 0.667 |" in report
    assert (out / "dedup_pr.png").read_bytes().startswith(PNG_MAGIC)


def test_unlabelled_pairs_count_as_duplicates_and_corpus_mode(tmp_path):
    pairs = _pairs_file(tmp_path / "code.jsonl", fields=("buggy", "fixed"), label=False)
    results = run_dedup_bench(
        tmp_path / "o1",
        pairs_path=str(pairs),
        thresholds=[0.5],
        datasketch=False,
        semantic=False,
        log=lambda *_: None,
    )
    assert results["source"]["positives"] == 6 and results["source"]["text_fields"][0] == "buggy"
    assert results["results"][0]["recall"] == pytest.approx(1 / 6)
    corpus = tmp_path / "corpus.jsonl"
    rows = [("a b c", 1), ("A  b c", 1), ("x y z", 2), ("p q r", None)]
    corpus.write_text("".join(json.dumps({"text": t, "c": c}) + "\n" for t, c in rows))
    results = run_dedup_bench(
        tmp_path / "o2",
        corpus_path=str(corpus),
        cluster_column="c",
        thresholds=[0.5],
        datasketch=False,
        semantic=False,
        log=lambda *_: None,
    )
    exact = results["results"][0]
    assert (exact["tp"], exact["fp"], exact["fn"]) == (1, 0, 0)


def test_cli_help_and_one_line_errors(tmp_path):
    runner = CliRunner()
    assert runner.invoke(main, ["bench", "dedup", "--help"]).exit_code == 0
    result = runner.invoke(main, ["bench", "dedup", "-o", str(tmp_path / "o")])
    assert result.exit_code == 1 and "Give either --pairs or --corpus" in result.output
    pairs = _pairs_file(tmp_path / "pairs.jsonl")
    result = runner.invoke(
        main,
        ["bench", "dedup", "--pairs", str(pairs), "--thresholds", "1.5", "-o", str(tmp_path / "o")],
    )
    assert result.exit_code == 1 and "Every threshold must be in (0, 1]" in result.output
    assert "Traceback" not in result.output


@pytest.mark.slow
def test_real_mrpc_smoke(tmp_path):
    from tests.conftest import read_jsonl_gz

    records = read_jsonl_gz(shared_file("mrpc", "mrpc_test.jsonl.gz"))[:150]
    small = tmp_path / "mrpc.jsonl"
    small.write_text("".join(json.dumps(r) + "\n" for r in records))
    results = run_dedup_bench(
        tmp_path / "out",
        pairs_path=str(small),
        thresholds=[0.5, 0.8],
        eps=[0.1, 0.3],
        log=lambda *_: None,
    )
    by = {(r["method"], r["value"]): r for r in results["results"]}
    assert by[("semantic_dedup", 0.3)]["recall"] >= by[("semantic_dedup", 0.1)]["recall"]
    assert by[("minhash_dedup", 0.5)]["recall"] >= by[("minhash_dedup", 0.8)]["recall"]
