"""JSON Lines reading in blocks, with a fast path and a per-line slow path.

The decompressed stream is cut into blocks of about ``JSON_BLOCK_BYTES`` that end at a line
break. Each block is parsed by pyarrow's JSON reader against the file's schema and its strings
are checked for valid UTF-8 (Arrow's own validation, ~7 GB/s; pyarrow's JSON reader accepts bad
bytes). Only a block that fails either check goes through the slow path: every line is decoded
and parsed on its own, the bad lines are reported as :class:`BadRecord` (kind, line, message)
and the good lines are parsed by pyarrow again, so good rows read identically on both paths.

A compressed stream that ends early (a truncated ``.gz``/``.zst``) yields the complete lines
read so far, then a ``truncated`` bad record holding the partial last line.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.json as pajson

COMPRESSION_SUFFIXES = {".gz": "gzip", ".zst": "zstd", ".zstd": "zstd"}
JSON_BLOCK_BYTES = 8 << 20  # bytes of text parsed at once (a longer line makes a longer block)
# Bytes asked of the stream per read: a whole block for plain files; 64 KiB for compressed
# ones, so a truncated stream loses at most that much before its error.
READ_BYTES = 64 << 10
PARSE_BLOCK_BYTES = 1 << 20  # pyarrow's own block size inside a block (parallel parsing)


@dataclass
class BadRecord:
    """One record that cannot be read as a row of the file's schema.

    position: where the row goes in its chunk (rows after it shift by one); kind: the
    ``bad_input_<kind>`` suffix (not_json, invalid_utf8, non_string_text, schema_drift,
    truncated); line: 1-based line number in the file; message: what is wrong, one clause;
    raw: what could be read of the record (the line, decoded with errors='replace').
    """

    position: int
    kind: str
    line: int
    message: str
    raw: str | None = None
    record_id: object = None


@dataclass
class Chunk:
    """Rows of one block: ``batch`` in the file schema (bad records hold their raw text in the
    text column and nulls elsewhere), the bad records among them, and each row's line."""

    batch: pa.RecordBatch
    bad: list[BadRecord] = field(default_factory=list)
    first_line: int = 1
    lines: np.ndarray | None = None  # None: row i is on line first_line + i

    def line_of(self, row: int) -> int:
        return int(self.lines[row]) if self.lines is not None else self.first_line + row

    def line_numbers(self) -> np.ndarray:
        """The line of every row (int64)."""
        if self.lines is not None:
            return self.lines
        return np.arange(self.first_line, self.first_line + self.batch.num_rows, dtype=np.int64)


class TruncatedError(Exception):
    """The compressed stream ended early; ``after_line`` is the last complete line."""

    def __init__(self, after_line: int, reason: str, tail: bytes) -> None:
        super().__init__(reason)
        self.after_line = after_line
        self.tail = tail


def open_stream(path: Path) -> pa.NativeFile:
    """The decompressed byte stream of a JSON Lines file."""
    return pa.input_stream(str(path), compression=COMPRESSION_SUFFIXES.get(path.suffix.lower()))


def iter_blocks(path: Path, block_bytes: int | None = None) -> Iterator[tuple[bytes, int, int]]:
    """(block, first line number, number of line breaks) for each block of whole lines; a
    truncated stream raises TruncatedError (holding the partial line) after its last block."""
    block_bytes = block_bytes or JSON_BLOCK_BYTES
    compressed = path.suffix.lower() in COMPRESSION_SUFFIXES
    read_bytes = min(READ_BYTES, block_bytes) if compressed else block_bytes
    line = 1
    pending = b""
    target = block_bytes
    with open_stream(path) as stream:
        while True:
            parts = [pending]
            size = len(pending)
            try:
                while size < target:
                    data = stream.read(min(read_bytes, target - size))
                    if not data:
                        break
                    parts.append(data)
                    size += len(data)
            except (OSError, EOFError) as error:
                buffer = b"".join(parts)
                cut = buffer.rfind(b"\n") + 1
                if cut:
                    breaks = buffer.count(b"\n", 0, cut)
                    yield buffer[:cut], line, breaks
                    line += breaks
                reason = str(error) or type(error).__name__
                raise TruncatedError(line - 1, reason, buffer[cut:]) from None
            buffer = b"".join(parts)
            if size < target:  # end of stream
                if buffer:
                    yield buffer, line, buffer.count(b"\n")
                return
            cut = buffer.rfind(b"\n") + 1
            if cut == 0:  # one line longer than a block: keep reading
                pending = buffer
                target = size + max(block_bytes, READ_BYTES)
                continue
            target = block_bytes
            breaks = buffer.count(b"\n", 0, cut)
            yield buffer[:cut], line, breaks
            line += breaks
            pending = buffer[cut:]


