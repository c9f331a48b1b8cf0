"""What ``dataprep stages`` prints, without importing every stage module.

Finding the built-in stages means importing every module of the stage family packages
(``dataprep.registry``), and those pull numba, scikit-learn, pyarrow and more: about a second.
Listing them reads the generated module ``dataprep.stage_index`` instead, which holds, for every
built-in stage, the kind, class and default parameters that importing it gives, plus a digest of
the source of every module the registry imports to find them (``registry.builtin_sources``).

``listing`` trusts the index only while those digests match the files and no plugin is
installed (no entry point in the group ``dataprep.stages``); otherwise it loads the registry and
describes its classes, as it always did: slower, never different. Regenerate the index with
``python -m dataprep.catalog --write`` after changing a stage; tests/test_catalog.py fails while
the committed index differs from what importing the registry gives, which also covers what a
digest of the family modules cannot see (a default read from another module).
"""

from __future__ import annotations

import hashlib
import importlib
import sys
from importlib import metadata
from pathlib import Path

from dataprep import registry

# (kind, class path, parameters as ``name=repr(default)``, in signature order): one stage.
Entry = tuple[str, str, tuple[str, ...]]

INDEX_MODULE = "dataprep.stage_index"
WRITE_COMMAND = "python -m dataprep.catalog --write"
LINE_LENGTH = 100  # ruff's line-length (pyproject.toml), which the index file is written to


def describe(cls: type) -> Entry:
    """The index entry of a stage class: its ``kind``, its class path (module.qualname) and the
    parameters of ``cls()`` (its defaults), each written as ``name=repr(value)``."""
    params = tuple(f"{name}={value!r}" for name, value in cls().get_params().items())
    return cls.kind, f"{cls.__module__}.{cls.__qualname__}", params


def line(name: str, entry: Entry) -> str:
    """The line ``dataprep stages`` prints for the stage ``name`` described by ``entry``."""
    kind, _, params = entry
    return f"{name} ({kind}): {', '.join(params)}"


def source_digests() -> dict[str, str]:
    """Module name -> digest (16 hex digits of sha256) of the file of every module the registry
    imports to find the built-in stages; "" for a module without a file."""
    return {
        module: hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16] if path else ""
        for module, path in registry.builtin_sources().items()
    }


def builtin_entries() -> dict[str, Entry]:
    """Name -> entry of every built-in stage, from importing the stage modules (no plugin)."""
    return {name: describe(cls) for name, cls in registry.builtin_stages().items()}


def registry_entries() -> dict[str, Entry]:
    """Name -> entry of every stage the registry knows, built-in and plugin (it loads them all,
    so a broken plugin raises its ConfigError here)."""
    return {name: describe(registry.get(name)) for name in registry.available()}


def index_is_current() -> bool:
    """True when ``dataprep.stage_index`` describes every stage there is: no plugin entry point
    is installed and every module the registry would import is the one the index was made
    from."""
    if metadata.entry_points(group=registry.ENTRY_POINT_GROUP):
        return False
    index = importlib.import_module(INDEX_MODULE)
    return source_digests() == index.SOURCES


def listing() -> list[str]:
    """The lines of ``dataprep stages``, one per stage in name order: from the index when it is
    current, else from the loaded registry. (A class passed to ``registry.register`` by hand in
    this process, outside the family packages and the entry points, is listed only in the
    second case; the command runs in a fresh process, where there is none.)"""
    if index_is_current():
        entries = importlib.import_module(INDEX_MODULE).STAGES
    else:
        entries = registry_entries()
    return [line(name, entries[name]) for name in sorted(entries)]


def _literal(text: str) -> str:
    """``repr(text)``, in double quotes when that needs no escape (as ruff format writes it)."""
    written = repr(text)
    if written.startswith("'") and '"' not in text:
        written = f'"{written[1:-1]}"'
    return written


def index_text(entries: dict[str, Entry], digests: dict[str, str]) -> str:
    """The source of ``dataprep.stage_index`` for these entries and source digests, laid out
    as ruff format writes it."""
    lines = [
        "# Module -> digest of its file, for every module imported to find the built-in stages.",
        "SOURCES = {",
        *(f"    {_literal(module)}: {_literal(digest)}," for module, digest in digests.items()),
        "}",
        "",
        "# Stage name -> (kind, class path, parameters as name=repr(default)).",
        "STAGES = {",
    ]
    for name, (kind, path, params) in sorted(entries.items()):
        lines += [f"    {_literal(name)}: (", f"        {_literal(kind)},"]
        lines.append(f"        {_literal(path)},")
        single = f"        ({_literal(params[0])},)," if len(params) == 1 else ""
        if not params:
            lines.append("        (),")
        elif single and len(single) <= LINE_LENGTH:
            lines.append(single)
        else:
            lines += ["        (", *(f"            {_literal(p)}," for p in params), "        ),"]
        lines.append("    ),")
    lines.append("}")
    header = [f'"""Generated by ``{WRITE_COMMAND}`` (see dataprep.catalog): do not edit."""', ""]
    if any(len(text) > LINE_LENGTH for text in lines):  # a long default: ruff may not wrap it
        header += ["# ruff: noqa: E501", ""]
    return "\n".join([*header, *lines]) + "\n"


def index_differences() -> list[str]:
    """What ``dataprep.stage_index`` gets wrong, one sentence each, compared with importing the
    stage modules now: a stage or module missing from it, gone since, or changed. Empty when
    the index is up to date."""
    index = importlib.import_module(INDEX_MODULE)
    compared = (
        ("stage", builtin_entries(), index.STAGES),
        ("module", source_digests(), index.SOURCES),
    )
    found = []
    for what, now, indexed in compared:
        for key in sorted(now.keys() | indexed.keys()):
            if key not in indexed:
                found.append(f"{what} {key} is missing from the index")
            elif key not in now:
                found.append(f"{what} {key} is in the index but no longer exists")
            elif now[key] != indexed[key]:
                found.append(f"{what} {key} is {now[key]!r}, the index has {indexed[key]!r}")
    return found


def main(argv: list[str] | None = None) -> int:
    """``python -m dataprep.catalog --write``: regenerate the index file from the imported
    stage modules; ``--check``: exit 1, saying what differs and the command to run, when the
    index is out of date."""
    import argparse

    parser = argparse.ArgumentParser(description="Regenerate or check dataprep/stage_index.py.")
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--write", action="store_true", help="Rewrite the index file.")
    action.add_argument("--check", action="store_true", help="Fail when it is out of date.")
    args = parser.parse_args(argv)
    if args.write:
        path = Path(__file__).with_name("stage_index.py")
        path.write_text(index_text(builtin_entries(), source_digests()))
        return 0
    differences = index_differences()
    if differences:
        print(f"{INDEX_MODULE} is out of date: run `{WRITE_COMMAND}`.", file=sys.stderr)
        print("\n".join(differences), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
