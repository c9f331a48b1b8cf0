"""Peer agreement of the rule-based quality filters: dataprep's ``gopher_quality``,
``gopher_repetition`` and ``fineweb_quality`` (default parameters, ``semantics: "2025"``)
against datatrove's ``GopherQualityFilter``, ``GopherRepetitionFilter`` and
``FineWebQualityFilter`` (defaults, English) on the same real documents.

Documents (all of them, from ../shared/data; none is copied into the repository): the DCLM
quality annotations (majority and agreement subsets), the web samples (C4, CC-head, RedPajama,
Pile), the article extraction benchmark's noisy full-page texts, WikiText-2 valid and test
articles. datatrove runs in its own venv (``--peers-python``) through ``peers_quality.py``.

Also: how many documents ``dataprep.quality.word_tokens`` tokenizes exactly as datatrove's
spaCy tokenizer, and how many decisions of dataprep's stages change with ``semantics: "2024"``
(the rules FineWeb was built with).

Per filter: the confusion matrix (both keep, both reject, only dataprep rejects, only
datatrove rejects), the agreement, how often both name the same reason when both reject, and
the disagreement classes (dataprep's decision -> datatrove's) with up to 3 example ids each.

    nice -n 19 env OMP_NUM_THREADS=1 python benchmarks/bench_peer_agreement.py \\
        --out benchmarks/results/peer_agreement.json
    python benchmarks/bench_peer_agreement.py --print-summary   # the README table
"""

from __future__ import annotations

import argparse
import collections
import gzip
import json
import platform
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
PEERS_PYTHON = REPO.parent / "main" / "benchmarks" / ".venv-peers" / "bin" / "python"
RESULTS = REPO / "benchmarks" / "results" / "peer_agreement.json"
SOURCES = (
    ("dclm_majority", "dclm_quality_annotations/dclm_quality_majority.jsonl.gz"),
    ("dclm_agreement", "dclm_quality_annotations/dclm_quality_agreement.jsonl.gz"),
    ("web_samples", "web_samples/web_samples.jsonl.gz"),
    ("article_full_page", "article_extraction_benchmark/article_extraction.jsonl.gz"),
    ("wikitext2_valid", "wikitext-2/wikitext2_valid.jsonl.gz"),
    ("wikitext2_test", "wikitext-2/wikitext2_test.jsonl.gz"),
)
FILTERS = ("gopher_quality", "gopher_repetition", "fineweb_quality")
# dataprep reason -> datatrove reason
SAME_REASON = {
    "gopher_short_doc": "gopher_short_doc",
    "gopher_long_doc": "gopher_long_doc",
    "gopher_below_avg_word_length": "gopher_below_avg_threshold",
    "gopher_above_avg_word_length": "gopher_above_avg_threshold",
    "gopher_bullet_lines": "gopher_too_many_bullets",
    "gopher_ellipsis_lines": "gopher_too_many_end_ellipsis",
    "gopher_alpha_words": "gopher_below_alpha_threshold",
    "gopher_stop_words": "gopher_enough_stop_words",
    "gopher_dup_para_frac": "dup_para_frac",
    "gopher_dup_para_char_frac": "dup_para_char_frac",
    "gopher_dup_line_frac": "dup_line_frac",
    "gopher_dup_line_char_frac": "dup_line_char_frac",
    "fineweb_empty": "empty",
    "fineweb_line_punct_ratio": "line_punct_ratio",
    "fineweb_short_line_ratio": "short_line_ratio",
    "fineweb_char_dup_ratio": "char_dup_ratio",
    "fineweb_list_ratio": "list_ratio",
}


def same_reason(ours: str, theirs: str) -> bool:
    if ours == "gopher_symbol_word_ratio":
        return theirs in ("gopher_too_many_hashes", "gopher_too_many_ellipsis")
    if ours.startswith("gopher_top_"):
        return theirs == ours.removeprefix("gopher_")
    if ours.startswith("gopher_dup_") and ours.endswith("_gram"):
        return theirs == f"duplicated_{ours.split('_')[2]}_n_grams"
    return SAME_REASON.get(ours) == theirs


def load_documents(shared: Path) -> list[dict]:
    docs = []
    for source, path in SOURCES:
        with gzip.open(shared / path, "rt", encoding="utf-8") as f:
            for line in f:
                row = json.loads(line)
                docs.append({"id": row["id"], "text": row["text"], "source": source})
    return docs


