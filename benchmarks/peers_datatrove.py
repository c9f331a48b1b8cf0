"""datatrove's MinHash near-duplicate removal, for ``bench_peers.py``: run by the python of the
peers venv (``benchmarks/.venv-peers``, made by ``bench_peers.py --setup``), never by the
project's, and it imports nothing of dataprep.

The standard four stages, each a ``LocalPipelineExecutor`` run after the previous one, as in
datatrove's own example (examples/minhash_deduplication.py):

1. ``JsonlReader`` -> ``MinhashDedupSignature``: ``tasks`` tasks on ``workers`` workers, one
   input file per task (so the input folder holds ``tasks`` JSONL files).
2. ``MinhashDedupBuckets``: one task per LSH band (datatrove's "bucket"), on ``workers`` workers.
3. ``MinhashDedupCluster``: one task (union-find over all duplicate pairs).
4. ``JsonlReader`` -> ``MinhashDedupFilter`` -> ``JsonlWriter``: ``tasks`` tasks on ``workers``
   workers; the kept documents go to WORK/output as ``NNNNN.jsonl.gz``.

Tokenizer variants (``--variant``):
- ``whitespace``: words are ``str.split()`` (a ``WordTokenizer`` passed as ``language``, which
  datatrove accepts for custom tokenizers), text only lowercased before: the same shingles as
  dataprep's ``minhash_dedup`` (lowercase, runs of non-whitespace) for every document of at
  least ``ngram`` words.
- ``spacy``: datatrove as shipped: its English word tokenizer (spaCy's blank ``en`` rule
  tokenizer, no model download) after its default text normalization (lowercase, numbers to
  0, punctuation to spaces, whitespace collapsed, diacritics removed).
- ``spacy-lowercase``: the spaCy tokenizer after the ``whitespace`` variant's normalization
  (tokenizer cost alone; not run by default).

``python peers_datatrove.py --versions`` prints the versions of the packages it uses as JSON.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from importlib import metadata
from pathlib import Path

from datatrove.utils.word_tokenizers import WordTokenizer

PACKAGES = (
    "datatrove",
    "xxhash",
    "orjson",
    "regex",
    "spacy",
    "tokenizers",
    "numpy",
    "multiprocess",
    "dill",
)


def versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


class SplitTokenizer(WordTokenizer):
    """Words are ``str.split()``. Defined in this module, imported as ``peers_datatrove`` by the
    worker processes, which unpickle it by reference."""

    def word_tokenize(self, text: str) -> list[str]:
        return text.split()

    def sent_tokenize(self, text: str) -> list[str]:
        return [text] if text.strip() else []

    def span_tokenize(self, text: str) -> list[tuple[int, int]]:
        return [(0, len(text))] if text.strip() else []


def variant_settings(variant: str):
    """(language or tokenizer, TextNormConfig) of a variant."""
    from datatrove.utils.text import TextNormConfig
    from datatrove.utils.typeshelper import Languages

    lowercase_only = TextNormConfig(
        lowercase=True,
        norm_whitespace=True,
        remove_punctuation=False,
        norm_unicode_diacritics=False,
        norm_numbers=False,
        norm_weekdays=False,
        norm_monthnames=False,
    )
    if variant == "whitespace":
        return SplitTokenizer(), lowercase_only
    if variant == "spacy":
        return Languages.english, TextNormConfig()
    if variant == "spacy-lowercase":
        return Languages.english, lowercase_only
    raise SystemExit(f"unknown variant {variant!r}")


def run(args: argparse.Namespace) -> dict:
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.dedup import MinhashDedupSignature
    from datatrove.pipeline.dedup.minhash import (
        MinhashConfig,
        MinhashDedupBuckets,
        MinhashDedupCluster,
        MinhashDedupFilter,
    )
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers.jsonl import JsonlWriter
    from datatrove.utils.hashing import HashConfig

    language, norm = variant_settings(args.variant)
    config = MinhashConfig(
        n_grams=args.ngram,
        num_buckets=args.buckets,
        hashes_per_bucket=args.rows,
        seed=args.seed,
        norm_config=norm,
        hash_config=HashConfig(precision=args.precision),
    )
    work = Path(args.work)
    inputs = str(Path(args.input))
    stages = {
        "signatures": LocalPipelineExecutor(
            pipeline=[
                JsonlReader(inputs),
                MinhashDedupSignature(
                    output_folder=str(work / "signatures"), config=config, language=language
                ),
            ],
            tasks=args.tasks,
            workers=args.workers,
            logging_dir=str(work / "logs/signatures"),
        ),
        "buckets": LocalPipelineExecutor(
            pipeline=[
                MinhashDedupBuckets(
                    input_folder=str(work / "signatures"),
                    output_folder=str(work / "buckets"),
                    config=config,
                )
            ],
            tasks=config.num_buckets,
            workers=args.workers,
            logging_dir=str(work / "logs/buckets"),
        ),
        "clusters": LocalPipelineExecutor(
            pipeline=[
                MinhashDedupCluster(
                    input_folder=str(work / "buckets"),
                    output_folder=str(work / "remove_ids"),
                    config=config,
                )
            ],
            tasks=1,
            logging_dir=str(work / "logs/clusters"),
        ),
        "filter": LocalPipelineExecutor(
            pipeline=[
                JsonlReader(inputs),
                MinhashDedupFilter(input_folder=str(work / "remove_ids")),
                JsonlWriter(output_folder=str(work / "output")),
            ],
            tasks=args.tasks,
            workers=args.workers,
            logging_dir=str(work / "logs/filter"),
        ),
    }
    seconds = {}
    for name, executor in stages.items():
        start = time.perf_counter()
        executor.run()
        seconds[name] = round(time.perf_counter() - start, 3)
    return {"seconds": seconds, "config": str(config)}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--versions", action="store_true", help="Print package versions.")
    parser.add_argument("--input", help="Folder of JSONL files (id, text), one per task.")
    parser.add_argument("--work", help="Empty folder for signatures, logs and the output.")
    parser.add_argument("--tasks", type=int, default=1, help="datatrove tasks (input files)")
    parser.add_argument("--workers", type=int, default=1, help="datatrove worker processes")
    parser.add_argument("--variant", default="whitespace", help="tokenizer and normalization")
    parser.add_argument("--ngram", type=int, default=5, help="shingle size (tokens)")
    parser.add_argument("--buckets", type=int, default=14, help="LSH bands.")
    parser.add_argument("--rows", type=int, default=9, help="Hashes per band.")
    parser.add_argument("--seed", type=int, default=1, help="seed of the MinHash functions")
    parser.add_argument(
        "--precision", type=int, default=64, choices=(32, 64), help="bits of each hash"
    )
    parser.add_argument("--report", help="Write per-stage seconds here (JSON).")
    args = parser.parse_args()
    if args.versions:
        print(json.dumps(versions()))
        return
    if not args.input or not args.work:
        parser.error("--input and --work are required")
    report = run(args)
    if args.report:
        Path(args.report).write_text(json.dumps(report) + "\n")


if __name__ == "__main__":
    # Run as the module ``peers_datatrove`` (not ``__main__``), so the SplitTokenizer class that
    # the worker processes unpickle is found by name in an importable module.
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import peers_datatrove

    peers_datatrove.main()
