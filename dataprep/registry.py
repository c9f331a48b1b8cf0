"""Stage registry: ``@register`` a class under its ``name``; ``get(name)`` finds it again.

The registry is what lets YAML recipes and the CLI refer to stages by a snake_case name without
knowing where they live. It is filled on the first ``get`` or ``available`` (so that
``import dataprep`` stays light), in two steps:

1. Built-in stages. Every module of the stage family packages (``dataprep.dedup``,
   ``dataprep.quality``, ``dataprep.score``, ``dataprep.select``) is found with
   ``pkgutil.iter_modules`` and imported, in sorted order; their ``@register`` decorators do the
   rest. A new built-in stage therefore only needs ``@register`` in a module of one of those
   packages, never an entry in a list (then ``python -m dataprep.catalog --write`` regenerates
   the index ``dataprep stages`` reads; a test fails until it does). Those modules must stay
   cheap to import: optional heavy dependencies (torch, transformers, sentence_transformers,
   ...) are imported inside the functions that use them, never at module top level.

2. Plugin stages. Every entry point of the group ``dataprep.stages`` is loaded, sorted by name.
   A third-party package declares its stages in its ``pyproject.toml``::

       [project.entry-points."dataprep.stages"]
       my_stage = "my_pkg.stages:MyStage"     # a Stage subclass: registered if it is not yet
       my_stages = "my_pkg.stages"            # a module: its @register decorators register

   After ``pip install`` of that package, recipes and ``dataprep stages`` see ``my_stage`` like
   any built-in stage. The entry point's own name is only a label; the stage is looked up by the
   class attribute ``name``.

Errors in plugins are raised, not skipped: a silently missing stage would only surface later as
an "Unknown stage" error pointing nowhere near the cause. An entry point that cannot be loaded
(import error, or an object that is neither a module nor a Stage subclass), and a plugin stage
whose name is taken already (by a built-in or another plugin), raise a one-line ``ConfigError``
that names the entry point, its distribution and the cause. It is raised by every lookup,
``dataprep stages`` included, until the plugin is fixed or uninstalled.

Importing this module is light (``dataprep.stage``, numpy and pyarrow load with the first
lookup), and ``dataprep stages`` does not fill the registry while the generated index of
the built-in stages is current and no plugin is installed: see ``dataprep.catalog``.
"""

from __future__ import annotations

import difflib
import importlib
import importlib.util
import pkgutil
from importlib import metadata
from types import ModuleType

from dataprep.errors import ConfigError

ENTRY_POINT_GROUP = "dataprep.stages"

# The packages whose modules define the built-in stages (see the module docstring).
FAMILY_PACKAGES = ("dataprep.dedup", "dataprep.quality", "dataprep.score", "dataprep.select")

_REGISTRY: dict[str, type] = {}
_loaded = False  # True once built-ins and plugins are all in _REGISTRY
_loading = False  # True while they are being loaded (a lookup then sees what is there so far)


class _NameClash(TypeError):
    """Raised by ``register`` when a stage name is taken by another class already."""


def _class_path(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def register(cls: type) -> type:
    """Class decorator: add a stage class to the registry under ``cls.name``.

    cls: a ``dataprep.stage.Stage`` subclass with a non-empty string class attribute ``name``.
    Registering the same class twice is a no-op; a name already used by another class raises
    TypeError naming both classes.
    """
    name = getattr(cls, "name", None)
    if not isinstance(name, str) or not name:
        raise TypeError(f"{cls.__qualname__} needs a non-empty string class attribute 'name'")
    existing = _REGISTRY.get(name)
    if existing is not None and existing is not cls:
        raise _NameClash(
            f"stage name {name!r} is used by {_class_path(existing)} already; "
            f"{_class_path(cls)} cannot take it"
        )
    _REGISTRY[name] = cls
    return cls


def builtin_sources() -> dict[str, str | None]:
    """Dotted name -> file of every module imported to find the built-in stages: the stage
    family packages and every module of theirs (as ``pkgutil.iter_modules`` lists them), found
    without importing any of them. The file is None for a module without one."""
    sources = {}
    for package_name in FAMILY_PACKAGES:
        package = importlib.util.find_spec(package_name)
        sources[package_name] = package.origin
        for info in pkgutil.iter_modules(package.submodule_search_locations):
            name = f"{package_name}.{info.name}"
            sources[name] = info.module_finder.find_spec(name).origin
    return dict(sorted(sources.items()))


def builtin_stages() -> dict[str, type]:
    """Name -> class of every built-in stage: imports every module of the stage family
    packages, in sorted order, and returns what their ``@register`` decorators registered
    (plugins are not loaded; classes registered from elsewhere are left out)."""
    modules = builtin_sources()
    for module in modules:
        importlib.import_module(module)
    return {name: cls for name, cls in sorted(_REGISTRY.items()) if cls.__module__ in modules}


def _one_line(error: BaseException) -> str:
    message = " ".join(str(error).split())
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


def _describe(entry_point: metadata.EntryPoint) -> str:
    dist = getattr(entry_point, "dist", None)
    source = f"distribution {dist.name} {dist.version}" if dist is not None else "no distribution"
    return (
        f"entry point {entry_point.name!r} ({entry_point.value}) of group {ENTRY_POINT_GROUP!r}"
        f" from {source}"
    )


def _load_entry_point(entry_point: metadata.EntryPoint) -> None:
    """Load one plugin entry point and register what it names; ConfigError when that fails."""
    from dataprep.stage import Stage  # numpy and pyarrow: loaded by the first lookup only

    try:
        target = entry_point.load()
        if isinstance(target, type) and issubclass(target, Stage):
            register(target)
        elif not isinstance(target, ModuleType):
            raise TypeError(f"it names {target!r}, which is neither a module nor a Stage subclass")
    except _NameClash as error:
        raise ConfigError(f"Stage plugin {_describe(entry_point)}: {error}.") from error
    except Exception as error:
        raise ConfigError(
            f"Stage plugin {_describe(entry_point)} cannot be loaded: {_one_line(error)}. "
            "Fix or uninstall that distribution."
        ) from error


def _load() -> None:
    """Fill the registry with the built-in stages, then the plugin stages (see module docs)."""
    global _loaded, _loading
    if _loaded or _loading:
        return
    _loading = True
    try:
        builtin_stages()
        builtins = dict(_REGISTRY)
        entry_points = metadata.entry_points(group=ENTRY_POINT_GROUP)
        try:
            for entry_point in sorted(entry_points, key=lambda e: (e.name, e.value)):
                _load_entry_point(entry_point)
        except ConfigError:
            # Drop what the plugins registered before the failure: the next lookup loads them
            # again and raises the same error, rather than clashing with their leftovers.
            _REGISTRY.clear()
            _REGISTRY.update(builtins)
            raise
        _loaded = True
    finally:
        _loading = False


def available() -> list[str]:
    """Sorted names of every registered stage, built-in and plugin."""
    _load()
    return sorted(_REGISTRY)


def get(name: str) -> type:
    """The stage class registered as ``name``; a ConfigError with a did-you-mean otherwise.

    name: the stage's snake_case ``name`` as written in a recipe.
    """
    _load()
    try:
        return _REGISTRY[name]
    except KeyError:
        close = difflib.get_close_matches(name, _REGISTRY, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ConfigError(
            f"Unknown stage {name!r}.{hint} Known stages: {', '.join(sorted(_REGISTRY))}."
        ) from None
