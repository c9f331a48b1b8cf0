"""What every embedding-based stage shares: where its vectors come from.

A stage mixes in ``EmbeddingInput``; it declares no encoder parameters of its own. The run's
``dataprep.embed.settings.EncoderSettings`` (``RunContext.encoder``, set from the recipe's
top-level ``embedding:`` mapping) say where vectors come from, the same for every embedding
stage of the run. ``vectors(batch)`` then gives normalized float32 vectors for the batch's rows:
read from the settings' ``column`` (a list<float> column) when set, otherwise encoded from the
text with ``dataprep.embed.encoder.Encoder`` (one model per process, loaded on first use, never
pickled).
"""

from __future__ import annotations

import importlib.util
import tempfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dataprep.embed.settings import EncoderSettings
from dataprep.errors import ConfigError
from dataprep.stage import ROW_COLUMN, text_values
from dataprep.storage.spill import Spill


class EmbeddingInput:
    """Mixin of the embedding stages: vectors from the run's encoder settings."""

    loads_model = True
    uses_encoder = True  # the pipeline records the run's encoder settings when a stage reads them

    def encoder_settings(self) -> EncoderSettings:
        """The run's encoder settings (``RunContext.encoder``; the defaults when it is None or
        the stage is unbound)."""
        return self.context.encoder or EncoderSettings()

    def check_requirements(self) -> None:
        from dataprep.embed.encoder import EMBED_PIP_LINE

        settings = self.encoder_settings()
        settings.check("embedding")
        needed = ["sklearn"] + ([] if settings.column else ["sentence_transformers"])
        for module in needed:
            if importlib.util.find_spec(module) is None:
                raise ConfigError(f"{self.name} needs the {module!r} package: {EMBED_PIP_LINE}")

    def check_columns(self, columns: list[str]) -> None:
        column = self.encoder_settings().column
        if column is not None and column not in columns:
            raise ConfigError(
                f"{self.name}: no embedding column {column!r}; the columns are {', '.join(columns)}"
            )

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.pop("_encoder", None)  # each worker process loads its own model
        state.pop("_encoder_settings", None)
        return state

    def fit_state(self, batch: pa.RecordBatch) -> tuple[np.ndarray, np.ndarray]:
        """Row numbers and vectors of the batch's (alive) rows."""
        return batch.column(ROW_COLUMN).to_numpy(), self.vectors(batch)

    def collect_vectors(self, states) -> tuple[np.ndarray, np.ndarray, Spill]:
        """(int64 rows, float32 vectors [n, dim], spill) from every batch's fit_state. The
        vectors are memory-mapped from the run's work folder (4 x dim bytes per row on disk);
        call ``spill.remove()`` when done with them."""
        folder = self.context.work_dir or Path(tempfile.mkdtemp(prefix="dataprep-vectors-"))
        row_parts, dim = [], 0
        with Spill(Path(folder) / f"{self.name}.vectors") as spill:
            for rows, vectors in states:
                row_parts.append(np.asarray(rows, np.int64))
                if len(vectors):
                    dim = vectors.shape[1]
                    spill.append(np.asarray(vectors, np.float32))
        rows = np.concatenate(row_parts) if row_parts else np.empty(0, np.int64)
        if len(rows) == 0:
            return rows, np.empty((0, dim), np.float32), spill
        return rows, spill.open(np.float32, (len(rows), dim)), spill

    def vectors(self, batch: pa.RecordBatch) -> np.ndarray:
        """Normalized float32 vectors [rows, dim] for the batch."""
        settings = self.encoder_settings()
        if settings.column is not None:
            column = batch.column(settings.column)
            if batch.num_rows == 0:  # no row to read a width from, unless the type has one
                width = column.type.list_size if pa.types.is_fixed_size_list(column.type) else 0
                return np.empty((0, width), np.float32)
            lengths = pc.list_value_length(column).to_numpy(zero_copy_only=False)
            if column.null_count == 0 and len(lengths) and (lengths == lengths[0]).all():
                # equal-length lists of floats: read the child values without Python objects
                flat = column.flatten().to_numpy(zero_copy_only=False)
                vectors = flat.astype(np.float32, copy=False).reshape(batch.num_rows, -1)
            else:
                rows = column.to_pylist()
                vectors = np.asarray(rows, dtype=np.float32).reshape(batch.num_rows, -1)
            norms = np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
            return vectors / norms
        if getattr(self, "_encoder_settings", None) != settings:  # none loaded, or other settings
            from dataprep.embed.encoder import Encoder

            self._encoder = Encoder(
                model=settings.model,
                device=settings.device,
                batch_size=settings.batch_size,
                max_seq_length=settings.max_seq_length,
                cache_dir=settings.cache_dir,
            )
            self._encoder_settings = settings
        return self._encoder.encode(text_values(batch, self.context.text_column))
