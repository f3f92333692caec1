"""`df.timepay.plot`: every plot rendered headless (Agg), its numbers and labels checked."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.container import BarContainer
from matplotlib.image import AxesImage

import timepay_notebook.accessor  # noqa: F401  registers df.timepay
from tests.helpers import small_records
from timepay_notebook import plots
from timepay_notebook.frames import empty_frame, to_frame
from timepay_notebook.sandbox import SandboxServer

PLOTS = ("dispositions", "durations", "daily", "hourly", "campaigns")


@pytest.fixture(scope="module")
def sandbox_frame() -> pd.DataFrame:
    return to_frame(SandboxServer(n_logs=1500, seed=2).truth())


def draw(ax: Axes) -> None:
    ax.figure.canvas.draw()


def texts(ax: Axes) -> list[str]:
    return [t.get_text() for t in ax.texts]


def bars(ax: Axes) -> list[BarContainer]:
    return [c for c in ax.containers if isinstance(c, BarContainer)]


@pytest.mark.parametrize("name", PLOTS)
def test_every_plot_renders_with_labelled_axes_on_a_new_figure(
    name: str, sandbox_frame: pd.DataFrame
) -> None:
    before = set(plt.get_fignums())
    ax = getattr(sandbox_frame.timepay.plot, name)()
    assert isinstance(ax, Axes)
    assert len(set(plt.get_fignums()) - before) == 1
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    draw(ax)
    assert "No data" not in " ".join(texts(ax))


@pytest.mark.parametrize("name", PLOTS)
def test_every_plot_draws_on_the_callers_axes(name: str, small: pd.DataFrame) -> None:
    fig, (left, right) = plt.subplots(1, 2)
    ax = getattr(small.timepay.plot, name)(ax=right)
    assert ax is right
    assert plt.get_fignums() == [fig.number]  # no other figure made, this one not closed
    assert not left.has_data()
    draw(ax)


@pytest.mark.parametrize("name", PLOTS)
def test_an_empty_frame_says_no_data(name: str) -> None:
    ax = getattr(empty_frame().timepay.plot, name)()
    assert "No data" in texts(ax)
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    draw(ax)


def test_dispositions_bars_are_the_counts_largest_first(small: pd.DataFrame) -> None:
    ax = small.timepay.plot.dispositions()
    widths = [p.get_width() for p in bars(ax)[0]]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert widths == [2, 1, 1, 1, 1, 1, 1, 1, 1]
    assert labels[0] == "Promise to Pay"
    assert "2 (20.0%)" in texts(ax)
    assert "10 attempts" in ax.get_title()
    folded = small.timepay.plot.dispositions(top=3)
    assert [t.get_text() for t in folded.get_yticklabels()][-1] == "Other"
    assert [p.get_width() for p in bars(folded)[0]] == [2, 1, 1, 6]


def test_durations_overlays_connected_and_not_connected_calls(small: pd.DataFrame) -> None:
    ax = small.timepay.plot.durations(bins=10)
    legend = ax.get_legend()
    assert legend is not None
    assert [t.get_text() for t in legend.get_texts()] == [
        "Connected (4 calls)",  # 120, 15, 300, 45 seconds
        "Not connected (1 call)",  # 20 seconds; two calls of 0 s are not drawn
    ]
    assert legend.get_title().get_text() == "Not shown: 2 calls with no talk time"
    assert "seconds" in ax.get_xlabel()


def test_durations_of_whatsapp_only_says_no_data(small: pd.DataFrame) -> None:
    whatsapp = small[small["type"] == "whatsapp"]
    ax = whatsapp.timepay.plot.durations()
    assert any(t.startswith("No data") for t in texts(ax))
    for name in ("dispositions", "daily", "campaigns"):
        assert "No data" not in texts(getattr(whatsapp.timepay.plot, name)())


def test_daily_stacks_to_the_daily_totals(sandbox_frame: pd.DataFrame) -> None:
    ax = sandbox_frame.timepay.plot.daily()
    containers = bars(ax)
    assert [c.get_label() for c in containers] == ["Completed", "No Contact", "Failed"]
    heights = np.sum([[p.get_height() for p in c] for c in containers], axis=0)
    expected = sandbox_frame.groupby("date").size()
    assert heights.tolist() == expected.tolist()


def test_daily_accepts_timezone_aware_dates() -> None:
    frame = to_frame(small_records(), tz="Asia/Kolkata")
    ax = frame.timepay.plot.daily()
    draw(ax)
    assert len(bars(ax)) == 3


def test_hourly_heatmap_cells_are_the_contact_rates(small: pd.DataFrame) -> None:
    ax = small.timepay.plot.hourly(channel=None, min_attempts=1)  # every attempt, every cell
    images = [i for i in ax.get_images() if isinstance(i, AxesImage)]
    values = np.ma.asarray(images[0].get_array())
    assert values.shape == (7, 10)  # Monday..Sunday x 10:00..19:00
    assert [t.get_text() for t in ax.get_xticklabels()] == [str(h) for h in range(10, 20)]
    assert ax.get_yticklabels()[0].get_text() == "Monday"
    assert values[0, 0] == 1.0  # Monday 10: one attempt, a promise to pay
    assert values[0, 1] == 0.0  # Monday 11: a voicemail
    assert values[1, 8] == 0.0  # Tuesday 18: a wrong number and a failure
    assert values[2, 9] == 0.5  # Wednesday 19: one of two WhatsApp messages answered
    assert values[3, 0] == 0.5  # Thursday 10
    assert values.mask[0, 2] and values.mask[6].all()  # no attempts: blank
    assert "100%\nn=1" in texts(ax) and "50%\nn=2" in texts(ax)  # each cell shows its n
    sparse = small.timepay.plot.hourly(channel=None, min_attempts=2)
    kept = np.ma.asarray(sparse.get_images()[0].get_array())
    assert kept.count() == 3  # only Tuesday 18, Wednesday 19 and Thursday 10 have two
    assert kept.mask[0, 0]
    grey = np.ma.asarray(sparse.get_images()[1].get_array())
    assert grey.count() == 4 and not grey.mask[0, 0]  # the one-attempt cells are greyed
    assert "n=1" in texts(sparse)


def test_hourly_defaults_to_calls_and_greys_thin_cells(small: pd.DataFrame) -> None:
    ax = small.timepay.plot.hourly()  # calls, at least 30 a cell
    rates, grey = (np.ma.asarray(i.get_array()) for i in ax.get_images())
    # 19:00 holds only WhatsApp messages: no column for it; 10:00..18:00 remain
    assert [t.get_text() for t in ax.get_xticklabels()] == [str(h) for h in range(10, 19)]
    assert rates.count() == 0  # no cell has 30 calls: no rate is coloured
    assert grey.count() == 6  # the six cells with calls are grey, their n shown
    assert sorted(t for t in texts(ax) if t.startswith("n=")) == ["n=1"] * 5 + ["n=2"]
    assert "calls" in ax.get_title() and "30" in ax.get_title()


def test_campaigns_bars_are_the_kpis(small: pd.DataFrame) -> None:
    ax = small.timepay.plot.campaigns()
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["Campaign A\n4 attempts", "Campaign B\n4 attempts", "Campaign C\n2 attempts"]
    contact, _, failure = bars(ax)
    assert [p.get_width() for p in contact] == pytest.approx([0.25, 0.5, 0.5])
    assert [p.get_width() for p in failure] == pytest.approx([0.0, 0.25, 0.5])
    assert contact.get_label() == "Contact rate"
    assert ax.get_xlabel() == "Rate (percent)"


def test_campaigns_fold_many_campaigns_into_other(sandbox_frame: pd.DataFrame) -> None:
    names = [f"Campaign {i:02d}" for i in range(25)]
    frame = sandbox_frame.assign(campaign_name=[names[i % 25] for i in range(len(sandbox_frame))])
    ax = frame.timepay.plot.campaigns(top=10, rates=("contact_rate",))
    labels = [t.get_text().split("\n")[0] for t in ax.get_yticklabels()]
    assert len(labels) == 11 and labels[-1] == "Other"
    attempts = [
        int(t.get_text().split("\n")[1].split()[0].replace(",", "")) for t in ax.get_yticklabels()
    ]
    assert sum(attempts) == len(frame)
    assert attempts[:10] == sorted(attempts[:10], reverse=True)
    draw(ax)


def test_bad_arguments_fail_clearly(small: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="top must be at least 1"):
        small.timepay.plot.dispositions(top=0)
    with pytest.raises(KeyError, match="not KPI rates"):
        small.timepay.plot.campaigns(rates=("attempts",))
    with pytest.raises(KeyError, match="start_time"):
        small.drop(columns="start_time").timepay.plot.hourly()


def test_the_plot_namespace_is_new_each_time(small: pd.DataFrame) -> None:
    assert isinstance(small.timepay.plot, plots.Plots)
    assert small.timepay.plot is not small.timepay.plot
