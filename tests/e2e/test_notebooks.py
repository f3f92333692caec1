"""The notebooks in notebooks/: committed clean, and they run top to bottom on a fresh machine."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from timepay_notebook.report.render import execute

pytestmark = pytest.mark.slow  # kernels and browsers: `pytest -m "not slow"` skips them

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks() -> None:
    assert [p.name for p in NOTEBOOKS] == [
        "01-quickstart.ipynb",
        "02-campaign-report.ipynb",
        "03-explorer.ipynb",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_committed_without_outputs(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name}: a cell has outputs"
            assert cell.execution_count is None, f"{path.name}: a cell has an execution count"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_runs_top_to_bottom_without_a_token(path: Path, tmp_path: Path) -> None:
    """Plain `jupyter nbconvert --execute`, as anyone would, with `MPLBACKEND=Agg` as servers
    and CI machines often set it: the figures are there all the same."""
    env = {**os.environ, "TIMEPAY_API_TOKEN": "", "MPLBACKEND": "Agg"}  # no token: a sandbox
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    jupyter = Path(sys.executable).with_name("jupyter")
    subprocess.run(
        [
            str(jupyter),
            "nbconvert",
            "--to",
            "notebook",
            "--execute",
            str(path),
            "--output-dir",
            str(tmp_path),
            "--ExecutePreprocessor.timeout=300",
        ],
        env=env,
        cwd=tmp_path,
        check=True,
        capture_output=True,
        timeout=600,
    )
    notebook = nbformat.read(tmp_path / path.name, as_version=4)
    outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "using a local sandbox" in text
    figures = [o for o in outputs if "image/png" in o.get("data", {})]
    if path.name == "03-explorer.ipynb":  # the panel, and its key figures as plain text
        assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)
        assert "TimePay logs:" in text and "type=call" in text
    else:  # every cell that draws shows its figure
        drawing = [c for c in notebook.cells if re.search(r"\.plot\.\w+\(", c.source)]
        assert len(drawing) >= 3
        assert all(any("image/png" in o.get("data", {}) for o in c.outputs) for c in drawing)
        assert len(figures) >= len(drawing)


def test_a_bare_filter_panel_call_shows_the_panel_once() -> None:
    from nbformat.v4 import new_code_cell, new_notebook

    notebook = new_notebook(
        cells=[
            new_code_cell(
                "import timepay_notebook as tp\nclient = tp.connect(sandbox_logs=50, progress=False)"
            ),
            new_code_cell("tp.filter_panel(client)"),  # displays, and is the cell's value
            new_code_cell("panel = tp.filter_panel(client)"),
            new_code_cell("panel"),  # shown again, on purpose, in a later cell
        ]
    )
    execute(notebook, env={"TIMEPAY_API_TOKEN": ""}, timeout=120)

    def views(cell: int) -> int:
        outputs = notebook.cells[cell].outputs
        return sum("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)

    assert [views(1), views(2), views(3)] == [1, 1, 1]
