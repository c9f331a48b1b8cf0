"""Bad input records: find them, then fail with one sentence or reject them as rows.

``on_error="fail"`` (default): the first bad record raises an InputError naming the file, the
line (JSON Lines) or row (Parquet, Arrow; 0-based, as in generated ids), the column and what
was expected. ``on_error="reject"``: the record becomes a row of OUT/rejected with
``dp_reject_stage`` = ``input``, ``dp_reject_reason`` = ``bad_input_<kind>`` and
``dp_input_error`` = the message; nothing else is lost. What could be read of it is kept: a row
that parsed keeps its columns; a line that did not holds the raw line (decoded with
errors='replace') in the text column.

Kinds: not_json, invalid_utf8, non_string_text, schema_drift, truncated (from the readers) and
null_text, empty_text, too_long, duplicate_id (checked here on every row, every format).

Duplicate ids are found with a streaming open-addressing table of 128-bit id hashes (two
64-bit words) and the 8-byte place of each id's first occurrence: 24 bytes a slot, at most half
full, so about 48 bytes per input row, held for one pass.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba as nb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dataprep.errors import InputError
from dataprep.hashing import fmix64

ON_ERROR_MODES = ("fail", "reject")
INPUT_STAGE = "input"
INPUT_ERROR = "dp_input_error"
DEFAULT_MAX_TEXT_BYTES = 4 << 20  # 4 MiB: far above real documents, far below a 10 MB dump
REJECT_HINT = " (pass --on-error reject to keep going and reject such rows)"


@dataclass
class Problem:
    """A bad row of a chunk: position in the chunk, kind, where (e.g. 'line 7'), message."""

    position: int
    kind: str
    where: str
    message: str


def check_on_error(on_error: str) -> None:
    if on_error not in ON_ERROR_MODES:
        raise InputError(f"on_error must be 'fail' or 'reject'. Got {on_error!r} instead.")


def row_problems(
    batch: pa.RecordBatch, text_column: str, max_text_bytes: int, skip: set[int]
) -> list[tuple[int, str, str]]:
    """(position, kind, message) for rows whose text is null, empty or longer than
    ``max_text_bytes`` UTF-8 bytes; rows in ``skip`` (already bad) are not looked at."""
    text = batch.column(text_column)
    lengths = pc.fill_null(pc.binary_length(text), -1).to_numpy(zero_copy_only=False)
    flagged = np.flatnonzero((lengths <= 0) | (lengths > max_text_bytes))
    problems = []
    for position in flagged.tolist():
        if position in skip:
            continue
        length = int(lengths[position])
        if length < 0:
            problems.append((position, "null_text", f"column {text_column!r} is null"))
        elif length == 0:
            problems.append((position, "empty_text", f"column {text_column!r} is empty"))
        else:
            problems.append(
                (
                    position,
                    "too_long",
                    f"column {text_column!r} holds {length:,} bytes, more than max_text_bytes "
                    f"({max_text_bytes:,})",
                )
            )
    return problems


def fail(file: str, problem: Problem) -> InputError:
    """The InputError of fail mode for one bad record."""
    return InputError(f"{file}:{problem.where}: {problem.message}{REJECT_HINT}")


def reject_columns(num_rows: int, problems: list[Problem]) -> dict[str, pa.Array]:
    """dp_reject_stage, dp_reject_reason and dp_input_error for a chunk with these problems."""
    from dataprep.stage import REJECT_REASON, REJECT_STAGE

    stage = np.full(num_rows, None, dtype=object)
    reason = np.full(num_rows, None, dtype=object)
    message = np.full(num_rows, None, dtype=object)
    for problem in problems:
        stage[problem.position] = INPUT_STAGE
        reason[problem.position] = f"bad_input_{problem.kind}"
        message[problem.position] = f"{problem.where}: {problem.message}"
    return {
        REJECT_STAGE: pa.array(stage, pa.string()),
        REJECT_REASON: pa.array(reason, pa.string()),
        INPUT_ERROR: pa.array(message, pa.string()),
    }


# ---- duplicate ids -------------------------------------------------------------------------


@nb.njit(cache=True)
def _hash_bytes(data, offsets, valid):
    """Two independent 64-bit hashes (FNV-1a and a multiplicative hash, both finalized) of each
    byte string data[offsets[i]:offsets[i+1]]."""
    n = len(offsets) - 1
    h1 = np.empty(n, np.uint64)
    h2 = np.empty(n, np.uint64)
    for i in range(n):
        a = np.uint64(0xCBF29CE484222325)
        b = np.uint64(0x84222325CBF29CE4)
        if valid[i]:
            for j in range(offsets[i], offsets[i + 1]):
                a = (a ^ np.uint64(data[j])) * np.uint64(0x100000001B3)
                b = (b + np.uint64(data[j]) + np.uint64(1)) * np.uint64(0x9E3779B97F4A7C15)
        length = np.uint64(offsets[i + 1] - offsets[i])
        h1[i] = fmix64(a ^ length)
        h2[i] = fmix64(b + length * np.uint64(0xC2B2AE3D27D4EB4F))
    return h1, h2


@nb.njit(cache=True)
def _insert(keys1, keys2, places, used, h1, h2, new_places, valid):
    """Insert each valid hash; returns, per row, the place of an earlier equal id or -1."""
    mask = np.uint64(len(keys1) - 1)
    earlier = np.full(len(h1), -1, np.int64)
    count = 0
    for i in range(len(h1)):
        if not valid[i]:
            continue
        slot = h1[i] & mask
        while used[slot]:
            if keys1[slot] == h1[i] and keys2[slot] == h2[i]:
                earlier[i] = places[slot]
                break
            slot = (slot + np.uint64(1)) & mask
        if not used[slot]:
            used[slot] = True
            keys1[slot] = h1[i]
            keys2[slot] = h2[i]
            places[slot] = new_places[i]
            count += 1
    return earlier, count


def id_hashes(values: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(h1, h2, valid) of an id column; non-string ids are hashed through their text form."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
        values = pc.cast(values, pa.string())
    offset_type = np.int64 if pa.types.is_large_string(values.type) else np.int32
    buffers = values.buffers()
    start = values.offset
    offsets = np.frombuffer(buffers[1], offset_type)[start : start + len(values) + 1]
    data = np.frombuffer(buffers[2], np.uint8) if buffers[2] is not None else np.zeros(0, np.uint8)
    valid = values.is_valid().to_numpy(zero_copy_only=False)
    h1, h2 = _hash_bytes(data, offsets.astype(np.int64), valid)
    return h1, h2, valid


class SeenIds:
    """The ids seen so far in one pass, with where each was first seen (an int64 'place')."""

    def __init__(self, capacity: int = 1 << 16) -> None:
        self._allocate(capacity)
        self.count = 0

    def _allocate(self, capacity: int) -> None:
        self.keys1 = np.zeros(capacity, np.uint64)
        self.keys2 = np.zeros(capacity, np.uint64)
        self.places = np.zeros(capacity, np.int64)
        self.used = np.zeros(capacity, np.bool_)

    def add(self, values: pa.Array, places: np.ndarray, skip: np.ndarray) -> np.ndarray:
        """Record the ids of one chunk; returns, per row, the place of an earlier occurrence of
        the same id (this chunk included) or -1. Null ids and rows where ``skip`` is True are
        neither recorded nor duplicates."""
        h1, h2, valid = id_hashes(values)
        valid = valid & ~skip
        while 2 * (self.count + int(valid.sum())) > len(self.keys1):
            self._grow()
        earlier, added = _insert(
            self.keys1, self.keys2, self.places, self.used, h1, h2, places, valid
        )
        self.count += added
        return earlier

    def _grow(self) -> None:
        old = (self.keys1[self.used], self.keys2[self.used], self.places[self.used])
        self._allocate(2 * len(self.keys1))
        valid = np.ones(len(old[0]), np.bool_)
        _insert(self.keys1, self.keys2, self.places, self.used, old[0], old[1], old[2], valid)
