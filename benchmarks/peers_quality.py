"""datatrove's Gopher and FineWeb quality filters, for ``bench_peer_agreement.py``: run by the
python of the peers venv (``benchmarks/.venv-peers``), never by the project's; it imports
nothing of dataprep.

Reads a JSON list of ``{"id", "text"}`` documents and writes, per filter
(``gopher_quality``, ``gopher_repetition``, ``fineweb_quality``; datatrove's defaults, English
word tokenizer), each document's decision: ``null`` when kept, else datatrove's reason (an
exception is recorded as ``"error: <type>"``), each document's English word tokens
(``split_into_words``) and the versions of the packages used.

    .venv-peers/bin/python peers_quality.py DOCS.json OUT.json
"""

from __future__ import annotations

import json
import platform
import sys
from importlib import metadata

from datatrove.data import Document
from datatrove.pipeline.filters import (
    FineWebQualityFilter,
    GopherQualityFilter,
    GopherRepetitionFilter,
)
from datatrove.utils.text import split_into_words


def decision(block, doc: Document) -> str | None:
    try:
        result = block.filter(doc)
    except Exception as error:  # datatrove divides by zero on some texts
        return f"error: {type(error).__name__}"
    if isinstance(result, tuple):
        return result[1] if not result[0] else None
    return None if result else "rejected"


def main() -> None:
    with open(sys.argv[1]) as f:
        docs = json.load(f)
    blocks = {
        "gopher_quality": GopherQualityFilter(),
        "gopher_repetition": GopherRepetitionFilter(),
        "fineweb_quality": FineWebQualityFilter(),
    }
    out = {"decisions": {}, "versions": {"python": platform.python_version()}}
    for name in ("datatrove", "spacy"):
        out["versions"][name] = metadata.version(name)
    for name, block in blocks.items():
        out["decisions"][name] = {
            row["id"]: decision(block, Document(text=row["text"], id=row["id"])) for row in docs
        }
    out["tokens"] = {row["id"]: split_into_words(row["text"], "en") for row in docs}
    with open(sys.argv[2], "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
