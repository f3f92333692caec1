"""`timepay-notebook report`: the campaign report notebook run in a fresh kernel, or a workbook.

The connection reaches the kernel through its environment only. Without a token the command
fails at once unless `--sandbox` asks for sample data, which the report then labels as such.
`--param name=value` sets any name of the notebook's `parameters` cell, typed by its default;
`--format xlsx` writes the summaries as an Excel workbook instead; `--each campaign_id` writes
one report per campaign into a directory, with an `index.html` linking them; `--compare
previous` adds the KPIs' changes against the same-length window just before.
"""

from __future__ import annotations

import argparse
import ast
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..excel import to_excel
from ..filters import normalize_filters
from ..report import render_report
from ..report.batch import EACH, write_batch
from ..report.compare import COMPARISONS
from ..report.header import sandbox_notice
from ..report.render import parameter_defaults
from .common import client_flags, filter_flags, filters, kernel_env, open_client, require_token

NAMED_FILTERS = ("campaign_id", "start_time", "end_time")  # the notebook's own parameters


def add_report(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The `report` command."""
    report = sub.add_parser(
        "report", help="render the campaign report notebook to HTML (or its tables to Excel)"
    )
    client_flags(report, pulling=False)
    filter_flags(report)
    g = report.add_argument_group("report")
    g.add_argument("--title", default="Collections campaign report", help="the report's title")
    g.add_argument("--mask-pii", action="store_true", help="pseudonymize names, phones, loans")
    g.add_argument("--include-code", action="store_true", help="show the notebook's code")
    g.add_argument("--timeout", type=int, default=600, help="seconds a cell may run")
    g.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set a parameter of the notebook's parameters cell (typed by its default); repeatable",
    )
    g.add_argument(
        "--format",
        choices=("html", "xlsx"),
        help="html: the report notebook; xlsx: its tables as an Excel workbook "
        "(default: from --out's suffix, else html)",
    )
    g.add_argument("--each", choices=EACH, help="one report per value (--out is then a directory)")
    g.add_argument(
        "--compare",
        choices=COMPARISONS,
        help="previous: KPIs against the same-length window just before "
        "(needs --start_time and --end_time)",
    )
    g.add_argument("--out", required=True, help="the file (or with --each, directory) to write")
    report.set_defaults(command=run_report, name="report")


def run_report(args: argparse.Namespace) -> int:
    """Render the report as the flags say; returns the exit status."""
    chosen = normalize_filters(filters(args))  # bad filters fail before a kernel starts
    overrides = parse_params(args.param)
    fmt = args.format or ("xlsx" if Path(args.out).suffix.lower() == ".xlsx" else "html")
    require_token(args)
    if args.compare and not ("start_time" in chosen and "end_time" in chosen):
        raise ValueError("--compare previous needs --start_time and --end_time")
    if fmt == "xlsx" and (overrides or args.compare or args.include_code):
        raise ValueError("--param, --compare and --include-code are for HTML reports")
    parameters = report_parameters(chosen, args.title, mask_pii=args.mask_pii, sandbox=args.sandbox)
    parameters.update({"compare": args.compare} if args.compare else {}, **overrides)
    if args.each:
        with open_client(args) as client:
            index = write_batch(
                args.out,
                client,
                args.each,
                parameters,
                fmt=fmt,
                env=kernel_env(args),
                include_code=args.include_code,
                timeout=args.timeout,
            )
        print(f"wrote the reports and their index to {index.resolve()}")
        return 0
    if fmt == "xlsx":
        out = _workbook(args, chosen)
        print(f"wrote the workbook to {out.resolve()}")
        return 0
    out = render_report(
        args.out,
        parameters,
        include_code=args.include_code,
        env=kernel_env(args),
        timeout=args.timeout,
    )
    print(f"wrote the report to {out.resolve()}")
    return 0


def _workbook(args: argparse.Namespace, chosen: Mapping[str, Any]) -> Path:
    """The report's tables as an Excel workbook, from logs loaded here."""
    with open_client(args) as client:
        frame = client.load_logs(**dict(chosen))
    if args.mask_pii:
        frame = frame.timepay.mask_pii()
    return to_excel(frame, args.out, notice=sandbox_notice() if args.sandbox else None)


def report_parameters(
    chosen: Mapping[str, str], title: str, *, mask_pii: bool = False, sandbox: bool = False
) -> dict[str, Any]:
    """The notebook's parameters for these (normalized) filters."""
    rest = {k: v for k, v in chosen.items() if k not in NAMED_FILTERS}
    named = {k: chosen.get(k) for k in NAMED_FILTERS}
    parameters: dict[str, Any] = {**named, "title": title, "mask_pii": mask_pii, "filters": rest}
    if sandbox:
        parameters["sandbox"] = True
    return parameters


def parse_params(pairs: Sequence[str]) -> dict[str, Any]:
    """`NAME=VALUE` pairs as parameters, each typed like its default in the parameters cell.

    Raises:
        ValueError: a pair without `=`, an unknown name, or a value of the wrong type.
    """
    defaults = parameter_defaults() if pairs else {}
    parameters: dict[str, Any] = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ValueError(f"--param takes NAME=VALUE, got {pair!r}")
        if name not in defaults:
            raise ValueError(
                f"--param {name}: the report has no such parameter; known: {', '.join(defaults)}"
            )
        parameters[name] = typed_like(defaults[name], text, name)
    return parameters


_TRUE, _FALSE = ("true", "yes", "1", "on"), ("false", "no", "0", "off")


def typed_like(default: Any, text: str, name: str) -> Any:
    """`text` converted to the type of `default` (papermill's convention for parameters)."""
    lowered = text.strip().lower()
    try:
        if isinstance(default, bool) or (default is None and lowered in _TRUE + _FALSE):
            if lowered not in _TRUE + _FALSE:
                raise ValueError
            return lowered in _TRUE
        if default is None:
            return None if lowered in ("none", "null", "") else text
        if isinstance(default, int):
            return int(text)
        if isinstance(default, float):
            return float(text)
        if isinstance(default, (dict, list, tuple)):
            value = json.loads(text) if text.strip()[:1] in "[{" else ast.literal_eval(text)
            if not isinstance(value, type(default)):
                raise ValueError
            return value
    except (ValueError, SyntaxError):
        kind = "true or false" if isinstance(default, bool) else type(default).__name__
        raise ValueError(f"--param {name}={text!r}: expected {kind}") from None
    return text
