"""The `timepay-notebook` command line (also `python -m timepay_notebook`)."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from types import FrameType

from .sandbox import Drift, Faults, SandboxServer


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    command: Callable[[argparse.Namespace], int] = args.command
    try:
        return command(args)
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="timepay-notebook",
        description="TimePay call and WhatsApp logs for analysts: sandbox, demo and exports.",
    )
    sub = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")

    demo = sub.add_parser("demo", help="start a sandbox and show what it serves")
    _sandbox_flags(demo, port=0)
    demo.set_defaults(command=_demo)

    sandbox = sub.add_parser("sandbox", help="serve the local sandbox API until Ctrl-C")
    _sandbox_flags(sandbox, port=8765)
    sandbox.set_defaults(command=_sandbox)
    return parser


def _sandbox_flags(p: argparse.ArgumentParser, *, port: int) -> None:
    g = p.add_argument_group("sandbox")
    g.add_argument("--host", default="127.0.0.1", help="address to listen on (default %(default)s)")
    g.add_argument(
        "--port", type=int, default=port, help="port; 0 picks a free one (default %(default)s)"
    )
    g.add_argument("--logs", type=int, default=2450, help="logs to generate (default %(default)s)")
    g.add_argument("--seed", type=int, default=7, help="seed of the data (default %(default)s)")
    g.add_argument("--latency-ms", type=float, default=0.0, help="delay per response in ms")
    g.add_argument("--token", help="the token clients must send (default: a random one)")
    g.add_argument("--fault-rate", type=float, default=0.0, help="share of requests that fail")
    g.add_argument(
        "--fault-kinds", default="500",
        help="comma-separated faults to inject: 429,500,502,503,html,truncated,drop",
    )  # fmt: skip
    g.add_argument("--retry-after", type=float, default=1.0, help="seconds announced by a 429")
    g.add_argument("--drift-every", type=int, help="add new logs every N requests")
    g.add_argument("--drift-count", type=int, default=1, help="logs added each time")
    g.add_argument("--max-in-flight", type=int, help="concurrent requests before 429")
    g.add_argument("--max-per-second", type=float, help="requests a second before 429")


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
        table = srv.table()
        print(f"TimePay sandbox at {srv.url}: {len(table):,} logs (seed {args.seed})")
        for name in ("call", "whatsapp"):
            print(f"  type={name}: {srv.count(type=name):,} logs")
        first = srv.truth()[:1]
        if first:
            print(f"  newest log: {first[0]['start_time']} {first[0]['campaign_name']}")
    return 0
