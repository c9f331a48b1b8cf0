"""What the bench harnesses share: reading small JSONL inputs, running a registered stage in
memory on one batch, and writing results.json and report.md."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa

from dataprep.embed.settings import EncoderSettings
from dataprep.errors import ConfigError
from dataprep.stage import RunContext


def read_records(path: str | Path, fields: list[str] | None) -> list[dict]:
    """The records of a JSON Lines file (plain, .gz or .zst), keeping only ``fields`` (None:
    all); a ConfigError names the first field missing from the first record."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: no such file.")
    with pa.input_stream(str(path), compression="detect") as stream:
        lines = stream.read().decode("utf-8").splitlines()
    records = [json.loads(line) for line in lines if line.strip()]
    if not records:
        raise ConfigError(f"{path}: no records.")
    if fields is None:
        return records
    for field in fields:
        if field not in records[0]:
            raise ConfigError(
                f"{path}: no field {field!r}; the fields are {', '.join(records[0])}."
            )
    return [{f: r.get(f) for f in fields} for r in records]


def read_texts(path: str | Path, text_column: str = "text", limit: int | None = None) -> list[str]:
    """The first ``limit`` texts (all when None) of any input dataprep reads (JSONL, Parquet,
    Arrow, ...), in order."""
    from dataprep.io.readers import open_corpus

    texts: list[str] = []
    for batch in open_corpus([str(path)], text_column=text_column).iter_batches():
        texts.extend(batch.column(text_column).to_pylist())
        if limit is not None and len(texts) >= limit:
            return texts[:limit]
    return texts


def embedding_array(vectors: np.ndarray) -> pa.ListArray:
    """A list<float32> column with one row per row of ``vectors`` ([n, d])."""
    n, dim = vectors.shape
    flat = pa.array(np.ascontiguousarray(vectors, np.float32).ravel())
    return pa.ListArray.from_arrays(pa.array(np.arange(n + 1, dtype=np.int32) * dim), flat)


def fit_in_memory(
    stage, columns: dict, work_dir: Path | None = None, encoder: EncoderSettings | None = None
):
    """Check, bind and fit ``stage`` on one record batch of ``columns``; returns the stage.
    encoder: the run's encoder settings, read by embedding stages (default: the defaults),
    e.g. ``EncoderSettings(column=...)`` to read vectors from one of ``columns``."""
    stage.check_params()
    stage.bind(RunContext(work_dir=work_dir, encoder=encoder or EncoderSettings()))
    stage.fit([stage.fit_state(pa.RecordBatch.from_pydict(columns))])
    return stage


def write_results(output: Path, results: dict, report: str, indent: int = 1) -> None:
    """OUT/results.json (``indent``-space JSON) and OUT/report.md, creating OUT."""
    output.mkdir(parents=True, exist_ok=True)
    (output / "results.json").write_text(json.dumps(results, indent=indent) + "\n")
    (output / "report.md").write_text(report)
