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

import json
from dataclasses import dataclass

import numba as nb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dataprep.arrow_numpy import byte_lengths, valid_mask
from dataprep.errors import InputError
from dataprep.hashing import fmix64
from dataprep.io.jsonl import Chunk
from dataprep.settings import ON_ERROR_MODES

INPUT_STAGE = "input"
INPUT_ERROR = "dp_input_error"


def reject_hint(arg) -> str:
    """The clause fail mode's errors end with; ``arg`` spells an argument for the caller (see
    dataprep.errors.DataprepError.naming)."""
    return (
        f" (pass {arg('on_error', 'reject', of='RunSettings')} to keep going and reject such rows)"
    )


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
    lengths = byte_lengths(text)
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
    return InputError.naming(
        lambda arg: f"{file}:{problem.where}: {problem.message}{reject_hint(arg)}"
    )


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


# ---- one chunk of a corpus -------------------------------------------------------------------


def _where(corpus, chunk: Chunk, index: int, row_in_file: int, position: int) -> str:
    """'line N' (JSON Lines) or 'row N' (0-based, other formats) of a row of a chunk."""
    if corpus.sources[index].format == "jsonl":
        return f"line {chunk.line_of(position)}"
    return f"row {row_in_file + position}"


def check_chunk(corpus, chunk: Chunk, index: int, row_in_file: int, seen: SeenIds | None):
    """The chunk in the corpus schema and its reject columns (reject mode); raises the
    InputError of the first bad record (fail mode)."""
    source = corpus.sources[index]
    if index in corpus.drifted_files:
        batch, problems = _drifted(corpus, chunk, index, row_in_file)
    else:
        batch = corpus.conform(chunk.batch, source)
        problems = [
            Problem(bad.position, bad.kind, f"line {bad.line}", bad.message) for bad in chunk.bad
        ]
    bad_rows = {problem.position for problem in problems}
    for position, kind, message in row_problems(
        batch, corpus.text_column, corpus.max_text_bytes, bad_rows
    ):
        where = _where(corpus, chunk, index, row_in_file, position)
        problems.append(Problem(position, kind, where, message))
    if chunk.bad and not corpus.generate_ids:
        batch = _fill_bad_ids(corpus, batch, chunk, index)
    if seen is not None:
        problems += _duplicates(corpus, batch, chunk, index, row_in_file, seen, problems)
    problems.sort(key=lambda problem: problem.position)
    if problems and corpus.on_error == "fail":
        raise fail(str(source.path), problems[0])
    if corpus.on_error == "fail":
        return batch, {}
    for problem in problems:
        problem.where = f"{source.name}:{problem.where}"
    return batch, reject_columns(batch.num_rows, problems)


def _duplicates(corpus, batch, chunk, index, row_in_file, seen, problems) -> list[Problem]:
    """Rows whose id was seen before (this pass), naming where."""
    skip = np.zeros(batch.num_rows, dtype=bool)
    skip[[problem.position for problem in problems]] = True
    if corpus.sources[index].format == "jsonl":
        numbers = chunk.line_numbers()
    else:
        numbers = np.arange(row_in_file, row_in_file + batch.num_rows, dtype=np.int64)
    ids = batch.column(corpus.id_column)
    earlier = seen.add(ids, (np.int64(index) << np.int64(40)) | numbers, skip)
    found = []
    for position in np.flatnonzero(earlier >= 0).tolist():
        place = int(earlier[position])
        first = corpus.sources[place >> 40]
        unit = "line" if first.format == "jsonl" else "row"
        message = (
            f"id {ids[position].as_py()!r} in column {corpus.id_column!r} repeats the id at "
            f"{first.name}:{unit} {place & ((1 << 40) - 1)}"
        )
        where = _where(corpus, chunk, index, row_in_file, position)
        found.append(Problem(position, "duplicate_id", where, message))
    return found


def _fill_bad_ids(corpus, batch: pa.RecordBatch, chunk: Chunk, index: int) -> pa.RecordBatch:
    """Ids of unparsable lines: the record's id where it could be read, else ``name:line``
    (string id columns only)."""
    position = batch.schema.get_field_index(corpus.id_column)
    field_type = batch.schema.field(position).type
    values = batch.column(position).to_pylist()
    for bad in chunk.bad:
        candidate = bad.record_id
        if candidate is None and pa.types.is_string(field_type):
            candidate = f"{corpus.sources[index].name}:{bad.line}"
        try:
            pa.array([candidate], field_type)
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
            candidate = None
        values[bad.position] = candidate
    return batch.set_column(position, corpus.schema.field(position), pa.array(values, field_type))


def _drifted(corpus, chunk: Chunk, index: int, row_in_file: int):
    """Rows of a file whose columns differ from the corpus: every row is rejected as
    schema_drift, with the whole record as JSON in the text column."""
    records = chunk.batch.to_pylist()
    columns = [pa.nulls(len(records), f.type) for f in corpus.schema]
    text_index = corpus.schema.get_field_index(corpus.text_column)
    raw = [json.dumps(r, ensure_ascii=False, default=str, sort_keys=True) for r in records]
    columns[text_index] = pa.array(raw, corpus.schema.field(text_index).type)
    batch = pa.RecordBatch.from_arrays(columns, schema=corpus.schema)
    if not corpus.generate_ids:
        position = corpus.schema.get_field_index(corpus.id_column)
        ids = [r.get(corpus.id_column) for r in records]
        try:
            ids_array = pa.array(ids, corpus.schema.field(position).type)
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
            ids_array = pa.nulls(len(ids), corpus.schema.field(position).type)
        batch = batch.set_column(position, corpus.schema.field(position), ids_array)
    reason = corpus.drifted_files[index]
    problems = [
        Problem(i, "schema_drift", _where(corpus, chunk, index, row_in_file, i), reason)
        for i in range(len(records))
    ]
    return batch, problems


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
    valid = valid_mask(values)
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
