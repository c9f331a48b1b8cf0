"""``dataprep report OUT``: one self-contained HTML page about an output folder of
``dataprep filter``, ``score`` or ``schedule``.

The page (``OUT/report.html`` by default) shows rows in/kept/rejected per stage, the top
rejection reasons, a histogram of every ``dp_score_*`` column (kept vs rejected rows), duplicate
cluster sizes with example clusters, the schedule's difficulty curve, bucket mix and phases,
and the manifest. Plots are PNGs embedded as ``data:`` URIs: the file opens in a browser with no
server and no network.

>>> from dataprep.report import write_report
>>> write_report("out")                         # doctest: +SKIP
PosixPath('out/report.html')
"""

from __future__ import annotations

import os
from pathlib import Path

from dataprep.errors import OutputError
from dataprep.report.collect import Summary, collect
from dataprep.report.html import render

__all__ = ["Summary", "collect", "render", "write_report"]


def write_report(out_dir: str | Path, output: str | Path | None = None, **options) -> Path:
    """Write the report of the output folder ``out_dir`` and return its path.

    output: the HTML file to write (default ``out_dir/report.html``); written to a temporary
    name beside it and renamed, so a reader never sees half a page.
    options: passed to ``collect`` (bins, example_clusters, cluster_members, text_chars).
    Raises InputError (not an output folder) or OutputError (cannot write ``output``).
    """
    summary = collect(out_dir, **options)
    page = render(summary)
    path = Path(output) if output is not None else Path(out_dir) / "report.html"
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(page, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as error:
        tmp.unlink(missing_ok=True)
        raise OutputError(f"{path}: cannot be written: {error.strerror}") from None
    return path
