"""Column-wise passes over an output folder's shards (``OUT/data``, ``OUT/rejected``).

Only the columns a section needs are read, batch by batch from memory-mapped Arrow shards (or
Parquet shards), so memory stays bounded by one batch plus compact state: one int64 per row
that is in a duplicate cluster (``dp_dup_cluster``), fixed-size histograms and capped lists of
example rows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dataprep.errors import InputError
from dataprep.io.shard_files import is_parquet, iter_shard, shard_files, shard_schema
from dataprep.stage import DUP_CLUSTER, REJECT_REASON, REJECT_STAGE

SCORE_PREFIX = "dp_score_"


@dataclass
class ScoreHistogram:
    """Counts of one ``dp_score_*`` column over fixed bins (``edges``, len(counts) + 1 values),
    for kept rows (``OUT/data``) and rejected rows; NaN and null values are counted as missing."""

    column: str
    edges: list[float]
    kept: list[int]
    rejected: list[int]
    kept_missing: int = 0
    rejected_missing: int = 0
    total: float = 0.0  # sum of the finite values, kept and rejected

    @property
    def mean(self) -> float | None:
        """Mean of the finite values (kept and rejected), None when there is none."""
        count = sum(self.kept) + sum(self.rejected)
        return self.total / count if count else None


@dataclass
class Member:
    """One example row (of a duplicate cluster or of a rejection reason), its text cut;
    ``status`` is "kept" or "stage: reason"."""

    id: str
    text: str
    status: str


@dataclass
class Cluster:
    """A duplicate cluster: ``cluster`` is the row number of the kept copy, ``size`` its rows."""

    cluster: int
    size: int
    members: list[Member] = field(default_factory=list)


@dataclass
class Duplicates:
    """Duplicate clusters: how many, how many rows they hold, clusters per size, examples."""

    clusters: int
    rows: int
    size_counts: dict[int, int]
    examples: list[Cluster]


def shard_paths(folder: Path, shards: list[dict] | None) -> list[Path]:
    """The shards of ``folder``: those the manifest lists (``shards``), else its ``*.arrow``
    files, else its ``*.parquet`` files."""
    if shards:
        return [folder / shard["file"] for shard in shards]
    return shard_files(folder)


def column_names(paths: list[Path]) -> list[str]:
    """The column names of the first of the shards ``paths`` (they share one schema)."""
    for path in paths[:1]:
        try:
            return list(shard_schema(path).names)
        except (OSError, pa.ArrowInvalid) as error:
            raise InputError(f"{path}: cannot be read as {_kind(path)} shard: {error}") from None
    return []


def iter_columns(paths: list[Path], columns: list[str]) -> Iterator[pa.RecordBatch]:
    """Batches of the shards ``paths`` (Arrow IPC file or stream, or Parquet), holding only
    those of ``columns`` that the shard has."""
    for path in paths:
        try:
            yield from iter_shard(path, columns)
        except (OSError, pa.ArrowInvalid) as error:
            raise InputError(f"{path}: cannot be read as {_kind(path)} shard: {error}") from None


def _kind(path: Path) -> str:
    return "a Parquet" if is_parquet(path) else "an Arrow"


def _floats(batch: pa.RecordBatch, column: str) -> np.ndarray:
    values = batch.column(column).cast(pa.float64())
    return pc.fill_null(values, np.nan).to_numpy(zero_copy_only=False)


def score_ranges(paths: list[Path], columns: list[str]) -> dict[str, tuple[float, float]]:
    """(min, max) of the finite values of each of ``columns`` over ``paths``; a column without
    a finite value is left out."""
    low = dict.fromkeys(columns, np.inf)
    high = dict.fromkeys(columns, -np.inf)
    for batch in iter_columns(paths, columns):
        for column in batch.schema.names:
            values = _floats(batch, column)
            values = values[np.isfinite(values)]
            if len(values):
                low[column] = min(low[column], float(values.min()))
                high[column] = max(high[column], float(values.max()))
    return {c: (low[c], high[c]) for c in columns if np.isfinite(low[c])}


def score_histograms(
    kept: list[Path], rejected: list[Path], columns: list[str], bins: int = 30
) -> list[ScoreHistogram]:
    """Histograms of ``columns`` over ``bins`` equal bins between the column's min and max
    (over kept and rejected rows), kept and rejected counted apart. Two passes: the range,
    then the counts."""
    ranges = score_ranges(kept + rejected, columns)
    result = []
    for column in columns:
        low, high = ranges.get(column, (0.0, 1.0))
        if high <= low:
            low, high = low - 0.5, high + 0.5
        edges = np.linspace(low, high, bins + 1)
        counts = {}
        total = 0.0
        for side, paths in (("kept", kept), ("rejected", rejected)):
            binned = np.zeros(bins, dtype=np.int64)
            missing = 0
            for batch in iter_columns(paths, [column]):
                if batch.num_columns == 0:
                    continue
                values = _floats(batch, column)
                finite = np.isfinite(values)
                missing += int((~finite).sum())
                binned += np.histogram(values[finite], bins=edges)[0]
                total += float(values[finite].sum())
            counts[side] = (binned.tolist(), missing)
        result.append(
            ScoreHistogram(
                column,
                edges.tolist(),
                counts["kept"][0],
                counts["rejected"][0],
                counts["kept"][1],
                counts["rejected"][1],
                total,
            )
        )
    return result


def rejection_counts(rejected: list[Path]) -> Counter:
    """Rejected rows per (stage, reason), read from the rejected shards' columns."""
    counts: Counter = Counter()
    for batch in iter_columns(rejected, [REJECT_STAGE, REJECT_REASON]):
        if batch.num_columns < 2:
            continue
        pairs = zip(
            batch.column(REJECT_STAGE).to_pylist(),
            batch.column(REJECT_REASON).to_pylist(),
            strict=True,
        )
        counts.update(pairs)
    return counts


