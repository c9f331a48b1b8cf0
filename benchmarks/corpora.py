"""Real corpora for benchmarks, from ../shared/data (never copied into the repository).

``real_documents()`` gives web pages, news, Wikipedia articles and code as plain strings.
``resampled_corpus(n)`` writes n documents drawn from them with light random edits (a few words
deleted, swapped or replaced), so that a large corpus keeps real text statistics and has real
near-duplicates; the file is cached under benchmarks/.cache.
"""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
CACHE = Path(__file__).resolve().parent / ".cache"

SOURCES = [
    ("dclm_quality_annotations/dclm_quality_majority.jsonl.gz", "text"),
    ("web_samples/web_samples.jsonl.gz", "text"),
    ("article_extraction_benchmark/article_extraction.jsonl.gz", "text"),
    ("article_extraction_benchmark/article_extraction.jsonl.gz", "article_body"),
    ("wikitext-2/wikitext2_valid.jsonl.gz", "text"),
    ("wikitext-2/wikitext2_test.jsonl.gz", "text"),
    ("ag_news/ag_news_test.jsonl.gz", "text"),
    ("codexglue_code/code_translation_test.jsonl.gz", "java"),
]


def real_documents() -> list[str]:
    """Every non-empty document of the sources above, in a fixed order."""
    docs = []
    for relative, field in SOURCES:
        path = SHARED / relative
        if not path.exists():
            raise FileNotFoundError(f"benchmark corpus missing: {path}")
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for line in f:
                text = json.loads(line).get(field)
                if text and text.strip():
                    docs.append(text)
    return docs


def _edit(text: str, rng: random.Random, vocabulary: list[str]) -> str:
    words = text.split(" ")
    for _ in range(rng.randint(1, 3)):
        if len(words) < 2:
            break
        position = rng.randrange(len(words))
        action = rng.random()
        if action < 0.4:
            del words[position]
        elif action < 0.7:
            words[position] = rng.choice(vocabulary)
        else:
            other = rng.randrange(len(words))
            words[position], words[other] = words[other], words[position]
    return " ".join(words)


def resampled_corpus(n: int, seed: int = 0, directory: Path = CACHE) -> Path:
    """A JSONL file of n documents resampled from the real ones; 30% are lightly edited copies,
    the rest verbatim draws (which repeat once n exceeds the source size). The file is kept in
    ``directory`` (default benchmarks/.cache) and reused; the first m documents of the n-document
    corpus are the m-document corpus."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"resampled_{n}_{seed}.jsonl"
    if path.exists():
        return path
    docs = real_documents()
    rng = random.Random(seed)
    vocabulary = [w for doc in docs[:2000] for w in doc.split()[:50]]
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        for i in range(n):
            text = rng.choice(docs)
            if rng.random() < 0.3:
                text = _edit(text, rng, vocabulary)
            f.write(json.dumps({"id": f"doc{i}", "text": text}) + "\n")
    tmp.rename(path)
    return path
