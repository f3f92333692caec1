"""The top of a report: its title, what data it covers, and a banner when that data is a sandbox's.

A report on sandbox data must say so where nobody can miss it: in its title, and in a banner at the
top. The banner's output carries `SANDBOX_METADATA` in its metadata, so the renderer marks the
HTML page's title too and pins the banner to the top of the page while the reader scrolls.
"""

from __future__ import annotations

from html import escape
from typing import Any

import pandas as pd

from ..connect import SANDBOX_NOTICE

SANDBOX_METADATA = "timepay_sandbox"
BANNER_STYLE = (
    "background: #b00020; color: #fff; padding: 14px 18px; margin: 0 0 12px; "
    "font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; "
    "font-size: 1.25em; font-weight: 700; border-radius: 4px; box-shadow: 0 2px 6px #0006;"
)
PINNED = "position: sticky; top: 0; z-index: 100; "


def heading(title: str, *, sandbox: bool) -> str:
    """The report's title, marked when its data is a sandbox's."""
    return f"{title} ({SANDBOX_NOTICE})" if sandbox else title


def sandbox_notice() -> str:
    """The banner's words, as plain text."""
    return (
        f"{SANDBOX_NOTICE}: these numbers come from a local sandbox of generated sample logs, "
        "not from TimePay's API."
    )


def banner_html(*, pinned: bool = False) -> str:
    """The sandbox banner, as HTML with inline style; `pinned` stays on screen when scrolling."""
    style = (PINNED if pinned else "") + BANNER_STYLE
    return (
        f'<div class="timepay-sandbox-banner" role="alert" style="{style}">'
        f"{escape(sandbox_notice())}</div>"
    )


def summary_markdown(frame: pd.DataFrame, title: str, *, sandbox: bool) -> str:
    """The title and a line on what the report covers: how many logs, which days and campaigns."""
    if len(frame):
        days = (str(t)[:10] for t in (frame["start_time"].min(), frame["start_time"].max()))
        window = " to ".join(days)
    else:
        window = "no logs"
    campaigns = ", ".join(sorted(frame["campaign_name"].dropna().unique())) or "none"
    return (
        f"# {heading(title, sandbox=sandbox)}\n\n"
        f"**Logs:** {len(frame):,} ({window}) &nbsp; **Campaigns:** {campaigns}"
    )


def show_header(frame: pd.DataFrame, title: str, *, sandbox: bool) -> None:
    """Display the report's header: the sandbox banner first when `sandbox`, then the title."""
    from IPython.display import HTML, Markdown, display

    if sandbox:
        metadata: dict[str, Any] = {SANDBOX_METADATA: True}
        display(HTML(banner_html()), metadata=metadata)
    display(Markdown(summary_markdown(frame, title, sandbox=sandbox)))
