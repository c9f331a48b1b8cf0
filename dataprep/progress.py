"""Progress of long passes, on stderr: a tqdm bar (done / total, rate, ETA) on an interactive
terminal; plain lines every few seconds otherwise (a log, a CI job, a pipe), e.g.
``pass 2/3 (fit minhash_dedup): 40,000 / 100,000 rows, 12,000 rows/s, ETA 5 s``; nothing
with --quiet. Each pass ends with one line saying what it did and how fast (on a terminal,
the finished bar stays).

The seconds between plain lines are read from the DATAPREP_PROGRESS_INTERVAL environment
variable (default 10).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, nullcontext
from typing import TypeVar

from dataprep.errors import ConfigError

T = TypeVar("T")

INTERVAL_VARIABLE = "DATAPREP_PROGRESS_INTERVAL"
DEFAULT_INTERVAL = 10.0


def log_interval() -> float:
    """Seconds between plain progress lines: DATAPREP_PROGRESS_INTERVAL, else 10."""
    value = os.environ.get(INTERVAL_VARIABLE, "").strip()
    if not value:
        return DEFAULT_INTERVAL
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not seconds >= 0:  # also refuses nan
        raise ConfigError(
            f"The {INTERVAL_VARIABLE} environment variable must be a number of seconds >= 0. "
            f"Got {value!r} instead."
        )
    return seconds


def duration(seconds: float) -> str:
    """``seconds`` for a person: '5 s', '3 min 20 s', '2 h 05 min'."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def progress_line(label: str, done: int, total: int | None, unit: str, seconds: float) -> str:
    """A plain progress line: ``label``, ``done`` of ``total`` (None: not known) ``unit``s
    after ``seconds``, the rate and, when the total is known, the time left."""
    counted = f"{done:,} / {total:,} {unit}" if total is not None else f"{done:,} {unit}"
    if seconds <= 0 or done == 0:
        return f"{label}: {counted}"
    rate = done / seconds
    line = f"{label}: {counted}, {rate:,.0f} {unit}/s"
    if total is not None:
        line += f", ETA {duration(max(0, total - done) / rate)}"
    return line


def end_line(label: str, done: int, unit: str, seconds: float) -> str:
    """The line a finished pass ends with: how much it did, in how long, how fast."""
    rate = f" ({done / seconds:,.0f} {unit}/s)" if seconds > 0 else ""
    return f"{label}: {done:,} {unit} in {seconds:.1f} s{rate}"


def progress_bar(
    items: Iterable[T],
    label: str,
    *,
    enabled: bool,
    total: int | None = None,
    unit: str = "batches",
    count: Callable[[T], int] | None = None,
    interval: float | None = None,
    finished: Callable[[int], None] | None = None,
) -> Iterator[T]:
    """``items`` unchanged, their progress shown on stderr (see the module docstring).

    label: the pass, as each line starts ("pass 2/3 (fit minhash_dedup)").
    enabled: False (--quiet) shows nothing.
    total: what the items add up to, when known (default None: no total and no ETA).
    unit: what is counted (default "batches").
    count: how much one item adds (default 1 per item; e.g. a batch's rows).
    interval: seconds between plain lines when stderr is not a terminal (default
        ``log_interval()``).
    finished: called with the amount counted once the items are exhausted (default None);
        not called when the caller stops early.
    """
    if not enabled:
        yield from items
        return
    amount = count or (lambda item: 1)
    if sys.stderr.isatty():
        yield from _terminal_bar(items, label, total, unit, amount, finished)
        return
    every = log_interval() if interval is None else interval
    start = last = time.perf_counter()
    done = 0
    for item in items:
        done += amount(item)
        now = time.perf_counter()
        if now - last >= every:
            last = now
            write_line(progress_line(label, done, total, unit, now - start))
        yield item
    write_line(end_line(label, done, unit, time.perf_counter() - start))
    if finished is not None:
        finished(done)


def _terminal_bar(items, label, total, unit, amount, finished) -> Iterator:
    from tqdm import tqdm

    bar = tqdm(desc=label, total=total, unit=f" {unit}", unit_scale=True, dynamic_ncols=True)
    try:
        for item in items:
            bar.update(amount(item))
            yield item
        if finished is not None:
            finished(bar.n)
    finally:
        bar.close()


def write_line(text: str) -> None:
    """``text`` as one line on stderr (above the progress bar being drawn, if any)."""
    with above_bars():
        print(text, file=sys.stderr, flush=True)


def above_bars() -> AbstractContextManager:
    """A context in which what is written to stderr appears above the progress bar being
    drawn on the terminal, which is redrawn after it; a no-op without a bar, and in a worker
    process (whose copies of the driver's bars are not on screen)."""
    tqdm = sys.modules.get("tqdm")
    if tqdm is None or not sys.stderr.isatty():
        return nullcontext()
    import multiprocessing

    if multiprocessing.parent_process() is not None:
        return nullcontext()
    return tqdm.tqdm.external_write_mode(file=sys.stderr)


class PassProgress:
    """The progress of one pipeline run's passes in the local runner: a fit pass per stage
    that needs one, then the writing pass, each counted in rows as its results come back.
    Once a whole pass has been counted, its rows are the total of the later passes.

    stages: the pipeline's stages, in order.
    enabled: show progress (RunSettings.progress; False with --quiet).
    """

    def __init__(self, stages: list, *, enabled: bool) -> None:
        self.names = [stage.name for stage in stages]
        self.fits = [i for i, stage in enumerate(stages) if stage.needs_fit]
        self.enabled = enabled
        self.rows: int | None = None  # the corpus's rows, once a pass has counted them

    def fit_pass(self, results: Iterable, index: int) -> Iterator:
        """The results of stage ``index``'s fit pass (dataprep.passes.pass_task's: fit state,
        (reject stage, reject reason) per row, seconds), unchanged."""
        number = self.fits.index(index) + 1
        label = f"pass {number}/{len(self.fits) + 1} (fit {self.names[index]})"
        return self._counted(results, label, lambda result: len(result[1][0]), self.rows)

    def write_pass(self, results: Iterable, *, resumed: bool = False) -> Iterator:
        """The results of the writing pass ((batch, seconds) per batch), unchanged.
        resumed: the pass starts after batches an interrupted run wrote (default False): its
        rows are then not the corpus's, and no total is shown."""
        passes = len(self.fits) + 1
        label = f"pass {passes}/{passes} (write)"
        total = None if resumed else self.rows
        return self._counted(results, label, lambda result: result[0].num_rows, total, resumed)

    def _counted(self, results, label, rows, total, partial=False) -> Iterator:
        learn = None if partial else self._learn
        return progress_bar(
            results,
            label,
            enabled=self.enabled,
            total=total,
            unit="rows",
            count=rows,
            finished=learn,
        )

    def _learn(self, rows: int) -> None:
        self.rows = rows
