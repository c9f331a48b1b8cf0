"""The output contract of every command that writes a dataset (filter, score, schedule):

    OUT/data/          kept rows, Arrow shards (dataprep.io.writer)
    OUT/rejected/      rejected rows, with dp_reject_stage and dp_reject_reason
    OUT/stats.json     what the run did
    OUT/manifest.json  version, config, inputs with fingerprints, shards, counts

The folder is built under a hidden temporary name beside OUT (``.OUT.dataprep-tmp``) and renamed
into place when complete (``OutputFolder``). A resumable run keeps its checkpoints in that
temporary folder (dataprep.storage.checkpoint); ``OutputFolder.start`` decides whether a run
starts afresh, resumes, or finds its work already done.
"""

from __future__ import annotations

import json
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from dataprep.errors import OutputError
from dataprep.io.bad_input import INPUT_STAGE
from dataprep.io.readers import Corpus
from dataprep.stage import REJECT_COLUMNS
from dataprep.stats import StageStats
from dataprep.storage.checkpoint import FINGERPRINT_FILE, RunState, crash_point
from dataprep.storage.lock import OutputLock

logger = logging.getLogger("dataprep")


@dataclass
class RunResult:
    """What a finished run wrote: the output folder, row counts and per-stage stats."""

    out_dir: Path
    rows_in: int
    rows_kept: int
    rows_rejected: int
    stages: list[StageStats]
    input: StageStats | None = None  # bad input records rejected (on_error='reject' only)


def load_result(out_dir: Path) -> RunResult:
    """The RunResult of a finished output folder, from its stats.json."""
    stats = json.loads((out_dir / "stats.json").read_text())
    stages = [StageStats.from_dict(name, s) for name, s in stats["stages"].items()]
    result = RunResult(
        out_dir, stats["rows_in"], stats["rows_kept"], stats["rows_rejected"], stages
    )
    if "input" in stats:
        result.input = StageStats.from_dict(INPUT_STAGE, stats["input"])
    return result


class OutputFolder:
    """``out_dir``, built in its temporary folder and renamed into place when complete.

    overwrite: replace an existing ``out_dir`` (default False: refuse when it is not empty).

    A run holds the folder's lock (dataprep.storage.lock) from ``start`` to ``release``, so a
    second run into the same folder refuses at once instead of sharing its temporary folder.
    """

    def __init__(self, out_dir: str | Path, overwrite: bool = False) -> None:
        self.out_dir = Path(out_dir)
        self.tmp_dir = self.out_dir.parent / f".{self.out_dir.name}.dataprep-tmp"
        self.overwrite = overwrite
        self.state = RunState(self.tmp_dir)
        self.resuming = False
        self.lock = OutputLock(self.out_dir)

    @property
    def work_dir(self) -> Path:
        """The run's scratch folder (spilled state, decision logs), inside the temporary one."""
        return self.tmp_dir / "work"

    def start(self, fingerprint: dict | None = None, resume: bool = False) -> Path | None:
        """Prepare the temporary folder. Returns None when the run must do its work, or the
        folder holding the finished output when there is nothing left to do (a complete
        ``out_dir``, or a run interrupted just before its rename, which is then renamed).

        fingerprint: what a resumed run must share with the interrupted one (None: the run
            cannot be resumed); resume: continue the interrupted run, refusing with the
            reason when the fingerprint changed (default False: a leftover is replaced).
        """
        if self.out_dir.is_file():  # before anything is made beside it
            self._check_target()
        self.lock.acquire()
        try:
            return self._start(fingerprint, resume)
        except BaseException:
            self.lock.release()
            raise

    def _start(self, fingerprint: dict | None, resume: bool) -> Path | None:
        tmp_dir = self.tmp_dir
        self.resuming = resume and tmp_dir.exists()
        if self.resuming and not (tmp_dir / FINGERPRINT_FILE).exists():
            if (tmp_dir / "manifest.json").exists():  # interrupted just before the rename
                self.finish()
                return self.out_dir
            self.resuming = False
        if self.resuming:
            reason = self.state.change_from(fingerprint)
            if reason:
                raise OutputError.naming(
                    lambda arg: (
                        f"{self.out_dir}: cannot resume: {reason}; rerun without "
                        f"{arg('resume', True)} to start over"
                    )
                )
            self._check_target()
            logger.info("resuming the interrupted run in %s", tmp_dir)
        elif resume and (self.out_dir / "manifest.json").exists():
            logger.info("nothing to resume: %s is complete", self.out_dir)
            return self.out_dir
        else:
            if resume:
                logger.warning("warning: nothing to resume for %s: starting afresh", self.out_dir)
            self._check_target()
            self._prepare()
            if fingerprint is not None:
                self.state.start(fingerprint)
        self.work_dir.mkdir(exist_ok=True)
        return None

    def _check_target(self) -> None:
        out_dir = self.out_dir
        if out_dir.is_file():  # --overwrite replaces an output folder, never a file
            raise OutputError.naming(
                lambda arg: (
                    f"{out_dir}: is a file; {arg('out_dir', flag='-o')} names the output "
                    f"folder (choose another {arg('out_dir', flag='-o')})"
                )
            )
        if (
            out_dir.exists()
            and not self.overwrite
            and (out_dir.is_file() or any(out_dir.iterdir()))
        ):
            what = "holds another run" if (out_dir / "manifest.json").exists() else "is not empty"
            raise OutputError.naming(
                lambda arg: (
                    f"{out_dir}: already exists and {what}; choose another "
                    f"{arg('out_dir', flag='-o')} or pass {arg('overwrite', True)}"
                )
            )

    def _prepare(self) -> None:
        """Create the temporary folder; a leftover one from an interrupted run is replaced
        (and the user told)."""
        try:
            self.out_dir.parent.mkdir(parents=True, exist_ok=True)
            if self.tmp_dir.exists():
                logger.warning(
                    "replacing %s, left by an interrupted run (resume=True, or --resume on "
                    "the command line, continues one)",
                    self.tmp_dir,
                )
                shutil.rmtree(self.tmp_dir)
            self.tmp_dir.mkdir()
        except OSError as error:
            raise OutputError(f"{self.out_dir}: cannot be written: {error.strerror}") from None

    def finish(self) -> None:
        """Drop the scratch and checkpoints, then rename the temporary folder into place."""
        self.state.finish()
        crash_point("before_rename")
        if self.out_dir.exists():
            shutil.rmtree(self.out_dir)
        self.tmp_dir.rename(self.out_dir)

    def discard(self) -> None:
        """Remove the temporary folder (a run that failed for good: nothing to resume)."""
        shutil.rmtree(self.tmp_dir, ignore_errors=True)

    def release(self) -> None:
        """Give up the folder's lock: at the end of a run, however it ends."""
        self.lock.release()


