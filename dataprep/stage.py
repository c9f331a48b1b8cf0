"""The one abstraction: a stage maps an Arrow record batch to the same rows, in the same order,
with extra ``dp_*`` columns.

Kinds:
- ``Filter``: decides per row from the row alone (``reject_reasons``); marks, never drops.
- ``Selector``: must see the whole corpus first. ``fit_state`` runs per batch (in worker
  processes) and returns compact per-row state; ``fit`` reduces those states on the driver and
  learns which rows to reject (``rejected_rows_``) plus any per-row columns.
- ``Scorer``: adds a float64 ``dp_score_<name>`` column for every row.
- ``Modifier``: rewrites the text of the rows still alive (e.g. C4's line cleaning) and records
  per row what it removed (``dp_<name>_lines_removed``, ``dp_<name>_chars_removed``); it never
  rejects a row: a page-level decision on the rewritten text is a later filter's.

Rows already rejected by an earlier stage keep their first rejection; later filters and
selectors only look at the rows still alive.
"""

from __future__ import annotations

import importlib.util
import inspect
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dataprep.arrow_numpy import (
    coded_strings,
    from_numpy,
    string_scalar,
    strings_at,
    to_numpy,
    valid_mask,
)
from dataprep.errors import ConfigError
from dataprep.settings import DEFAULT_RUN_ROWS

if TYPE_CHECKING:
    from dataprep.embed.settings import EncoderSettings

ROW_COLUMN = "_dp_row"  # internal: global row number in input order; never written
REJECT_STAGE = "dp_reject_stage"
REJECT_REASON = "dp_reject_reason"
DUP_CLUSTER = "dp_dup_cluster"
REJECT_COLUMNS = {REJECT_STAGE: pa.string(), REJECT_REASON: pa.string()}


@dataclass(frozen=True)
class RunContext:
    """What a stage may know about the run it is part of.

    text_column: the column holding the document text.
    id_column: the column holding unique row ids.
    work_dir: a private scratch directory for spilled state, or None when running in memory.
    run_rows: how many records of per-row fit state (a hash, a band key, a pair) a stage holds
        in memory before writing them to ``work_dir`` as a sorted run (see
        dataprep.storage.sorted_runs); it bounds memory, never changes output.
    encoder: the run's encoder settings (the recipe's ``embedding:``), shared by every embedding
        stage; None means the defaults of dataprep.embed.settings.EncoderSettings.
    """

    text_column: str = "text"
    id_column: str = "id"
    work_dir: Path | None = None
    run_rows: int = DEFAULT_RUN_ROWS
    encoder: EncoderSettings | None = None


