"""The twin's modules import each other without a cycle.

Each module under twin/ (its tests excepted) is parsed with `ast`; every import statement counts,
at module level and inside functions alike (a function-level import is how a cycle hides: it only
moves the failure to the first call). Imports are resolved the three ways they can name a twin
module: package-relative (`from .state import TwinState`), absolute (`twin.state`), and flat, as
a script with twin/ on sys.path would write it (`from state import TwinState`).
"""

from __future__ import annotations

import ast
from pathlib import Path

TWIN_DIR = Path(__file__).resolve().parent.parent


def twin_modules(root: Path) -> dict[str, Path]:
    """Dotted name (rooted at the package, e.g. `twin.state`) → file, tests excepted."""
    modules = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        if "tests" in parts:
            continue
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join((root.name,) + parts)] = path
    return modules


def imports_of(module: str, path: Path, modules: dict[str, Path]) -> dict[str, int]:
    """The twin modules `module` imports → the line of the first such import."""
    package_root = module.split(".")[0]
    is_package = path.name == "__init__.py"
    found: dict[str, int] = {}

    def absolute(name: str) -> str | None:
        if name == package_root or name.startswith(package_root + "."):
            return name if name in modules else None
        flat = f"{package_root}.{name}"  # twin/ itself on sys.path
        return flat if flat in modules else None

    def add(target: str | None, line: int) -> None:
        if target is not None and target != module:
            found.setdefault(target, line)

    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(absolute(alias.name), node.lineno)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                package = module.split(".") if is_package else module.split(".")[:-1]
                base_parts = package[:len(package) - (node.level - 1)]
                base = ".".join(base_parts + ([node.module] if node.module else []))
                if base not in modules and not any(m.startswith(base + ".") for m in modules):
                    continue
            else:
                base = node.module or ""
                resolved = absolute(base)
                if resolved is None and absolute(base.split(".")[0]) is None:
                    continue
                base = resolved or f"{package_root}.{base}"
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                add(submodule if submodule in modules else (base if base in modules else None), node.lineno)
    return found


def import_graph(root: Path) -> dict[str, dict[str, int]]:
    modules = twin_modules(root)
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def find_cycle(graph: dict[str, dict[str, int]]) -> list[str] | None:
    """One cycle as [a, b, …, a], or None."""
    WHITE, GREY, BLACK = 0, 1, 2
    colour = {name: WHITE for name in graph}
    stack: list[str] = []

    def visit(name: str) -> list[str] | None:
        colour[name] = GREY
        stack.append(name)
        for target in sorted(graph.get(name, {})):
            if colour.get(target, BLACK) == GREY:
                return stack[stack.index(target):] + [target]
            if colour.get(target) == WHITE:
                cycle = visit(target)
                if cycle:
                    return cycle
        stack.pop()
        colour[name] = BLACK
        return None

    for name in sorted(graph):
        if colour[name] == WHITE:
            cycle = visit(name)
            if cycle:
                return cycle
    return None


def describe(cycle: list[str], graph: dict[str, dict[str, int]], root: Path) -> str:
    modules = twin_modules(root)
    steps = [f"{a} imports {b} ({modules[a].relative_to(root.parent)}:{graph[a][b]})"
             for a, b in zip(cycle, cycle[1:])]
    return "import cycle among the twin's modules: " + " -> ".join(cycle) + "\n  " + "\n  ".join(steps)


def test_the_twins_modules_import_each_other_without_a_cycle():
    graph = import_graph(TWIN_DIR)
    # The parser sees the twin's imports (a graph without edges would prove nothing).
    assert "twin.state" in graph.get("twin.proxy", {}), graph
    cycle = find_cycle(graph)
    assert cycle is None, describe(cycle, graph, TWIN_DIR)


def test_a_cycle_through_a_function_level_import_is_found(tmp_path):
    """The check itself: cycles closed by an import inside a function, in each spelling."""
    cases = {
        "flat": {"a.py": "import b\n", "b.py": "def f():\n    from c import X\n", "c.py": "from a import Y\n"},
        "relative": {"__init__.py": "", "a.py": "from . import b\n", "b.py": "def f():\n    from .a import X\n"},
        "absolute": {"__init__.py": "", "a.py": "import pkg.b\n", "b.py": "def f():\n    from pkg import a\n"},
    }
    for name, files in cases.items():
        root = tmp_path / name / "pkg"
        root.mkdir(parents=True)
        for file, text in files.items():
            (root / file).write_text(text)
        graph = import_graph(root)
        cycle = find_cycle(graph)
        assert cycle is not None and cycle[0] == cycle[-1], (name, graph)
        assert "pkg.a" in cycle and "pkg.b" in cycle, (name, cycle)
        describe(cycle, graph, root)
    # And none where there is none.
    root = tmp_path / "acyclic" / "pkg"
    root.mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / "a.py").write_text("from .b import X\ndef f():\n    from . import c\n")
    (root / "b.py").write_text("from .c import Y\n")
    (root / "c.py").write_text("import json\n")
    assert find_cycle(import_graph(root)) is None