def output_schemas(
    corpus: Corpus, kept_columns: dict[str, pa.DataType], rejected_extra: bool = True
) -> tuple[pa.Schema, pa.Schema]:
    """(kept, rejected) schemas: the corpus columns plus ``kept_columns``; the rejected rows
    add the reject columns and, in reject mode, the input error column. ``rejected_extra``:
    whether rejected rows carry ``kept_columns`` too (default True)."""
    kept_schema = corpus.output_schema
    for name, arrow_type in kept_columns.items():
        kept_schema = kept_schema.append(pa.field(name, arrow_type))
    rejected_schema = kept_schema if rejected_extra else corpus.output_schema
    for name, arrow_type in {**REJECT_COLUMNS, **corpus.input_error_columns}.items():
        rejected_schema = rejected_schema.append(pa.field(name, arrow_type))
    return kept_schema, rejected_schema


def conform(batch: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
    """The batch's columns in ``schema`` order; declared columns a stage did not add are null."""
    columns = []
    for field in schema:
        if field.name in batch.schema.names:
            column = batch.column(field.name)
            columns.append(column if column.type == field.type else column.cast(field.type))
        else:
            columns.append(pa.nulls(batch.num_rows, field.type))
    return pa.RecordBatch.from_arrays(columns, schema=schema)


def manifest(
    corpus: Corpus,
    head: dict[str, Any],
    shard_format: str,
    data: tuple[int, list[dict]],
    rejected: tuple[int, list[dict]],
    tail: dict[str, Any],
) -> dict[str, Any]:
    """manifest.json: ``head`` (command, config, ...), the columns (and the input columns kept,
    when the run keeps only some) and inputs, the shards
    (``data`` and ``rejected``: (rows, shard list)), then ``tail`` (counts)."""
    from dataprep import __version__

    return {
        "dataprep_version": __version__,
        **head,
        "text_column": corpus.text_column,
        "id_column": corpus.id_column,
        "ids_generated": corpus.generate_ids,
        **({"columns": list(corpus.columns)} if corpus.columns is not None else {}),
        **({"on_error": corpus.on_error} if corpus.on_error != "fail" else {}),
        "inputs": corpus.describe_inputs(),
        **({"input_warnings": corpus.warnings} if corpus.warnings else {}),
        "shard_format": shard_format,
        "data": {"rows": data[0], "shards": data[1]},
        "rejected": {"rows": rejected[0], "shards": rejected[1]},
        **tail,
    }


def write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=False, default=_json_default) + "\n")


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} to JSON")
