"""dataprep: make LLM training data-efficient. Stages over Arrow record batches."""

from dataprep.errors import ConfigError, DataprepError, InputError, OutputError
from dataprep.registry import available, get, register
from dataprep.stage import Filter, RunContext, Scorer, Selector, Stage

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "DataprepError",
    "Filter",
    "InputError",
    "OutputError",
    "RunContext",
    "Scorer",
    "Selector",
    "Stage",
    "__version__",
    "available",
    "get",
    "register",
]
