"""benchmarks/bench_tokenize.py's summary, from a hand-made report (no benchmark is run)."""

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

import bench_tokenize  # noqa: E402


def test_summary_gives_each_process_count_its_rates_and_ratio():
    def rates(median):
        return {"tokens_per_second_median": median}

    report = {
        "corpus": "benchmarks/.cache/resampled_5000_0.jsonl",
        "tokenizer": "all-MiniLM-L6-v2 (bundled)",
        "repeats": 3,
        "results": [
            {
                "num_proc": 1,
                "dataprep": rates(300000),
                "datasets_end_to_end": rates(200000),
                "datasets_map_only": rates(250000),
            },
            {
                "num_proc": 2,
                "dataprep": rates(500000),
                "datasets_end_to_end": rates(250000),
                "datasets_map_only": rates(400000),
            },
        ],
    }
    assert bench_tokenize.summary(report) == (
        "On benchmarks/.cache/resampled_5000_0.jsonl with the all-MiniLM-L6-v2 (bundled) "
        "tokenizer (median of 3 runs, each a fresh process): With 1 process, `dataprep tokenize` "
        "writes 300,000 tokens/s end to end against 200,000 for `datasets` (`from_json` + `map`; "
        "250,000 for its `map` alone): 1.50x. With 2 processes, `dataprep tokenize` writes "
        "500,000 tokens/s end to end against 250,000 for `datasets` (`from_json` + `map`; "
        "400,000 for its `map` alone): 2.00x."
    )
