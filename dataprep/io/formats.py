"""One reader per file format: peek a schema, stream record batches.

Formats: JSON Lines (``.jsonl``/``.json``, optionally ``.gz`` or ``.zst``), Parquet, Arrow IPC
(file or stream format, e.g. ``datasets.Dataset.save_to_disk`` shards).
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.json as pajson
import pyarrow.parquet as pq

from dataprep.errors import InputError

JSON_SUFFIXES = (".jsonl", ".json", ".ndjson")
COMPRESSION_SUFFIXES = {".gz": "gzip", ".zst": "zstd", ".zstd": "zstd"}
PARQUET_SUFFIXES = (".parquet", ".pq")
ARROW_SUFFIXES = (".arrow", ".feather", ".ipc")
JSON_BLOCK_BYTES = 8 << 20


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


def _compression(path: Path) -> str | None:
    return COMPRESSION_SUFFIXES.get(path.suffix.lower())


def _json_stream(path: Path) -> pa.NativeFile:
    return pa.input_stream(str(path), compression=_compression(path))


def _open_json(path: Path, schema: pa.Schema | None) -> pajson.JSONStreamingReader:
    read_options = pajson.ReadOptions(block_size=JSON_BLOCK_BYTES, use_threads=True)
    parse_options = pajson.ParseOptions(
        explicit_schema=schema, unexpected_field_behavior="error" if schema else "infer"
    )
    return pajson.open_json(
        _json_stream(path), read_options=read_options, parse_options=parse_options
    )


def peek_schema(path: Path, fmt: str, overrides: dict[str, pa.DataType]) -> pa.Schema:
    """The schema of one file. For JSON Lines it is inferred from the first block, with
    ``overrides`` (e.g. text column -> string) applied."""
    try:
        if fmt == "parquet":
            return pq.read_schema(str(path))
        if fmt == "arrow":
            return _open_arrow(path).schema
        if path.stat().st_size == 0:
            raise InputError(f"{path}: the file is empty; expected JSON Lines, one object a line")
        schema = _open_json(path, None).schema
    except (pa.ArrowInvalid, OSError, EOFError) as error:
        raise _diagnose(path, fmt, error) from None
    for name, arrow_type in overrides.items():
        index = schema.get_field_index(name)
        if index >= 0 and pa.types.is_null(schema.field(index).type):
            schema = schema.set(index, pa.field(name, arrow_type))
    return schema


def iter_file_batches(
    path: Path, fmt: str, schema: pa.Schema, rows: int
) -> Iterator[pa.RecordBatch]:
    """Record batches of at most ``rows`` rows from one file, as stored (not yet unified)."""
    try:
        if fmt == "parquet":
            yield from pq.ParquetFile(str(path)).iter_batches(batch_size=rows)
        elif fmt == "arrow":
            yield from _iter_arrow(path)
        else:
            yield from _open_json(path, schema)
    except (pa.ArrowInvalid, OSError, EOFError) as error:
        raise _diagnose(path, fmt, error, schema) from None


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


def _diagnose(
    path: Path, fmt: str, error: Exception, schema: pa.Schema | None = None
) -> InputError:
    """Turn a low-level read error into one sentence naming file and line where possible."""
    if fmt != "jsonl":
        return InputError(f"{path}: cannot be read as {fmt}: {error}")
    try:
        located = _locate_bad_json_line(path, schema)
    except (OSError, EOFError) as read_error:
        return InputError(f"{path}: cannot be decompressed or read: {read_error}")
    if located:
        return InputError(f"{path}:{located}")
    return InputError(f"{path}: cannot be read as JSON Lines: {error}")


def _locate_bad_json_line(path: Path, schema: pa.Schema | None) -> str | None:
    """'line N: what is wrong' for the first line that is not a JSON object or has a column
    outside ``schema``; None when every line looks right."""
    known = set(schema.names) if schema is not None else None
    with _json_stream(path) as raw, io.TextIOWrapper(raw, encoding="utf-8", errors="strict") as f:
        line_number = 0
        try:
            for line_number, line in enumerate(f, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as error:
                    return (
                        f"line {line_number}: not valid JSON ({error.msg} at column {error.colno})"
                    )
                if not isinstance(record, dict):
                    return (
                        f"line {line_number}: expected a JSON object, got {type(record).__name__}"
                    )
                extra = sorted(set(record) - known) if known is not None else []
                if extra:
                    return (
                        f"line {line_number}: column {extra[0]!r} is not in the schema of the "
                        f"earlier lines ({', '.join(sorted(known))})"
                    )
        except UnicodeDecodeError as error:
            return f"line {line_number + 1}: invalid UTF-8 bytes ({error.reason})"
    return None
