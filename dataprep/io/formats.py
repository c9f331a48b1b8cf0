"""One reader per file format: peek a schema, stream record batches.

Formats: JSON Lines (``.jsonl``/``.json``, optionally ``.gz`` or ``.zst``), Parquet, Arrow IPC
(file or stream format, e.g. ``datasets.Dataset.save_to_disk`` shards).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from dataprep.errors import InputError
from dataprep.io import jsonl
from dataprep.io.jsonl import COMPRESSION_SUFFIXES, BadRecord, Chunk

JSON_SUFFIXES = (".jsonl", ".json", ".ndjson")
PARQUET_SUFFIXES = (".parquet", ".pq")
ARROW_SUFFIXES = (".arrow", ".feather", ".ipc")


def detect_format(path: Path) -> str | None:
    """'jsonl', 'parquet' or 'arrow' from the file name; None when unsupported."""
    name = path.name.lower()
    for suffix in COMPRESSION_SUFFIXES:
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    if name.endswith(JSON_SUFFIXES):
        return "jsonl"
    if name.endswith(PARQUET_SUFFIXES):
        return "parquet"
    if name.endswith(ARROW_SUFFIXES):
        return "arrow"
    return None


class EmptyInputError(InputError):
    """An input file holds no record (rejected runs skip it with a warning)."""


def peek_schema(
    path: Path, fmt: str, overrides: dict[str, pa.DataType], text_column: str | None = None
) -> pa.Schema:
    """The schema of one file. For JSON Lines it is inferred from the first block, with
    ``overrides`` (e.g. text column -> string) applied to columns inferred as null, and the
    text column (when given) always read as strings. Raises EmptyInputError for a file with no
    record."""
    try:
        if fmt == "parquet":
            return pq.read_schema(str(path))
        if fmt == "arrow":
            return _open_arrow(path).schema
        schema = jsonl.infer_schema(path, text_column or "")
    except jsonl.TruncatedError as error:
        raise InputError(f"{path}: the compressed stream is truncated: {error}") from None
    except (pa.ArrowInvalid, OSError, EOFError) as error:
        raise InputError(f"{path}: cannot be read as {fmt}: {error}") from None
    if schema is None:
        raise EmptyInputError(f"{path}: the file is empty; expected JSON Lines, one object a line")
    for name, arrow_type in overrides.items():
        index = schema.get_field_index(name)
        if index >= 0 and (pa.types.is_null(schema.field(index).type) or name == text_column):
            schema = schema.set(index, pa.field(name, arrow_type))
    return schema


def iter_file_chunks(
    path: Path,
    fmt: str,
    schema: pa.Schema,
    rows: int,
    text_column: str,
    id_column: str | None,
    drop_extra: bool = False,
) -> Iterator[Chunk]:
    """Chunks of one file, as stored (not yet unified). JSON Lines chunks carry their bad
    records and line numbers; a truncated compressed file ends with a ``truncated`` record.
    drop_extra: read only the columns of ``schema``, dropping the file's others (default
    False: a JSON Lines key not in ``schema`` is schema drift)."""
    names = schema.names if drop_extra else None
    try:
        if fmt == "parquet":
            for batch in pq.ParquetFile(str(path)).iter_batches(batch_size=rows, columns=names):
                yield Chunk(batch, first_line=0)
        elif fmt == "arrow":
            for batch in _iter_arrow(path):
                yield Chunk(batch if names is None else batch.select(names), first_line=0)
        else:
            yield from _iter_json_chunks(path, schema, text_column, id_column, drop_extra)
    except (pa.ArrowInvalid, OSError, EOFError) as error:
        raise InputError(f"{path}: cannot be read as {fmt}: {error}") from None


def _iter_json_chunks(path, schema, text_column, id_column, drop_extra) -> Iterator[Chunk]:
    blocks = jsonl.iter_blocks(path)
    while True:
        try:
            item = next(blocks, None)
        except jsonl.TruncatedError as error:
            line = error.after_line + 1
            message = (
                f"the compressed stream ends early ({error}); the last complete line is "
                f"line {error.after_line}"
            )
            raw = error.tail.decode("utf-8", errors="replace")
            bad = BadRecord(0, "truncated", line, message, raw)
            columns = [pa.nulls(1, field.type) for field in schema]
            text_index = schema.get_field_index(text_column)
            columns[text_index] = pa.array([raw], pa.string()).cast(schema.field(text_index).type)
            batch = pa.RecordBatch.from_arrays(columns, schema=schema)
            yield Chunk(batch, [bad], line)
            return
        if item is None:
            return
        block, first_line, breaks = item
        yield jsonl.read_chunk(
            block, first_line, schema, text_column, id_column, breaks, drop_extra
        )


def iter_file_batches(
    path: Path, fmt: str, schema: pa.Schema, rows: int, text_column: str = "text"
) -> Iterator[pa.RecordBatch]:
    """Record batches of one file; the first bad record raises an InputError naming its line."""
    for chunk in iter_file_chunks(path, fmt, schema, rows, text_column, None):
        if chunk.bad:
            bad = chunk.bad[0]
            raise InputError(f"{path}:line {bad.line}: {bad.message}")
        yield chunk.batch


def stored_rows(path: Path, fmt: str) -> int | None:
    """The rows of one file when they are known without reading its data: a Parquet file's
    metadata, or the batch headers of an Arrow IPC file (memory-mapped; an uncompressed file's
    bodies are not read). None for JSON Lines, whose rows are known only by parsing it."""
    try:
        if fmt == "parquet":
            return pq.ParquetFile(str(path)).metadata.num_rows
        if fmt == "arrow":
            reader = _open_arrow(path)
            if isinstance(reader, pa.RecordBatchFileReader):
                batches = (reader.get_batch(i) for i in range(reader.num_record_batches))
            else:
                batches = reader
            return sum(batch.num_rows for batch in batches)
    except (pa.ArrowInvalid, OSError, EOFError) as error:
        raise InputError(f"{path}: cannot be read as {fmt}: {error}") from None
    return None


def _open_arrow(path: Path) -> pa.RecordBatchFileReader | pa.RecordBatchStreamReader:
    source = pa.memory_map(str(path))
    try:
        return pa.ipc.open_file(source)
    except pa.ArrowInvalid:
        return pa.ipc.open_stream(pa.memory_map(str(path)))


def _iter_arrow(path: Path) -> Iterator[pa.RecordBatch]:
    reader = _open_arrow(path)
    if isinstance(reader, pa.RecordBatchFileReader):
        for index in range(reader.num_record_batches):
            yield reader.get_batch(index)
    else:
        yield from reader
