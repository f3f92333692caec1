"""What outcomes mean: the API's statuses and dispositions, and the predicates every analysis
uses, defined once.

- **attempt**: one log, a call or a WhatsApp message.
- **connected**: status "Completed": someone answered and a conversation took place (with the
  customer or not).
- **right-party contact** ("contact"): connected, and the disposition is not "Wrong Number": the
  person reached was the customer.
- **promise**: disposition "Promise to Pay"; its amount and date are in `extracted_data`. A
  promise is *superseded* when the same loan promises again on or before its promised date;
  money promised counts each promise that is not superseded (`promises`).
- **failed**: status "Failed" (Network Error, Invalid Number, Undelivered).
- **channel**: a call or a WhatsApp message (`type`); time-of-day analyses count calls unless
  told otherwise.

Rates say their unit: *per attempt* (over logs) or *per loan* (over distinct `loan_id`).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

STATUSES = ("Completed", "No Contact", "Failed")
DISPOSITIONS: dict[str, tuple[str, ...]] = {
    "Completed": (
        "Promise to Pay",
        "Already Paid",
        "Callback Requested",
        "Not Interested",
        "Wrong Number",
        "Dispute",
    ),
    "No Contact": ("Voicemail", "No Answer", "Busy", "Switched Off", "No Response"),
    "Failed": ("Network Error", "Invalid Number", "Undelivered"),
}
"""The API's dispositions by status, in the order summaries list them."""
DISPOSITION_ORDER = tuple(d for names in DISPOSITIONS.values() for d in names)

CONNECTED_STATUS = "Completed"
NOT_A_CONTACT = frozenset({"Wrong Number"})
"""Dispositions of a connected attempt that are not a right-party contact."""
PROMISE_TO_PAY = "Promise to Pay"
ALREADY_PAID = "Already Paid"
VOICEMAIL = "Voicemail"
FAILED = "Failed"


def is_connected(frame: pd.DataFrame) -> npt.NDArray[np.bool_]:
    """Status "Completed": a conversation took place (with the customer or not)."""
    return (frame["status"] == CONNECTED_STATUS).to_numpy(dtype=bool)


def is_contact(frame: pd.DataFrame) -> npt.NDArray[np.bool_]:
    """Right-party contact: connected, and not a disposition of `NOT_A_CONTACT`."""
    other_party = frame["disposition"].isin(NOT_A_CONTACT).to_numpy(dtype=bool)
    return is_connected(frame) & ~other_party


def is_promise(frame: pd.DataFrame) -> npt.NDArray[np.bool_]:
    """Disposition "Promise to Pay"."""
    return (frame["disposition"] == PROMISE_TO_PAY).to_numpy(dtype=bool)


def is_failed(frame: pd.DataFrame) -> npt.NDArray[np.bool_]:
    """Status "Failed": the attempt did not go out or was not delivered."""
    return (frame["status"] == FAILED).to_numpy(dtype=bool)
