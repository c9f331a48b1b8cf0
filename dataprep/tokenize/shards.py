"""Packed token shards: documents' tokens appended in order to ``part-NNNNN.bin``, cut into a
new shard at the first document boundary at or after ``shard_tokens`` tokens (a document is
never split across shards), each shard closed with its Megatron index (dataprep.tokenize.indexed)
and its document table ``part-NNNNN.docs.arrow``: per document, in order, the input row number
(``row``), the id column's value (``id``), the token offset of its first token in the .bin
(``offset``) and its token count with EOS (``tokens``).

Fixed-length sequences (``seq_len``): sequence k of a shard is tokens [k * seq_len,
(k + 1) * seq_len) of its .bin, so no sequence crosses a shard boundary. The shard's last
partial sequence is completed with ``pad_id`` tokens written to the .bin after the last
document (remainder 'pad'), or left out of the sequences (remainder 'drop': its tokens stay in
the .bin and the index, outside every sequence). Each shard reports its padding or dropped
tokens.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from dataprep.tokenize.indexed import write_index

REMAINDERS = ("pad", "drop")


@dataclass
class ShardLayout:
    """How tokens are laid out in shards.

    dtype: the token type (uint16 or int32); shard_tokens: a shard is closed after the document
    that brings it to at least this many tokens; seq_len: tokens per fixed-length sequence
    (None: no sequences); remainder: 'pad' (default) or 'drop', for a shard's last partial
    sequence; pad_id: the padding token (the EOS id by default in the command).
    """

    dtype: np.dtype
    shard_tokens: int
    seq_len: int | None = None
    remainder: str = "pad"
    pad_id: int = 0


def shard_name(number: int) -> str:
    """The file prefix of shard ``number`` (``part-00000``)."""
    return f"part-{number:05d}"


class ShardWriter:
    """Writes shards into ``directory``, numbered from ``first`` (default 0; a resumed run
    continues after its complete shards). ``id_type``: the Arrow type of the id column."""

    def __init__(
        self, directory: Path, layout: ShardLayout, id_type: pa.DataType, first: int = 0
    ) -> None:
        self.directory = Path(directory)
        self.layout = layout
        self.docs_schema = pa.schema(
            [("row", pa.int64()), ("id", id_type), ("offset", pa.int64()), ("tokens", pa.int64())]
        )
        self.number = first
        self.directory.mkdir(parents=True, exist_ok=True)
        self._bin = None
        self._docs = None
        self._lengths: list[np.ndarray] = []
        self._tokens = 0
        self._documents = 0
        self._first_row: int | None = None

    def documents_that_fit(self, lengths: np.ndarray) -> int:
        """How many of the documents of ``lengths`` go into the open shard before it is full
        (at least 1; all of them when it does not fill)."""
        room = self.layout.shard_tokens - self._tokens
        filled = np.flatnonzero(np.cumsum(lengths) >= room)
        return int(filled[0]) + 1 if len(filled) else len(lengths)

    @property
    def full(self) -> bool:
        """Whether the open shard has reached ``shard_tokens``."""
        return self._tokens >= self.layout.shard_tokens

    def write(
        self, tokens: np.ndarray, lengths: np.ndarray, rows: np.ndarray, ids: pa.Array
    ) -> None:
        """Append documents (their concatenated ``tokens``, each one's token count in
        ``lengths``, input row numbers ``rows`` and ``ids``) to the open shard."""
        if not len(lengths):
            return
        if self._bin is None:
            self._open()
        offsets = self._tokens + np.concatenate([[0], np.cumsum(lengths[:-1])])
        self._bin.write(np.ascontiguousarray(tokens, dtype=self.layout.dtype).tobytes())
        columns = [pa.array(rows, pa.int64()), ids, pa.array(offsets), pa.array(lengths)]
        self._docs.write_batch(pa.RecordBatch.from_arrays(columns, schema=self.docs_schema))
        self._lengths.append(np.asarray(lengths, dtype=np.int64))
        self._tokens += int(lengths.sum())
        self._documents += len(lengths)
        if self._first_row is None:
            self._first_row = int(rows[0])

    def _open(self) -> None:
        prefix = self.directory / shard_name(self.number)
        self._bin = open(prefix.with_suffix(".bin"), "wb")  # noqa: SIM115 (closed in close)
        docs_path = prefix.with_suffix(".docs.arrow")
        self._docs = pa.ipc.new_file(str(docs_path), self.docs_schema)

    def close(self) -> dict | None:
        """Close the open shard (padding its last sequence, writing its index) and return its
        record for the manifest; None when no shard is open."""
        if self._bin is None:
            return None
        layout, tokens = self.layout, self._tokens
        padding = dropped = 0
        sequences = None
        if layout.seq_len:
            if layout.remainder == "pad":
                padding = -tokens % layout.seq_len
                self._bin.write(np.full(padding, layout.pad_id, dtype=layout.dtype).tobytes())
            else:
                dropped = tokens % layout.seq_len
            sequences = (tokens + padding) // layout.seq_len
        self._bin.close()
        self._docs.close()
        prefix = self.directory / shard_name(self.number)
        write_index(prefix.with_suffix(".idx"), layout.dtype, np.concatenate(self._lengths))
        record = {
            "prefix": shard_name(self.number),
            "documents": self._documents,
            "tokens": tokens,
            "first_row": self._first_row,
            "sequences": sequences,
            "padding": padding,
            "dropped": dropped,
        }
        self.number += 1
        self._bin = self._docs = self._first_row = None
        self._lengths, self._tokens, self._documents = [], 0, 0
        return record

    def abandon(self) -> None:
        """Close the open shard's files without finishing it (a run that stops early)."""
        for handle in (self._bin, self._docs):
            if handle is not None:
                handle.close()
        self._bin = self._docs = None
