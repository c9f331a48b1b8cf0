"""Stage registry: ``@register`` a class under its ``name``; ``get(name)`` finds it again.

The registry is what lets YAML recipes and the CLI refer to stages by a snake_case name without
knowing where they live. Every built-in family module is imported lazily on the first lookup.
"""

from __future__ import annotations

import difflib
import importlib

from dataprep.errors import ConfigError

_REGISTRY: dict[str, type] = {}

# Modules that define built-in stages; imported on first use so `import dataprep` stays light.
_BUILTIN_MODULES = (
    "dataprep.dedup.exact",
    "dataprep.dedup.minhash",
    "dataprep.dedup.semantic",
    "dataprep.quality.gopher",
    "dataprep.quality.gopher_repetition",
    "dataprep.quality.c4",
    "dataprep.quality.fineweb",
    "dataprep.quality.simple",
    "dataprep.quality.classifier",
    "dataprep.score.text",
    "dataprep.score.rarity",
    "dataprep.score.ngram_lm",
    "dataprep.score.difficulty",
    "dataprep.score.prototypicality",
    "dataprep.score.hf_perplexity",
    "dataprep.select.simple",
    "dataprep.select.geometric",
    "dataprep.select.perplexity_band",
    "dataprep.select.dsir",
)
_builtins_loaded = False


def register(cls: type) -> type:
    """Class decorator: add a stage class to the registry under ``cls.name``."""
    name = getattr(cls, "name", None)
    if not isinstance(name, str) or not name:
        raise TypeError(f"{cls.__qualname__} needs a non-empty string class attribute 'name'")
    existing = _REGISTRY.get(name)
    if existing is not None and existing is not cls:
        raise TypeError(f"stage name {name!r} is used by {existing.__qualname__} already")
    _REGISTRY[name] = cls
    return cls


def _load_builtins() -> None:
    global _builtins_loaded
    if not _builtins_loaded:
        _builtins_loaded = True
        for module in _BUILTIN_MODULES:
            importlib.import_module(module)


def available() -> list[str]:
    """Sorted names of every registered stage."""
    _load_builtins()
    return sorted(_REGISTRY)


def get(name: str) -> type:
    """The stage class registered as ``name``; a ConfigError with a did-you-mean otherwise."""
    _load_builtins()
    try:
        return _REGISTRY[name]
    except KeyError:
        close = difflib.get_close_matches(name, _REGISTRY, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ConfigError(
            f"Unknown stage {name!r}.{hint} Known stages: {', '.join(sorted(_REGISTRY))}."
        ) from None
