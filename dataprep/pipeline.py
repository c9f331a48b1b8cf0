"""Pipeline: check params -> fit whole-corpus stages (one pass each) -> transform -> write.

The loop over passes lives here, once; a runner (dataprep.runners) executes each pass. The
output contract (OUT/data, OUT/rejected, stats.json, manifest.json, built in a temporary folder
and renamed when complete) is dataprep.output's.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pyarrow as pa

from dataprep.embed.settings import EncoderSettings
from dataprep.errors import ConfigError, DataprepError
from dataprep.io.readers import Corpus, open_corpus
from dataprep.output import (
    OutputFolder,
    RunResult,
    load_result,
    manifest,
    output_schemas,
    write_json,
)
from dataprep.runners import make_runner
from dataprep.runners.base import Job, Written
from dataprep.settings import RunSettings
from dataprep.stage import RunContext, Stage

__all__ = ["Pipeline", "RunResult"]

logger = logging.getLogger("dataprep")


# A stage that rejects more than this share of at least MIN_ROWS_TO_WARN rows is warned about.
MOST = 0.9
MIN_ROWS_TO_WARN = 100


def _rejects_most(stats) -> str | None:
    """The warning (stderr and stats.json) for a stage that rejected more than 90% of the rows
    it saw, naming its most frequent reason (ties: the first by name), else None."""
    if stats.rows_in < MIN_ROWS_TO_WARN or stats.rows_rejected <= MOST * stats.rows_in:
        return None
    reason, count = min(stats.reasons.items(), key=lambda item: (-item[1], item[0]))
    return (
        f"{stats.name} rejected {stats.rows_rejected:,} of the {stats.rows_in:,} rows it saw "
        f"({stats.rows_rejected / stats.rows_in:.1%}); top reason {reason} ({count:,} rows); "
        "check that its parameters suit this data"
    )


class Pipeline:
    """Runs stages over a corpus and writes the output contract.

    stages: the stages in order; a row rejected by one stage is not seen by later ones.
    settings: how the run reads, holds, processes and writes data (dataprep.settings.RunSettings;
        default: its defaults); output does not depend on num_proc, run_rows or the runner.
    encoder: the encoder settings shared by the embedding stages (dataprep.embed.settings;
        default: the bundled all-MiniLM-L6-v2 on the default device).
    config: the resolved recipe to record in the manifest (default: built from the stages).

    A local run is resumable (see dataprep.storage.checkpoint): an interrupted or crashed run
    keeps its temporary folder, and ``run(..., resume=True)`` continues it.
    """

    def __init__(
        self,
        stages: list[Stage],
        *,
        settings: RunSettings | None = None,
        encoder: EncoderSettings | None = None,
        config: dict | None = None,
    ) -> None:
        self.stages = list(stages)
        self.settings = settings or RunSettings()
        self.encoder = encoder or EncoderSettings()
        self.config = config or {
            "stages": [{s.name: s.get_params()} for s in self.stages],
        }

    def check(self) -> None:
        """Validate the settings and every stage before any data is read."""
        self.settings.check()
        self.encoder.check("embedding")
        names = [stage.name for stage in self.stages]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ConfigError(f"Stage {repeated[0]!r} appears twice; each stage may appear once.")
        for stage in self.stages:
            # A first context, so checks see the run's settings before the run has a folder.
            stage.bind(RunContext(run_rows=self.settings.run_rows, encoder=self.encoder))
            stage.check_requirements()
            stage.check_params()

    def output_columns(self) -> dict[str, pa.DataType]:
        columns: dict[str, pa.DataType] = {}
        for stage in self.stages:
            columns.update(stage.output_columns())
        return columns

    def run(
        self,
        inputs: list[str],
        out_dir: str | Path,
        *,
        text_column: str = "text",
        id_column: str = "id",
        overwrite: bool = False,
        resume: bool = False,
    ) -> RunResult:
        """Read ``inputs``, run every stage and write ``out_dir``.

        text_column / id_column: see open_corpus; overwrite: replace an existing ``out_dir``
        (default False); resume: continue the interrupted run whose temporary folder
        (``.OUT.dataprep-tmp``) is beside ``out_dir``, refusing with the reason when its config
        or inputs changed (default False: a leftover temporary folder is replaced).
        """
        self.check()
        runner = make_runner(self.settings)
        runner.check()
        if resume and not runner.resumable:
            raise ConfigError.naming(
                lambda arg: f"{arg('resume', True)} is not available with the {runner.name} runner"
            )
        settings = self.settings
        corpus = open_corpus(
            inputs,
            text_column=text_column,
            id_column=id_column,
            batch_rows=settings.batch_rows,
            on_error=settings.on_error,
            max_text_bytes=settings.max_text_bytes,
            columns=settings.columns,
        )
        columns = list(corpus.output_schema.names)
        for stage in self.stages:
            stage.check_columns(columns)
            columns += [c for c in stage.output_columns() if c not in columns]
        folder = OutputFolder(out_dir, overwrite)
        try:
            return self._run_in(folder, corpus, runner, resume)
        finally:
            folder.release()

    def _run_in(self, folder: OutputFolder, corpus: Corpus, runner, resume: bool) -> RunResult:
        """The run once its input is open and its output folder chosen."""
        settings = self.settings
        fingerprint = self.fingerprint(corpus) if runner.resumable else None
        done = folder.start(fingerprint, resume)
        if done is not None:
            result = load_result(done)
            result.out_dir = folder.out_dir
            return result
        context = RunContext(
            corpus.text_column, corpus.id_column, folder.work_dir, settings.run_rows, self.encoder
        )
        for stage in self.stages:
            stage.bind(context)
        schemas = output_schemas(corpus, self.output_columns())
        session = None
        try:
            session = runner.session(Job(self.stages, corpus, folder, settings, schemas))
            fit_indices = [i for i, stage in enumerate(self.stages) if stage.needs_fit]
            restored = session.restore(fit_indices) if folder.resuming else 0
            for index in fit_indices[restored:]:
                session.fit(index)
            written = session.write()
        except DataprepError:
            folder.discard()  # bad input: nothing to resume
            raise
        finally:
            if session is not None:
                session.close()
        result = self._write_reports(folder, corpus, written, runner)
        folder.finish()
        result.out_dir = folder.out_dir
        return result

    def _write_reports(self, folder, corpus: Corpus, written: Written, runner) -> RunResult:
        """stats.json and manifest.json of a finished writing pass, in the temporary folder."""
        input_stats, stage_stats = written.totals.finish()
        result = RunResult(
            folder.tmp_dir,
            written.totals.rows_in,
            written.rows_kept,
            written.rows_rejected,
            stage_stats,
            input_stats,
        )
        stats = {
            "rows_in": result.rows_in,
            "rows_kept": result.rows_kept,
            "rows_rejected": result.rows_rejected,
            "num_proc": runner.processes,
        }
        if runner.name != "local":
            stats["runner"] = runner.name
        if input_stats is not None:
            stats["input"] = {**input_stats.to_dict(), "warnings": corpus.warnings}
        if corpus.warnings:  # files or folders of the input not read, empty files skipped
            stats["input_warnings"] = corpus.warnings
        # A coreset selector (a 'budget' parameter) rejects most rows when asked to.
        asked = {stage.name for stage in self.stages if "budget" in stage.get_params()}
        warnings = [w for s in stage_stats if s.name not in asked and (w := _rejects_most(s))]
        for message in warnings:
            logger.warning("warning: %s", message)
        if warnings:
            stats["warnings"] = warnings
        stats["stages"] = {s.name: s.to_dict() for s in stage_stats}
        write_json(folder.tmp_dir / "stats.json", stats)
        head = {"config": self.config, "stages": self._described_stages()}
        if self.uses_encoder():
            head["embedding"] = self.encoder.to_dict()
        document = manifest(
            corpus,
            head,
            self.settings.shard_format,
            (result.rows_kept, written.kept_shards),
            (result.rows_rejected, written.rejected_shards),
            {"rows_in": result.rows_in},
        )
        write_json(folder.tmp_dir / "manifest.json", document)
        return result

    def _described_stages(self) -> list[dict]:
        return [
            {"name": s.name, "version": s.version, "params": s.get_params()} for s in self.stages
        ]

    def uses_encoder(self) -> bool:
        """Whether a stage reads the encoder settings (an embedding stage)."""
        return any(getattr(stage, "uses_encoder", False) for stage in self.stages)

    def fingerprint(self, corpus: Corpus) -> dict:
        """What a resumed run must share with the interrupted one (see
        dataprep.storage.checkpoint)."""
        from dataprep import __version__

        return {
            "dataprep_version": __version__,
            "stages": self._described_stages(),
            "inputs": [
                {k: v for k, v in i.items() if k != "path"} for i in corpus.describe_inputs()
            ],
            "config": self.config,
            **self.settings.fingerprint(),
            **({"embedding": self.encoder.to_dict()} if self.uses_encoder() else {}),
            "text_column": corpus.text_column,
            "id_column": corpus.id_column,
        }
