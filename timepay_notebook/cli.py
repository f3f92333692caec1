"""The `timepay-notebook` command line (also `python -m timepay_notebook`)."""

from __future__ import annotations

import argparse
import datetime as dt
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType

import pandas as pd

from .cache import ResponseCache, default_cache_path
from .client import TimePayClient
from .commands.common import client_flags, filter_flags, filters, for_the_command_line, open_client
from .commands.dashboard import add_dashboard
from .commands.report import add_report, report_parameters
from .errors import IncompleteSyncError, TimePayError
from .export import write_frame
from .frame_cache import FrameCache
from .presentation import to_text
from .report import render_report
from .sandbox import FAULT_KINDS, Drift, Faults, SandboxServer
from .store.sync import MAX_WINDOWS, WINDOW_LOGS, sync_logs


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    command: Callable[[argparse.Namespace], int] = args.command
    try:
        return command(args)
    except KeyboardInterrupt:
        return 130
    except (TimePayError, ValueError, OSError) as exc:
        message = for_the_command_line(str(exc))
        print(f"timepay-notebook {args.name}: error: {message}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="timepay-notebook",
        description="TimePay call and WhatsApp logs for analysts: sandbox, demo and exports.",
    )
    sub = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")

    demo = sub.add_parser(
        "demo", help="start a sandbox, load every log from it, summarize, write a report"
    )
    _sandbox_flags(demo, port=0, latency_ms=20.0)
    demo.add_argument(
        "--workers", type=int, default=8, help="concurrent requests (default %(default)s)"
    )
    demo.add_argument(
        "--report", default="timepay-demo-report.html", help="where to write the HTML report"
    )
    demo.set_defaults(command=_demo, name="demo")

    add_report(sub)

    sandbox = sub.add_parser("sandbox", help="serve the local sandbox API until Ctrl-C")
    _sandbox_flags(sandbox, port=8765, latency_ms=0.0)
    sandbox.set_defaults(command=_sandbox, name="sandbox")

    count = sub.add_parser("count", help="how many logs match the filters (count_only)")
    client_flags(count)
    filter_flags(count)
    count.set_defaults(command=_count, name="count")

    export = sub.add_parser("export", help="load every matching log and write it to a file")
    client_flags(export)
    filter_flags(export)
    export.add_argument("--out", required=True, help="output file: .parquet or .csv")
    export.set_defaults(command=_export, name="export")

    _add_sync(sub)
    add_dashboard(sub)

    cache = sub.add_parser("cache", help="show or clear the response cache")
    cache.add_argument("action", choices=("info", "clear"))
    cache.add_argument("--cache", help="cache file (default: the user's cache directory)")
    cache.set_defaults(command=_cache, name="cache")
    return parser


def _cache(args: argparse.Namespace) -> int:
    path = Path(args.cache) if args.cache else default_cache_path()
    with ResponseCache.sqlite(path) as cache:
        frames = FrameCache.beside(cache)
        assert frames is not None  # a cache file has a frame cache beside it
        if args.action == "clear":
            answers, stored = cache.clear(), frames.clear()
            print(
                f"cleared {answers:,} cached answers and {stored:,} frame"
                f"{'' if stored == 1 else 's'} from {path}"
            )
        else:
            info = cache.info() | frames.info()
            print(f"file: {info['file']}")
            print(f"size: {info['size_bytes']:,} bytes")
            print(f"entries: {info['entries']:,}")
            print(f"frames: {info['frames']:,} in {info['frames_dir']}")
            print(f"frames size: {info['frames_size_bytes']:,} bytes")
    return 0


