"""Fixtures of the pure tests: the hand-worked frame."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.helpers import small_records
from timepay_notebook.frames import to_frame


@pytest.fixture
def small() -> pd.DataFrame:
    """The ten hand-worked logs of `tests.helpers.small_records()` as a typed frame."""
    return to_frame(small_records())
