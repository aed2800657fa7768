"""Imports run one way: cgtkg.cli -> cgtkg.api -> cgtkg.pipeline -> cgtkg.loaders -> cgtkg.graph
(-> cgtkg.resources).  The graph library never imports the loaders, the build or the CLI;
the loaders never import the build or the CLI.  Checked on the source (every import
statement, also inside functions), so a lazy import cannot hide a cycle."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

from cgtkg.resources import REPO_ROOT

PYPROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PACKAGE_DIR: dict[str, str] = PYPROJECT["tool"]["setuptools"]["package-dir"]

# lower number = lower layer; a module may import only its own layer or lower ones
LAYERS = {
    "cgtkg.resources": 0,
    "cgtkg.graph": 1,
    "cgtkg.loaders": 2,
    "cgtkg.pipeline": 3,
    "cgtkg.api": 4,
    "cgtkg.cli": 5,
    "cgtkg.__main__": 5,
}


def layer_of(module: str) -> tuple[str, int] | None:
    for prefix in sorted(LAYERS, key=len, reverse=True):
        if module == prefix or module.startswith(prefix + "."):
            return prefix, LAYERS[prefix]
    return None


def code_modules() -> dict[str, Path]:
    """Every Python module of the package, by dotted name, from the package-dir mapping."""
    modules: dict[str, Path] = {}
    for package, folder in PACKAGE_DIR.items():
        root = REPO_ROOT / folder
        if not (root / "__init__.py").is_file():
            continue  # a data package (ontology, queries, data)
        for f in root.rglob("*.py"):
            rel = f.relative_to(root).with_suffix("")
            parts = [p for p in rel.parts if p != "__init__"]
            if any(not (root.joinpath(*rel.parts[:i]) / "__init__.py").is_file() for i in range(1, len(rel.parts))):
                continue  # a folder of scripts or data inside, not a subpackage
            name = ".".join([package, *parts])
            modules.setdefault(name, f)
    return modules


def imports_of(name: str, path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    is_package = path.name == "__init__.py"
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".")
                base = base if is_package else base[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.append((node.lineno, target))
            found += [(node.lineno, f"{target}.{a.name}") for a in node.names]
    return found


MODULES = code_modules()


def test_the_layers_are_all_there():
    for package in ("cgtkg.graph", "cgtkg.loaders", "cgtkg.pipeline", "cgtkg.cli"):
        assert package in MODULES, f"{package} is missing from the package-dir mapping"


@pytest.mark.parametrize("name", sorted(m for m in MODULES if m != "cgtkg"))
def test_imports_run_downhill(name):
    path = MODULES[name]
    mine = layer_of(name)
    assert mine is not None, f"{name} ({path}) belongs to no layer: add it to LAYERS"
    uphill = []
    for line, target in imports_of(name, path):
        root = target.split(".")[0]
        assert root not in ("graph", "loaders"), (
            f"{path.relative_to(REPO_ROOT)}:{line}: imports {target}; the package is cgtkg.{target}")
        theirs = layer_of(target)
        if theirs and theirs[1] > mine[1]:
            uphill.append(f"{path.relative_to(REPO_ROOT)}:{line}: {name} ({mine[0]}) imports {target} ({theirs[0]})")
    assert not uphill, "imports running back up:\n" + "\n".join(uphill)


def test_every_subpackage_is_packaged():
    """A new folder with an __init__.py must be listed in pyproject.toml, or the wheel lacks it."""
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    packages = {m for m, p in MODULES.items() if p.name == "__init__.py"}
    assert packages <= listed, f"add to [tool.setuptools] packages: {sorted(packages - listed)}"
