"""Resolve user inputs (files, directories, globs, ``save_to_disk`` folders) into one corpus that
streams record batches with a unified schema, an id column and an internal row number."""

from __future__ import annotations

import glob
import json
import os
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import xxhash

from dataprep.arrow_numpy import from_numpy
from dataprep.errors import InputError
from dataprep.io.bad_input import (
    INPUT_ERROR,
    SeenIds,
    check_chunk,
    check_on_error,
)
from dataprep.io.columns import differ_error, differ_reason, select_columns
from dataprep.io.formats import (
    EmptyInputError,
    detect_format,
    iter_file_chunks,
    peek_schema,
    stored_rows,
)
from dataprep.settings import DEFAULT_BATCH_ROWS, DEFAULT_MAX_TEXT_BYTES
from dataprep.stage import ROW_COLUMN

DEFAULT_BATCH_BYTES = 64 << 20
FINGERPRINT_SAMPLE_BYTES = 1 << 20


@dataclass(frozen=True)
class Source:
    """One input file. ``name`` is its path relative to the inputs' common folder; generated
    ids are ``name:row``."""

    path: Path
    format: str
    name: str


def _hf_dataset_files(directory: Path) -> list[Path]:
    state = json.loads((directory / "state.json").read_text())
    return [directory / entry["filename"] for entry in state.get("_data_files", [])]


def _is_dataprep_output(path: Path) -> bool:
    return (path / "manifest.json").is_file() and (path / "data").is_dir()


def _expand(spec: str, skipped: list[str]) -> list[tuple[Path, str]]:
    """(path, format) pairs for one INPUT argument; what a folder holds that is not read is
    described in ``skipped``."""
    if any(char in spec for char in "*?["):
        matches = sorted(glob.glob(spec, recursive=True))
        if not matches:
            raise InputError(f"{spec}: the pattern matches no file")
        return [pair for match in matches for pair in _expand(match, skipped)]
    path = Path(spec)
    if not path.exists():
        raise InputError(f"{spec}: no such file or directory")
    if path.is_dir():
        if (path / "state.json").is_file():
            return [(p, "arrow") for p in _hf_dataset_files(path)]
        if (path / "dataset_dict.json").is_file():
            splits = json.loads((path / "dataset_dict.json").read_text()).get("splits", [])
            raise InputError(
                f"{spec}: is a DatasetDict; pass one split folder, one of: {', '.join(splits)}"
            )
        if _is_dataprep_output(path):
            raise InputError(
                f"{spec}: is a dataprep output folder; pass {path / 'data'} to read its kept "
                f"rows (or {path / 'rejected'} for the rejected ones)"
            )
        found = _walk(path, skipped)
        if not found:
            raise InputError(f"{spec}: the directory holds no JSONL, Parquet or Arrow file")
        return sorted(found, key=lambda pair: pair[0].relative_to(path).parts)
    fmt = detect_format(path)
    if fmt is None:
        raise InputError(
            f"{spec}: unsupported file type; expected .jsonl/.json (optionally .gz/.zst), "
            ".parquet or .arrow"
        )
    return [(path, fmt)]


def _walk(folder: Path, skipped: list[str]) -> list[tuple[Path, str]]:
    """The input files under ``folder``: a saved Hugging Face dataset inside it is read as one
    (its data files, not its JSON metadata); a dataprep output folder inside it, hidden files
    and files of other types are not read, and said so in ``skipped``."""
    found = []
    for root, dirs, files in os.walk(folder):
        here = Path(root)
        if here != folder and _is_dataprep_output(here):
            skipped.append(f"{here}: a dataprep output folder; not read (pass {here / 'data'})")
            dirs[:] = []
            continue
        if here != folder and (here / "state.json").is_file():
            found += [(p, "arrow") for p in _hf_dataset_files(here)]
            dirs[:] = []
            continue
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_")))
        for name in sorted(files):
            if name.startswith((".", "_")):
                continue
            fmt = detect_format(Path(name))
            if fmt:
                found.append((here / name, fmt))
            else:
                skipped.append(f"{here / name}: not a JSONL, Parquet or Arrow file; not read")
    return found


