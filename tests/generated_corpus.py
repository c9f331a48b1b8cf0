"""A generated corpus for tests that must not need ../shared/data: a few thousand short
documents in six scripts, with exact copies (verbatim, re-cased, re-spaced, full-width letters),
near copies (one or two words of a long document changed) and unique documents, deterministic
from a seed."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import pyarrow as pa

# ---- the generated corpus ---------------------------------------------------------------------

SYLLABLES = {
    language: syllables.split()
    for language, syllables in {
        "en": "th an re st ing er on at en nd ti es or te of ed is it al ar",
        "fr": "le la ré ou ai qu eu on an ç é ê ille eau",
        "de": "sch ei ie ü ö ä en er ung ch st",
        "ru": "ка ло ми ст на по ре ни ть ов ен",
        "el": "κα λο μι στ να πο ρε νι τα ου",  # no final sigma: case round-trips
        "zh": " ".join("城市河流书学校山水天人中国大小日月"),
    }.items()
}
LANGS = sorted(SYLLABLES)


def word(rng: random.Random, lang: str) -> str:
    return "".join(rng.choice(SYLLABLES[lang]) for _ in range(rng.randint(1, 3)))


def _fullwidth(text: str) -> str:
    """ASCII lowercase letters as their full-width forms (NFKC maps them back)."""
    return "".join(chr(ord(c) + 0xFEE0) if "a" <= c <= "z" else c for c in text)


def _exact_variant(rng: random.Random, text: str) -> str:
    """A copy that exact_dedup's default normalization (NFKC, lowercase, collapsed whitespace)
    maps to the same text."""
    kind = rng.randrange(5)
    if kind == 1:
        return text.upper()
    if kind == 2:
        return "  " + text.replace(" ", rng.choice(["  ", "\t", " \n "])) + "\n"
    if kind == 3:
        return _fullwidth(text)
    if kind == 4:
        return text.title()
    return text


def generated_records(seed: int, n: int, *, vectors: bool = True, dim: int = 8) -> list[dict]:
    """``n`` records: id, text, lang, kind ('unique', 'exact' copy or 'near' copy of an earlier
    record), quality (a float with 3 decimals, about 2% null) and, with ``vectors``, vec (a unit
    list<float> of ``dim`` values; copies get their source's vector plus a little noise).

    About 12% exact copies, 10% near copies (one or two words changed in a document of 100-180
    words), the rest unique: 30% long, 70% of 4-40 words."""
    rng = random.Random(seed)
    records: list[dict] = []
    raw_vectors: list[list[float]] = []
    for i in range(n):
        draw = rng.random()
        long_ones = [j for j in range(max(0, i - 400), i) if records[j]["words"] >= 100]
        if records and draw < 0.12:
            j = rng.randrange(i)
            source = records[j]
            kind, lang, words = "exact", source["lang"], source["words"]
            text = _exact_variant(rng, source["text"])
            base, noise = raw_vectors[j], 0.001
        elif long_ones and draw < 0.22:
            j = rng.choice(long_ones)
            source = records[j]
            kind, lang, words = "near", source["lang"], source["words"]
            tokens = source["text"].split(" ")
            for _ in range(rng.randint(1, 2)):
                tokens[rng.randrange(len(tokens))] = word(rng, lang)
            text = " ".join(tokens)
            base, noise = raw_vectors[j], 0.01
        else:
            kind, lang = "unique", rng.choice(LANGS)
            words = rng.randint(100, 180) if rng.random() < 0.3 else rng.randint(4, 40)
            text = " ".join(word(rng, lang) for _ in range(words))
            base, noise = [rng.gauss(0, 1) for _ in range(dim)], 0.0
        raw_vectors.append(base)
        quality = None if rng.random() < 0.02 else round(rng.random(), 3)
        record = {"id": f"g{i}", "text": text, "lang": lang, "kind": kind, "quality": quality}
        if vectors:
            vector = [x + rng.gauss(0, noise) for x in base]
            norm = math.sqrt(sum(x * x for x in vector))
            record["vec"] = [round(x / norm, 6) for x in vector]
        records.append({**record, "words": words})
    return [{k: v for k, v in r.items() if k != "words"} for r in records]


def write_jsonl(path: Path, records: list[dict]) -> str:
    with open(path, "w", encoding="utf-8") as f:
        f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    return str(path)


def ids_of(table: pa.Table, kind: str | None = None, reason: str | None = None) -> set[str]:
    rows = table.to_pylist()
    return {
        r["id"]
        for r in rows
        if (kind is None or r["kind"] == kind)
        and (reason is None or r["dp_reject_reason"] == reason)
    }
