"""The local Parquet store: `sync_logs` brings it up to date, `read_store` reads it back.

- `files`: the layout on disk, atomic writes and the writer's lock.
- `manifest`: the manifest, `_timepay_store.json`: what it records of the store and its files.
- `spans`: whole-second time spans and their arithmetic.
- `planner`: which windows a sync fetches, decided by count.
- `sync`: `sync_logs`, pulling the planned windows into the store.
- `ahead`: planning ahead in a thread.
- `writer`: completed windows written in batches, on the windows' threads.
- `result`: `SyncResult`, what a sync did.
- `read`: `read_store`.
- `query`: `query_store`, DuckDB SQL over a store.
- `damage`: missing or damaged day files, found against the manifest and repaired by a sync.
"""

from .query import query_store
from .read import read_store
from .result import SyncResult
from .sync import sync_logs

__all__ = ["SyncResult", "query_store", "read_store", "sync_logs"]
