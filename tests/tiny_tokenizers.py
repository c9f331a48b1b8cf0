"""Tokenizers for the tokenize tests, built in-process and offline with the tokenizers library."""

from __future__ import annotations

import json
from pathlib import Path

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

EOS = "<|endoftext|>"

MULTILINGUAL = [
    "The quick brown fox jumps over the lazy dog.",
    "Ünïcödé façade, naïve café — déjà vu.",
    "日本語のテキストを分割します。",
    "Привет, мир! Как дела?",
    "مرحبا بالعالم",
    "emoji 🎉🚀 and tabs\tand\nnewlines",
    "  leading and trailing spaces  ",
    "x",
]


def byte_bpe(path: Path, texts: list[str], vocab_size: int = 400) -> Path:
    """A GPT-2-style byte-level BPE trained on ``texts`` (it decodes back any text exactly),
    with EOS ``<|endoftext|>`` as id 0, saved to ``path`` (a tokenizer.json)."""
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=[EOS],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(texts, trainer)
    tokenizer.save(str(path))
    return path


def word_level(path: Path, words: list[str], eos: str | None = EOS) -> Path:
    """A whitespace word-level tokenizer whose vocabulary is ``words`` (ids in order), plus
    ``eos`` as the last id (none when None), saved to ``path``."""
    vocab = {word: index for index, word in enumerate(words)}
    if eos is not None:
        vocab[eos] = len(vocab)
    tokenizer = Tokenizer(models.WordLevel(vocab, unk_token=words[0]))
    tokenizer.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tokenizer.save(str(path))
    return path


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))
    return path


def decode_documents(tokenizer_path: Path, tokens, eos_id: int) -> list[str]:
    """The texts of a packed token stream: split after each EOS, each piece decoded."""
    tokenizer = Tokenizer.from_file(str(tokenizer_path))
    texts, current = [], []
    for token in tokens.tolist():
        if token == eos_id:
            texts.append(tokenizer.decode(current, skip_special_tokens=False))
            current = []
        else:
            current.append(token)
    assert current == [], "the stream must end with EOS"
    return texts
