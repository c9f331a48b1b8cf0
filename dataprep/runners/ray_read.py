"""Reading a corpus into Ray Data, with the same rows, ids, row numbers and bad-input verdicts
as the local reader (dataprep.io.readers).

Each input file is one read task (so reading runs in parallel over files: split a large corpus
into shards to use more workers), which checks its records exactly as the local reader does,
ids within the file included. The read batches are materialized in Ray's object store (which
spills to disk when full), then:

- row numbers: each file's row count gives its offset, and ``_dp_row`` = offset + row in file,
  the same global row number in input order as the local reader's;
- ids repeated across files are found by a shuffle on the 64-bit hash of the id (no id reaches
  the driver except the repeated ones); a row whose id appeared in an earlier file is a
  ``duplicate_id`` bad record (the first occurrence in input order is kept). The message names
  the earlier file and its 0-based row (the local reader names a line for JSON Lines).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dataprep.errors import DataprepError, InputError
from dataprep.io.bad_input import (
    INPUT_ERROR,
    INPUT_STAGE,
    SeenIds,
    id_hashes,
    reject_hint,
)
from dataprep.io.readers import Corpus
from dataprep.runners.ray_session import RaySession
from dataprep.stage import REJECT_REASON, REJECT_STAGE, ROW_COLUMN, alive_mask, set_column

FILE_COLUMN = "_dp_file"  # internal: index of the input file a row came from


def _read_file(table: pa.Table, corpus: Corpus):
    for index in table.column("index").to_pylist():
        seen = None if corpus.generate_ids else SeenIds()
        for batch in corpus.iter_file_batches(index, 0, seen):
            files = pa.array(np.full(batch.num_rows, index, np.int32))
            yield pa.Table.from_batches([batch.append_column(FILE_COLUMN, files)])


def _first_error(corpus: Corpus, error: Exception) -> Exception:
    """The InputError the local reader raises first (files in input order), else ``error``."""
    for index in range(len(corpus.sources)):
        seen = None if corpus.generate_ids else SeenIds()
        try:
            for _ in corpus.iter_file_batches(index, 0, seen):
                pass
        except DataprepError as found:
            return found
    return error


def _file_counts(table: pa.Table) -> pa.Table:
    files, counts = np.unique(table.column(FILE_COLUMN).to_numpy(), return_counts=True)
    return pa.table({"file": files.astype(np.int64), "rows": counts.astype(np.int64)})


def _id_keys(table: pa.Table, id_column: str, partitions: int) -> pa.Table:
    batch = table.combine_chunks().to_batches()[0] if table.num_rows else None
    if batch is None:
        return pa.table({"part": pa.array([], pa.int64())})
    h1, h2, valid = id_hashes(batch.column(id_column))
    keep = valid & alive_mask(batch)
    return pa.table(
        {
            "part": (h1[keep] % np.uint64(partitions)).astype(np.int64),
            "h1": h1[keep],
            "h2": h2[keep],
            "file": batch.column(FILE_COLUMN).to_numpy()[keep].astype(np.int64),
            "row": batch.column(ROW_COLUMN).to_numpy()[keep],
        }
    )


def _later_occurrences(table: pa.Table) -> pa.Table:
    """Rows (file, row) whose id hash equals that of an earlier row, with that row."""
    h1, h2 = table.column("h1").to_numpy(), table.column("h2").to_numpy()
    files, rows = table.column("file").to_numpy(), table.column("row").to_numpy()
    order = np.lexsort((rows, files, h2, h1))
    h1, h2, files, rows = h1[order], h2[order], files[order], rows[order]
    repeat = np.zeros(len(h1), bool)
    repeat[1:] = (h1[1:] == h1[:-1]) & (h2[1:] == h2[:-1])
    first = np.maximum.accumulate(np.where(repeat, 0, np.arange(len(h1))))
    return pa.table(
        {
            "file": files[repeat],
            "row": rows[repeat],
            "first_file": files[first[repeat]],
            "first_row": rows[first[repeat]],
        }
    )


def _number_rows(table: pa.Table, offsets: np.ndarray, repeats: dict, corpus: Corpus) -> pa.Table:
    """Global row numbers; in reject mode, rows whose id repeats an earlier file's rejected."""
    batch = table.combine_chunks().to_batches()[0] if table.num_rows else None
    if batch is None:
        return table.drop_columns([FILE_COLUMN])
    files = batch.column(FILE_COLUMN).to_numpy()
    in_file = batch.column(ROW_COLUMN).to_numpy()
    batch = set_column(batch, ROW_COLUMN, pa.array(offsets[files] + in_file))
    marks = [
        (i, (int(r), repeats[(int(f), int(r))]))
        for i, (f, r) in enumerate(zip(files, in_file, strict=True))
        if (int(f), int(r)) in repeats
    ]
    if marks:
        batch = _mark_repeats(batch, marks, corpus)
    return pa.Table.from_batches([batch]).drop_columns([FILE_COLUMN])


