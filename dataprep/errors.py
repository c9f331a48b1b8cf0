"""Errors a user can fix. The CLI prints them as one line, never as a traceback."""

from __future__ import annotations


class DataprepError(Exception):
    """Base class for every error caused by user input (config, data, paths)."""


class ConfigError(DataprepError):
    """A recipe, stage name or stage parameter is wrong. Raised before any data is read."""


class InputError(DataprepError):
    """An input file cannot be read as documented; the message names file, line/row and column."""


class OutputError(DataprepError):
    """The output directory cannot be written or holds a different run."""