def reason_examples(
    rejected: list[Path],
    *,
    id_column: str = "id",
    text_column: str = "text",
    per_reason: int = 3,
    text_chars: int = 200,
    stage: str | None = None,
    counts: Counter | None = None,
) -> dict[tuple[str, str], list[Member]]:
    """The first ``per_reason`` rejected rows (default 3) of each (stage, reason), in the
    order of the shards ``rejected`` and of their rows, texts cut to ``text_chars`` characters
    (default 200). stage: when given, every row counts under this stage name (a schedule
    output's one stage), else under its ``dp_reject_stage``. counts: rows per (stage, reason)
    as ``rejection_counts`` gives them (default None); when given, reading stops once every
    reason has its examples."""
    found: dict[tuple[str, str], list[Member]] = {}

    def complete() -> bool:
        return counts is not None and all(
            len(found.get(key, ())) >= min(per_reason, n) for key, n in counts.items()
        )

    if complete():
        return found
    columns = [REJECT_STAGE, REJECT_REASON, id_column, text_column]
    for batch in iter_columns(rejected, columns):
        if REJECT_STAGE in batch.schema.names and REJECT_REASON in batch.schema.names:
            _add_examples(batch, found, per_reason, text_chars, stage, id_column, text_column)
            if complete():
                break
    return found


def _add_examples(batch, found, per_reason, text_chars, stage, id_column, text_column) -> None:
    """Append the rows of ``batch`` whose (stage, reason) has fewer than ``per_reason``
    examples in ``found`` to it, in row order."""
    pairs = zip(
        batch.column(REJECT_STAGE).to_pylist(), batch.column(REJECT_REASON).to_pylist(), strict=True
    )
    wanted: list[int] = []
    taken: Counter = Counter()
    for index, (row_stage, reason) in enumerate(pairs):
        key = (row_stage if stage is None else stage, reason)
        if len(found.get(key, ())) + taken[key] < per_reason:
            taken[key] += 1
            wanted.append(index)
    if not wanted:
        return
    rows = _cut_text(batch.take(pa.array(wanted)), text_column, text_chars).to_pylist()
    for row in rows:
        key = (row[REJECT_STAGE] if stage is None else stage, row[REJECT_REASON])
        identifier = row.get(id_column)
        found.setdefault(key, []).append(
            Member(
                "" if identifier is None else str(identifier),
                _short(row.get(text_column), text_chars),
                f"{row[REJECT_STAGE]}: {row[REJECT_REASON]}",
            )
        )


