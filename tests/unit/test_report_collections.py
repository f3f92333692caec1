"""The collections sentences of the report, from crafted tables."""

from __future__ import annotations

import timepay_notebook  # noqa: F401 - registers df.timepay
from tests.unit import test_attempts, test_compliance, test_funnel, test_promise_lifecycle
from timepay_notebook.report import collections


def test_promises_sentence() -> None:
    df = test_promise_lifecycle.frame()
    text = collections.promises(df.timepay.promise_summary())
    assert text == (
        "5 promises to pay, ₹6,500 promised net of renewals (1 renewed promise not counted "
        "again): 1 kept (₹1,000), 2 broken (₹2,500), 1 pending (₹3,000); 33.3% of the "
        "promises that came due were kept."
    )
    none = df[df["disposition"] != "Promise to Pay"]
    assert (
        collections.promises(none.timepay.promise_summary()) == "No promises to pay in these logs."
    )


def test_attempts_sentence() -> None:
    text = collections.attempts(test_attempts.frame().timepay.by_attempt())
    assert text == (
        "A loan's first call reached the customer 33.3% of the time (n=3); by attempt 3 the "
        "rate was 0.0% (n=1), and 66.7% of loans had been reached."
    )


def test_compliance_sentence() -> None:
    df = test_compliance.frame()
    text = collections.compliance(df.timepay.compliance(), 10)
    assert text == (
        "4 calls of 10 broke the contact policy (call window: 2, max per day: 1, "
        "after suppression: 1)."
    )
    clean = df.timepay.compliance(call_window=None, max_per_day=None, suppress_after=None)
    assert collections.compliance(clean, 10) == "No breaches of the contact policy in 10 calls."


def test_funnel_sentence() -> None:
    text = collections.funnel(test_funnel.frame().timepay.funnel())
    assert text == (
        "Of 6 loans attempted, 1 (16.7%) reached the last stage, kept; the largest drop is "
        "into connected, which 50.0% of the previous stage reached."
    )