def _repeat_message(corpus: Corpus, value, first: tuple[int, int]) -> str:
    return (
        f"id {value!r} in column {corpus.id_column!r} repeats the id at "
        f"{corpus.sources[first[0]].name}:row {first[1]}"
    )


def _mark_repeats(batch: pa.RecordBatch, marks: list, corpus: Corpus) -> pa.RecordBatch:
    stages = batch.column(REJECT_STAGE).to_pylist()
    reasons = batch.column(REJECT_REASON).to_pylist()
    errors = batch.column(INPUT_ERROR).to_pylist()
    ids = batch.column(corpus.id_column)
    files = batch.column(FILE_COLUMN).to_numpy()
    for position, (row_in_file, first) in marks:
        stages[position] = INPUT_STAGE
        reasons[position] = "bad_input_duplicate_id"
        message = _repeat_message(corpus, ids[position].as_py(), first)
        errors[position] = f"{corpus.sources[files[position]].name}:row {row_in_file}: {message}"
    batch = set_column(batch, REJECT_STAGE, pa.array(stages, pa.string()))
    batch = set_column(batch, REJECT_REASON, pa.array(reasons, pa.string()))
    return set_column(batch, INPUT_ERROR, pa.array(errors, pa.string()))


def read_corpus(corpus: Corpus, session: RaySession):
    """The corpus as a materialized Ray Dataset of blocks of about ``corpus.batch_rows`` rows, in
    input order, as the local reader gives it; raises the local reader's InputError."""
    import ray.data

    count = len(corpus.sources)
    files = ray.data.from_items([{"index": i} for i in range(count)], override_num_blocks=count)
    raw = files.map_batches(_read_file, fn_args=(corpus,), batch_size=1, batch_format="pyarrow")
    try:
        raw = raw.materialize()
    except Exception as error:  # a worker's InputError arrives wrapped in Ray's error types
        raise _first_error(corpus, error) from None
    sizes = np.zeros(count, np.int64)
    for part in raw.map_batches(_file_counts, batch_format="pyarrow").iter_batches(
        batch_size=None, batch_format="pyarrow"
    ):
        np.add.at(sizes, part.column("file").to_numpy(), part.column("rows").to_numpy())
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    repeats = {} if corpus.generate_ids or count == 1 else _cross_file_repeats(raw, corpus, session)
    numbered = raw.map_batches(
        _number_rows, fn_args=(offsets, repeats, corpus), batch_size=None, batch_format="pyarrow"
    )
    return numbered.repartition(target_num_rows_per_block=corpus.batch_rows).materialize()


def _cross_file_repeats(raw, corpus: Corpus, session: RaySession) -> dict:
    keys = raw.map_batches(
        _id_keys, fn_args=(corpus.id_column, session.partitions), batch_format="pyarrow"
    )
    found = keys.groupby("part").map_groups(_later_occurrences, batch_format="pyarrow")
    repeats = {}
    for part in found.iter_batches(batch_size=None, batch_format="pyarrow"):
        columns = [part.column(name).to_numpy() for name in ("file", "row", "first_file")]
        for file, row, first_file, first_row in zip(
            *columns, part.column("first_row").to_numpy(), strict=True
        ):
            repeats[(int(file), int(row))] = (int(first_file), int(first_row))
    if repeats and corpus.on_error == "fail":
        file, row = min(repeats)
        value = _id_value(raw, corpus, file, row)
        message = _repeat_message(corpus, value, repeats[(file, row)])
        path = corpus.sources[file].path
        raise InputError.naming(lambda arg: f"{path}:row {row}: {message}{reject_hint(arg)}")
    return repeats


def _id_value(raw, corpus: Corpus, file: int, row: int):
    def pick(table: pa.Table) -> pa.Table:
        mask = pc.and_(pc.equal(table[FILE_COLUMN], file), pc.equal(table[ROW_COLUMN], row))
        return table.filter(mask).select([corpus.id_column])

    match = raw.map_batches(pick, batch_format="pyarrow").take(1)
    return match[0][corpus.id_column] if match else None
