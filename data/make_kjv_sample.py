"""Rebuild data/kjv_chapters.jsonl.gz: the King James Version (public domain), one record per
chapter, from two editions, so that the demo has real near-duplicates to find.

Sources (Debian packages; the KJV text is public domain outside the UK, see their copyright files):
- `bible-kjv-text` read with `bible` (package `bible-kjv`): all 1,189 chapters, 1769 text.
      bible "Gen1:1-Rev22:21" > brs.txt
- `sword-text-kjv` (eBible.org's 2006 KJV) read with `diatheke`: the four Gospels (89 chapters),
  whose spelling and punctuation differ slightly from the first edition.
      for b in Matthew Mark Luke John; do diatheke -b engKJV2006eb -f plaintext -k $b; done > eb.txt
Then: python make_kjv_sample.py brs.txt eb.txt
Fields: id ("Mark 1", or "ebible:Mark 1" for the second edition), edition, book, chapter, text
(one verse per line; verse numbers, line wrapping and Strong's-number markup removed).
"""

import gzip
import html
import json
import re
import sys

HEADING = re.compile(r"^(?P<book>[1-3]?\s?[A-Z][A-Za-z ]+?) (?P<chapter>\d+)$")
BRS_VERSE = re.compile(r"^\s+\d+ (?P<text>.*)$")
EB_VERSE = re.compile(r"^(?P<book>.+?) (?P<chapter>\d+):\d+: (?P<text>.*)$")


def brs_chapters(lines):
    current, verses = None, []
    for line in lines:
        line = line.rstrip("\n")
        heading = HEADING.match(line)
        if heading:
            if current:
                yield current, verses
            current, verses = (heading["book"], int(heading["chapter"])), []
        elif BRS_VERSE.match(line):
            verses.append(BRS_VERSE.match(line)["text"])
        elif line.strip() and verses:
            verses[-1] += " " + line.strip()
    if current:
        yield current, verses


def ebible_chapters(lines):
    chapters: dict = {}
    for line in lines:
        match = EB_VERSE.match(line.rstrip("\n"))
        if match:
            text = html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", match["text"]))).strip()
            if text:
                chapters.setdefault((match["book"], int(match["chapter"])), []).append(text)
    yield from chapters.items()


def main(brs_path: str, ebible_path: str, out: str = "kjv_chapters.jsonl.gz") -> None:
    with gzip.GzipFile(out, "wb", mtime=0) as raw:
        for edition, prefix, reader, path in [
            ("1769 (bible-kjv-text)", "", brs_chapters, brs_path),
            ("2006 (eBible.org)", "ebible:", ebible_chapters, ebible_path),
        ]:
            with open(path, encoding="utf-8") as f:
                for (book, chapter), verses in reader(f):
                    record = {
                        "id": f"{prefix}{book} {chapter}",
                        "edition": edition,
                        "book": book,
                        "chapter": chapter,
                        "text": "\n".join(verses),
                    }
                    raw.write((json.dumps(record, ensure_ascii=False) + "\n").encode())


if __name__ == "__main__":
    main(*sys.argv[1:])
