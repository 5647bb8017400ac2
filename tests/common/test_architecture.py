"""The architecture as tests: no import cycle between the project's modules, and xbrlkit free of the ML stack.

The import graph has an edge from a module to every project module it imports, at the top or inside a function (a
lazy import still makes the two modules depend on each other), but not under `if TYPE_CHECKING:`, which never runs.
"""
from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

from tests.support import ROOT

PACKAGES = ("finlora_common", "xbrlkit", "finlora_eval", "finlora_train")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def import_graph() -> dict[str, set[str]]:
    """Project module -> the project modules it imports."""
    files = {_module_name(path): path for package in PACKAGES for path in (ROOT / package).rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        targets = set()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        type_only = {id(node) for block in ast.walk(tree) if isinstance(block, ast.If) and _is_type_checking(block.test)
                     for statement in block.body for node in ast.walk(statement)}
        for node in ast.walk(tree):
            if id(node) in type_only:
                continue
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets.update(f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in files else node.module
                               for alias in node.names)
        graph[name] = {target for target in targets if target in files and target != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle through each strongly connected group of two or more modules (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_import_graph_has_no_cycle():
    graph = import_graph()
    assert len(graph) > 90 and graph["xbrlkit.datasets.build"] >= {"xbrlkit.read.loader", "xbrlkit.edgar.corpus"}
    assert cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_layers_depend_downwards_only():
    """finlora_common imports none of the three packages; xbrlkit none of the two ML packages, and its reading
    layer nothing of its dataset or EDGAR layers."""
    graph = import_graph()

    def imports(prefix: str) -> set[str]:
        return {target for name, targets in graph.items() if name.startswith(prefix) for target in targets}

    assert not {t for t in imports("finlora_common") if not t.startswith("finlora_common")}
    assert not {t for t in imports("xbrlkit") if t.startswith(("finlora_eval", "finlora_train"))}
    assert not {t for t in imports("xbrlkit.read") if t.startswith(("xbrlkit.datasets", "xbrlkit.edgar"))}
    assert not {t for t in imports("finlora_eval") if t.startswith("finlora_train")}


def test_xbrlkit_runs_on_its_core_dependencies():
    """Importing xbrlkit and building a dataset loads no ML package and neither finlora_eval nor finlora_train
    (finlora_common, the shared core, is the one finlora_* package it uses)."""
    code = ("import sys, json, tempfile, pathlib\n"
            "import xbrlkit, xbrlkit.cli, xbrlkit.edgar\n"
            "from xbrlkit.datasets import build, export\n"
            "from importlib.resources import files\n"
            "sample = pathlib.Path(str(files('xbrlkit').joinpath('sample/acme-20231231.xml')))\n"
            "result = build.run(build.BuildConfig(sources=(sample,)))\n"
            "export.write(result, pathlib.Path(tempfile.mkdtemp()) / 'out', corpus_name='sample')\n"
            "print(json.dumps(sorted(m for m in sys.modules if '.' not in m)))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    loaded = set(json.loads(result.stdout))
    assert "xbrlkit" in loaded and "finlora_common" in loaded
    heavy = {"torch", "transformers", "peft", "accelerate", "bitsandbytes", "flwr", "sklearn", "datasets", "vllm",
             "finlora_eval", "finlora_train"}
    assert loaded & heavy == set()
