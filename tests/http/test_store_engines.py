"""Other engines read a store as plain Hive-partitioned Parquet (issue 16, item 4): PySpark, Dask
and Polars get the same row count, per-status counts and time range as `read_store`.

Marked `engines` and `slow` (Spark starts a JVM): the quick loop skips them with
`-m "not engines and not slow"`; `.ci/run` runs them (it installs a Java runtime if missing).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import timepay_notebook as tp
from timepay_notebook.sandbox import SandboxServer

pytestmark = [
    pytest.mark.engines,
    pytest.mark.slow,
    # dask 2026.8 calls DataFrame.reset_index(inplace=True), deprecated in pandas 3.1
    pytest.mark.filterwarnings("ignore:The inplace keyword:pandas.errors.Pandas4Warning"),
]


@dataclass(frozen=True)
class Facts:
    """What every engine must agree on."""

    rows: int
    statuses: dict[str, int]
    first: dt.datetime
    last: dt.datetime
    days: int


@pytest.fixture(scope="module")
def store(sandbox: SandboxServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("engines") / "store"
    with tp.TimePayClient(sandbox.token, sandbox.url, cache=False, progress=False) as client:
        tp.sync_logs(path, client=client, window_logs=500)
    return path


@pytest.fixture(scope="module")
def expected(store: Path) -> Facts:
    frame = tp.read_store(store)
    return facts(
        len(frame),
        frame["status"].astype(str).value_counts().to_dict(),
        frame["start_time"].min(),
        frame["start_time"].max(),
        frame["date"].nunique(),
    )


def facts(rows: int, statuses: dict[Any, Any], first: Any, last: Any, days: int) -> Facts:
    return Facts(
        int(rows),
        {str(k): int(v) for k, v in statuses.items()},
        pd.Timestamp(first).to_pydatetime(),
        pd.Timestamp(last).to_pydatetime(),
        int(days),
    )


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[1]")
        .appName("timepay-notebook-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def test_the_store_has_several_days_and_statuses(expected: Facts) -> None:
    assert expected.rows == 2450 and expected.days > 30 and len(expected.statuses) == 3


def test_pyspark_reads_the_store(spark: Any, store: Path, expected: Facts) -> None:
    from pyspark.sql import functions as f

    logs = spark.read.parquet(str(store))
    assert dict(logs.dtypes)["start_time"] == "timestamp_ntz"  # naive, API-local, as stored
    assert dict(logs.dtypes)["date"] == "date"  # the partition directories, as a column
    statuses = {r["status"]: r["count"] for r in logs.groupBy("status").count().collect()}
    span = logs.agg(f.min("start_time"), f.max("start_time"), f.countDistinct("date")).first()
    assert facts(logs.count(), statuses, *span) == expected


def test_dask_reads_the_store(store: Path, expected: Facts) -> None:
    import dask.dataframe as dd

    logs = dd.read_parquet(str(store))
    statuses = logs["status"].astype(str).value_counts().compute().to_dict()
    first, last = logs["start_time"].min().compute(), logs["start_time"].max().compute()
    days = logs["date"].astype(str).nunique().compute()
    assert facts(len(logs), statuses, first, last, days) == expected


def test_polars_reads_the_store(store: Path, expected: Facts) -> None:
    import polars as pl

    logs = pl.scan_parquet(f"{store}/*/*.parquet", hive_partitioning=True)
    row = logs.select(
        pl.len(),
        pl.col("start_time").min().alias("first"),
        pl.col("start_time").max().alias("last"),
        pl.col("date").n_unique(),
    ).collect()
    statuses = dict(logs.group_by("status").len().collect().iter_rows())
    assert logs.collect_schema()["date"] == pl.Date
    rows, first, last, days = row.row(0)
    assert facts(rows, statuses, first, last, days) == expected


def test_engines_agree_on_one_month(spark: Any, store: Path) -> None:
    """A partition filter: each engine's count of February is `read_store`'s."""
    import dask.dataframe as dd
    import polars as pl

    february = tp.read_store(store, start_time="2026-02-01", end_time="2026-02-28T23:59:59")
    spark_count = spark.read.parquet(str(store)).where(
        "date >= '2026-02-01' AND date < '2026-03-01'"
    )
    dask_frame = dd.read_parquet(str(store))
    dask_count = dask_frame[dask_frame["start_time"].dt.month == 2]
    polars_count = (
        pl.scan_parquet(f"{store}/*/*.parquet", hive_partitioning=True)
        .filter(pl.col("date").dt.month() == 2)
        .select(pl.len())
        .collect()
        .item()
    )
    assert spark_count.count() == len(dask_count) == polars_count == len(february) > 0
