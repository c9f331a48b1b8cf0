"""One line while dataprep's native kernels compile on their first use after an install.

The numba kernels (``@njit(cache=True)``) are compiled the first time they are called, and the
machine code is kept in numba's cache (beside the modules, or under NUMBA_CACHE_DIR), from which
later runs load it in milliseconds. The first run after an install compiles them instead: tens
of seconds in which nothing else seems to happen. numba's ``numba:compile`` event fires only
when a function is really compiled, not when it is loaded from the cache, so listening to it
tells a cold cache from a warm one at no cost, and only for the kernels a run uses.

The same events time the compiles, so a stage's seconds leave them out (``compile_seconds``)
and the command line says how long compiling took.
"""

from __future__ import annotations

import logging
import mmap
import time

logger = logging.getLogger("dataprep")

# Seconds the default filter recipe spent compiling on a cold cache (this project's 2-core machine).
COMPILE_SECONDS = 30
MESSAGE = f"compiling dataprep's kernels (first use after install, about {COMPILE_SECONDS} s) ..."

# Whether the message was logged: one byte of memory shared with the worker processes forked
# from this one, so the run prints it once whichever process compiles first.
_SHOWN = mmap.mmap(-1, 1)


# This process's seconds spent compiling since announce_compiles ([total, outermost start]).
_COMPILING = [0.0, 0.0]
_DEPTH = [0]


def compile_seconds() -> float:
    """Seconds this process has spent compiling numba functions since ``announce_compiles``
    (0 when it was not called, or when every kernel came from the cache)."""
    return _COMPILING[0]


def _listener():
    from numba.core import event

    class CompileListener(event.Listener):
        """Logs MESSAGE when the first dataprep function is compiled; times every compile."""

        def on_start(self, ev: event.Event) -> None:
            _DEPTH[0] += 1
            if _DEPTH[0] == 1:  # compiling a function compiles the ones it calls, nested
                _COMPILING[1] = time.perf_counter()
            dispatcher = ev.data.get("dispatcher") if isinstance(ev.data, dict) else None
            module = getattr(getattr(dispatcher, "py_func", None), "__module__", "") or ""
            if _SHOWN[0] or not module.startswith("dataprep."):
                return
            _SHOWN[0] = 1
            logger.info(MESSAGE)

        def on_end(self, ev: event.Event) -> None:
            _DEPTH[0] -= 1
            if _DEPTH[0] == 0:
                _COMPILING[0] += time.perf_counter() - _COMPILING[1]

    listener = CompileListener()
    event.register("numba:compile", listener)
    return listener


_LISTENERS: list = []


def announce_compiles() -> None:
    """From now on, log MESSAGE (INFO, on the "dataprep" logger, so --quiet silences it)
    when the first dataprep kernel is compiled rather than loaded from numba's cache: once
    for this process and the worker processes forked from it. Calling it again does nothing."""
    if not _LISTENERS:
        _LISTENERS.append(_listener())
