"""Build the data of the committed ``dataprep bench train`` run from ../shared/data.

Writes three JSON Lines files (fields id, text, source) into OUT:

- ``pool.jsonl``: the raw pool a user would prepare. Every text corpus of ../shared/data: web
  pages (C4/CC/RedPajama/Pile samples, DCLM-annotated pages, full-page article text), news (AG
  News), reviews (SST-2), paraphrase sentences (MRPC, PAN, SemEval STS), code (CodeXGLUE Java and
  C#, buggy/fixed Java, HumanEval), Shakespeare, and the paragraphs of half of the WikiText-2
  validation articles. At most ``--per-source`` documents per source (a seeded sample), so no
  single corpus dominates by its size alone.
- ``target.jsonl``: the paragraphs of the other half of the WikiText-2 validation articles: a
  sample of the target distribution (for DSIR), disjoint from the pool and from validation.
- ``valid.jsonl``: the paragraphs of WikiText-2 *test*: the held-out target set the benchmark
  evaluates on.

WikiText paragraphs are the article's non-empty lines that are not headings (`` = ... = ``).

    python benchmarks/train_pool.py --out /tmp/train_pool
"""

from __future__ import annotations

import argparse
import gzip
import json
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"

# (source name, file under DATA, text fields): one document per non-empty field value.
SOURCES = [
    ("web_samples", "web_samples/web_samples.jsonl.gz", ["text"]),
    ("dclm_pages", "dclm_quality_annotations/dclm_quality_majority.jsonl.gz", ["text"]),
    ("article_pages", "article_extraction_benchmark/article_extraction.jsonl.gz", ["text"]),
    ("ag_news", "ag_news/ag_news_test.jsonl.gz", ["text"]),
    ("sst2", "sst2/sst2_train.jsonl.gz", ["text"]),
    ("mrpc", "mrpc/mrpc_train.jsonl.gz", ["text1", "text2"]),
    ("pan", "pan_paraphrase/pan_train.jsonl.gz", ["text1", "text2"]),
    ("sts", "semeval_sts/semeval_sts.jsonl.gz", ["text1", "text2"]),
    ("java_cs", "codexglue_code/code_translation_train.jsonl.gz", ["java", "cs"]),
    ("java_fix", "codexglue_code/code_refinement_small_valid.jsonl.gz", ["buggy"]),
    ("humaneval", "humaneval/humaneval.jsonl.gz", ["text"]),
    ("shakespeare", "tinyshakespeare/tinyshakespeare.jsonl.gz", ["text"]),
]


def read_jsonl(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def paragraphs(article: str) -> list[str]:
    """A WikiText article's paragraphs: non-empty lines that are not `` = heading = `` lines."""
    out = []
    for line in article.split("\n"):
        stripped = line.strip()
        if stripped and not (stripped.startswith("=") and stripped.endswith("=")):
            out.append(line)
    return out


def write(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def build(data: Path, out: Path, per_source: int, seed: int) -> dict[str, int]:
    """Write pool.jsonl, target.jsonl and valid.jsonl; returns the documents per source."""
    rng = np.random.default_rng(seed)
    pool: list[dict] = []
    counts: dict[str, int] = {}
    for source, file, fields in SOURCES:
        texts = [r[f] for r in read_jsonl(data / file) for f in fields if r.get(f)]
        if len(texts) > per_source:
            texts = [texts[i] for i in np.sort(rng.choice(len(texts), per_source, replace=False))]
        pool.extend(
            {"id": f"{source}-{i:05d}", "text": t, "source": source} for i, t in enumerate(texts)
        )
        counts[source] = len(texts)
    articles = read_jsonl(data / "wikitext-2/wikitext2_valid.jsonl.gz")
    target: list[dict] = []
    wiki_pool = 0
    for index, article in enumerate(articles):
        for j, text in enumerate(paragraphs(article["text"])):
            row = {"id": f"wiki-valid-{index:02d}-{j:03d}", "text": text, "source": "wikitext"}
            if index % 2 == 0:
                pool.append(row)
                wiki_pool += 1
            else:
                target.append(row)
    counts["wikitext"] = wiki_pool
    valid = [
        {"id": f"wiki-test-{index:02d}-{j:03d}", "text": text, "source": "wikitext"}
        for index, article in enumerate(read_jsonl(data / "wikitext-2/wikitext2_test.jsonl.gz"))
        for j, text in enumerate(paragraphs(article["text"]))
    ]
    out.mkdir(parents=True, exist_ok=True)
    write(out / "pool.jsonl", pool)
    write(out / "target.jsonl", target)
    write(out / "valid.jsonl", valid)
    counts["target (wikitext valid, odd articles)"] = len(target)
    counts["valid (wikitext test)"] = len(valid)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--out", required=True, help="Output folder.")
    parser.add_argument("--data", default=str(DATA), help="The shared data folder.")
    parser.add_argument("--per-source", type=int, default=2500, help="Documents per source.")
    parser.add_argument("--seed", type=int, default=0, help="Seed of the per-source samples.")
    args = parser.parse_args()
    counts = build(Path(args.data), Path(args.out), args.per_source, args.seed)
    print(json.dumps(counts, indent=1))


if __name__ == "__main__":
    main()