class Stage:
    """Base class. Subclasses take explicit keyword-only parameters and store them unchanged."""

    name: ClassVar[str] = ""
    version: ClassVar[int] = 1
    kind: ClassVar[str] = "stage"
    needs_fit: ClassVar[bool] = False
    # True when the stage loads a model on first use: runners keep such stages in long-lived
    # workers (Ray: an actor pool) instead of unpickling them per task.
    loads_model: ClassVar[bool] = False
    # Optional dependencies: (importable module, pip install line).
    requires: ClassVar[tuple[tuple[str, str], ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        init = cls.__dict__.get("__init__")
        if init is not None:
            for param in list(inspect.signature(init).parameters.values())[1:]:
                if param.kind is not inspect.Parameter.KEYWORD_ONLY:
                    raise TypeError(f"{cls.__qualname__}.__init__ takes keyword-only parameters")

    @classmethod
    def param_names(cls) -> list[str]:
        """The parameter names accepted by ``__init__``, in signature order."""
        params = list(inspect.signature(cls.__init__).parameters.values())[1:]
        return [p.name for p in params if p.kind is inspect.Parameter.KEYWORD_ONLY]

    def get_params(self) -> dict[str, Any]:
        """Parameters as given to ``__init__`` (read back from same-named attributes)."""
        return {name: getattr(self, name) for name in self.param_names()}

    def check_params(self) -> None:
        """Raise ConfigError for a bad parameter. Called before any data is read."""

    def check_requirements(self) -> None:
        """Raise ConfigError with the pip line when an optional dependency is missing."""
        for module, pip_line in self.requires:
            if importlib.util.find_spec(module) is None:
                raise ConfigError(f"{self.name} needs the {module!r} package: {pip_line}")

    def check_columns(self, columns: list[str]) -> None:
        """Raise ConfigError when a column this stage reads is missing. ``columns`` are the
        input columns plus those added by earlier stages; called before any batch is read."""

    def output_columns(self) -> dict[str, pa.DataType]:
        """The ``dp_*`` columns this stage adds, with their Arrow types."""
        return {}

    def bind(self, context: RunContext) -> None:
        """Attach the run's context; called by the pipeline before ``fit`` and ``transform``."""
        self.context_ = context

    @property
    def context(self) -> RunContext:
        return getattr(self, "context_", None) or RunContext()

    def transform_batch(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        raise NotImplementedError

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"


class Filter(Stage):
    """A stage that rejects rows from what it sees in each row alone."""

    kind = "filter"

    def reject_reasons(self, batch: pa.RecordBatch) -> list[str | None]:
        """One entry per row: a snake_case reason to reject it, or None to keep it."""
        raise NotImplementedError

    def transform_batch(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        alive = alive_mask(batch)
        if not alive.any():
            return batch
        if alive.all():
            reasons = self.reject_reasons(batch)
            return mark_rejected(batch, self.name, np.arange(batch.num_rows), reasons)
        positions = np.flatnonzero(alive)
        reasons = self.reject_reasons(batch.take(from_numpy(positions)))
        return mark_rejected(batch, self.name, positions, reasons)


class Scorer(Stage):
    """A stage that adds one float64 score column, ``dp_score_<name>``, for every row."""

    kind = "scorer"

    @property
    def score_column(self) -> str:
        return f"dp_score_{self.name}"

    def output_columns(self) -> dict[str, pa.DataType]:
        return {self.score_column: pa.float64()}

    def score(self, batch: pa.RecordBatch) -> np.ndarray:
        raise NotImplementedError

    def transform_batch(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        values = np.asarray(self.score(batch), dtype=np.float64)
        return set_column(batch, self.score_column, from_numpy(values))


class Modifier(Stage):
    """A stage that rewrites the text column of the rows still alive and never rejects a row.

    Subclasses implement ``rewrite``. Rows rejected before the stage keep their text and get null
    in both count columns (an alive row with a null text gets 0). Its stats entry adds
    ``modified``: rows changed (rows that lost a line or a character), lines removed and
    characters removed, summed over the corpus.
    """

    kind = "modifier"

    @property
    def lines_column(self) -> str:
        return f"dp_{self.name}_lines_removed"

    @property
    def chars_column(self) -> str:
        return f"dp_{self.name}_chars_removed"

    def output_columns(self) -> dict[str, pa.DataType]:
        return {self.lines_column: pa.int64(), self.chars_column: pa.int64()}

    def rewrite(self, texts: list[str]) -> tuple[list[str], list[int]]:
        """(new text, lines removed) of each text; ``len(old) - len(new)`` gives the characters
        removed."""
        raise NotImplementedError

    def transform_batch(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        column = batch.column(self.context.text_column)
        alive = alive_mask(batch)
        positions = np.flatnonzero(alive & valid_mask(column))
        old = column.take(from_numpy(positions)).to_pylist() if len(positions) else []
        new, lines = self.rewrite(old) if old else ([], [])
        lines_removed = np.zeros(batch.num_rows, np.int64)
        chars_removed = np.zeros(batch.num_rows, np.int64)
        lines_removed[positions] = lines
        chars_removed[positions] = [len(a) - len(b) for a, b in zip(old, new, strict=True)]
        changed = [i for i, (a, b) in enumerate(zip(old, new, strict=True)) if a != b]
        if changed:
            # only a changed column is replaced, so an untouched batch keeps its input buffers
            values = column.to_pylist()
            for i in changed:
                values[positions[i]] = new[i]
            batch = set_column(batch, self.context.text_column, pa.array(values, column.type))
        mask = ~alive
        for name, counts in (
            (self.lines_column, lines_removed),
            (self.chars_column, chars_removed),
        ):
            batch = set_column(batch, name, pa.array(counts, pa.int64(), mask=mask))
        return batch


class Selector(Stage):
    """A stage that learns from the whole corpus which rows to reject.

    Subclasses implement ``fit_state`` (pure, per batch of alive rows) and ``fit`` (driver side),
    and call ``_set_rejections`` and ``_set_row_values`` from ``fit``.
    """

    kind = "selector"
    needs_fit = True

    def fit_state(self, batch: pa.RecordBatch) -> Any:
        """Compact state for the alive rows of one batch (the batch holds only alive rows)."""
        raise NotImplementedError

    def fit(self, states: Iterable[Any]) -> None:
        """Learn from the states of all batches, given in input order."""
        raise NotImplementedError

    def _set_rejections(self, rows: np.ndarray, reason_codes: np.ndarray, reasons: list[str]):
        order = np.argsort(rows, kind="stable")
        self.rejected_rows_ = np.asarray(rows, dtype=np.int64)[order]
        self.rejected_codes_ = np.asarray(reason_codes, dtype=np.int16)[order]
        self.reasons_ = list(reasons)

    def _set_row_values(self, column: str, rows: np.ndarray, values: np.ndarray) -> None:
        """Per-row values of an output column for some rows; the other rows get null."""
        order = np.argsort(rows, kind="stable")
        if not hasattr(self, "row_values_"):
            self.row_values_ = {}
        self.row_values_[column] = (np.asarray(rows, np.int64)[order], np.asarray(values)[order])

    def transform_batch(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        if not hasattr(self, "rejected_rows_"):
            raise RuntimeError(f"{self.name} must be fitted before transform_batch")
        rows = to_numpy(batch.column(ROW_COLUMN))
        for column, (known_rows, values) in getattr(self, "row_values_", {}).items():
            column_type = self.output_columns()[column]
            if len(known_rows) == 0:
                new = pa.nulls(len(rows), column_type)
            else:
                found, where = _lookup(known_rows, rows)
                new = from_numpy(values[where]).cast(column_type)
                if not found.all():
                    new = pc.if_else(from_numpy(found), new, pa.nulls(len(rows), column_type))
            if column in batch.schema.names:
                new = pc.coalesce(batch.column(column), new)
            batch = set_column(batch, column, new)
        found, where = _lookup(self.rejected_rows_, rows)
        positions = np.flatnonzero(found)
        codes = self.rejected_codes_[where[positions]]
        reasons = coded_strings(batch.num_rows, positions, codes, self.reasons_)
        return mark_rejected_as(batch, self.name, reasons)


def _lookup(sorted_keys: np.ndarray, queries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(found mask, index into sorted_keys) for each query."""
    if len(sorted_keys) == 0:
        return np.zeros(len(queries), bool), np.zeros(len(queries), np.int64)
    where = np.searchsorted(sorted_keys, queries)
    where = np.minimum(where, len(sorted_keys) - 1)
    return sorted_keys[where] == queries, where


def set_column(batch: pa.RecordBatch, name: str, values: pa.Array) -> pa.RecordBatch:
    """Replace column ``name`` or append it when absent."""
    index = batch.schema.get_field_index(name)
    if index >= 0:
        return batch.set_column(index, pa.field(name, values.type), values)
    return batch.append_column(pa.field(name, values.type), values)


def alive_mask(batch: pa.RecordBatch) -> np.ndarray:
    """True for rows that no stage has rejected yet."""
    if REJECT_STAGE not in batch.schema.names:
        return np.ones(batch.num_rows, dtype=bool)
    return ~valid_mask(batch.column(REJECT_STAGE))


def mark_rejected(
    batch: pa.RecordBatch,
    stage_name: str,
    positions: np.ndarray,
    reasons: list[str | None],
) -> pa.RecordBatch:
    """Record ``reasons[i]`` (when not None) as the rejection of row ``positions[i]``.

    Only rows that are still alive are marked; the first rejection of a row wins.
    """
    new_reasons = strings_at(batch.num_rows, np.asarray(positions, dtype=np.int64), reasons)
    return mark_rejected_as(batch, stage_name, new_reasons)


def mark_rejected_as(batch: pa.RecordBatch, stage_name: str, new_reasons: pa.Array):
    """``mark_rejected`` given the reasons as a string array, one per row (null: keep)."""
    if new_reasons.null_count == batch.num_rows:
        return batch
    if REJECT_STAGE not in batch.schema.names:
        batch = set_column(batch, REJECT_STAGE, pa.nulls(batch.num_rows, pa.string()))
        batch = set_column(batch, REJECT_REASON, pa.nulls(batch.num_rows, pa.string()))
    old_stages = batch.column(REJECT_STAGE)
    newly = pc.and_(old_stages.is_null(), new_reasons.is_valid())
    stages = pc.if_else(newly, string_scalar(stage_name), old_stages)
    why = pc.if_else(newly, new_reasons, batch.column(REJECT_REASON))
    batch = set_column(batch, REJECT_STAGE, stages)
    return set_column(batch, REJECT_REASON, why)


def text_values(batch: pa.RecordBatch, column: str) -> list[str]:
    """The text column as Python strings; null becomes the empty string."""
    return ["" if value is None else value for value in batch.column(column).to_pylist()]
