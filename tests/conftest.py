"""Shared fixtures: where the real corpora live, and small readers for them."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
REPO = Path(__file__).resolve().parents[1]

# The command line runs on every CPU by default; the suite's many small CLI runs (some in
# processes that loaded scikit-learn, where workers must be spawned) are faster with one.
os.environ.setdefault("DATAPREP_NUM_PROC", "1")


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


TINY_LM_CORPUS = [
    "the cat sat on the mat",
    "the dog sat on the log",
    "a bird flew over the house",
    "the cat and the dog are friends",
]


def build_tiny_causal_lm(folder: Path) -> str:
    """A tiny GPT-2 (random weights, seed 0) with a word-level tokenizer trained on local text,
    saved to ``folder``: a real local causal LM for tests, with nothing downloaded."""
    import torch
    import transformers
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    tok = Tokenizer(models.WordLevel(unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    trainer = trainers.WordLevelTrainer(special_tokens=["[UNK]", "[PAD]"])
    tok.train_from_iterator(TINY_LM_CORPUS, trainer)
    fast = transformers.PreTrainedTokenizerFast(
        tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]"
    )
    fast.save_pretrained(folder)
    torch.manual_seed(0)
    config = transformers.GPT2Config(
        vocab_size=len(fast), n_positions=64, n_embd=16, n_layer=1, n_head=2
    )
    transformers.GPT2LMHeadModel(config).save_pretrained(folder)
    return str(folder)


def word_shingles(text: str, n: int = 5) -> set[str]:
    """Reference shingling in plain Python: lowercase, split on whitespace, word n-grams."""
    tokens = text.lower().split()
    if not tokens:
        return set()
    size = min(n, len(tokens))
    return {" ".join(tokens[i : i + size]) for i in range(len(tokens) - size + 1)}


def true_jaccard(a: str, b: str) -> float:
    sa, sb = word_shingles(a), word_shingles(b)
    return len(sa & sb) / len(sa | sb) if sa | sb else 0.0


@pytest.fixture
def sample_corpus() -> Path:
    """The bundled demo sample (KJV chapters)."""
    return REPO / "data" / "kjv_chapters.jsonl.gz"