def resolve_inputs(specs: list[str], skipped: list[str] | None = None) -> list[Source]:
    """Sources for the INPUT arguments, in the order given, each file once. What input folders
    hold that is not read is described in ``skipped`` (when given) and warned about."""
    if not specs:
        raise InputError("no input given")
    pairs: list[tuple[Path, str]] = []
    seen: set[Path] = set()
    not_read: list[str] = []
    for spec in specs:
        for path, fmt in _expand(str(spec), not_read):
            resolved = path.resolve()
            if resolved not in seen:
                seen.add(resolved)
                pairs.append((resolved, fmt))
    for message in not_read:
        warnings.warn(message, stacklevel=2)
    if skipped is not None:
        skipped += not_read
    if len(pairs) == 1:
        root = pairs[0][0].parent
    else:
        root = Path(os.path.commonpath([str(p) for p, _ in pairs]))
    return [Source(path, fmt, path.relative_to(root).as_posix()) for path, fmt in pairs]


def fingerprint(path: Path) -> str:
    """xxh3-128 of the size and the first and last MiB: cheap, and it changes when the file
    is replaced or edited at either end."""
    size = path.stat().st_size
    digest = xxhash.xxh3_128(str(size).encode())
    with open(path, "rb") as f:
        digest.update(f.read(FINGERPRINT_SAMPLE_BYTES))
        if size > FINGERPRINT_SAMPLE_BYTES:
            f.seek(max(FINGERPRINT_SAMPLE_BYTES, size - FINGERPRINT_SAMPLE_BYTES))
            digest.update(f.read())
    return digest.hexdigest()