def _add_sync(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The `sync` command."""
    sync = sub.add_parser(
        "sync", help="bring a local Parquet store up to date, fetching only what is new"
    )
    sync.add_argument("path", help="the store's directory (created by the first sync)")
    client_flags(sync)
    filter_flags(sync)
    g = sync.add_argument_group("sync")
    g.add_argument(
        "--overlap-hours",
        type=float,
        help="look again this many hours before the newest stored log for late arrivals "
        "(default: the store's; 48 for a new store)",
    )
    g.add_argument(
        "--overlap-check",
        choices=("count", "fetch"),
        default="count",
        help="verify the overlap by counts, or fetch it again (default %(default)s)",
    )
    g.add_argument(
        "--window-logs",
        type=int,
        default=WINDOW_LOGS,
        help="most logs in one window (default %(default)s)",
    )
    g.add_argument(
        "--max-windows",
        type=int,
        default=MAX_WINDOWS,
        help="windows pulled at once (default %(default)s)",
    )
    g.add_argument(
        "--repair",
        action="store_true",
        help="read every stored day file in full and fetch again the days whose file is missing "
        "or damaged (every sync fetches again the days it finds missing or unreadable)",
    )
    sync.set_defaults(command=_sync, name="sync")


def _sync(args: argparse.Namespace) -> int:
    overlap = None if args.overlap_hours is None else dt.timedelta(hours=args.overlap_hours)
    with open_client(args, cache=False) as client:  # sync needs answers as of now
        try:
            result = sync_logs(
                args.path,
                client=client,
                overlap=overlap,
                overlap_check=args.overlap_check,
                window_logs=args.window_logs,
                max_windows=args.max_windows,
                repair=args.repair,
                **filters(args),
            )
        except IncompleteSyncError as error:
            print(error.result.summary(), file=sys.stderr)
            raise
    print(result.summary())
    return 0


def _count(args: argparse.Namespace) -> int:
    with open_client(args) as client:
        print(client.count_logs(**filters(args)))
    return 0


def _export(args: argparse.Namespace) -> int:
    out = Path(args.out)
    if out.suffix.lower() not in (".parquet", ".csv"):
        raise ValueError(f"--out must end in .parquet or .csv, got {args.out!r}")
    started = time.perf_counter()
    with open_client(args) as client:
        frame = client.load_logs(**filters(args))
    write_frame(frame, out)
    print(f"wrote {len(frame):,} logs to {out} in {time.perf_counter() - started:.1f} s")
    return 0


def _sandbox_flags(p: argparse.ArgumentParser, *, port: int, latency_ms: float) -> None:
    g = p.add_argument_group("sandbox")
    g.add_argument("--host", default="127.0.0.1", help="address to listen on (default %(default)s)")
    g.add_argument(
        "--port", type=int, default=port, help="port; 0 picks a free one (default %(default)s)"
    )
    g.add_argument("--logs", type=int, default=2450, help="logs to generate (default %(default)s)")
    g.add_argument("--seed", type=int, default=7, help="seed of the data (default %(default)s)")
    g.add_argument(
        "--latency-ms",
        type=float,
        default=latency_ms,
        help="delay per response in ms (default %(default)s)",
    )
    g.add_argument("--token", help="the token clients must send (default: a random one)")
    g.add_argument("--fault-rate", type=float, default=0.0, help="share of requests that fail")
    g.add_argument(
        "--fault-kinds",
        default="500",
        help=f"comma-separated faults to inject: {','.join(FAULT_KINDS)}",
    )
    g.add_argument("--retry-after", type=float, default=1.0, help="seconds announced by a 429")
    g.add_argument("--drift-every", type=int, help="add new logs every N requests")
    g.add_argument("--drift-count", type=int, default=1, help="logs added each time")
    g.add_argument("--max-in-flight", type=int, help="concurrent requests before 429")
    g.add_argument("--max-per-second", type=float, help="requests a second before 429")
    g.add_argument("--gzip", action="store_true", help="compress answers when gzip is accepted")
    g.add_argument("--chunked", action="store_true", help="send bodies in chunked coding")


def _make_sandbox(args: argparse.Namespace) -> SandboxServer:
    return SandboxServer(
        n_logs=args.logs,
        seed=args.seed,
        latency=args.latency_ms / 1000,
        tokens=[args.token] if args.token else None,
        host=args.host,
        port=args.port,
        faults=Faults(
            rate=args.fault_rate,
            kinds=tuple(k.strip() for k in args.fault_kinds.split(",") if k.strip()),
            retry_after=args.retry_after,
        ),
        drift=Drift(args.drift_every, args.drift_count) if args.drift_every else None,
        max_in_flight=args.max_in_flight,
        max_per_second=args.max_per_second,
        gzip=args.gzip,
        chunked=args.chunked,
    )


def _sandbox(args: argparse.Namespace) -> int:
    srv = _make_sandbox(args)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    with srv:
        print(f"TimePay sandbox: {len(srv.table()):,} logs (seed {args.seed}) at {srv.url}")
        print("Point the client at it with:")
        print(f"  export TIMEPAY_BASE_URL={srv.url}")
        print(f"  export TIMEPAY_API_TOKEN={srv.token}")
        print("Press Ctrl-C to stop.", flush=True)
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
    print("Sandbox stopped.", file=sys.stderr)
    return 0


def _demo(args: argparse.Namespace) -> int:
    with _make_sandbox(args) as srv:
        print(
            f"Sandbox: {len(srv.table()):,} logs (seed {args.seed}) at {srv.url}, "
            f"{args.latency_ms:g} ms latency a request"
        )
        started = time.perf_counter()
        # A fresh sandbox has a new token and port each run: nothing to reuse from a cache.
        with TimePayClient(
            srv.token, srv.url, max_workers=args.workers, progress=False, cache=False
        ) as client:
            pull = client.pull({})
        elapsed = time.perf_counter() - started
        frame, pages = pull.frame, pull.report.pages_fetched
        print(
            f"Loaded {len(frame):,} logs ({pages} pages, {args.workers} workers) in {elapsed:.2f} s"
        )
        columns = ["start_time", "type", "campaign_name", "status", "disposition", "duration"]
        with pd.option_context("display.width", 120, "display.max_columns", 8):
            print(f"\n{frame[columns].head()}")
        kpis = frame.timepay.kpis()
        headline = ["attempts", "unique_loans", "contact_rate", "ptp_rate", "ptp_per_contact"]
        print(f"\nKPIs:\n{to_text(kpis[[*headline, 'failure_rate']])}")
        print(f"\nDispositions:\n{to_text(frame.timepay.disposition_summary())}")
        print("\nWriting the campaign report (a notebook run in a fresh kernel)...", flush=True)
        # The kernel starts a sandbox of its own with the same seed: the same logs, labelled
        # as sandbox data in the report, and no token of ours in its environment.
        parameters = {
            **report_parameters({}, "TimePay sandbox: campaign report", sandbox=True),
            "sandbox_logs": args.logs,
            "sandbox_seed": args.seed,
        }
        report = render_report(args.report, parameters, env={"TIMEPAY_API_TOKEN": ""})
    print(f"Report: {report.resolve()}")
    return 0
