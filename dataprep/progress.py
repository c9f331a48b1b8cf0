"""Progress bars for long passes: on for an interactive terminal, off with --quiet or in logs."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


def progress_bar(items: Iterable[T], label: str, *, enabled: bool) -> Iterator[T]:
    """``items`` unchanged, with a tqdm bar counting record batches when ``enabled`` and
    stderr is a terminal."""
    if not enabled or not sys.stderr.isatty():
        yield from items
        return
    from tqdm import tqdm

    yield from tqdm(items, desc=label, unit=" batches", leave=False, dynamic_ncols=True)
