"""The README's Python examples run as written, and its commands name real entry points."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_readme_opens_with_the_two_newcomer_commands() -> None:
    first_block = re.search(r"```bash\n(.*?)```", README.read_text(), flags=re.S)
    assert first_block is not None
    lines = first_block.group(1).strip().splitlines()
    assert len(lines) == 2
    assert lines[0].endswith("timepay-notebook demo")
    assert lines[1].endswith("python -m pytest")
    ci = (README.parent / ".ci" / "run").read_text()
    assert ".venv/bin/python -m pytest\n" in ci


ENGINES = [  # the block that starts PySpark, Dask and Polars: the engine tests' marks
    pytest.mark.engines,
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore:The inplace keyword:pandas.errors.Pandas4Warning"),
]
CASES = [
    pytest.param(code, id=f"block{i}", marks=ENGINES if "pyspark" in code else ())
    for i, code in enumerate(BLOCKS)
]


@pytest.mark.parametrize("code", CASES)
def test_python_blocks_run_and_print_what_they_say(
    code: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """`print(x)  # shown` in the README: the output has a line starting with `shown`
    (up to a `...` or a ` (` that starts an explanation)."""
    exec(compile(code, str(README), "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    for comment in re.findall(r"print\(.*#\s+(\S.*)$", code, flags=re.M):
        shown = re.split(r"\.\.\.| \(", comment)[0].strip()
        assert any(line.startswith(shown) for line in printed), (shown, printed)