def parse_block(block: bytes, schema: pa.Schema | None, drop_extra: bool = False) -> pa.Table:
    """pyarrow's JSON reader on one block (``schema`` None: infer). Raises pa.ArrowInvalid.
    drop_extra: keys not in ``schema`` are dropped (default False: they are an error)."""
    read_options = pajson.ReadOptions(block_size=PARSE_BLOCK_BYTES, use_threads=True)
    unexpected = "infer" if schema is None else ("ignore" if drop_extra else "error")
    parse_options = pajson.ParseOptions(
        explicit_schema=schema, unexpected_field_behavior=unexpected
    )
    try:
        return pajson.read_json(
            pa.BufferReader(block), read_options=read_options, parse_options=parse_options
        )
    except pa.ArrowInvalid as error:
        if "straddl" not in str(error):
            raise
    # A line longer than pyarrow's block: parse the whole block as one (no parallelism).
    read_options.block_size = len(block) + 1
    return pajson.read_json(
        pa.BufferReader(block), read_options=read_options, parse_options=parse_options
    )


def read_chunk(
    block: bytes,
    first_line: int,
    schema: pa.Schema,
    text_column: str,
    id_column: str | None,
    breaks: int | None = None,
    drop_extra: bool = False,
) -> Chunk:
    """The rows of one block: the fast path, or the per-line slow path when it fails.
    ``breaks``: the block's number of line breaks, when the caller counted them already;
    drop_extra: keys not in ``schema`` are dropped (default False: they are schema drift)."""
    if not block or block.isspace():
        return Chunk(_empty_batch(schema))
    try:
        table = parse_block(block, schema, drop_extra)
        table.validate(full=True)  # invalid UTF-8 in any string
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return _slow_chunk(block, first_line, schema, text_column, id_column, drop_extra)
    batch = _as_batch(table, schema)
    lines = None
    breaks = block.count(b"\n") if breaks is None else breaks
    if batch.num_rows != breaks + (not block.endswith(b"\n")):
        lines = _record_lines(block, first_line)  # blank lines in the block
    return Chunk(batch, [], first_line, lines)


def _empty_batch(schema: pa.Schema) -> pa.RecordBatch:
    return pa.RecordBatch.from_pylist([], schema=schema)


def _as_batch(table: pa.Table, schema: pa.Schema) -> pa.RecordBatch:
    if table.num_rows == 0:
        return _empty_batch(schema)
    return table.combine_chunks().to_batches()[0]


