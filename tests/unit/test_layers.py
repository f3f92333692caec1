"""The architecture, checked: imports run one way, from the wings down to the protocol.

Every module of the package is in one layer below; a module may import its own layer and the
layers under it, never one above. The sandbox imports nothing from the client side. (Imports under
`if TYPE_CHECKING:` are for annotations only and are not counted.)
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "timepay_notebook"

LAYERS: list[tuple[str, ...]] = [
    # what the API is and what outcomes mean; errors; the frame's schema
    ("_docs", "_support", "protocol", "outcomes", "intervals", "presentation", "errors", "schema"),
    # pure building blocks: filters, frames, masking; the response cache
    (
        "filters",
        "frame_columns",
        "frames",
        "columnar",
        "masking",
        "cache",
        "failures",
        "limiter",
        "wire",
        "route",
        "options",
    ),
    # HTTP
    ("transport",),
    ("pager", "progress", "frame_cache", "conclusions"),
    ("client",),
    # analyses over a frame (pure, no network)
    ("_tables", "timing", "compare", "promises", "attempts", "compliance", "funnel", "summaries"),
    ("plot_style",),
    ("plots", "plots_collections", "excel"),
    ("accessor",),
    # the wings
    ("export", "connect", "store", "explorer", "report"),
    # entry points
    ("cli", "commands", "__main__", "__init__"),
]
LAYER = {name: rank for rank, names in enumerate(LAYERS) for name in names}


def module_name(path: Path) -> str:
    """`timepay_notebook.store.sync` for `timepay_notebook/store/sync.py`."""
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """The package modules `path` imports at run time (absolute names)."""
    tree = ast.parse(path.read_text())
    typing_only = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
        for node in ast.walk(block)
    }
    package = (
        module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    )
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom):
            base = (
                package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            )
            target = ".".join([*base, node.module] if node.module else base)
            names = {f"{target}.{alias.name}" for alias in node.names}
            found |= names if node.module is None else {*names, target}  # `from . import x`
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return {name for name in found if name.startswith("timepay_notebook") and _exists(name)}


def _exists(name: str) -> bool:
    path = PACKAGE.parent / name.replace(".", "/")
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def layer_of(name: str) -> int:
    """The layer of a module: its top-level name under the package decides (`store.sync` is
    `store`'s); the package itself is the top."""
    top = name.split(".")[1] if "." in name else "__init__"
    if top not in LAYER:
        pytest.fail(f"{name} is in no layer: add {top!r} to LAYERS in {__file__}")
    return LAYER[top]


CLIENT_SIDE = sorted(p for p in PACKAGE.rglob("*.py") if "sandbox" not in p.parts)


@pytest.mark.parametrize("path", CLIENT_SIDE, ids=lambda p: module_name(p))
def test_nothing_imports_upward(path: Path) -> None:
    name = module_name(path)
    upward = sorted(
        target
        for target in imports(path)
        if not target.startswith(name + ".")
        and target != "timepay_notebook.sandbox"  # connect and cli start a sandbox on request
        and not target.startswith("timepay_notebook.sandbox.")
        and layer_of(target) > layer_of(name)
    )
    assert not upward, f"{name} (layer {layer_of(name)}) imports {upward} from a higher layer"


@pytest.mark.parametrize(
    "path", sorted((PACKAGE / "sandbox").rglob("*.py")), ids=lambda p: module_name(p)
)
def test_the_sandbox_imports_nothing_from_the_client_side(path: Path) -> None:
    outside = sorted(t for t in imports(path) if not t.startswith("timepay_notebook.sandbox"))
    assert not outside


def test_there_is_no_import_cycle() -> None:
    graph = {module_name(p): imports(p) for p in PACKAGE.rglob("*.py")}
    done: set[str] = set()

    def visit(node: str, path: tuple[str, ...]) -> None:
        if node in path:
            pytest.fail("import cycle: " + " -> ".join([*path[path.index(node) :], node]))
        if node in done:
            return
        for target in graph.get(node, ()):
            if target != node and not node.startswith(target + "."):  # a package's own parent
                visit(target, (*path, node))
        done.add(node)

    for module in graph:
        visit(module, ())


def test_importing_the_package_loads_no_sandbox_plots_widgets_or_notebooks() -> None:
    code = (
        "import sys, timepay_notebook\n"
        "heavy = ('timepay_notebook.sandbox', 'matplotlib', 'ipywidgets', 'nbformat', 'nbclient')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy or m in heavy))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"
