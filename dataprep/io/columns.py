"""The input columns a run keeps (``RunSettings.columns``, ``--columns id,text``): every
listed column is kept, in the order listed, and the others are dropped as the files are read,
before anything else sees them. Inputs whose columns differ become one corpus this way."""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa

from dataprep.errors import InputError


def select_columns(
    sources: Sequence, schemas: list[pa.Schema], columns: Sequence[str] | None, text_column: str
) -> list[pa.Schema]:
    """Each file's schema reduced to ``columns`` (None: all columns, the schemas unchanged).

    sources: the input files (dataprep.io.readers.Source), one per schema; schemas: their
    schemas as peeked; columns: the column names to keep, in this order; text_column: the
    column holding documents, which ``columns`` must list. Raises InputError naming the file
    and the column when a file lacks a listed column.
    """
    if columns is None:
        return schemas
    if text_column not in columns:
        raise InputError.naming(
            lambda arg: (
                f"{arg('columns', list(columns), of='RunSettings')} does not keep the "
                f"text column {text_column!r}; add it"
            )
        )
    selected = []
    for source, schema in zip(sources, schemas, strict=True):
        missing = [name for name in columns if name not in schema.names]
        if missing:
            raise _missing_error(source.path, missing[0], schema.names)
        selected.append(pa.schema([schema.field(name) for name in columns]))
    return selected


def _missing_error(path, name: str, names: list[str]) -> InputError:
    """File ``path`` (with columns ``names``) lacks listed column ``name``."""
    return InputError.naming(
        lambda arg: (
            f"{path}: no column {name!r}, which {arg('columns', of='RunSettings')} "
            f"keeps; the file's columns are {', '.join(names)}"
        )
    )


def differ_reason(sources: Sequence, schemas: list[pa.Schema], index: int) -> str:
    """How the columns of file ``index`` differ from the first file's (the missing and the
    extra ones); reject mode rejects that file's rows with this reason."""
    first, names = set(schemas[0].names), set(schemas[index].names)
    missing, extra = sorted(first - names), sorted(names - first)
    return (
        f"columns differ from {sources[0].name} "
        f"(missing: {missing or 'none'}; extra: {extra or 'none'})"
    )


def _shared(schemas: list[pa.Schema], name: str) -> bool:
    """Whether every schema has column ``name``, with types that unify."""
    if not all(name in schema.names for schema in schemas):
        return False
    try:
        pa.unify_schemas(
            [pa.schema([schema.field(name)]) for schema in schemas], promote_options="permissive"
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return False
    return True


def differ_error(sources: Sequence, schemas: list[pa.Schema], index: int) -> InputError:
    """The error for file ``index`` whose columns differ from the first file's: it names the
    missing and extra columns and suggests keeping the columns every input has (with types
    that unify)."""
    reason = f"{sources[index].path}: {differ_reason(sources, schemas, index)}"
    shared = [name for name in schemas[0].names if _shared(schemas, name)]
    if not shared:
        return InputError(reason)
    return InputError.naming(
        lambda arg: (
            f"{reason}; to keep only the columns every input has, pass "
            f"{arg('columns', shared, of='RunSettings')}"
        )
    )
