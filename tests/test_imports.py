"""No import cycle between the archiver's modules (issue 13): data flows one way.

The graph is read from the source with :mod:`ast` — every ``import`` and ``from … import``
of an ``archiver`` module, at the top of a module or inside a function (a lazy import is
still a dependency); imports under ``if TYPE_CHECKING:`` (types only, never run) and the
CLI's command registration (``archiver.cli`` loads its command modules by name, with
importlib) are left aside.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# Cycles that were there when this test was written, each a strongly connected set of
# modules; their owners break them (issue 13), and the lead takes an entry out (or makes it
# smaller) when they do. A cycle outside these is a new one: the test fails.
KNOWN_CYCLES: list[frozenset[str]] = [
    # volumes: codes asks holds for the destruction holds (a lazy import in codes), holds reads
    # the volumes on disk (ondisk), and ondisk uses codes' Journal (was build ↔ codes)
    frozenset({"archiver.volumes.codes", "archiver.volumes.holds", "archiver.volumes.ondisk"}),
]


def module_names(root: Path, package: str = "archiver") -> dict[str, tuple[Path, bool]]:
    """Every module below ``root/package``: its dotted name → (file, whether a package)."""
    out = {}
    for path in sorted((root / package).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        out[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return out


def _type_checking_only(tree: ast.AST) -> set[int]:
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If):
            test = node.test
            name = test.id if isinstance(test, ast.Name) else test.attr if isinstance(test, ast.Attribute) else ""
            if name == "TYPE_CHECKING":
                skip.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    return skip


def import_graph(root: Path, package: str = "archiver") -> dict[str, set[str]]:
    """Module → the package's modules it imports (see the module docstring)."""
    modules = module_names(root, package)

    def known(name: str) -> str:
        while name not in modules:
            name = name.rpartition(".")[0]
        return name

    graph: dict[str, set[str]] = {}
    for name, (path, is_package) in modules.items():
        tree = ast.parse(path.read_text("utf-8"))
        skip = _type_checking_only(tree)
        here = name if is_package else name.rpartition(".")[0]
        deps: set[str] = set()
        for node in ast.walk(tree):
            if id(node) in skip:
                continue
            if isinstance(node, ast.Import):
                deps.update(known(a.name) for a in node.names if a.name.split(".")[0] == package)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = here.split(".")[: len(here.split(".")) - node.level + 1]
                    source = ".".join(base + ([node.module] if node.module else []))
                else:
                    source = node.module or ""
                if source.split(".")[0] != package:
                    continue
                for alias in node.names:
                    sub = f"{source}.{alias.name}"
                    deps.add(sub if sub in modules else known(source))
        deps.discard(name)
        graph[name] = deps
    cli = f"{package}.cli"
    if cli in graph:  # the command registration: the CLI group loads its command modules
        graph[cli] = {d for d in graph[cli] if not d.startswith(cli + ".")}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """The strongly connected sets of more than one module (Tarjan), in a stable order."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(frozenset(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(found, key=sorted)


def test_no_new_import_cycle_between_the_archivers_modules() -> None:
    graph = import_graph(REPO)
    assert "archiver.atomic" in graph["archiver.store"]  # the graph is read at all
    new = [c for c in cycles(graph) if not any(c <= known for known in KNOWN_CYCLES)]
    details = [f"{sorted(c)}: " + "; ".join(f"{a} → {sorted(graph[a] & c)}" for a in sorted(c)) for c in new]
    assert not new, "import cycles:\n" + "\n".join(details)


def test_the_shared_modules_import_no_stage() -> None:
    """The model, config and settings, errors, atomic writes and the store sit below every stage."""
    graph = import_graph(REPO)
    stages = ("archiver.filing", "archiver.batch", "archiver.volumes", "archiver.catalogue", "archiver.custody",
              "archiver.cli")
    for shared in ("archiver.model", "archiver.config", "archiver.settings", "archiver.errors", "archiver.atomic",
                   "archiver.store", "archiver.clock"):
        assert not {d for d in graph[shared] if d.startswith(stages)}, shared


@pytest.fixture
def toy(tmp_path: Path) -> Path:
    pkg = tmp_path / "archiver"
    (pkg / "cli").mkdir(parents=True)
    files = {
        "__init__.py": "",
        "a.py": "from . import b\n",
        "b.py": "def f():\n    from .a import thing\n",  # a lazy import closes the cycle
        "c.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .d import D\n",
        "d.py": "import archiver.c\n",
        "cli/__init__.py": "from . import ingest\n",  # the command registration
        "cli/ingest.py": "from . import main\nfrom ..a import x\n",
    }
    for rel, text in files.items():
        (pkg / rel).write_text(text, "utf-8")
    return tmp_path


def test_the_graph_finds_a_cycle_through_a_lazy_import_and_leaves_types_and_the_cli_aside(toy: Path) -> None:
    graph = import_graph(toy)
    assert graph["archiver.cli.ingest"] == {"archiver.cli", "archiver.a"}
    assert graph["archiver.cli"] == set() and graph["archiver.c"] == set()
    assert cycles(graph) == [frozenset({"archiver.a", "archiver.b"})]
