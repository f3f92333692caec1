"""One report per campaign (or agent), and an `index.html` that links them.

The logs of the whole selection are loaded once to find the values; each report then runs the
report notebook for its value (or, for workbooks, slices the loaded frame). A report that fails
does not stop the others: the index marks it, and the batch ends with a `ReportError` naming it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ReportError, TimePayError
from ..excel import to_excel
from .header import banner_html, heading, sandbox_notice
from .render import render_report

if TYPE_CHECKING:
    import pandas as pd

    from ..client import TimePayClient

EACH = ("campaign_id", "agent_id")
_LABELS = {"campaign_id": "campaign_name", "agent_id": "agent_id"}
_UNSAFE = re.compile(r"[^\w.-]+")


def write_batch(
    out_dir: str | Path,
    client: TimePayClient,
    each: str,
    parameters: Mapping[str, Any],
    *,
    fmt: str = "html",
    env: Mapping[str, str] | None = None,
    include_code: bool = False,
    timeout: int = 600,
) -> Path:
    """Write one report per value of `each` into `out_dir`, and `out_dir/index.html`.

    Args:
        out_dir: the directory to write (created if needed).
        client: where to load the selection's logs, to find the values of `each`.
        each: `campaign_id` or `agent_id`.
        parameters: the report notebook's parameters for the whole selection.
        fmt: `html` (the report notebook) or `xlsx` (its tables as a workbook).
        env, include_code, timeout: as for `render_report`.

    Returns:
        The index's path.

    Raises:
        ReportError: some reports failed (the others are written, and the index links them).
    """
    if each not in EACH:
        raise ValueError(f"each must be one of {', '.join(EACH)}, got {each!r}")
    out = Path(out_dir)
    if out.suffix.lower() in (".html", ".xlsx"):
        raise ValueError(f"with --each, --out is a directory, not a file: {str(out_dir)!r}")
    frame = client.load_logs(**_selection(parameters))
    if parameters.get("mask_pii"):
        frame = frame.timepay.mask_pii()
    values = _values(frame, each)
    out.mkdir(parents=True, exist_ok=True)
    title = str(parameters.get("title") or "TimePay report")
    written: list[tuple[str, str, int, str | None]] = []  # label, file, logs, error
    for value, label, logs in values:
        path = out / f"{_UNSAFE.sub('_', value).strip('_') or 'value'}.{fmt}"
        try:
            if fmt == "xlsx":
                notice = sandbox_notice() if parameters.get("sandbox") else None
                to_excel(frame[frame[each].astype(str) == value], path, notice=notice)
            else:
                render_report(
                    path,
                    _for_value(parameters, each, value, f"{title}: {label}"),
                    env=env,
                    include_code=include_code,
                    timeout=timeout,
                )
            written.append((label, path.name, logs, None))
        except (TimePayError, ValueError, OSError) as failure:
            written.append((label, path.name, logs, str(failure)))
    index = out / "index.html"
    index.write_text(index_html(title, written, sandbox=bool(parameters.get("sandbox"))), "utf-8")
    failed = [(label, error) for label, _, _, error in written if error]
    if failed:
        label, error = failed[0]
        raise ReportError(
            f"{len(failed)} of {len(written)} reports failed (first: {label}: {error})"
        )
    return index


def _selection(parameters: Mapping[str, Any]) -> dict[str, Any]:
    named = {k: parameters.get(k) for k in ("campaign_id", "start_time", "end_time")}
    return {**{k: v for k, v in named.items() if v is not None}, **parameters.get("filters", {})}


def _values(frame: pd.DataFrame, each: str) -> list[tuple[str, str, int]]:
    """(value, label, logs) of each value of `each` in `frame`, by label."""
    label = _LABELS[each]
    pairs = frame[[each, label]].astype(str)
    counts = pairs.groupby([each, label], sort=False).size()
    values, labels = counts.index.get_level_values(0), counts.index.get_level_values(1)
    found = [(str(v), str(lab), int(n)) for v, lab, n in zip(values, labels, counts, strict=True)]
    return sorted(found, key=lambda t: (t[1], t[0]))


def _for_value(parameters: Mapping[str, Any], each: str, value: str, title: str) -> dict[str, Any]:
    chosen = dict(parameters, title=title)
    if each == "campaign_id":
        chosen["campaign_id"] = value
    else:
        chosen["filters"] = {**parameters.get("filters", {}), each: value}
    return chosen


def index_html(
    title: str, reports: list[tuple[str, str, int, str | None]], *, sandbox: bool = False
) -> str:
    """A self-contained page linking the reports: label, logs, and any failure."""
    shown = heading(title, sandbox=sandbox)
    rows = "\n".join(
        f"<tr><td>{escape(label)}</td><td>{logs:,}</td><td>"
        + (f'<a href="{escape(name)}">{escape(name)}</a>' if not error else "")
        + (f'<span class="failed">failed: {escape(error)}</span>' if error else "")
        + "</td></tr>"
        for label, name, logs, error in reports
    )
    made = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(shown)}</title>
<style>
  body {{ font-family: system-ui, sans-serif; max-width: 900px; margin: 0 auto; padding: 1em; }}
  table {{ border-collapse: collapse; width: 100%; }}
  th, td {{ text-align: left; padding: 6px 10px; border-bottom: 1px solid #ddd; }}
  td:nth-child(2) {{ text-align: right; font-variant-numeric: tabular-nums; }}
  .failed {{ color: #b00020; }}
</style></head>
<body>{banner_html(pinned=True) if sandbox else ""}
<h1>{escape(shown)}</h1>
<p>{len(reports):,} reports, written {made}.</p>
<table><thead><tr><th>Report</th><th>Logs</th><th>File</th></tr></thead>
<tbody>
{rows}
</tbody></table>
</body></html>
"""
