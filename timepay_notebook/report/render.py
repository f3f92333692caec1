"""Rendering the campaign report notebook into one self-contained HTML file.

The report notebook (`notebooks/02-campaign-report.ipynb`) has a cell tagged `parameters`; the
values given here go into a new cell right after it (tagged `injected-parameters`, as papermill
does). nbclient runs it in a fresh kernel, whose environment carries the token (never the
notebook), and nbconvert exports it with the `timepay_report` template: code hidden unless asked
for, figures embedded as PNG data, and no script or style loaded from the network.
"""

from __future__ import annotations

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

from ..errors import ReportError

REPORT_NOTEBOOK = "02-campaign-report.ipynb"
PARAMETERS = ("base_url", "campaign_id", "start_time", "end_time", "mask_pii", "title", "filters")
TEMPLATES = Path(__file__).parent / "templates"
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


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


def inject_parameters(notebook: nbformat.NotebookNode, parameters: Mapping[str, Any]) -> None:
    """Put `parameters` in a cell right after the one tagged `parameters` (papermill's way)."""
    unknown = sorted(set(parameters) - set(PARAMETERS))
    if unknown:
        raise ValueError(f"unknown report parameter(s) {unknown}; known: {', '.join(PARAMETERS)}")
    tagged = [i for i, c in enumerate(notebook.cells) if "parameters" in c.metadata.get("tags", [])]
    if len(tagged) != 1:
        raise ReportError("the report notebook needs exactly one cell tagged 'parameters'")
    source = "# Parameters\n" + "".join(f"{k} = {v!r}\n" for k, v in parameters.items())
    cell = nbformat.v4.new_code_cell(source, metadata={"tags": ["injected-parameters"]})
    notebook.cells.insert(tagged[0] + 1, cell)


def execute(
    notebook: nbformat.NotebookNode, *, env: Mapping[str, str] | None = None, timeout: int = 600
) -> None:
    """Run every cell in a fresh kernel (in a temporary directory), with `env` added to its
    environment; a failing cell raises `ReportError` in plain words."""
    kernel_env = {**os.environ, **(env or {}), "PYTHONWARNINGS": "ignore::DeprecationWarning"}
    with tempfile.TemporaryDirectory(prefix="timepay-report-") as workdir:
        # IPC transport: the kernel's sockets are files in a private directory, not TCP ports.
        km = KernelManager(kernel_name="python3", transport="ipc")
        km.connection_file = str(Path(workdir) / "kernel.json")
        client = NotebookClient(
            notebook, km=km, timeout=timeout, kernel_name="python3",
            resources={"metadata": {"path": workdir}},
        )  # fmt: skip
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
    html, _ = exporter.from_notebook_node(notebook, resources={"metadata": {"name": title}})
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
    title = str(parameters.get("title") or "TimePay campaign report")
    path = Path(out)
    path.write_text(to_html(notebook, title=title, include_code=include_code), encoding="utf-8")
    return path


def _plain(error: CellExecutionError, notebook: nbformat.NotebookNode) -> str:
    """Which cell failed and why: its first line and the error's last line, no traceback."""
    ename = getattr(error, "ename", "") or "Error"
    evalue = _ANSI.sub("", getattr(error, "evalue", "") or "").strip()
    failed = next(
        (
            (i, c)
            for i, c in enumerate(notebook.cells)
            if c.cell_type == "code"
            and any(o.get("output_type") == "error" for o in c.get("outputs", []))
        ),
        None,
    )
    where = ""
    if failed is not None:
        first = next((line for line in failed[1].source.splitlines() if line.strip()), "")
        where = f" in cell {failed[0] + 1} ({first.strip()[:80]})"
    return f"the report failed{where}: {ename}: {evalue}"
