"""Rows to a training batch for ``DataLoader(dataset, ..., collate_fn=Collate(dataset))``.

torch's ``default_collate`` stops at the first ``None``, and a dataprep output has nullable
columns: ``dp_dup_cluster`` is null for rows outside any duplicate group, a score may be null
for a row that could not be scored. ``Collate`` turns such a column into a plain list that
keeps its ``None`` values (a null means "not a duplicate", "no score": it is never replaced by
a number), and every other column as ``default_collate`` does: numbers become tensors, strings
lists. Which columns are lists is read once from the dataset (Arrow keeps a null count per
column), so a column has the same type in every batch, whichever rows a batch holds.

This module needs torch (``pip install torch==2.13.0``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

import pyarrow as pa

from dataprep.errors import ConfigError
from dataprep.sampling.arrow_rows import ArrowRows, open_arrow

try:
    from torch.utils.data import default_collate
except ImportError as error:  # pragma: no cover - exercised only without torch
    raise ImportError(
        "dataprep's DataLoader glue needs torch; install it with: pip install torch==2.13.0"
    ) from error


def nullable_columns(source) -> set[str]:
    """Names of the columns of ``source`` that hold a null in some row: a ``datasets.Dataset``
    (its Arrow table), a pyarrow Table or RecordBatch, ``ArrowRows`` or an Arrow dataset folder
    or file (such as ``OUT/data``). Reads only the null counts Arrow keeps, not the values."""
    if isinstance(source, (str, os.PathLike)):
        source = open_arrow(source)
    if isinstance(source, ArrowRows):
        return {
            name
            for name in source.schema.names
            if any(table.column(name).null_count for table in source.tables)
        }
    table = getattr(getattr(source, "data", None), "table", source)  # datasets.Dataset
    if not isinstance(table, (pa.Table, pa.RecordBatch)):
        raise ConfigError(
            "The source of Collate must be a datasets.Dataset, a pyarrow Table or RecordBatch, "
            f"or an Arrow dataset folder. Got {type(source).__name__} instead."
        )
    return {name for name in table.schema.names if table.column(name).null_count}


class Collate:
    """``collate_fn`` for a DataLoader over rows given as dicts (a ``datasets.Dataset``): a
    dict of column -> batch values.

    Parameters:
        source: the dataset the DataLoader reads (see ``nullable_columns`` for what it may be);
            each column that holds a null anywhere in it is a list in every batch, ``None``
            kept. Default None: decided batch by batch (a column is a list in the batches
            where it has a ``None``, so its type may change from batch to batch).
        columns: the columns to put in the batch, in this order (default: all, in row order).

    Every other column goes through torch's ``default_collate``: numbers and booleans become a
    tensor, strings a list, lists of equal length a list of tensors. A ``None`` in a column
    ``source`` says holds no null still makes that batch's column a list rather than an error.
    """

    def __init__(self, source=None, *, columns: Sequence[str] | None = None) -> None:
        self.columns = None if columns is None else list(columns)
        self.nullable = set() if source is None else nullable_columns(source)

    def __call__(self, rows: Sequence[Mapping]) -> dict:
        if not rows:
            return {}
        first = rows[0]
        if not isinstance(first, Mapping):
            raise ConfigError(
                "Collate takes rows as dicts of column -> value (as a datasets.Dataset gives "
                f"them). Got {type(first).__name__} instead."
            )
        names = list(first) if self.columns is None else self.columns
        missing = [name for name in names if name not in first]
        if missing:
            raise ConfigError(
                f"Collate: the rows have no column {missing[0]!r}; their columns are "
                f"{', '.join(first)}."
            )
        batch = {}
        for name in names:
            values = [row[name] for row in rows]
            if name in self.nullable or any(value is None for value in values):
                batch[name] = values
            else:
                batch[name] = default_collate(values)
        return batch
