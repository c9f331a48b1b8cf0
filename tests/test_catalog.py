import json
import subprocess
import sys
from importlib import metadata

from dataprep import catalog, registry, stage_index

# The listing as `dataprep stages` printed it before the index existed: every stage the loaded
# registry knows, instantiated with its defaults. Run in a fresh interpreter, like the fast one.
REGISTRY_PROBE = """
import json
from dataprep import registry
lines = []
for name in registry.available():
    cls = registry.get(name)
    params = ", ".join(f"{k}={v!r}" for k, v in cls().get_params().items())
    lines.append(f"{name} ({cls.kind}): {params}")
print(json.dumps(lines))
"""

# What the fast listing imports: it must not be a stage module, nor what they pull in.
FAST_PROBE = """
import json, sys
from dataprep.catalog import listing
lines = listing()
heavy = ("dataprep.stage", "numpy", "pyarrow", "numba", "sklearn")
families = tuple(package + "." for package in sys.argv[1:])
loaded = sorted(m for m in sys.modules if m in heavy or m.startswith(families))
print(json.dumps({"lines": lines, "loaded": loaded}))
"""


def _probe(code: str, *args: str):
    result = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=300, check=True
    )
    return json.loads(result.stdout)


def test_dataprep_stages_prints_what_the_loaded_registry_gives_without_importing_it():
    before = _probe(REGISTRY_PROBE)
    fast = _probe(FAST_PROBE, *registry.FAMILY_PACKAGES)
    assert fast["lines"] == before
    if not metadata.entry_points(group=registry.ENTRY_POINT_GROUP):  # else: loaded, rightly
        assert fast["loaded"] == []
    cli = subprocess.run(
        [sys.executable, "-m", "dataprep", "stages"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    assert cli.stdout == "".join(f"{line}\n" for line in before)


def test_the_index_is_read_only_while_the_stage_modules_are_the_ones_it_was_made_from(
    monkeypatch,
):
    monkeypatch.setattr(stage_index, "STAGES", {"only_in_index": ("filter", "a.B", ("x=1",))})
    assert catalog.index_is_current()
    assert catalog.listing() == ["only_in_index (filter): x=1"]

    changed = dict(stage_index.SOURCES, **{"dataprep.dedup.exact": "0" * 16})
    monkeypatch.setattr(stage_index, "SOURCES", changed)
    assert not catalog.index_is_current()
    expected = [catalog.line(n, catalog.describe(registry.get(n))) for n in registry.available()]
    assert catalog.listing() == expected
    assert "only_in_index (filter): x=1" not in expected

    added = dict(stage_index.SOURCES)
    added.pop("dataprep.select.simple")  # as if a new module appeared since the index was made
    monkeypatch.setattr(stage_index, "SOURCES", added)
    assert not catalog.index_is_current()


def test_describe_and_line_write_what_dataprep_stages_always_printed():
    cls = registry.get("minhash_dedup")
    kind, path, params = catalog.describe(cls)
    assert (kind, path) == ("selector", "dataprep.dedup.minhash.MinHashDedup")
    assert params[:3] == ("ngram=5", "num_perm=128", "threshold=0.8")
    line = catalog.line("minhash_dedup", (kind, path, params))
    assert line.startswith("minhash_dedup (selector): ngram=5, num_perm=128, threshold=0.8, ")
    assert catalog.line("readability", ("scorer", "x.Y", ())) == "readability (scorer): "


def test_check_says_what_differs_and_the_command_to_run(monkeypatch, capsys):
    assert catalog.main(["--check"]) == 0
    entries = catalog.builtin_entries()
    entries.pop("random")
    entries["length"] = ("scorer", "dataprep.score.text.LengthScorer", ("unit='chars'",))
    monkeypatch.setattr(catalog, "builtin_entries", lambda: entries)
    assert catalog.main(["--check"]) == 1
    err = capsys.readouterr().err
    assert catalog.WRITE_COMMAND in err
    assert "stage random is in the index but no longer exists" in err
    assert "stage length is ('scorer'" in err
