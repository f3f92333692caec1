"""How numbers read: rupees in Indian digit grouping, no trailing `.0`, `<1%`, plurals."""

from __future__ import annotations

import pandas as pd
import pytest

import timepay_notebook  # noqa: F401 - registers df.timepay
from tests.helpers import small_records
from timepay_notebook import presentation
from timepay_notebook.frames import to_frame
from timepay_notebook.presentation import percent, plural, rupees


@pytest.mark.parametrize(
    ("amount", "indian", "plain"),
    [
        (3280300, "₹32,80,300", "₹3,280,300"),
        (7201000.0, "₹72,01,000", "₹7,201,000"),
        (999, "₹999", "₹999"),
        (1000, "₹1,000", "₹1,000"),
        (100000, "₹1,00,000", "₹100,000"),
        (12345678.4, "₹1,23,45,678", "₹12,345,678"),
        (-150000, "-₹1,50,000", "-₹150,000"),
        (0, "₹0", "₹0"),
    ],
)
def test_rupees(amount: float, indian: str, plain: str) -> None:
    assert rupees(amount) == indian
    assert rupees(amount, "plain") == plain


def test_percent_and_plural() -> None:
    assert percent(0.412) == "41.2%" and percent(0.0) == "0.0%" and percent(1.0) == "100.0%"
    assert percent(0.0004) == "<0.1%" and percent(0.004, 0) == "<1%"
    assert percent(0.9996) == ">99.9%" and percent(float("nan")) == "n/a"
    assert plural(1, "loan") == "1 loan" and plural(2, "loan") == "2 loans"
    assert plural(1200, "attempt") == "1,200 attempts" and plural(0, "day") == "0 days"
    with pytest.raises(ValueError, match="grouping must be"):
        rupees(1, "western")


def test_money_and_tiny_rates_in_tables() -> None:
    small = to_frame(small_records())
    kpis = small.timepay.kpis()
    html = kpis._repr_html_()
    assert "₹7,500" in html and "7,500.0" not in html
    assert "₹7,500" in repr(kpis)
    table = pd.DataFrame({"count": [1, 2999], "share": [1 / 3000, 2999 / 3000]})
    table.attrs["timepay"] = {"rates": ["share"]}
    shown = presentation.style(table).to_html()
    assert "<0.1%" in shown.replace("&lt;", "<") and "0.0%" not in shown
    rows = presentation.as_rows(kpis)
    assert rows.loc["Promised (net)", "All"] == "₹7,500"
    assert rows.loc["Contact rate", "All"] == "40.0%"
