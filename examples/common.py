"""What the examples share: reading, splitting, scoring and scheduling a corpus (the helpers of
``dataprep bench curriculum``), and a small causal LM built locally when no weights are
available offline."""

from __future__ import annotations

from pathlib import Path

from dataprep.bench.curriculum import read_texts, schedule, split_and_score

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared/data/tinyshakespeare/tinyshakespeare.jsonl.gz"

__all__ = ["DEFAULT_DATA", "REPO", "read_texts", "schedule", "split_and_score", "tiny_causal_lm"]


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
