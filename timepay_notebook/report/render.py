"""Rendering the campaign report notebook into one self-contained HTML file.

The report notebook (`notebooks/02-campaign-report.ipynb`) has a cell tagged `parameters`; the
values given here go into a new cell right after it (tagged `injected-parameters`, as papermill
does); the names it may set are the ones that cell assigns, typed by their defaults. nbclient
runs it in a fresh kernel, whose environment carries the token (never the notebook) and forces
inline figures whatever `MPLBACKEND` says; a cell that draws but shows no figure fails the report.
nbconvert exports it with the `timepay_report` template: code hidden unless asked for, figures
embedded as PNG data, and no script or style loaded from the network. A report on sandbox data
says so in its title and in a banner.
"""

from __future__ import annotations

import ast
import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import nbformat
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from nbconvert import HTMLExporter

from ..connect import SANDBOX_NOTICE
from ..errors import ReportError
from .header import SANDBOX_METADATA, banner_html

REPORT_NOTEBOOK = "02-campaign-report.ipynb"
TEMPLATES = Path(__file__).parent / "templates"
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_DRAWS = re.compile(r"\.plot\.\w+\(|\bplt\.show\(")  # a cell that draws a figure
_CELL_LINE = re.compile(r"Cell In\[(\d+)\], line (\d+)")


def notebooks_dir() -> Path:
    """`notebooks/`: inside an installed package (a wheel ships it there), else the source tree's."""
    here = Path(__file__).resolve().parent.parent  # the package
    for candidate in (here / "notebooks", here.parent / "notebooks"):
        if (candidate / REPORT_NOTEBOOK).is_file():
            return candidate
    raise ReportError(f"the report notebook {REPORT_NOTEBOOK} is not installed with the package")


def notebook_source(name: str = REPORT_NOTEBOOK) -> nbformat.NotebookNode:
    """A notebook shipped with the package (from `notebooks/`)."""
    return nbformat.read(notebooks_dir() / name, as_version=4)


def _parameters_cell(notebook: nbformat.NotebookNode) -> int:
    tagged = [i for i, c in enumerate(notebook.cells) if "parameters" in c.metadata.get("tags", [])]
    if len(tagged) != 1:
        raise ReportError("the report notebook needs exactly one cell tagged 'parameters'")
    return tagged[0]


def parameter_defaults(notebook: nbformat.NotebookNode | None = None) -> dict[str, Any]:
    """The names the `parameters` cell assigns and their default values (literals only)."""
    notebook = notebook_source() if notebook is None else notebook
    source = notebook.cells[_parameters_cell(notebook)].source
    defaults: dict[str, Any] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name):
                try:
                    defaults[target.id] = ast.literal_eval(node.value)
                except ValueError:
                    raise ReportError(
                        f"the parameters cell must assign literals; {target.id} is not one"
                    ) from None
    return defaults


def inject_parameters(notebook: nbformat.NotebookNode, parameters: Mapping[str, Any]) -> None:
    """Put `parameters` in a cell right after the one tagged `parameters` (papermill's way).

    Raises:
        ValueError: a name the parameters cell does not assign.
    """
    known = parameter_defaults(notebook)
    unknown = sorted(set(parameters) - set(known))
    if unknown:
        raise ValueError(f"unknown report parameter(s) {unknown}; known: {', '.join(known)}")
    source = "# Parameters\n" + "".join(f"{k} = {v!r}\n" for k, v in parameters.items())
    cell = nbformat.v4.new_code_cell(source, metadata={"tags": ["injected-parameters"]})
    notebook.cells.insert(_parameters_cell(notebook) + 1, cell)


def execute(
    notebook: nbformat.NotebookNode, *, env: Mapping[str, str] | None = None, timeout: int = 600
) -> None:
    """Run every cell in a fresh kernel (in a temporary directory), with `env` added to its
    environment and inline figures forced; a failing cell raises `ReportError` in plain words."""
    kernel_env = {
        **os.environ,
        **(env or {}),
        "PYTHONWARNINGS": "ignore::DeprecationWarning",
        "MPLBACKEND": INLINE_BACKEND,  # an inherited MPLBACKEND=Agg would drop every figure
    }
    with tempfile.TemporaryDirectory(prefix="timepay-report-") as workdir:
        # IPC transport: the kernel's sockets are files in a private directory, not TCP ports.
        km = KernelManager(kernel_name="python3", transport="ipc")
        km.connection_file = str(Path(workdir) / "kernel.json")
        client = NotebookClient(
            notebook,
            km=km,
            timeout=timeout,
            kernel_name="python3",
            resources={"metadata": {"path": workdir}},
        )
        try:
            client.execute(env=kernel_env, cleanup_kc=True)  # stop the kernel and its channels
        except CellExecutionError as error:
            raise ReportError(_plain(error, notebook)) from None
        except CellTimeoutError:
            raise ReportError(f"a cell of the report ran longer than {timeout} s") from None
        except DeadKernelError as error:
            raise ReportError(f"the report's kernel died: {error}") from None
        finally:
            if km.has_kernel:  # nbclient leaves a kernel it did not start to its owner
                km.shutdown_kernel(now=True)


