"""Encoder settings: one object shared by every embedding stage of a run.

A recipe sets them once, in its top-level ``embedding:`` mapping (see ``dataprep.config``)::

    embedding:
      model: /models/my-sentence-transformer   # default: the bundled all-MiniLM-L6-v2
      device: cuda
      batch_size: 128
    stages:
      - semantic_dedup: {}
      - prototypicality: {}

The pipeline puts them in ``RunContext.encoder``; every stage mixing in
``dataprep.embed.input.EmbeddingInput`` reads its vectors with them, so two embedding stages of
a run always embed the same way (and share the on-disk embedding cache).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from dataprep.errors import ConfigError

# What each field accepts, for one-sentence errors: (kind, description).
_FIELD_RULES = {
    "model": ("path", "a local sentence-transformers model folder or null"),
    "device": ("text", "a device name such as 'auto', 'cpu' or 'cuda:0'"),
    "batch_size": ("count", "a positive integer"),
    "max_seq_length": ("count", "a positive integer"),
    "cache_dir": ("path", "a folder path or null"),
    "column": ("path", "a column name or null"),
}


@dataclass(frozen=True)
class EncoderSettings:
    """Where an embedding stage's vectors come from.

    model: a local sentence-transformers model folder (a static model2vec folder works too);
        default None: the bundled all-MiniLM-L6-v2. Models are never downloaded.
    device: 'auto' (CUDA when available, else CPU; default), 'cpu', 'cuda', 'cuda:1', ...
    batch_size: texts per forward pass (default 64).
    max_seq_length: tokens kept per text (default 256, the bundled model's own limit).
    cache_dir: the on-disk embedding cache folder (default None: the encoder's default cache,
        see ``dataprep.embed.encoder.default_cache_dir``).
    column: read L2-normalized vectors from this list<float> column instead of encoding the
        text (default None: encode the text with ``model``); no model is loaded then.
    """

    model: str | None = None
    device: str = "auto"
    batch_size: int = 64
    max_seq_length: int = 256
    cache_dir: str | None = None
    column: str | None = None

    def check(self, where: str) -> None:
        """Raise ConfigError, in one sentence starting with ``where``, for a bad field."""
        for name, value in self.to_dict().items():
            kind, described = _FIELD_RULES[name]
            if kind == "count":
                wrong = not isinstance(value, int) or isinstance(value, bool) or value < 1
            elif kind == "path":
                wrong = value is not None and (not isinstance(value, str) or not value)
            else:
                wrong = not isinstance(value, str) or not value
            if wrong:
                raise ConfigError(f"{where}: {name!r} must be {described}. Got {value!r} instead.")

    def to_dict(self) -> dict[str, Any]:
        """The fields as a plain dict (for manifests, fingerprints and recipes)."""
        return {field.name: getattr(self, field.name) for field in fields(self)}

    @classmethod
    def from_mapping(cls, mapping: Any, where: str) -> EncoderSettings:
        """Checked settings from a recipe's ``embedding:`` mapping; absent keys keep their
        defaults. Raise ConfigError, naming ``where``, for a value that is not a mapping, an
        unknown key (with a did-you-mean) or a bad value."""
        known = [field.name for field in fields(cls)]
        if not isinstance(mapping, Mapping):
            raise ConfigError(
                f"{where}: the encoder settings must be a mapping of {', '.join(known)}. "
                f"Got {mapping!r} instead."
            )
        for key in mapping:
            if key not in known:
                close = difflib.get_close_matches(str(key), known, n=1)
                hint = f" Did you mean {close[0]!r}?" if close else ""
                raise ConfigError(
                    f"{where}: unknown encoder setting {key!r}.{hint} "
                    f"Known settings: {', '.join(known)}."
                )
        settings = cls(**dict(mapping))
        settings.check(where)
        return settings
