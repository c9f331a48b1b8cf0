"""Random row access into memory-mapped Arrow datasets, for the sampler.

``open_arrow(source)`` reads a dataset folder (our ``OUT`` or ``OUT/data``, a ``save_to_disk``
folder, or any folder of ``*.arrow`` shards) or one file, memory-mapped, in IPC file or stream
format. ``ArrowRows.take(indices, columns)`` returns those rows as one RecordBatch. A folder of
``*.parquet`` shards (``--shard-format parquet``) or a Parquet file is read too, but decompressed
into memory (Parquet cannot be mapped): for a large corpus write the Arrow formats.

Why not ``pa.Table.take``: on a table with many chunks (``save_to_disk`` writes record batches of
1,000 rows) Arrow concatenates every chunk of the column before taking, so a batch of 256 random
rows costs a pass over the whole column (16k rows/s on 1M rows in 1,000 chunks, measured). Here
string/binary and fixed-width columns without nulls are gathered straight from the mapped file:
the per-chunk buffer positions are kept (O(chunks) memory, nothing per row), the offsets of the
wanted rows are read from the file and their bytes copied with one numpy gather. Other columns
(nulls, nested, dictionary, boolean) take per touched chunk, which is correct but slower.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from dataprep.errors import InputError
from dataprep.io.shard_files import is_parquet

_VAR = {pa.string(): np.int32, pa.binary(): np.int32}
_LARGE = {pa.large_string(): np.int64, pa.large_binary(): np.int64}


def arrow_files(source: str | Path) -> list[Path]:
    """The Arrow files of a dataset folder or file, in order (its Parquet files when it holds
    no Arrow file)."""
    path = Path(source)
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise InputError(f"{source}: no such file or directory")
    if (path / "manifest.json").is_file() and (path / "data").is_dir():
        path = path / "data"
    if (path / "state.json").is_file():
        state = json.loads((path / "state.json").read_text())
        return [path / entry["filename"] for entry in state.get("_data_files", [])]
    files = sorted(path.glob("*.arrow")) or sorted(path.glob("*.parquet"))
    if not files:
        raise InputError(f"{source}: the folder holds no .arrow or .parquet file")
    return files


def _read(path: Path) -> tuple[pa.Table, pa.Buffer | None]:
    if is_parquet(path):
        try:
            return pq.read_table(str(path), memory_map=True), None
        except (OSError, pa.ArrowInvalid) as error:
            raise InputError(f"{path}: not a Parquet file: {error}") from None
    mapped = pa.memory_map(str(path))
    whole = mapped.read_buffer()  # zero-copy view of the whole mapping
    try:
        table = pa.ipc.open_file(whole).read_all()
    except pa.ArrowInvalid:
        try:
            table = pa.ipc.open_stream(whole).read_all()
        except pa.ArrowInvalid as error:
            raise InputError(f"{path}: not an Arrow IPC file or stream: {error}") from None
    return table, whole


class _Column:
    """Where one column's chunks lie inside one mapped file (or None when not gatherable)."""

    def __init__(self, column: pa.ChunkedArray, base: pa.Buffer | None) -> None:
        self.type = column.type
        self.kind = None
        if base is None or column.null_count:
            return
        start, end = base.address, base.address + base.size
        if column.type in _VAR or column.type in _LARGE:
            self.offset_dtype = _VAR.get(column.type) or _LARGE[column.type]
            width = np.dtype(self.offset_dtype).itemsize
            offsets, data = [], []
            for chunk in column.chunks:
                buffers = chunk.buffers()
                if buffers[1] is None or buffers[2] is None:
                    return
                offsets_rel = buffers[1].address - start
                if offsets_rel % width or not start <= buffers[2].address <= end:
                    return
                offsets.append(offsets_rel // width + chunk.offset)
                data.append(buffers[2].address - start)
            self.kind = "var"
            self.offsets_at = np.array(offsets, dtype=np.int64)
            self.data_at = np.array(data, dtype=np.int64)
            self.offsets_view = np.frombuffer(
                base, dtype=self.offset_dtype, count=base.size // width
            )
        elif pa.types.is_integer(column.type) or pa.types.is_floating(column.type):
            width = column.type.bit_width // 8
            data = []
            for chunk in column.chunks:
                buffer = chunk.buffers()[1]
                rel = buffer.address - start
                if rel % width or not start <= buffer.address <= end:
                    return
                data.append(rel // width + chunk.offset)
            self.kind = "fixed"
            self.data_at = np.array(data, dtype=np.int64)
            self.values_view = np.frombuffer(
                base, dtype=column.type.to_pandas_dtype(), count=base.size // width
            )
        self.bytes_view = np.frombuffer(base, dtype=np.uint8)


class ArrowRows:
    """Rows of one or more memory-mapped Arrow files (or an in-memory table), by global index."""

    def __init__(
        self, tables: list[pa.Table], bases: list[pa.Buffer | None], paths: list[str] | None = None
    ) -> None:
        self.tables = tables
        self.paths = paths  # the files, when memory-mapped (to reopen them in another process)
        self.schema = tables[0].schema
        for table in tables[1:]:
            if not table.schema.equals(self.schema):
                raise InputError("the Arrow files of the dataset have different schemas")
        self.file_starts = np.cumsum([0] + [t.num_rows for t in tables]).astype(np.int64)
        self.num_rows = int(self.file_starts[-1])
        self.chunk_starts = [
            np.cumsum([0] + [len(c) for c in t.column(0).chunks]).astype(np.int64)
            if t.num_columns
            else np.zeros(1, dtype=np.int64)
            for t in tables
        ]
        self._bases = bases
        self._columns: dict[tuple[int, str], _Column] = {}

    @classmethod
    def from_table(cls, table: pa.Table) -> ArrowRows:
        """In-memory table: chunks are combined once so that native take is fast."""
        return cls([table.combine_chunks()], [None])

    @property
    def table(self) -> pa.Table:
        return pa.concat_tables(self.tables) if len(self.tables) > 1 else self.tables[0]

    def column(self, name: str) -> pa.ChunkedArray:
        if name not in self.schema.names:
            raise InputError(f"no column {name!r}; the columns are {', '.join(self.schema.names)}")
        return pa.chunked_array(
            [c for t in self.tables for c in t.column(name).chunks],
            type=self.schema.field(name).type,
        )

    def _column(self, file: int, name: str) -> _Column:
        key = (file, name)
        if key not in self._columns:
            self._columns[key] = _Column(self.tables[file].column(name), self._bases[file])
        return self._columns[key]

    def take(self, indices: np.ndarray, columns: list[str] | None = None) -> pa.RecordBatch:
        """The rows at ``indices`` (global row numbers, any order) as one RecordBatch."""
        indices = np.asarray(indices, dtype=np.int64)
        names = list(self.schema.names) if columns is None else list(columns)
        for name in names:
            if name not in self.schema.names:
                raise InputError(
                    f"no column {name!r}; the columns are {', '.join(self.schema.names)}"
                )
        if len(self.tables) == 1:
            arrays = [self._take_file(0, name, indices) for name in names]
        else:
            file = np.searchsorted(self.file_starts, indices, side="right") - 1
            order = np.argsort(file, kind="stable")
            counts = np.bincount(file, minlength=len(self.tables))
            bounds = np.concatenate([[0], np.cumsum(counts)])
            inverse = pa.array(np.argsort(order, kind="stable"))
            arrays = []
            for name in names:
                pieces = [
                    self._take_file(f, name, indices[order[bounds[f] : bounds[f + 1]]] - start)
                    for f, start in enumerate(self.file_starts[:-1])
                    if counts[f]
                ]
                arrays.append(pa.concat_arrays(pieces).take(inverse))
        fields = [self.schema.field(name) for name in names]
        return pa.RecordBatch.from_arrays(arrays, schema=pa.schema(fields))

    def _take_file(self, file: int, name: str, rows: np.ndarray) -> pa.Array:
        table = self.tables[file]
        chunks = table.column(name).chunks
        if len(chunks) == 1:
            return chunks[0].take(pa.array(rows))
        column = self._column(file, name)
        starts = self.chunk_starts[file]
        chunk = np.searchsorted(starts, rows, side="right") - 1
        local = rows - starts[chunk]
        if column.kind == "var":
            at = column.offsets_at[chunk] + local
            begin = column.offsets_view[at].astype(np.int64) + column.data_at[chunk]
            lengths = column.offsets_view[at + 1].astype(np.int64) - column.offsets_view[at]
            offsets = np.zeros(len(rows) + 1, dtype=np.int64)
            np.cumsum(lengths, out=offsets[1:])
            gather = np.repeat(begin - offsets[:-1], lengths) + np.arange(offsets[-1])
            data = column.bytes_view[gather]
            return pa.Array.from_buffers(
                column.type,
                len(rows),
                [None, pa.py_buffer(offsets.astype(column.offset_dtype)), pa.py_buffer(data)],
            )
        if column.kind == "fixed":
            return pa.array(column.values_view[column.data_at[chunk] + local], type=column.type)
        order = np.argsort(chunk, kind="stable")
        counts = np.bincount(chunk, minlength=len(chunks))
        pieces, at = [], 0
        for c in np.flatnonzero(counts):
            part = local[order[at : at + counts[c]]]
            pieces.append(chunks[c].take(pa.array(part)))
            at += counts[c]
        inverse = pa.array(np.argsort(order, kind="stable"))
        return pa.concat_arrays(pieces).take(inverse)


def open_arrow(source) -> ArrowRows:
    """ArrowRows for a pyarrow Table, a dataset folder or an Arrow file (memory-mapped)."""
    if isinstance(source, pa.Table):
        return ArrowRows.from_table(source)
    if isinstance(source, ArrowRows):
        return source
    return open_arrow_files(arrow_files(source))


def open_arrow_files(paths: list) -> ArrowRows:
    """ArrowRows over these Arrow files, in order, memory-mapped."""
    pairs = [_read(Path(path)) for path in paths]
    tables, bases = [t for t, _ in pairs], [b for _, b in pairs]
    return ArrowRows(tables, bases, [str(path) for path in paths])