def duplicates(
    kept: list[Path],
    rejected: list[Path],
    *,
    id_column: str = "id",
    text_column: str = "text",
    examples: int = 5,
    members: int = 3,
    text_chars: int = 200,
) -> Duplicates:
    """Cluster sizes from ``dp_dup_cluster`` (kept and rejected rows), and the ``examples``
    largest clusters (ties: lowest cluster first) with up to ``members`` rows each, the kept
    copy first, texts cut to ``text_chars`` characters. Defaults: 5 clusters, 3 rows, 200."""
    parts = [
        batch.column(DUP_CLUSTER).drop_null().cast(pa.int64()).to_numpy()
        for batch in iter_columns(kept + rejected, [DUP_CLUSTER])
        if batch.num_columns
    ]
    ids = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
    clusters, sizes = np.unique(ids, return_counts=True)
    del ids
    size_values, size_counts = np.unique(sizes, return_counts=True)
    order = np.lexsort((clusters, -sizes))[:examples]
    chosen = {int(clusters[i]): Cluster(int(clusters[i]), int(sizes[i])) for i in order}
    if chosen:
        wanted = pa.array(list(chosen), pa.int64())
        columns = [DUP_CLUSTER, id_column, text_column, REJECT_STAGE, REJECT_REASON]
        for paths, is_kept in ((kept, True), (rejected, False)):
            for batch in iter_columns(paths, columns):
                if all(len(c.members) >= members for c in chosen.values()):
                    break
                if DUP_CLUSTER not in batch.schema.names:
                    continue
                in_chosen = pc.is_in(batch.column(DUP_CLUSTER).cast(pa.int64()), wanted)
                mask = pc.fill_null(in_chosen, False)
                if pc.any(mask).as_py():
                    rows = _cut_text(batch.filter(mask), text_column, text_chars).to_pylist()
                    _add_members(rows, chosen, is_kept, members, text_chars, id_column, text_column)
    return Duplicates(
        clusters=len(clusters),
        rows=int(sizes.sum()),
        size_counts={int(s): int(c) for s, c in zip(size_values, size_counts, strict=True)},
        examples=[chosen[int(clusters[i])] for i in order],
    )


def _cut_text(batch: pa.RecordBatch, column: str, chars: int) -> pa.RecordBatch:
    """``batch`` with its text column cut to ``chars`` + 1 characters (to tell a cut text)."""
    if column not in batch.schema.names:
        return batch
    text = batch.column(column)
    if pa.types.is_string(text.type) or pa.types.is_large_string(text.type):
        index = batch.schema.get_field_index(column)
        batch = batch.set_column(index, column, pc.utf8_slice_codeunits(text, 0, chars + 1))
    return batch


def _short(text: object, chars: int) -> str:
    """``text`` as a string (None as ""), cut to ``chars`` characters and an ellipsis."""
    text = "" if text is None else str(text)
    return text[:chars] + "\u2026" if len(text) > chars else text


def _add_members(rows, chosen, is_kept, members, text_chars, id_column, text_column) -> None:
    """Append the rows (dicts) to their clusters' members, up to ``members`` per cluster."""
    for row in rows:
        cluster = chosen[row[DUP_CLUSTER]]
        if len(cluster.members) >= members:
            continue
        text = _short(row.get(text_column), text_chars)
        status = "kept" if is_kept else f"{row.get(REJECT_STAGE)}: {row.get(REJECT_REASON)}"
        identifier = row.get(id_column)
        cluster.members.append(Member("" if identifier is None else str(identifier), text, status))
