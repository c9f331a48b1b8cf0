"""A tiny synthetic pool for ``dataprep bench train`` (tests/bench/test_train*.py, test_cli.py)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

# Three groups with disjoint vocabularies, so group-aware arms (ODM, DoReMi, DSIR) see a signal.
VOCABULARY = {
    "news": (
        [
            "council",
            "minister",
            "market",
            "election",
            "budget",
            "mayor",
            "reporter",
            "voter",
            "trade",
            "policy",
        ],
        [
            "announced",
            "approved",
            "rejected",
            "debated",
            "reported",
            "criticised",
            "delayed",
            "signed",
        ],
    ),
    "science": (
        [
            "protein",
            "molecule",
            "atom",
            "cell",
            "particle",
            "enzyme",
            "neuron",
            "crystal",
            "gene",
            "photon",
        ],
        ["absorbed", "emitted", "measured", "bonded", "split", "heated", "cooled", "observed"],
    ),
    "stories": (
        [
            "dragon",
            "king",
            "princess",
            "wizard",
            "castle",
            "forest",
            "river",
            "village",
            "knight",
            "giant",
        ],
        ["chased", "guarded", "found", "crossed", "enchanted", "visited", "feared", "rescued"],
    ),
}
GROUPS = tuple(VOCABULARY)
POOL_ROWS = 200
SENTENCES = 12  # of 9 words and a full stop: 120 WordPunct tokens, above DSIR's minimum of 100


def document(group: str, seed: int) -> str:
    """Deterministic sentences of ``group``'s words: 'The <n> <v> the <n> with the <n> ... .'
    (two distinct stop words, 'the' and 'with', as gopher_quality asks)"""
    nouns, verbs = VOCABULARY[group]
    rng = random.Random(f"{group}-{seed}")
    sentences = []
    for _ in range(SENTENCES):
        a, b, c, d = (rng.choice(nouns) for _ in range(4))
        sentences.append(f"The {a} {rng.choice(verbs)} the {b} with the {c} {d}.")
    return " ".join(sentences)


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


@pytest.fixture(scope="session")
def train_files(tmp_path_factory) -> dict[str, Path]:
    """pool.jsonl (200 rows: id, text, source in 3 groups of 67/67/66), valid.jsonl (12 rows of
    every group) and target.jsonl (12 science rows, the DSIR target), none overlapping."""
    folder = tmp_path_factory.mktemp("train_pool")
    pool = [
        {"id": f"doc-{i:03d}", "text": document(GROUPS[i % 3], i), "source": GROUPS[i % 3]}
        for i in range(POOL_ROWS)
    ]
    valid = [{"id": f"valid-{i}", "text": document(GROUPS[i % 3], 1000 + i)} for i in range(12)]
    target = [{"id": f"target-{i}", "text": document("science", 2000 + i)} for i in range(12)]
    return {
        "pool": write_jsonl(folder / "pool.jsonl", pool),
        "valid": write_jsonl(folder / "valid.jsonl", valid),
        "target": write_jsonl(folder / "target.jsonl", target),
    }


@pytest.fixture(scope="module")
def one_torch_thread():
    """Run ``run_train_bench``'s in-process jobs on one torch thread (the harness gives them
    os.cpu_count() threads with workers=0, which is slow on a busy machine), and put torch's
    thread count back afterwards."""
    import torch

    import dataprep.bench.train as train_module

    real_start, threads = train_module.start_worker, torch.get_num_threads()

    def start_worker(texts, groups, valid, _threads):
        real_start(texts, groups, valid, 1)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(train_module, "start_worker", start_worker)
        yield
    torch.set_num_threads(threads)