@dataclass
class Corpus:
    """Several input files read as one stream of record batches.

    Every batch has the unified input columns, the id column (generated as ``name:row`` when the
    input has none) and the internal ``_dp_row`` column (global row number in input order). With
    ``on_error="reject"`` it also has dp_reject_stage, dp_reject_reason and dp_input_error, set
    for bad records (see dataprep.io.bad_input). ``columns`` (None: all) are the input columns
    kept, the others dropped as the files are read (see dataprep.io.columns). ``drifted_files``
    maps the index of each file whose columns differ from the corpus's to the reason (reject
    mode: its rows are rejected as schema_drift).
    """

    sources: list[Source]
    schema: pa.Schema
    text_column: str
    id_column: str
    generate_ids: bool
    batch_rows: int = DEFAULT_BATCH_ROWS
    batch_bytes: int = DEFAULT_BATCH_BYTES
    on_error: str = "fail"
    max_text_bytes: int = DEFAULT_MAX_TEXT_BYTES
    columns: tuple[str, ...] | None = None
    warnings: list[str] = field(default_factory=list)
    _file_schemas: list[pa.Schema] = field(default_factory=list, repr=False)
    drifted_files: dict[int, str] = field(default_factory=dict, repr=False)

    @property
    def output_schema(self) -> pa.Schema:
        """Input columns plus the id column, as written to the output."""
        if self.generate_ids:
            return self.schema.append(pa.field(self.id_column, pa.string()))
        return self.schema

    @property
    def input_error_columns(self) -> dict[str, pa.DataType]:
        """Columns that only rejected rows carry: dp_input_error in reject mode."""
        return {INPUT_ERROR: pa.string()} if self.on_error == "reject" else {}

    def describe_inputs(self) -> list[dict]:
        """File, format, size and fingerprint of every input (for the manifest)."""
        return [
            {
                "file": source.name,
                "path": str(source.path),
                "format": source.format,
                "bytes": source.path.stat().st_size,
                "fingerprint": fingerprint(source.path),
            }
            for source in self.sources
        ]

    def stored_rows(self) -> int | None:
        """The corpus's rows when every input file's are known without reading its data
        (Parquet and Arrow IPC, see formats.stored_rows); else None (a JSON Lines input)."""
        total = 0
        for source in self.sources:
            rows = stored_rows(source.path, source.format)
            if rows is None:
                return None
            total += rows
        return total

    def iter_batches(self) -> Iterator[pa.RecordBatch]:
        """The corpus in input order, in batches of at most batch_rows rows. Batch boundaries
        depend only on the data and batch_rows (so a resumed run sees the same batches)."""
        next_row = 0
        seen = None if self.generate_ids else SeenIds()
        for index in range(len(self.sources)):
            for batch in self.iter_file_batches(index, next_row, seen):
                next_row += batch.num_rows
                yield batch

    def iter_file_batches(
        self, index: int, first_row: int, seen: SeenIds | None
    ) -> Iterator[pa.RecordBatch]:
        """The batches of input file ``index`` alone, its rows numbered from ``first_row``;
        ``seen`` (None when ids are generated) holds the ids seen so far and gets this file's."""
        source, file_schema = self.sources[index], self._file_schemas[index]
        row_in_file = 0
        id_column = None if self.generate_ids else self.id_column
        chunks = iter_file_chunks(
            source.path,
            source.format,
            file_schema,
            self.batch_rows,
            self.text_column,
            id_column,
            drop_extra=self.columns is not None,
        )
        for chunk in chunks:
            batch, extra = check_chunk(self, chunk, index, row_in_file, seen)
            for start, piece in _split(batch, self.batch_rows, self.batch_bytes):
                if self.generate_ids:
                    ids = [f"{source.name}:{row_in_file + i}" for i in range(piece.num_rows)]
                    piece = piece.append_column(self.id_column, pa.array(ids, pa.string()))
                for name, values in extra.items():
                    piece = piece.append_column(name, values.slice(start, piece.num_rows))
                rows = np.arange(first_row, first_row + piece.num_rows, dtype=np.int64)
                yield piece.append_column(ROW_COLUMN, from_numpy(rows))
                row_in_file += piece.num_rows
                first_row += piece.num_rows

    def conform(self, batch: pa.RecordBatch, source: Source) -> pa.RecordBatch:
        """``batch`` of file ``source`` cast to the corpus schema (InputError when it cannot)."""
        if batch.schema.equals(self.schema):
            return batch
        try:
            columns = [batch.column(f.name).cast(f.type) for f in self.schema]
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, KeyError) as error:
            raise InputError(
                f"{source.path}: cannot convert to the corpus schema: {error}"
            ) from None
        return pa.RecordBatch.from_arrays(columns, schema=self.schema)