def _record_lines(block: bytes, first_line: int) -> np.ndarray:
    lines = [first_line + i for i, line in enumerate(block.split(b"\n")) if line.strip()]
    return np.asarray(lines, dtype=np.int64)


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _check_line(line: bytes, known: set[str] | None, text_column: str) -> tuple[str, str] | None:
    """(kind, message) for a line that cannot be a row with columns ``known`` (None: any
    columns); None when it may be one."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as error:
        return "invalid_utf8", f"invalid UTF-8 bytes at byte {error.start} ({error.reason})"
    try:
        record = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        return "not_json", f"not valid JSON ({error.msg} at column {error.colno})"
    except (ValueError, RecursionError) as error:
        return "not_json", f"not valid JSON ({error})"
    if not isinstance(record, dict):
        return "not_json", f"expected a JSON object, got {type(record).__name__}"
    extra = sorted(set(record) - known) if known is not None else []
    if extra:
        return "schema_drift", (
            f"column {extra[0]!r} is not in the schema of the earlier lines "
            f"({', '.join(sorted(known))})"
        )
    value = record.get(text_column)
    if value is not None and not isinstance(value, str):
        return "non_string_text", (
            f"column {text_column!r} holds {type(value).__name__}, expected a string"
        )
    return None


def _slow_chunk(
    block: bytes,
    first_line: int,
    schema: pa.Schema,
    text_column: str,
    id_column: str | None,
    drop_extra: bool = False,
) -> Chunk:
    """Per-line reading of a block the fast path refused."""
    candidates: list[tuple[int, bytes]] = []
    bad_by_line: dict[int, BadRecord] = {}
    known = None if drop_extra else set(schema.names)
    for offset, line in enumerate(block.split(b"\n")):
        if not line.strip():
            continue
        number = first_line + offset
        problem = _check_line(line, known, text_column)
        if problem is None:
            candidates.append((number, line))
        else:
            bad_by_line[number] = _bad(number, line, problem, id_column)
    for index, message in _type_errors([line for _, line in candidates], schema, drop_extra):
        number, line = candidates[index]
        bad_by_line[number] = _bad(number, line, ("schema_drift", message), id_column)
    good = [(n, line) for n, line in candidates if n not in bad_by_line]
    numbers = sorted([n for n, _ in good] + list(bad_by_line))
    return _merge(good, bad_by_line, numbers, schema, text_column, first_line, drop_extra)


def _bad(number: int, line: bytes, problem: tuple[str, str], id_column: str | None) -> BadRecord:
    raw = line.decode("utf-8", errors="replace")
    return BadRecord(-1, problem[0], number, problem[1], raw, _id_of(line, id_column))


def _type_errors(
    lines: list[bytes], schema: pa.Schema, drop_extra: bool, start: int = 0
) -> list[tuple[int, str]]:
    """(index, message) of the lines whose values do not fit the schema's types, found by
    bisection: one parse when all fit, about 2 log2(n) parses per bad line otherwise."""
    if not lines:
        return []
    try:
        parse_block(b"\n".join(lines) + b"\n", schema, drop_extra).validate(full=True)
        return []
    except (pa.ArrowInvalid, pa.ArrowTypeError) as error:
        if len(lines) == 1:
            return [(start, _type_message(str(error), schema))]
    middle = len(lines) // 2
    return _type_errors(lines[:middle], schema, drop_extra, start) + _type_errors(
        lines[middle:], schema, drop_extra, start + middle
    )


def _type_message(error: str, schema: pa.Schema) -> str:
    """pyarrow's 'Column(/n) changed from number to string' as a sentence naming the column."""
    if "Column(/" in error:
        name = error.split("Column(/", 1)[1].split(")", 1)[0].split("/")[0]
        if name in schema.names:
            return f"column {name!r} does not hold {schema.field(name).type} like earlier lines"
    return error.removeprefix("JSON parse error: ")


def _id_of(line: bytes, id_column: str | None) -> object:
    if id_column is None:
        return None
    try:
        record = json.loads(line)
    except (ValueError, UnicodeDecodeError):
        return None
    return record.get(id_column) if isinstance(record, dict) else None


def _merge(good, bad_by_line, numbers, schema, text_column, first_line, drop_extra) -> Chunk:
    """The good rows parsed together and the bad rows (raw text only), in line order."""
    if good:
        good_table = parse_block(b"\n".join(line for _, line in good) + b"\n", schema, drop_extra)
    else:
        good_table = schema.empty_table()
    bad = [bad_by_line[n] for n in numbers if n in bad_by_line]
    columns = [pa.nulls(len(bad), f.type) for f in schema]
    text_index = schema.get_field_index(text_column)
    raw = pa.array([record.raw for record in bad], pa.string())
    columns[text_index] = raw.cast(schema.field(text_index).type)
    table = pa.concat_tables([good_table.cast(schema), pa.table(columns, schema=schema)])
    take, next_good, next_bad = [], 0, 0
    for position, number in enumerate(numbers):
        if number in bad_by_line:
            bad_by_line[number].position = position
            take.append(len(good) + next_bad)
            next_bad += 1
        else:
            take.append(next_good)
            next_good += 1
    table = table.take(pa.array(take, pa.int64()))
    return Chunk(_as_batch(table, schema), bad, first_line, np.asarray(numbers, dtype=np.int64))


def infer_schema(path: Path, text_column: str) -> pa.Schema | None:
    """The schema of the first block's good lines, with the text column read as strings; None
    when the file holds no line at all."""
    for block, _, _ in iter_blocks(path):
        if block.isspace():
            continue
        try:
            return parse_block(block, None).schema
        except pa.ArrowInvalid:
            pass
        good = []
        for line in block.split(b"\n"):
            problem = line.strip() and _check_line(line, None, text_column)
            if problem is None or (problem and problem[0] == "non_string_text"):
                record = json.loads(line)  # the text column's odd values do not type it
                record[text_column] = None
                good.append(json.dumps(record).encode())
        good = good or [b"{}"]
        for sample in (b"\n".join(good), good[0]):
            try:
                return parse_block(sample, None).schema
            except pa.ArrowInvalid:
                continue
        return pa.schema([])
    return None
