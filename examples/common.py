"""What the examples share: read a corpus, split it, score it and schedule it with dataprep, and
build a small causal LM locally when no weights are available offline."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from dataprep.cli import builtin_recipe
from dataprep.config import build_stages, load_recipe
from dataprep.pipeline import Pipeline
from dataprep.schedule.curriculum import Curriculum
from dataprep.schedule.run import ScheduleRun

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared/data/tinyshakespeare/tinyshakespeare.jsonl.gz"


def read_texts(path: Path, limit: int | None = None) -> list[str]:
    """The ``text`` field of a JSONL[.gz] file (the first ``limit`` records when given)."""
    opener = gzip.open if Path(path).suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for line in f]
    return texts[:limit] if limit else texts


def split_and_score(texts: list[str], out: Path) -> tuple[Path, list[str]]:
    """Every 10th text is validation; the rest is scored with the default score recipe
    (``dataprep score``). Returns (the scored training data folder, validation texts)."""
    out.mkdir(parents=True, exist_ok=True)
    train_file = out / "train.jsonl"
    with train_file.open("w", encoding="utf-8") as f:
        for i, text in enumerate(texts):
            if i % 10:
                f.write(json.dumps({"id": f"doc{i}", "text": text}) + "\n")
    stages = build_stages(load_recipe(builtin_recipe("score/default.yaml"))["stages"])
    Pipeline(stages).run([str(train_file)], out / "scored", overwrite=True)
    return out / "scored" / "data", texts[::10]


def schedule(scored: Path, out: Path, **params) -> Path:
    """Write a curriculum over ``scored`` (``dataprep schedule``); returns its data folder."""
    ScheduleRun(Curriculum(**params)).run([str(scored)], out, overwrite=True)
    return out / "data"


def tiny_causal_lm(folder: Path, texts: list[str], *, seed: int = 0) -> str:
    """A small GPT-2 (random weights) with a byte-level BPE tokenizer trained on ``texts``, saved
    to ``folder``: a real causal LM for the examples when no weights are available offline."""
    import torch
    import transformers
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    bpe = trainers.BpeTrainer(
        vocab_size=1024,
        special_tokens=["<|endoftext|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tokenizer.train_from_iterator(texts, bpe)
    fast = transformers.PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, eos_token="<|endoftext|>", pad_token="<|endoftext|>"
    )
    fast.save_pretrained(folder)
    torch.manual_seed(seed)
    config = transformers.GPT2Config(
        vocab_size=len(fast), n_positions=128, n_embd=128, n_layer=2, n_head=4
    )
    transformers.GPT2LMHeadModel(config).save_pretrained(folder)
    return str(folder)
