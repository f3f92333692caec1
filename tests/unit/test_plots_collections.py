"""`plot.attempts()`, `plot.compliance()`, `plot.funnel()`: drawn headless, numbers checked."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.container import BarContainer

import timepay_notebook.accessor  # noqa: F401  registers df.timepay
from tests.unit import test_compliance, test_funnel
from timepay_notebook.frames import empty_frame


def test_attempts_draws_the_rate_and_the_cumulative_share(small: pd.DataFrame) -> None:
    ax = small.timepay.plot.attempts()
    table = small.timepay.by_attempt()
    line, cumulative = ax.get_lines()[0], ax.get_lines()[-1]
    assert list(line.get_ydata()) == table["contact_rate"].tolist()
    assert list(cumulative.get_ydata()) == table["cumulative_contacted"].tolist()
    assert "attempt number" in ax.get_title().lower()
    plt.close("all")


def test_compliance_bars_count_breaches_by_rule() -> None:
    ax = test_compliance.frame().timepay.plot.compliance()
    (bars,) = [c for c in ax.containers if isinstance(c, BarContainer)]
    assert [b.get_width() for b in bars] == [2, 1, 1]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0] == "Outside the calling window"
    clean = test_compliance.frame().timepay.plot.compliance(
        call_window=None, max_per_day=None, suppress_after=None
    )
    assert [t.get_text() for t in clean.texts] == ["No breaches"]
    plt.close("all")


def test_funnel_bars_are_the_stage_counts() -> None:
    ax = test_funnel.frame().timepay.plot.funnel()
    (bars,) = [c for c in ax.containers if isinstance(c, BarContainer)]
    assert [b.get_width() for b in bars] == [6, 3, 2, 1, 1]
    assert ax.get_yticklabels()[0].get_text() == "Attempted"
    plt.close("all")


def test_empty_frames_say_no_data() -> None:
    empty = empty_frame()
    for name in ("attempts", "compliance", "funnel"):
        ax = getattr(empty.timepay.plot, name)()
        assert [t.get_text() for t in ax.texts] == ["No data"], name
    plt.close("all")
