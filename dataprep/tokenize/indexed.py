"""The shard format: Megatron-LM's indexed dataset (``MMIDIDX``), byte-exact.

A shard is two files with one prefix:

    PREFIX.bin   the token ids, flat, little-endian, no header: uint16 when the vocabulary has
                 at most 65,536 ids, else int32 (Megatron has no uint32 code; for ids below 2**31
                 the bytes are those of uint32). ``np.memmap(PREFIX.bin, dtype)`` is the whole
                 token stream, as a nanoGPT-style loader reads it.
    PREFIX.idx   the document index, as megatron.core.datasets.indexed_dataset writes it:
                   9 bytes   b"MMIDIDX\\x00\\x00"
                   8 bytes   version, <Q = 1
                   1 byte    dtype code, <B (uint16: 8, int32: 4)
                   8 bytes   sequence count S, <Q
                   8 bytes   document count D, <Q (= S + 1: document_indices has a leading 0)
                   S * 4     sequence lengths, int32 (tokens of each document, EOS included)
                   S * 8     sequence pointers, int64 (byte offset of each document in .bin)
                   D * 8     document indices, int64 (0, 1, ..., S: one sequence per document)

Megatron's ``IndexedDataset(PREFIX)`` opens it as is (tests/tokenize/test_indexed.py checks it
with megatron-core when that is installed). Tokens after the last document (the padding of a
``--seq-len`` shard) are outside every sequence, so Megatron does not see them.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

HEADER = b"MMIDIDX\x00\x00"
VERSION = 1
DTYPE_CODES = {np.dtype(np.uint16): 8, np.dtype(np.int32): 4}
UINT16_VOCAB = 1 << 16  # a vocabulary of at most this many ids fits uint16


def token_dtype(vocab_size: int) -> np.dtype:
    """uint16 for a vocabulary of at most 65,536 ids, else int32."""
    return np.dtype(np.uint16) if vocab_size <= UINT16_VOCAB else np.dtype(np.int32)


def write_index(path: Path, dtype: np.dtype, lengths: np.ndarray) -> None:
    """Write the .idx of documents of ``lengths`` tokens each (stored contiguously from byte 0
    of the .bin, in this order) with token type ``dtype``."""
    lengths = np.asarray(lengths, dtype=np.int64)
    count = len(lengths)
    pointers = np.zeros(count, dtype=np.int64)
    if count:
        np.cumsum(lengths[:-1] * dtype.itemsize, out=pointers[1:])
    with open(path, "wb") as f:
        f.write(HEADER)
        f.write(struct.pack("<Q", VERSION))
        f.write(struct.pack("<B", DTYPE_CODES[np.dtype(dtype)]))
        f.write(struct.pack("<Q", count))
        f.write(struct.pack("<Q", count + 1))
        f.write(lengths.astype("<i4").tobytes())
        f.write(pointers.astype("<i8").tobytes())
        f.write(np.arange(count + 1, dtype="<i8").tobytes())


@dataclass
class Index:
    """A read .idx: the token type, each document's length and byte offset in the .bin."""

    dtype: np.dtype
    lengths: np.ndarray
    pointers: np.ndarray

    @property
    def offsets(self) -> np.ndarray:
        """Each document's first token as a token offset in the .bin."""
        return self.pointers // self.dtype.itemsize


def read_index(path: Path) -> Index:
    """Read a .idx written by ``write_index`` (or by Megatron, without multimodal modes)."""
    data = Path(path).read_bytes()
    if data[: len(HEADER)] != HEADER:
        raise ValueError(f"{path}: not a Megatron indexed dataset index (bad header)")
    (code,) = struct.unpack_from("<B", data, 17)
    dtypes = {value: key for key, value in DTYPE_CODES.items()}
    if code not in dtypes:
        raise ValueError(f"{path}: token type code {code} is not uint16 (8) or int32 (4)")
    count, _ = struct.unpack_from("<QQ", data, 18)
    lengths = np.frombuffer(data, dtype="<i4", count=count, offset=34).astype(np.int64)
    pointers = np.frombuffer(data, dtype="<i8", count=count, offset=34 + 4 * count)
    return Index(dtypes[code], lengths, pointers.astype(np.int64))
