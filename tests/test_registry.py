import importlib
import inspect
import json
import subprocess
import sys
import textwrap
from importlib import metadata
from pathlib import Path

import pyarrow as pa
import pytest

from dataprep import registry
from dataprep.config import build_stage
from dataprep.errors import ConfigError
from dataprep.stage import Filter, Stage

# Listed here on purpose, not read from dataprep.registry: the discovery test must fail when a
# family package drops out of the registry's discovery.
FAMILY_PACKAGES = ("dataprep.dedup", "dataprep.quality", "dataprep.score", "dataprep.select")


def test_builtin_stages_are_found_by_name():
    assert registry.get("minhash_dedup").__name__ == "MinHashDedup"
    assert {"exact_dedup", "gopher_repetition", "difficulty", "d4"} <= set(registry.available())


def test_unknown_name_suggests_the_closest():
    with pytest.raises(
        ConfigError, match=r"Unknown stage 'exact_dedupe'\. Did you mean 'exact_dedup'\?"
    ):
        registry.get("exact_dedupe")


def test_a_name_cannot_be_taken_twice_and_must_exist():
    class Clash(Filter):
        name = "exact_dedup"

    with pytest.raises(
        TypeError,
        match=r"'exact_dedup' is used by dataprep\.dedup\.exact\.ExactDedup already; "
        r"\S*test_registry\.\S*Clash cannot take it",
    ):
        registry.register(Clash)

    class Nameless(Filter):
        pass

    with pytest.raises(TypeError, match="needs a non-empty string class attribute 'name'"):
        registry.register(Nameless)


def stage_classes_in_family_packages() -> dict[str, str]:
    """name -> class path of every concrete, named Stage subclass defined in a module of the
    family packages, found by walking their files (not through the registry)."""
    found = {}
    for package_name in FAMILY_PACKAGES:
        package = importlib.import_module(package_name)
        for path in sorted(Path(package.__file__).parent.glob("*.py")):
            if path.stem == "__init__":
                continue
            module = importlib.import_module(f"{package_name}.{path.stem}")
            for _, cls in inspect.getmembers(module, inspect.isclass):
                if (
                    cls.__module__ == module.__name__
                    and issubclass(cls, Stage)
                    and vars(cls).get("name")
                    and not inspect.isabstract(cls)
                ):
                    found[cls.name] = f"{cls.__module__}.{cls.__qualname__}"
    return found


# Run in a fresh interpreter: in this one, other tests have imported the stage modules already.
DISCOVERY_PROBE = """
import json, sys
from dataprep import registry
families = tuple(package + "." for package in sys.argv[1:])
imported_early = sorted(m for m in sys.modules if m.startswith(families))
stages = {}
for name in registry.available():
    cls = registry.get(name)
    stages[name] = f"{cls.__module__}.{cls.__qualname__}"
print(json.dumps({"imported_early": imported_early, "stages": stages}))
"""


def test_discovery_registers_every_stage_class_of_the_family_packages():
    probe = subprocess.run(
        [sys.executable, "-c", DISCOVERY_PROBE, *FAMILY_PACKAGES],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    result = json.loads(probe.stdout)
    assert result["imported_early"] == []  # `import dataprep` stays light: loaded on first use
    builtins = {
        name: path for name, path in result["stages"].items() if path.startswith("dataprep.")
    }
    expected = stage_classes_in_family_packages()
    assert len(expected) >= 28
    assert builtins == expected


@pytest.fixture
def fresh_registry(monkeypatch):
    """The registry as if never used, restored afterwards. The built-in modules are imported
    first, so loading again only finds their classes in the copied registry."""
    registry.available()
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))
    monkeypatch.setattr(registry, "_loaded", False)


@pytest.fixture
def install_plugin(fresh_registry, monkeypatch, tmp_path):
    """``install_plugin(entry_points, modules)``: a fake distribution ``fake-plugin 1.0`` with
    entry points ``{name: "module:attr"}`` of the group ``dataprep.stages``, and importable
    modules ``{module name: source}``. ``importlib.metadata.entry_points`` is patched to return
    only these entry points, so plugins installed in the environment do not matter."""
    module_names = []

    def install(entry_points: dict[str, str], modules: dict[str, str]) -> None:
        for module_name, source in modules.items():
            (tmp_path / f"{module_name}.py").write_text(textwrap.dedent(source))
            module_names.append(module_name)
        dist_info = tmp_path / "fake_plugin-1.0.dist-info"
        dist_info.mkdir()
        (dist_info / "METADATA").write_text(
            "Metadata-Version: 2.1\nName: fake-plugin\nVersion: 1.0\n"
        )
        lines = [f"{name} = {value}" for name, value in entry_points.items()]
        (dist_info / "entry_points.txt").write_text("\n".join(["[dataprep.stages]", *lines, ""]))
        monkeypatch.syspath_prepend(str(tmp_path))
        distribution = metadata.PathDistribution(dist_info)

        real_entry_points = metadata.entry_points

        def fake_entry_points(**params):
            if params.get("group") != "dataprep.stages":
                return real_entry_points(**params)
            return distribution.entry_points.select(**params)

        monkeypatch.setattr(metadata, "entry_points", fake_entry_points)

    yield install
    for module_name in module_names:
        sys.modules.pop(module_name, None)


