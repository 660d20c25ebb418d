"""The serving file: a read-only copy of the marts for BI tools.

Why a copy at all: DuckDB lets one process write a file or many read it, never
both. If Metabase or DBeaver opened the build warehouse, the next ``dbt build``
would stop on a lock error (or the BI tool would). So the marts are copied into
a separate file that readers open read-only and that the publisher never
writes in place: it builds a new file under a temporary name and swaps it in
with one atomic rename (``atomic.py``). A reader sees the previous complete
file or the new complete file, never a half-built one and never a lock.

``publish(source_db, serving_db)`` is the whole API; the CLI and Dagster call it.
"""

from orchestration.publish.publisher import PublishError, PublishResult, publish

__all__ = ["PublishError", "PublishResult", "publish"]
