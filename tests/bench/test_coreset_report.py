"""The coreset bench's report by hand on a two-method, one-fraction summary, and its files."""

import json

from dataprep.bench.coreset_report import report_markdown, write_outputs

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _row(method, embedding, vs_random, of_full, missing):
    return {
        "method": method,
        "fraction": 0.1,
        "budget": 1,
        "seeds": 2,
        "embedding": {"mean": embedding, "std": 0.1},
        "tfidf": {"mean": 0.4, "std": 0.0},
        "kcenter_radius": {"mean": 0.5, "std": 0.0},
        "test_distance": {"mean": 0.25, "std": 0.0},
        "label_kl": {"mean": 0.125, "std": 0.0},
        "runs_missing_a_class": missing,
        "vs_random": {"embedding": vs_random, "tfidf": vs_random},
        "of_full": {"embedding": of_full, "tfidf": 0.5},
    }


RESULTS = {
    "command": "dataprep bench coreset --train t.jsonl",
    "train": {"path": "data/t.jsonl", "rows": 10},
    "test": {"path": "data/t.jsonl (split)", "rows": 2},
    "seeds": [0, 1],
    "methods": ["random", "d4"],
    "fractions": [0.1],
    "full": {"embedding": 0.9, "tfidf": 0.8},
    "summary": [_row("random", 0.6, 0.0, 0.6 / 0.9, 1), _row("d4", 0.75, None, 0.75 / 0.9, 0)],
}


def test_report_tables_by_hand():
    lines = report_markdown(RESULTS).splitlines()
    assert lines[0] == "# Coreset bench"
    assert lines[2] == (
        "Train: data/t.jsonl (10 rows); test: data/t.jsonl (split) (2 rows). Seeds: 2. "
        "Command: `dataprep bench coreset --train t.jsonl`"
    )
    embedding = lines.index("## embedding probe accuracy (full data: 0.9000)")
    assert lines[embedding + 4 : embedding + 8] == [
        "| method | 0.1 |",
        "|---|---|",
        "| random | 0.6000 ± 0.1000<br>+0.0000 / 0.667 |",
        "| d4 | 0.7500 ± 0.1000<br>n/a / 0.833 |",  # no random at this fraction: n/a
    ]
    tfidf = lines.index("## tfidf probe accuracy (full data: 0.8000)")
    assert lines[tfidf + 6] == "| random | 0.4000 ± 0.0000<br>+0.0000 / 0.500 |"
    coverage = lines.index("## Coverage (mean over seeds)")
    assert lines[coverage + 6 :] == [
        "| random | 0.500 / 0.250 / 0.1250 [1] |",  # one run missed a class
        "| d4 | 0.500 / 0.250 / 0.1250 |",
    ]


def test_write_outputs_writes_json_report_and_png(tmp_path):
    write_outputs(RESULTS, tmp_path / "out")
    assert json.loads((tmp_path / "out" / "results.json").read_text()) == RESULTS
    assert (tmp_path / "out" / "report.md").read_text() == report_markdown(RESULTS)
    assert (tmp_path / "out" / "coreset.png").read_bytes().startswith(PNG_MAGIC)