def ours(docs: list[dict], **params) -> dict[str, dict[str, str | None]]:
    """dataprep's decisions per filter (``params`` go to the stages that take them)."""
    import pyarrow as pa

    from dataprep.registry import get

    batch = pa.RecordBatch.from_pylist([{"id": d["id"], "text": d["text"]} for d in docs])
    out = {}
    for name in FILTERS:
        cls = get(name)
        stage = cls(**{k: v for k, v in params.items() if k in cls.param_names()})
        stage.check_params()
        ids = batch.column("id").to_pylist()
        out[name] = dict(zip(ids, stage.reject_reasons(batch), strict=True))
    return out


def peers(docs: list[dict], python: Path) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        docs_path, out_path = Path(tmp) / "docs.json", Path(tmp) / "out.json"
        docs_path.write_text(json.dumps([{"id": d["id"], "text": d["text"]} for d in docs]))
        script = REPO / "benchmarks" / "peers_quality.py"
        subprocess.run([str(python), str(script), str(docs_path), str(out_path)], check=True)
        return json.loads(out_path.read_text())


def compare(docs: list[dict], mine: dict, theirs: dict, examples: int) -> dict:
    matrix = collections.Counter()
    classes: dict[tuple[str, str], list[str]] = collections.defaultdict(list)
    same = 0
    for doc in docs:
        a, b = mine[doc["id"]], theirs[doc["id"]]
        key = ("reject" if a else "keep", "reject" if b else "keep")
        matrix[key] += 1
        if a and b:
            same += same_reason(a, b)
        if (a is None) != (b is None):
            classes[(a or "kept", b or "kept")].append(doc["id"])
    n = len(docs)
    agree = matrix["keep", "keep"] + matrix["reject", "reject"]
    ranked = sorted(classes.items(), key=lambda item: (-len(item[1]), item[0]))
    return {
        "documents": n,
        "both_keep": matrix["keep", "keep"],
        "both_reject": matrix["reject", "reject"],
        "only_dataprep_rejects": matrix["reject", "keep"],
        "only_datatrove_rejects": matrix["keep", "reject"],
        "agreement_pct": round(100 * agree / n, 2),
        "same_reason_when_both_reject": same,
        "disagreements": [
            {"dataprep": a, "datatrove": b, "count": len(ids), "examples": ids[:examples]}
            for (a, b), ids in ranked
        ],
    }


def summary(report: dict) -> str:
    """The README table: one row per filter."""
    lines = [
        "| filter | documents | both keep | both reject | only dataprep rejects "
        "| only datatrove rejects | agreement |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name in FILTERS:
        r = report["filters"][name]
        lines.append(
            f"| `{name}` | {r['documents']:,} | {r['both_keep']:,} | {r['both_reject']:,} "
            f"| {r['only_dataprep_rejects']} | {r['only_datatrove_rejects']} "
            f"| {r['agreement_pct']:.2f}% |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--shared", type=Path, default=SHARED, help="the shared data folder")
    parser.add_argument(
        "--peers-python", type=Path, default=PEERS_PYTHON, help="python of the datatrove venv"
    )
    parser.add_argument("--examples", type=int, default=3, help="example ids per disagreement")
    parser.add_argument("--out", type=Path, default=None, help="write the JSON report here")
    parser.add_argument(
        "--print-summary",
        action="store_true",
        help=f"print the README table of {RESULTS.relative_to(REPO)} and exit",
    )
    args = parser.parse_args()
    if args.print_summary:
        print(summary(json.loads(RESULTS.read_text())))
        return
    docs = load_documents(args.shared)
    mine = ours(docs)
    old = ours(docs, semantics="2024")
    theirs = peers(docs, args.peers_python)
    from dataprep.quality.word_tokens import split_words

    same_tokens = sum(split_words(d["text"]) == theirs["tokens"][d["id"]] for d in docs)
    commit = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    report = {
        "command": "python benchmarks/bench_peer_agreement.py " + " ".join(sys.argv[1:]),
        "commit": commit or None,
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "versions": {
            "python": platform.python_version(),
            "numba": metadata.version("numba"),
            "peers": theirs["versions"],
        },
        "documents_per_source": dict(collections.Counter(d["source"] for d in docs)),
        "tokenizer_identical_documents": same_tokens,
        "decisions_changed_by_semantics_2024": {
            name: sum((mine[name][d["id"]] is None) != (old[name][d["id"]] is None) for d in docs)
            for name in FILTERS
        },
        "filters": {
            name: compare(docs, mine[name], theirs["decisions"][name], args.examples)
            for name in FILTERS
        },
    }
    text = json.dumps(report, indent=1, ensure_ascii=False) + "\n"
    if args.out:
        args.out.write_text(text)
    print(summary(report))
    for name in FILTERS:
        for row in report["filters"][name]["disagreements"][:8]:
            print(name, row["count"], row["dataprep"], "->", row["datatrove"], row["examples"])


if __name__ == "__main__":
    main()