def _split(batch: pa.RecordBatch, max_rows: int, max_bytes: int) -> Iterator:
    """(start, slice) pairs of ``batch`` with at most max_rows rows and about max_bytes bytes."""
    if batch.num_rows == 0:
        return
    bytes_per_row = max(1, batch.nbytes // batch.num_rows)
    step = max(1, min(max_rows, max_bytes // bytes_per_row))
    for start in range(0, batch.num_rows, step):
        yield start, batch.slice(start, step)


def _peek_all(sources, text_column, on_error, skipped_warnings):
    """(sources, schemas) of the files that hold records; empty files raise (fail) or are
    skipped with a warning (reject)."""
    kept, schemas = [], []
    overrides = {text_column: pa.string()}
    for source in sources:
        try:
            schemas.append(peek_schema(source.path, source.format, overrides, text_column))
            kept.append(source)
        except EmptyInputError as error:
            if on_error == "fail":
                raise
            skipped_warnings.append(f"{source.name}: the file is empty; skipped")
            warnings.warn(str(error) + "; skipped", stacklevel=3)
    if not kept:
        raise InputError(f"{sources[0].path}: every input file is empty")
    return kept, schemas


def _unify(sources, schemas, on_error) -> tuple[pa.Schema, dict[int, str]]:
    """The corpus schema (the first file's columns, types promoted across files) and, in reject
    mode, the files that drift from it with the reason; fail mode raises instead."""
    first_names = set(schemas[0].names)
    drift: dict[int, str] = {}
    for index, schema in enumerate(schemas):
        if set(schema.names) != first_names:
            if on_error == "fail":
                raise differ_error(sources, schemas, index)
            drift[index] = differ_reason(sources, schemas, index)
    unified = schemas[0]
    for index, schema in enumerate(schemas):
        if index in drift:
            continue
        try:
            unified = pa.unify_schemas([unified, schema], promote_options="permissive")
        except (pa.ArrowInvalid, pa.ArrowTypeError) as error:
            if on_error == "fail":
                raise InputError(
                    f"the input files' column types cannot be unified: {error}"
                ) from None
            drift[index] = f"column types cannot be unified with {sources[0].name}: {error}"
    return pa.schema([unified.field(name) for name in schemas[0].names]), drift


def open_corpus(
    specs: list[str],
    *,
    text_column: str = "text",
    id_column: str = "id",
    batch_rows: int = DEFAULT_BATCH_ROWS,
    on_error: str = "fail",
    max_text_bytes: int = DEFAULT_MAX_TEXT_BYTES,
    columns: list[str] | tuple[str, ...] | None = None,
) -> Corpus:
    """Resolve inputs, check they share one schema with a string text column, and return the
    corpus. Raises InputError naming the file and column when they do not.

    text_column: the column holding documents (default 'text'); id_column: unique row ids,
    generated as ``file:row`` when absent (default 'id'); batch_rows: rows per batch (default
    8192); on_error: 'fail' (default) raises on the first bad record, 'reject' turns bad records
    into rejected rows (see dataprep.io.bad_input); max_text_bytes: longer texts are bad input
    (default 4 MiB); columns: the input columns to keep, in this order, dropping the others
    before anything else (default None: all; every file must have each listed column, see
    dataprep.io.columns).
    """
    check_on_error(on_error)
    if not isinstance(max_text_bytes, int) or max_text_bytes < 1:
        raise InputError(f"max_text_bytes must be a positive integer. Got {max_text_bytes!r}.")
    skipped: list[str] = []
    sources, schemas = _peek_all(resolve_inputs(specs, skipped), text_column, on_error, skipped)
    columns = None if columns is None else tuple(columns)
    schemas = select_columns(sources, schemas, columns, text_column)
    unified, drift = _unify(sources, schemas, on_error)
    if text_column not in unified.names:
        names = ", ".join(unified.names)
        raise InputError.naming(
            lambda arg: (
                f"{sources[0].path}: no text column {text_column!r}; the columns are "
                f"{names} (choose one with {arg('text_column')})"
            )
        )
    text_type = unified.field(text_column).type
    if not (pa.types.is_string(text_type) or pa.types.is_large_string(text_type)):
        raise InputError(
            f"{sources[0].path}: column {text_column!r} holds {text_type}, expected strings"
        )
    if ROW_COLUMN in unified.names:
        raise InputError(f"{sources[0].path}: column name {ROW_COLUMN!r} is reserved by dataprep")
    file_schemas = [
        pa.schema(
            [
                unified.field(n) if source.format == "jsonl" and i not in drift else s.field(n)
                for n in s.names
            ]
        )
        for i, (source, s) in enumerate(zip(sources, schemas, strict=True))
    ]
    return Corpus(
        sources=sources,
        schema=unified,
        text_column=text_column,
        id_column=id_column,
        generate_ids=id_column not in unified.names,
        batch_rows=batch_rows,
        on_error=on_error,
        max_text_bytes=max_text_bytes,
        columns=columns,
        warnings=skipped,
        _file_schemas=file_schemas,
        drifted_files=drift,
    )
