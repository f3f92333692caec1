"""What every plot shares: its colours, a new axes when none is given, titles, "No data"."""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.axes import Axes

STATUS_COLORS = {"Completed": "#2a9d8f", "No Contact": "#e9c46a", "Failed": "#e76f51"}
OTHER_COLOR = "#9e9e9e"
CONNECTION_COLORS = {"connected": "#2a9d8f", "not connected": "#8d99ae"}
RATE_COLORS = ("#264653", "#2a9d8f", "#e76f51", "#e9c46a", "#8d99ae", "#f4a261")
NO_DATA = "No data"


def new_axes(ax: Axes | None, width: float, height: float) -> Axes:
    """`ax`, or the axes of a new figure of that size (through pyplot, so notebooks show it)."""
    if ax is not None:
        return ax
    _, new = plt.subplots(figsize=(width, min(height, 30.0)), layout="constrained")
    return new


def set_titles(ax: Axes, title: str, xlabel: str, ylabel: str) -> None:
    """The title and both axis labels."""
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)


def no_data(ax: Axes, message: str = NO_DATA) -> Axes:
    """`ax` saying there is nothing to draw."""
    ax.text(
        0.5,
        0.5,
        message,
        transform=ax.transAxes,
        ha="center",
        va="center",
        fontsize=12,
        color="0.4",
    )
    ax.set_xticks([])
    ax.set_yticks([])
    return ax
