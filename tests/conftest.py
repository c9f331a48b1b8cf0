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


@pytest.fixture
def sample_corpus() -> Path:
    """The bundled demo sample (KJV chapters)."""
    return REPO / "data" / "kjv_chapters.jsonl.gz"
