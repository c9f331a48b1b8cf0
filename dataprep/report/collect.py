"""Read an output folder of ``dataprep filter``, ``score`` or ``schedule`` into a ``Summary``.

The JSON files give the counts (``stats.json``), the recipe and inputs (``manifest.json``) and the
plan (``schedule.json``); the shards are read column by column only for what the JSON does not
hold: score histograms of kept versus rejected rows, example rows of each rejection reason and
duplicate clusters (see ``scan``).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from dataprep.errors import InputError
from dataprep.report.scan import (
    SCORE_PREFIX,
    Duplicates,
    Member,
    ScoreHistogram,
    column_names,
    duplicates,
    reason_examples,
    rejection_counts,
    score_histograms,
    shard_paths,
)
from dataprep.stage import DUP_CLUSTER

KINDS = ("filter", "score", "schedule")


@dataclass
class StageRow:
    """One stage's counts: rows that reached it, rows it rejected, its reasons and seconds."""

    name: str
    kind: str
    rows_in: int | None
    rows_rejected: int
    seconds: float | None
    reasons: dict[str, int] = field(default_factory=dict)

    @property
    def rows_out(self) -> int | None:
        return None if self.rows_in is None else self.rows_in - self.rows_rejected


@dataclass
class Summary:
    """Everything the report shows about one output folder.

    kind: 'filter', 'score' or 'schedule'. rows_kept: rows in OUT/data (for a schedule, the
    plan's samples, where rows repeat). schedule: schedule.json (schedule outputs only).
    duplicates: None when no shard has a dp_dup_cluster column (and for schedule outputs, whose
    rows repeat). examples: the first rejected rows of each (stage name, reason), in the
    rejected shards' row order (a schedule output's rows all under 'schedule').
    """

    kind: str
    out_dir: Path
    manifest: dict
    stats: dict
    rows_in: int
    rows_kept: int
    rows_rejected: int
    stages: list[StageRow]
    scores: list[ScoreHistogram]
    duplicates: Duplicates | None = None
    schedule: dict | None = None
    score_summaries: dict[str, dict] = field(default_factory=dict)
    examples: dict[tuple[str, str], list[Member]] = field(default_factory=dict)


def read_json(path: Path, *, required: bool = True) -> dict | None:
    """The JSON object in ``path``; None when it is absent and not ``required`` (default True).
    Raises InputError with the path when it is absent (and required) or not a JSON object."""
    if not path.is_file():
        if not required:
            return None
        folder = path.parent
        raise InputError(
            f"{folder}: no {path.name}; not an output folder of dataprep filter, score or schedule"
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, OSError) as error:
        raise InputError(f"{path}: cannot be read as JSON: {error}") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a JSON object, got {type(data).__name__}")
    return data


def stage_kind(name: str, stage_stats: dict | None) -> str:
    """'scorer' when the stage's stats hold a score summary, else the registered kind of
    ``name`` ('filter', 'selector', ...), or 'stage' for a name that is not registered."""
    if stage_stats and "score" in stage_stats:
        return "scorer"
    try:
        from dataprep import registry

        return registry.get(name).kind
    except Exception:  # an unknown or unloadable stage: the report still renders
        return "stage"


def detect_kind(manifest: dict, stats: dict, stages: list[StageRow], has_schedule: bool) -> str:
    """'schedule' when the manifest says ``"command": "schedule"`` (or schedule.json exists);
    else the manifest's command when it names one; else 'score' when every stage is a scorer
    and no row was rejected, 'filter' otherwise."""
    command = manifest.get("command")
    if command == "schedule" or has_schedule:
        return "schedule"
    if command in KINDS:
        return command
    rejected = stats.get("rows_rejected", manifest.get("rejected", {}).get("rows", 0))
    if stages and all(stage.kind == "scorer" for stage in stages) and not rejected:
        return "score"
    return "filter"


def _stage_rows(manifest: dict, stats: dict, rejected: Counter) -> list[StageRow]:
    """Stage rows from stats.json; from the rejected shards when stats.json is missing."""
    by_stage = stats.get("stages") or {}
    names = list(by_stage) or [s["name"] for s in manifest.get("stages", []) if "name" in s]
    rows = []
    for name in names:
        entry = by_stage.get(name)
        if entry is not None:
            rows.append(
                StageRow(
                    name,
                    stage_kind(name, entry),
                    entry.get("rows_in"),
                    entry.get("rows_rejected", 0),
                    entry.get("seconds"),
                    dict(entry.get("reasons", {})),
                )
            )
        else:
            reasons = {r: n for (s, r), n in rejected.items() if s == name}
            rows.append(
                StageRow(name, stage_kind(name, None), None, sum(reasons.values()), None, reasons)
            )
    return rows


