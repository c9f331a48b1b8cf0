"""Errors a user can fix. The CLI prints them as one line, never as a traceback.

An error that tells the user which argument to change names it as the caller spells it: a
Python caller reads ``overwrite=True``, a command-line user ``--overwrite``. Such an error is
built with :meth:`DataprepError.naming`; ``str(error)`` is the Python wording and
``error.for_cli()`` the command line's (the CLI prints that one).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Spell = Callable[..., str]


class DataprepError(Exception):
    """Base class for every error caused by user input (config, data, paths).

    message: the error in the words of a Python caller (``str(error)``).
    cli_message: the same error in the words of a command-line user (default None: the same
        words as ``message``).
    """

    def __init__(self, message: str, cli_message: str | None = None) -> None:
        super().__init__(message)
        self.cli_message = cli_message

    @classmethod
    def naming(cls, words: Callable[[Spell], str]) -> DataprepError:
        """An error whose message names arguments: ``words(arg)`` returns the message, with
        ``arg(name, value=None, of=None, flag=None)`` spelling an argument (see
        :func:`python_spelling` and :func:`cli_spelling`); it is called once per wording."""
        return cls(words(python_spelling), cli_message=words(cli_spelling))

    def for_cli(self) -> str:
        """The message in the words of a command-line user."""
        return self.cli_message or str(self)


def python_spelling(
    name: str, value: Any = None, of: str | None = None, flag: str | None = None
) -> str:
    """How a Python caller gives argument ``name``: ``name=value`` (``name`` alone when
    ``value`` is None); when ``of`` names the object holding it (e.g. 'RunSettings'; default
    None), ``of(name=value)`` or ``of.name``. ``flag`` is not used."""
    if value is None:
        return f"{of}.{name}" if of else name
    return f"{of}({name}={value!r})" if of else f"{name}={value!r}"


def cli_spelling(
    name: str, value: Any = None, of: str | None = None, flag: str | None = None
) -> str:
    """How a command-line user gives argument ``name``: ``flag`` (default None: ``--`` and
    the name with dashes), followed by ``value`` unless it is None or True (a list is joined
    with commas); ``of`` is not used."""
    flag = flag or "--" + name.replace("_", "-")
    if value is None or value is True:
        return flag
    if isinstance(value, (list, tuple)):
        value = ",".join(str(item) for item in value)
    return f"{flag} {value}"


class ConfigError(DataprepError):
    """A recipe, stage name or stage parameter is wrong. Raised before any data is read."""


class InputError(DataprepError):
    """An input file cannot be read as documented; the message names file, line/row and column."""


class OutputError(DataprepError):
    """The output directory cannot be written or holds a different run."""
