"""One writer owns the output format: size-bounded shards that trainers and table tools load
directly (each format's files: dataprep.io.shard_files).

``shard_format="stream"`` (default) writes what ``datasets.Dataset.save_to_disk`` writes: Arrow IPC
stream files plus ``state.json`` and ``dataset_info.json``, so ``datasets.load_from_disk``,
``datasets.load_dataset("arrow", data_files=...)`` and ``pyarrow.ipc.open_stream`` all read it.
``shard_format="file"`` writes Arrow IPC *file* format (random access), which
``pyarrow.dataset.dataset(dir, format="arrow")`` and ``load_dataset("arrow")`` read, but which
``load_from_disk`` cannot (it only reads the stream format). ``shard_format="parquet"`` writes
``data-00000-of-0000N.parquet`` files (zstd), which ``pyarrow.dataset``, Polars, DuckDB, Spark,
Ray Data and ``load_dataset("parquet", data_files=...)`` read (``load_from_disk`` cannot).
Shard boundaries are the same in every format: they count uncompressed Arrow bytes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import xxhash

from dataprep.io.shard_files import PartFile, shard_suffix
from dataprep.settings import DEFAULT_MAX_SHARD_BYTES, SHARD_FORMATS


class ShardedWriter:
    """Writes record batches of one schema into ``directory`` as shards of at most about
    ``max_shard_bytes`` (uncompressed Arrow bytes; a shard holds at least one row).

    The directory must not exist yet (unless ``resume``); ``close()`` renames the parts to
    ``data-00000-of-0000N.arrow`` (``.parquet`` for ``shard_format="parquet"``) and returns the
    shard list with row counts. shard_format: 'stream' (default), 'file' or 'parquet' (see the
    module's docstring); resume: the directory may exist (default False).

    Shard boundaries depend only on the batches written (their rows and Arrow sizes), never on
    timing. ``on_shard(part, consumed)``, when set, is called each time a part is complete, with
    the part's entry and how many rows of the batch being written it had consumed; a run that
    restarts at that batch, skipping those rows, writes the following parts identically
    (see ``restore``).
    """

    def __init__(
        self,
        directory: Path,
        schema: pa.Schema,
        *,
        max_shard_bytes: int = DEFAULT_MAX_SHARD_BYTES,
        shard_format: str = "stream",
        resume: bool = False,
    ) -> None:
        if shard_format not in SHARD_FORMATS:
            raise ValueError(f"shard_format must be one of {SHARD_FORMATS}, got {shard_format!r}")
        self.directory = Path(directory)
        self.schema = schema
        self.max_shard_bytes = max_shard_bytes
        self.shard_format = shard_format
        self.suffix = shard_suffix(shard_format)
        self.directory.mkdir(parents=True, exist_ok=resume)
        self._parts: list[dict] = []
        self._writer: PartFile | None = None
        self._part_bytes = 0
        self._part_rows = 0
        self.rows = 0
        self.on_shard: Callable[[dict, int], None] | None = None

    def restore(self, parts: list[dict]) -> None:
        """Continue after ``parts`` (complete part files kept from an interrupted run); any
        other part file in the directory is a partial one and is deleted."""
        self._parts = [dict(part) for part in parts]
        self.rows = sum(part["rows"] for part in parts)
        keep = {part["part"] for part in parts}
        for path in self.directory.glob(f"part-*{self.suffix}"):
            if path.name not in keep:
                path.unlink()

    def _open_part(self) -> None:
        path = self.directory / f"part-{len(self._parts):05d}{self.suffix}"
        self._writer = PartFile(path, self.schema, self.shard_format)
        self._parts.append({"part": path.name, "rows": 0})
        self._part_bytes = 0
        self._part_rows = 0

    def _close_part(self, consumed: int | None = None) -> None:
        if self._writer is not None:
            self._writer.close()
            self._parts[-1]["rows"] = self._part_rows
            self._writer = None
            if consumed is not None and self.on_shard is not None:
                self.on_shard(self._parts[-1], consumed)

    def finish_part(self) -> None:
        """Close the open part (if any), so every row written so far is in a complete part."""
        self._close_part()

    @property
    def parts(self) -> list[dict]:
        """The parts written so far: ``[{"part": file name, "rows": n}]``."""
        return [dict(part) for part in self._parts]

    def write(self, batch: pa.RecordBatch) -> None:
        """Append a batch (its schema must equal the writer's)."""
        if not batch.schema.equals(self.schema):
            batch = pa.RecordBatch.from_arrays(batch.columns, schema=self.schema)
        start = 0
        while start < batch.num_rows:
            if self._writer is None:
                self._open_part()
            piece = batch.slice(start)
            room = self.max_shard_bytes - self._part_bytes
            if piece.nbytes > room:
                bytes_per_row = max(1, piece.nbytes // piece.num_rows)
                fit = room // bytes_per_row
                if fit == 0 and self._part_rows > 0:
                    self._close_part(start)
                    continue
                piece = piece.slice(0, max(1, fit))
            self._writer.write(piece)
            self._part_bytes += piece.nbytes
            self._part_rows += piece.num_rows
            self.rows += piece.num_rows
            start += piece.num_rows
            if self._part_bytes >= self.max_shard_bytes:
                self._close_part(start)

    def close(self) -> list[dict]:
        """Finish the shards; returns ``[{"file", "rows", "bytes"}]`` in order."""
        if self._writer is None and not self._parts:
            self._open_part()  # an empty dataset still has one shard with the schema
        self._close_part()
        total = len(self._parts)
        shards = []
        for index, part in enumerate(self._parts):
            name = f"data-{index:05d}-of-{total:05d}{self.suffix}"
            target = self.directory / name
            source = self.directory / part["part"]
            if source.exists() or not target.exists():  # renamed already by an interrupted close
                source.rename(target)
            shards.append({"file": name, "rows": part["rows"], "bytes": target.stat().st_size})
        if self.shard_format == "stream":
            self._write_hf_metadata(shards)
        return shards

    def _write_hf_metadata(self, shards: list[dict]) -> None:
        """The two JSON files ``datasets.load_from_disk`` needs beside the shards."""
        digest = xxhash.xxh3_64()
        for shard in shards:
            digest.update(f"{shard['file']}:{shard['rows']}:{shard['bytes']};".encode())
        state = {
            "_data_files": [{"filename": shard["file"]} for shard in shards],
            "_fingerprint": digest.hexdigest(),
            "_format_columns": None,
            "_format_kwargs": {},
            "_format_type": None,
            "_output_all_columns": False,
            "_split": None,
        }
        info = {"description": "written by dataprep", "citation": "", "homepage": "", "license": ""}
        (self.directory / "state.json").write_text(json.dumps(state, indent=2, sort_keys=True))
        (self.directory / "dataset_info.json").write_text(
            json.dumps(info, indent=2, sort_keys=True)
        )


def write_pieces(
    batch: pa.RecordBatch,
    folder: Path,
    first_row: int,
    *,
    max_shard_bytes: int = DEFAULT_MAX_SHARD_BYTES,
    shard_format: str = "stream",
) -> list[dict]:
    """Part files of at most about ``max_shard_bytes`` for ``batch``, written by a worker that
    owns rows from ``first_row`` on (the name orders the parts of all workers by input order):
    ``[{"part": file name, "rows": n}]``, for ``ShardedWriter.restore`` on the driver."""
    if batch.num_rows == 0:
        return []
    step = max(1, max_shard_bytes // max(1, batch.nbytes // batch.num_rows))
    parts = []
    for number, start in enumerate(range(0, batch.num_rows, step)):
        piece = batch.slice(start, step)
        name = f"part-r{first_row:012d}-{number:04d}{shard_suffix(shard_format)}"
        part = PartFile(Path(folder) / name, batch.schema, shard_format)
        part.write(piece)
        part.close()
        parts.append({"part": name, "rows": piece.num_rows})
    return parts
