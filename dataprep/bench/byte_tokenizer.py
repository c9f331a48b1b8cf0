"""A byte-level tokenizer.json whose token ids are the UTF-8 byte values (0..255) and whose
end-of-document token ``<eos>`` is id 256: the vocabulary of the tiny LM (dataprep.bench.tiny_lm,
PAD = 256), so ``dataprep tokenize`` can pack a corpus for it. Built offline with the
``tokenizers`` library: GPT-2's byte-to-character map (ByteLevel pre-tokenizer and decoder) and
a BPE model without merges whose 256 tokens are those characters, byte b's character as id b.
"""

from __future__ import annotations

from pathlib import Path

EOS_TOKEN = "<eos>"
EOS_ID = 256


def byte_characters() -> list[str]:
    """The character the ByteLevel pre-tokenizer maps each byte 0..255 to (GPT-2's map:
    printable bytes are themselves, the others are shifted to 256 + n)."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1)]
    printable += range(ord("®"), ord("ÿ") + 1)
    characters, shifted = {}, 0
    for byte in range(256):
        if byte in printable:
            characters[byte] = chr(byte)
        else:
            characters[byte] = chr(256 + shifted)
            shifted += 1
    return [characters[byte] for byte in range(256)]


def byte_tokenizer():
    """The tokenizers.Tokenizer: id b for byte b, ``<eos>`` = 256, decoding back to the text."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers

    vocab = {character: byte for byte, character in enumerate(byte_characters())}
    tokenizer = Tokenizer(models.BPE(vocab=vocab, merges=[]))
    # No regex split: every byte is one token whatever the split, and no prefix space is added.
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    tokenizer.decoder = decoders.ByteLevel()
    tokenizer.add_special_tokens([EOS_TOKEN])
    if tokenizer.token_to_id(EOS_TOKEN) != EOS_ID:  # pragma: no cover - a tokenizers change
        raise RuntimeError(f"{EOS_TOKEN} got id {tokenizer.token_to_id(EOS_TOKEN)}, not {EOS_ID}")
    return tokenizer


def write_byte_tokenizer(path: str | Path) -> Path:
    """Write the byte tokenizer and return its tokenizer.json. path: a folder (created if
    missing; the file is written into it as tokenizer.json) or a file path ending in .json."""
    path = Path(path)
    file = path if path.suffix == ".json" else path / "tokenizer.json"
    file.parent.mkdir(parents=True, exist_ok=True)
    byte_tokenizer().save(str(file))
    return file