def _schedule_stage(stats: dict, rejected: Counter) -> StageRow:
    reasons = stats.get("reasons")
    if reasons is None:
        reasons = {r: n for (_, r), n in rejected.items()}
    return StageRow(
        "schedule",
        "scheduler",
        stats.get("rows_in"),
        stats.get("rows_rejected", sum(reasons.values())),
        None,
        dict(reasons),
    )


def collect(
    out_dir: str | Path,
    *,
    bins: int = 30,
    example_clusters: int = 5,
    cluster_members: int = 3,
    text_chars: int = 200,
    reason_rows: int = 3,
) -> Summary:
    """Summarize the output folder ``out_dir``.

    bins: bins of each score histogram (default 30). example_clusters: largest duplicate
    clusters shown (default 5), with up to ``cluster_members`` rows each (default 3), texts cut
    to ``text_chars`` characters (default 200). reason_rows: example rows of each rejection
    reason (default 3: the first rejected rows with that reason, in row order).
    Raises InputError when ``out_dir`` is not a folder or has no manifest.json.
    """
    out_dir = Path(out_dir)
    if not out_dir.exists():
        raise InputError(f"{out_dir}: no such directory")
    if not out_dir.is_dir():
        raise InputError(f"{out_dir}: not a directory (expected an output folder)")
    manifest = read_json(out_dir / "manifest.json")
    stats = read_json(out_dir / "stats.json", required=False) or {}
    schedule = read_json(out_dir / "schedule.json", required=False)

    kept = shard_paths(out_dir / "data", manifest.get("data", {}).get("shards"))
    rejected = shard_paths(out_dir / "rejected", manifest.get("rejected", {}).get("shards"))
    missing = [path for path in kept + rejected if not path.is_file()]
    if missing:
        raise InputError(f"{missing[0]}: shard listed in manifest.json is missing")
    reason_counts = rejection_counts(rejected)

    is_schedule = manifest.get("command") == "schedule" or schedule is not None
    if is_schedule:
        stages = [_schedule_stage(stats, reason_counts)]
    else:
        stages = _stage_rows(manifest, stats, reason_counts)
    text_column = manifest.get("text_column", "text")
    id_column = manifest.get("id_column", "id")
    examples = reason_examples(
        rejected,
        id_column=id_column,
        text_column=text_column,
        per_reason=reason_rows,
        text_chars=text_chars,
        stage="schedule" if is_schedule else None,
        counts=None if is_schedule else reason_counts,
    )
    kind = detect_kind(manifest, stats, stages, schedule is not None)

    rows_rejected = stats.get("rows_rejected", manifest.get("rejected", {}).get("rows"))
    if rows_rejected is None:
        rows_rejected = sum(reason_counts.values())
    rows_kept = manifest.get("data", {}).get("rows", stats.get("rows_kept", 0))
    rows_in = stats.get("rows_in", manifest.get("rows_in"))
    if rows_in is None:
        rows_in = rows_kept + rows_rejected

    names = column_names(kept)
    names += [n for n in column_names(rejected) if n not in names]
    score_columns = [n for n in names if n.startswith(SCORE_PREFIX)]
    scores = score_histograms(kept, rejected, score_columns, bins=bins)
    summaries = {
        f"{SCORE_PREFIX}{name}": entry["score"]
        for name, entry in (stats.get("stages") or {}).items()
        if isinstance(entry, dict) and "score" in entry
    }
    dups = None
    if DUP_CLUSTER in names and kind != "schedule":
        dups = duplicates(
            kept,
            rejected,
            id_column=id_column,
            text_column=text_column,
            examples=example_clusters,
            members=cluster_members,
            text_chars=text_chars,
        )
    return Summary(
        kind=kind,
        out_dir=out_dir,
        manifest=manifest,
        stats=stats,
        rows_in=rows_in,
        rows_kept=rows_kept,
        rows_rejected=rows_rejected,
        stages=stages,
        scores=scores,
        duplicates=dups,
        schedule=schedule,
        score_summaries=summaries,
        examples=examples,
    )
