"""`timepay-notebook dashboard`: the explorer notebook as a web app, for colleagues without Jupyter.

Voila runs `03-explorer.ipynb` in a kernel per visitor and shows its widgets, never its code.
The token comes from the environment (`TIMEPAY_API_TOKEN`), not from the command line where
other users of the machine could read it; without one the command fails unless `--sandbox`.
Voila is an extra: `pip install 'timepay-notebook[dashboard]'`.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import signal
import subprocess
import sys
from types import FrameType

from ..client import BASE_URL_ENV, TOKEN_ENV
from ..report.render import INLINE_BACKEND, notebooks_dir
from .common import NO_TOKEN

EXPLORER = "03-explorer.ipynb"


def add_dashboard(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The `dashboard` command."""
    p = sub.add_parser(
        "dashboard", help="serve the explorer notebook as a web app (Voila, code hidden)"
    )
    p.add_argument("--port", type=int, default=8866, help="port (default %(default)s)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default %(default)s)")
    p.add_argument(
        "--base-url", help=f"API base URL (default: ${BASE_URL_ENV}, then the TimePay API)"
    )
    p.add_argument(
        "--sandbox", action="store_true", help="explore a local sandbox's sample data instead"
    )
    p.add_argument("--open", action="store_true", help="open the dashboard in a browser")
    p.set_defaults(command=run_dashboard, name="dashboard")


def run_dashboard(args: argparse.Namespace) -> int:
    """Serve the explorer with Voila until Ctrl-C or SIGTERM; returns Voila's exit status."""
    if importlib.util.find_spec("voila") is None:
        raise ValueError("the dashboard needs Voila: pip install 'timepay-notebook[dashboard]'")
    env = dashboard_env(args)
    command = [
        sys.executable,
        "-m",
        "voila",
        str(notebooks_dir() / EXPLORER),
        f"--port={args.port}",
        f"--Voila.ip={args.host}",
        "--strip_sources=True",
        "--show_tracebacks=False",
        *([] if args.open else ["--no-browser"]),
    ]
    print(f"Serving the explorer at http://{args.host}:{args.port}/ (Ctrl-C to stop)", flush=True)
    voila = subprocess.Popen(command, env=env)  # noqa: S603 - our interpreter, our arguments

    def stop(signum: int, frame: FrameType | None) -> None:
        voila.terminate()

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        return voila.wait()
    except KeyboardInterrupt:
        voila.terminate()
        voila.wait(timeout=30)
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)


def dashboard_env(args: argparse.Namespace) -> dict[str, str]:
    """Voila's environment: the token from ours (or none, for a sandbox), inline figures."""
    env = {**os.environ, "MPLBACKEND": INLINE_BACKEND}
    if args.sandbox:
        env[TOKEN_ENV] = ""  # the explorer's connect() starts a sandbox and says so
    elif not os.environ.get(TOKEN_ENV, "").strip():
        raise ValueError(NO_TOKEN.replace("pass --token or set", "set"))
    if args.base_url:
        env[BASE_URL_ENV] = args.base_url
    return env
