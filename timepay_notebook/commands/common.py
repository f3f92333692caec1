"""What the commands share: connection and filter flags, and the client they make from them.

Without a token a command that reads logs fails at once, in one line: sample data from a
local sandbox only ever comes with `--sandbox`, and then the command says so.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ..client import BASE_URL_ENV, TOKEN_ENV, TimePayClient
from ..connect import SANDBOX_NOTICE
from ..errors import AuthenticationError
from ..protocol import FILTERS

SANDBOX_LOGS, SANDBOX_SEED = 2450, 7
NO_TOKEN = (
    f"no API token: pass --token or set {TOKEN_ENV} "
    "(or --sandbox for a local sandbox's sample data, not TimePay's)"
)
AUTH_HINT = (
    f"check the token: pass --token or set {TOKEN_ENV} "
    f"(and --base-url or {BASE_URL_ENV} for a server other than https://api.agents.timepay.ai)"
)


def for_the_command_line(message: str) -> str:
    """An error message with its hints in command-line words (`--token`, not `token=...`)."""
    return " ".join(message.replace(AuthenticationError.HINT, AUTH_HINT).split())


def client_flags(p: argparse.ArgumentParser, *, pulling: bool = True) -> None:
    """`--token`, `--base-url`, `--sandbox`, and with `pulling` the client's tuning flags."""
    g = p.add_argument_group("connection")
    g.add_argument("--token", help=f"API token (default: ${TOKEN_ENV})")
    g.add_argument(
        "--base-url", help=f"API base URL (default: ${BASE_URL_ENV}, then the TimePay API)"
    )
    g.add_argument(
        "--sandbox",
        action="store_true",
        help=f"read a local sandbox's sample data ({SANDBOX_LOGS:,} logs, seed {SANDBOX_SEED}) "
        "instead of TimePay's; needs no token",
    )
    if not pulling:  # the report's kernel makes its own client
        return
    g.add_argument(
        "--workers", type=int, default=4, help="concurrent requests (default %(default)s)"
    )
    g.add_argument(
        "--timeout",
        type=float,
        default=30.0,
        help="seconds to wait for the server: to connect, and between reads (default %(default)s)",
    )
    g.add_argument(
        "--deadline", type=float, help="seconds a whole request may take (default: 4 x timeout)"
    )
    g.add_argument(
        "--retries", type=int, default=5, help="retries per request (default %(default)s)"
    )


def filter_flags(p: argparse.ArgumentParser) -> None:
    """One flag per API filter, under its API name (and with dashes for underscores)."""
    g = p.add_argument_group("filters (the API's names)")
    for name in FILTERS:
        flags = [f"--{name}"] + ([f"--{name.replace('_', '-')}"] if "_" in name else [])
        g.add_argument(*flags, dest=name, metavar=name.upper())


def filters(args: argparse.Namespace) -> dict[str, Any]:
    """The filters given on the command line."""
    return {name: getattr(args, name) for name in FILTERS if getattr(args, name) is not None}


def require_token(args: argparse.Namespace) -> None:
    """Fail in one line unless a token is given (`--token` or the environment) or `--sandbox`."""
    if args.sandbox:
        if args.token or args.base_url:
            raise ValueError("--sandbox reads a local sandbox: drop --token and --base-url")
        return
    token = args.token if args.token is not None else os.environ.get(TOKEN_ENV)
    if not token or not token.strip():
        raise ValueError(NO_TOKEN)


def kernel_env(args: argparse.Namespace) -> dict[str, str]:
    """The connection a report's kernel gets through its environment (never the notebook)."""
    require_token(args)
    if args.sandbox:
        return {TOKEN_ENV: ""}  # the kernel starts its own sandbox; no token of ours leaks in
    env = {TOKEN_ENV: args.token} if args.token else {}
    if args.base_url:
        env[BASE_URL_ENV] = args.base_url
    return env


@contextmanager
def open_client(args: argparse.Namespace, **options: Any) -> Iterator[TimePayClient]:
    """The client the flags ask for; with `--sandbox`, one on a local sandbox while it runs."""
    require_token(args)
    tuning: dict[str, Any] = {}
    if hasattr(args, "retries"):  # a command with the client's tuning flags
        tuning = {
            "max_workers": args.workers,
            "timeout": args.timeout,
            "deadline": args.deadline,
            "retries": args.retries,
        }
    if not args.sandbox:
        with TimePayClient(args.token, args.base_url, **tuning, **options) as client:
            yield client
        return
    from ..sandbox import SandboxServer

    with SandboxServer(n_logs=SANDBOX_LOGS, seed=SANDBOX_SEED) as srv:
        print(f"{SANDBOX_NOTICE}: reading a local sandbox at {srv.url}", file=sys.stderr)
        with TimePayClient(srv.token, srv.url, **tuning, **{**options, "cache": False}) as client:
            yield client
