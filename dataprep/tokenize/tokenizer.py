"""The tokenizer of ``dataprep tokenize``: a local Hugging Face fast tokenizer (a folder holding
tokenizer.json, or the file itself; nothing is downloaded), its end-of-document token, and the
encoding of one batch of texts that a worker process runs.

End of document (EOS), appended after every document: ``--eos-token`` when given (a token of
the vocabulary); else the tokenizer's ``eos_token`` (tokenizer_config.json or
special_tokens_map.json beside tokenizer.json); else the first of ``COMMON_EOS`` in the
vocabulary; else its ``sep_token`` (BERT's [SEP]). A tokenizer with none of these needs
``--eos-token``. Texts are encoded without the special tokens a tokenizer adds around a text on
its own (BOS, [CLS] ... [SEP]); a tokenizer.json's padding and truncation are switched off.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from dataprep.errors import ConfigError
from dataprep.tokenize.indexed import token_dtype

COMMON_EOS = ("<|endoftext|>", "</s>", "<|end_of_text|>", "<eos>", "<|eos|>")
INSTALL = "pip install tokenizers"


def _tokenizer_class():
    try:
        from tokenizers import Tokenizer
    except ImportError:
        raise ConfigError(f"dataprep tokenize needs the tokenizers package: {INSTALL}") from None
    return Tokenizer


def tokenizer_file(path: str | Path) -> Path:
    """The tokenizer.json that ``path`` names (the file, or a folder holding it)."""
    path = Path(path)
    if path.is_dir():
        path = path / "tokenizer.json"
        if not path.is_file():
            raise ConfigError(
                f"{path.parent}: no tokenizer.json in the folder; pass a local Hugging Face fast "
                "tokenizer folder or its tokenizer.json (nothing is downloaded)"
            )
    elif not path.is_file():
        raise ConfigError(f"{path}: no such tokenizer file or folder")
    return path


def _special_token(folder: Path, name: str) -> str | None:
    """Token ``name`` (e.g. 'eos_token') of tokenizer_config.json or special_tokens_map.json."""
    for file_name in ("tokenizer_config.json", "special_tokens_map.json"):
        path = folder / file_name
        if not path.is_file():
            continue
        try:
            value = json.loads(path.read_text()).get(name)
        except (json.JSONDecodeError, UnicodeDecodeError, AttributeError):
            continue
        if isinstance(value, dict):
            value = value.get("content")
        if isinstance(value, str) and value:
            return value
    return None


def find_eos(tokenizer, folder: Path, eos_token: str | None) -> tuple[str, str]:
    """(EOS token, where it came from) by the rule in the module docstring."""
    if eos_token is not None:
        if tokenizer.token_to_id(eos_token) is None:
            raise ConfigError.naming(
                lambda arg: (
                    f"{arg('eos_token', eos_token)}: not a token of the tokenizer in {folder}"
                )
            )
        return eos_token, "--eos-token"
    candidates = [(_special_token(folder, "eos_token"), "the tokenizer's eos_token")]
    candidates += [(token, "a common end-of-text token") for token in COMMON_EOS]
    candidates.append((_special_token(folder, "sep_token"), "the tokenizer's sep_token"))
    candidates.append(("[SEP]", "the tokenizer's sep_token"))
    for token, source in candidates:
        if token is not None and tokenizer.token_to_id(token) is not None:
            return token, source
    raise ConfigError.naming(
        lambda arg: (
            f"{folder}: the tokenizer has no end-of-document token (no eos_token, "
            f"{', '.join(COMMON_EOS)} or sep_token); name one of its tokens with {arg('eos_token')}"
        )
    )


@dataclass
class Encoder:
    """What a worker needs to encode texts: the tokenizer (as JSON), the EOS id and the token
    type. Built by ``load_encoder``; picklable (the loaded tokenizer is rebuilt per process)."""

    tokenizer_json: str
    eos_id: int
    dtype: np.dtype
    _loaded: object = field(default=None, repr=False, compare=False)

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_loaded": None}

    def tokenizer(self):
        """The tokenizer, loaded once per process, with padding and truncation off."""
        if self._loaded is None:
            tokenizer = _tokenizer_class().from_str(self.tokenizer_json)
            tokenizer.no_padding()
            tokenizer.no_truncation()
            self._loaded = tokenizer
        return self._loaded

    def encode(self, texts) -> tuple[np.ndarray, np.ndarray]:
        """(tokens, lengths): the token ids of ``texts`` (a list of strings or an Arrow string
        array), each text followed by EOS, concatenated in order; lengths holds each text's
        token count with its EOS."""
        if not isinstance(texts, list):
            texts = texts.to_pylist()
        encodings = self.tokenizer().encode_batch_fast(texts, add_special_tokens=False)
        ids = [encoding.ids for encoding in encodings]
        lengths = np.fromiter(map(len, ids), dtype=np.int64, count=len(ids)) + 1
        ends = np.cumsum(lengths)
        total = int(ends[-1]) if len(ends) else 0
        tokens = np.empty(total, dtype=self.dtype)
        is_eos = np.zeros(total, dtype=bool)
        is_eos[ends - 1] = True
        tokens[is_eos] = self.eos_id
        tokens[~is_eos] = np.fromiter(
            itertools.chain.from_iterable(ids), dtype=self.dtype, count=total - len(ids)
        )
        return tokens, lengths


def encode_texts(encoder: Encoder, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """``encoder.encode(texts)``, as a module-level function for the worker pool."""
    return encoder.encode(texts)


@dataclass(frozen=True)
class TokenizerInfo:
    """The loaded tokenizer's description for the manifest and the resume fingerprint."""

    path: str
    sha256: str
    vocab_size: int
    eos_token: str
    eos_id: int
    eos_source: str
    dtype: str


def load_encoder(path: str | Path, eos_token: str | None = None) -> tuple[Encoder, TokenizerInfo]:
    """The Encoder and description of the tokenizer at ``path`` (a folder holding tokenizer.json
    or the file itself). eos_token: the end-of-document token (default None: found by the rule
    in the module docstring)."""
    file = tokenizer_file(path)
    data = file.read_bytes()
    try:
        tokenizer = _tokenizer_class().from_str(data.decode("utf-8"))
    except Exception as error:  # the Rust side raises plain Exceptions
        raise ConfigError(
            f"{file}: cannot be read as a tokenizers tokenizer.json: {error}"
        ) from None
    token, source = find_eos(tokenizer, file.parent, eos_token)
    vocab_size = max(tokenizer.get_vocab(with_added_tokens=True).values()) + 1
    dtype = token_dtype(vocab_size)
    eos_id = tokenizer.token_to_id(token)
    info = TokenizerInfo(
        str(file), hashlib.sha256(data).hexdigest(), vocab_size, token, eos_id, source, dtype.name
    )
    return Encoder(data.decode("utf-8"), eos_id, dtype), info