def check_figures(notebook: nbformat.NotebookNode) -> int:
    """The executed notebook's figure count; `ReportError` if a cell that draws shows none."""
    figures = 0
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        shown = sum("image/png" in o.get("data", {}) for o in cell.get("outputs", []))
        figures += shown
        if shown == 0 and _DRAWS.search(_code_only(cell.source)):
            first = next((ln for ln in cell.source.splitlines() if _DRAWS.search(ln)), "")
            raise ReportError(
                f"the report lost a figure: cell {_number(notebook, index)} draws ({first.strip()[:80]}) but "
                "shows no image; is matplotlib's backend inline in the report's kernel?"
            )
    return figures


def is_sandboxed(notebook: nbformat.NotebookNode) -> bool:
    """Whether the executed notebook showed the sandbox banner (its data is not TimePay's)."""
    return any(
        o.get("metadata", {}).get(SANDBOX_METADATA)
        for c in notebook.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
    )


def report_title(notebook: nbformat.NotebookNode, title: str) -> str:
    """`title`, marked as sandbox data when the notebook ran on a sandbox."""
    return f"{title} ({SANDBOX_NOTICE})" if is_sandboxed(notebook) else title


def to_html(notebook: nbformat.NotebookNode, *, title: str, include_code: bool = False) -> str:
    """The executed notebook as one self-contained HTML page."""
    exporter = HTMLExporter(
        template_name="timepay_report",
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=not include_code,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
    )
    resources: dict[str, Any] = {"metadata": {"name": title}}
    if is_sandboxed(notebook):
        resources["timepay_banner"] = banner_html(pinned=True)
    html, _ = exporter.from_notebook_node(notebook, resources=resources)
    return str(html)


def render_report(
    out: str | Path,
    parameters: Mapping[str, Any],
    *,
    include_code: bool = False,
    env: Mapping[str, str] | None = None,
    timeout: int = 600,
) -> Path:
    """Execute the report notebook with `parameters` and write its HTML to `out`."""
    notebook = notebook_source()
    inject_parameters(notebook, parameters)
    execute(notebook, env=env, timeout=timeout)
    check_figures(notebook)
    title = report_title(notebook, str(parameters.get("title") or "TimePay campaign report"))
    path = Path(out)
    path.write_text(to_html(notebook, title=title, include_code=include_code), encoding="utf-8")
    return path


def _number(notebook: nbformat.NotebookNode, index: int) -> int:
    """The 1-based number of cell `index` in the notebook as shipped (no injected cell)."""
    injected = sum(
        "injected-parameters" in c.metadata.get("tags", []) for c in notebook.cells[:index]
    )
    return index + 1 - injected


def _code_only(source: str) -> str:
    """`source` without comments (a commented-out plot draws nothing)."""
    return "\n".join(line.split("#", 1)[0] for line in source.splitlines())


def _plain(error: CellExecutionError, notebook: nbformat.NotebookNode) -> str:
    """One line: the failing cell, its failing line and the error, no traceback."""
    ename = getattr(error, "ename", "") or "Error"
    evalue = " ".join(_ANSI.sub("", getattr(error, "evalue", "") or "").split())
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                line = _failing_line(cell, output)
                where = f"cell {_number(notebook, index)}{line}"
                return f"the report failed in {where}: {ename}: {evalue}"
    return f"the report failed: {ename}: {evalue}"


def _failing_line(cell: nbformat.NotebookNode, output: nbformat.NotebookNode) -> str:
    """`, line N (source)` of the cell's line the error came from, or its first line."""
    lines = cell.source.splitlines()
    frames = _CELL_LINE.findall(_ANSI.sub("", "\n".join(output.get("traceback", []))))
    own = [int(line) for count, line in frames if int(count) == cell.get("execution_count")]
    number = own[0] if own else None
    if number is not None and 1 <= number <= len(lines):
        return f", line {number} ({lines[number - 1].strip()[:100]})"
    first = next((line for line in lines if line.strip()), "")
    return f" ({first.strip()[:100]})"
