"""The shape of the code: no import cycle among dataprep modules (function-level imports
included), no private name imported from another module. (That every package is installed is
tests/test_readme.py's.)"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "dataprep"


def _modules() -> dict[str, Path]:
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        modules[name.removesuffix(".__init__")] = path
    return modules


def _imports(name: str, path: Path, modules: dict) -> list[tuple[str, str]]:
    """(imported module, imported name or '') of every dataprep import in the module."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, module] if module else base)
            if module.startswith("dataprep"):
                for alias in node.names:
                    full = f"{module}.{alias.name}"
                    found.append((full, "") if full in modules else (module, alias.name))
        elif isinstance(node, ast.Import):
            found += [(a.name, "") for a in node.names if a.name.startswith("dataprep")]
    return found


def test_no_private_name_is_imported_from_another_module():
    modules = _modules()
    private = [
        (name, module, imported)
        for name, path in modules.items()
        for module, imported in _imports(name, path, modules)
        if imported.startswith("_") and not imported.startswith("__")
    ]
    assert private == []


def test_no_import_cycle():
    modules = _modules()
    graph = {
        name: {module for module, _ in _imports(name, path, modules) if module in modules}
        for name, path in modules.items()
    }
    cycles = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                cycles.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target, [*path, target])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == []
