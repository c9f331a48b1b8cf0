"""Shared fixtures: where the real corpora live, and small readers for them."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
REPO = Path(__file__).resolve().parents[1]


def shared_file(*parts: str) -> Path:
    """A file under ../shared/data; the test is skipped when the corpora are not there."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"real corpus not available: {path}")
    return path


def read_jsonl_gz(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def load_shared(relative: str) -> list[dict]:
    """Records of a ``*.jsonl.gz`` file under ../shared/data (skips when absent)."""
    return read_jsonl_gz(shared_file(*relative.split("/")))


# A realistic English paragraph (6 sentences, 80 words) that every quality rule keeps.
GOOD_DOC = (
    "The history of the town goes back more than two thousand years, to a small settlement "
    "on the river. Over the centuries it grew into an important trading port, and merchants "
    "from many countries came to sell their goods. During the industrial revolution, large "
    "factories were built along the water and the population increased rapidly. Today the old "
    "warehouses have been turned into museums, restaurants and apartments. Visitors can walk "
    "along the historic docks and learn about the people who lived and worked there."
)


def reasons(stage, docs: list[str]) -> list[str | None]:
    """A filter's reject_reasons on documents given as plain strings (text column 'text')."""
    import pyarrow as pa

    return stage.reject_reasons(pa.RecordBatch.from_pylist([{"text": t} for t in docs]))


def reason(stage, doc: str) -> str | None:
    return reasons(stage, [doc])[0]


@pytest.fixture
def sample_corpus() -> Path:
    """The bundled demo sample (KJV chapters)."""
    return REPO / "data" / "kjv_chapters.jsonl.gz"
