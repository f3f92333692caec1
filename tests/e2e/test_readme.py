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


def test_the_morning_cron_script_syncs_then_writes_a_report_per_campaign(tmp_path: Path) -> None:
    """The README's `sh` block, run as cron would, against a sandbox: only `cd /srv/timepay` and
    the token file are this machine's."""
    import collections
    import os
    import subprocess
    import sys

    from timepay_notebook.sandbox import SandboxServer

    script = re.search(r"```sh\n(.*?)```", README.read_text(), flags=re.S)
    assert script is not None and "timepay-notebook sync ./store" in script.group(1)
    assert "crontab" in script.group(1) and "report --each campaign_id" in script.group(1)
    (tmp_path / "morning.sh").write_text(
        script.group(1).replace("cd /srv/timepay", f"cd {tmp_path}")
    )
    bin_dir = tmp_path / "bin"  # `timepay-notebook` as installed: this interpreter's package
    bin_dir.mkdir()
    shim = bin_dir / "timepay-notebook"
    shim.write_text(f'#!/bin/sh\nexec {sys.executable} -m timepay_notebook "$@"\n')
    shim.chmod(0o755)
    with SandboxServer(n_logs=60, seed=5) as srv:
        campaigns = collections.defaultdict(set)
        for record in srv.truth():
            campaigns[record["date"]].add(record["campaign_id"])
        day = min(campaigns, key=lambda d: (len(campaigns[d]), d))  # few reports: a quick test
        (tmp_path / "timepay.env").write_text(
            f"export TIMEPAY_API_TOKEN={srv.token}\nexport TIMEPAY_BASE_URL={srv.url}\n"
        )
        env = {**os.environ, "DAY": day, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
        env["PYTHONPATH"] = os.pathsep.join([str(README.parent), env.get("PYTHONPATH", "")])
        env["TIMEPAY_CACHE_DIR"] = str(tmp_path / "cache")
        env.pop("TIMEPAY_API_TOKEN", None)
        done = subprocess.run(
            ["sh", str(tmp_path / "morning.sh")],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        reports = tmp_path / "reports" / day
        assert sorted(p.name for p in reports.iterdir()) == sorted(
            ["index.html", *(f"{c}.html" for c in campaigns[day])]
        )
        assert f"<title>Collections, {day}" in (reports / "index.html").read_text()
        assert srv.token not in (reports / "index.html").read_text()
    from timepay_notebook import read_store

    assert len(read_store(tmp_path / "store")) == 60
