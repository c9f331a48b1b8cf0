"""dataprep: make LLM training data-efficient. Stages over Arrow record batches.

The public names are loaded when first used, so ``import dataprep`` (and the command line's
``--help``) stays light: numpy, pyarrow and the stage families load with the first stage.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

# Public name -> the module defining it.
_EXPORTS = {
    "ConfigError": "dataprep.errors",
    "DataprepError": "dataprep.errors",
    "InputError": "dataprep.errors",
    "OutputError": "dataprep.errors",
    "Filter": "dataprep.stage",
    "RunContext": "dataprep.stage",
    "Modifier": "dataprep.stage",
    "Scorer": "dataprep.stage",
    "Selector": "dataprep.stage",
    "Stage": "dataprep.stage",
    "available": "dataprep.registry",
    "get": "dataprep.registry",
    "register": "dataprep.registry",
}

__all__ = [*sorted(_EXPORTS), "__version__"]


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'dataprep' has no attribute {name!r}")