PLUGIN_STAGES = """
from dataprep.registry import register
from dataprep.stage import Filter


class ShortDocs(Filter):  # not decorated: the class entry point registers it
    name = "plugin_short_docs"

    def __init__(self, *, min_chars: int = 5):
        self.min_chars = min_chars

    def reject_reasons(self, batch):
        texts = batch.column("text").to_pylist()
        return ["too_short" if len(t) < self.min_chars else None for t in texts]


@register  # decorated: the module entry point imports it
class LongDocs(Filter):
    name = "plugin_long_docs"

    def __init__(self, *, max_chars: int = 100):
        self.max_chars = max_chars

    def reject_reasons(self, batch):
        texts = batch.column("text").to_pylist()
        return ["too_long" if len(t) > self.max_chars else None for t in texts]
"""


def test_entry_points_add_stages_that_recipes_can_build(install_plugin):
    install_plugin(
        {"short": "dataprep_test_plugin:ShortDocs", "more": "dataprep_test_plugin"},
        {"dataprep_test_plugin": PLUGIN_STAGES},
    )
    module = importlib.import_module("dataprep_test_plugin")
    assert registry.get("plugin_short_docs") is module.ShortDocs
    assert registry.get("plugin_long_docs") is module.LongDocs
    assert {"plugin_short_docs", "plugin_long_docs", "exact_dedup"} <= set(registry.available())

    stage = build_stage("plugin_short_docs", {"min_chars": 3})
    assert isinstance(stage, module.ShortDocs) and stage.min_chars == 3
    batch = pa.record_batch({"text": ["ab", "abcd"]})
    assert stage.reject_reasons(batch) == ["too_short", None]
    with pytest.raises(ConfigError, match="plugin_short_docs has no parameter 'max_chars'"):
        build_stage("plugin_short_docs", {"max_chars": 3})


@pytest.mark.parametrize(
    ("value", "cause"),
    [
        (
            "dataprep_no_such_module:Stage",
            "ModuleNotFoundError: No module named 'dataprep_no_such_module'",
        ),
        ("dataprep_test_plugin_broken", r"RuntimeError: broken on import"),
        ("dataprep_test_plugin_broken_ok:missing", "AttributeError: .*'missing'"),
        ("dataprep_test_plugin_broken_ok:helper", "TypeError: it names <function helper"),
    ],
)
def test_a_broken_entry_point_is_a_config_error_naming_it(install_plugin, value, cause):
    install_plugin(
        {"broken": value},
        {
            "dataprep_test_plugin_broken": "raise RuntimeError('broken\\n   on import')\n",
            "dataprep_test_plugin_broken_ok": "def helper():\n    pass\n",
        },
    )
    message = (
        rf"^Stage plugin entry point 'broken' \({value}\) of group 'dataprep\.stages' from "
        rf"distribution fake-plugin 1\.0 cannot be loaded: {cause}.*"
        r"Fix or uninstall that distribution\.$"
    )
    for _ in range(2):  # every lookup raises it, not only the first
        with pytest.raises(ConfigError, match=message) as error:
            registry.available()
        assert "\n" not in str(error.value)


CLASHING_STAGE = """
from dataprep.registry import register
from dataprep.stage import Filter

{decorator}
class MyDedup(Filter):
    name = "exact_dedup"
"""


@pytest.mark.parametrize(
    ("value", "decorator"),
    [("dataprep_test_plugin_clash:MyDedup", ""), ("dataprep_test_plugin_clash", "@register")],
)
def test_a_plugin_stage_cannot_take_a_builtin_name(install_plugin, value, decorator):
    install_plugin(
        {"clash": value},
        {"dataprep_test_plugin_clash": CLASHING_STAGE.format(decorator=decorator)},
    )
    message = (
        rf"^Stage plugin entry point 'clash' \({value}\) of group 'dataprep\.stages' from "
        r"distribution fake-plugin 1\.0: stage name 'exact_dedup' is used by "
        r"dataprep\.dedup\.exact\.ExactDedup already; dataprep_test_plugin_clash\.MyDedup "
        r"cannot take it\.$"
    )
    with pytest.raises(ConfigError, match=message):
        registry.get("exact_dedup")


def test_dataprep_stages_lists_plugin_stages_from_the_loaded_registry(install_plugin):
    from dataprep import catalog

    install_plugin(
        {"short": "dataprep_test_plugin:ShortDocs"}, {"dataprep_test_plugin": PLUGIN_STAGES}
    )
    assert not catalog.index_is_current()  # a plugin is installed: the index cannot know it
    lines = catalog.listing()
    assert "plugin_short_docs (filter): min_chars=5" in lines
    assert lines == [
        catalog.line(name, catalog.describe(registry.get(name))) for name in registry.available()
    ]


def test_dataprep_stages_raises_the_error_of_a_broken_plugin(install_plugin):
    from dataprep import catalog

    install_plugin({"broken": "dataprep_no_such_module:Stage"}, {})
    with pytest.raises(ConfigError, match=r"^Stage plugin entry point 'broken' .* cannot be"):
        catalog.listing()
