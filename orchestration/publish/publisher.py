"""publish(): copy the build warehouse's marts into the serving file.

Steps, and why in this order:

1. The source is attached READ_ONLY: publishing must never change or lock the
   build warehouse for writing, and it runs while other readers (the report,
   ``mf``) may have it open.
2. The tables of the ``marts`` and ``reference`` schemas that dashboards
   read are copied (``copy.py``: the facts and the per-record KPI tables on
   request), then the friendly ``bi`` views and ``bi.publish_info``
   are created (``views.py``).
3. The new file is checkpointed and closed before it is renamed over the old
   one (``atomic.py``), so it is complete and has no WAL beside it: a reader
   never meets a half-built file, a lock, or a log to replay.

The serving file is written in an older storage format
(``SERVING_STORAGE_VERSION``) so that BI tools whose DuckDB driver lags behind
this project's DuckDB can still open it (docs/bi.md).
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from orchestration.publish.atomic import replaced_atomically
from orchestration.publish.copy import copy_tables, source_tables
from orchestration.publish.sql import literal
from orchestration.publish.views import REQUIRED_TABLES, create_publish_info, create_views, employee_names

# Readable by every DuckDB from 1.0 on (the drivers of DBeaver, Metabase,
# Superset's duckdb-engine and Evidence may bundle an older DuckDB than ours).
SERVING_STORAGE_VERSION = "v1.0.0"

_SOURCE = "publish_source"
_TARGET = "publish_target"


class PublishError(RuntimeError):
    """The serving file could not be published; the previous one, if any, is untouched."""


@dataclass(frozen=True)
class PublishResult:
    """What a publish produced."""

    serving_path: Path
    source_path: Path
    tables: dict[str, int]  # "marts.fct_orders" -> rows copied, in name order
    views: tuple[str, ...]  # "bi.kpi_scorecard", "bi.kpi_monthly", "bi.publish_info"
    published_at: dt.datetime  # UTC, naive (as stored in bi.publish_info)
    latest_month: dt.date | None  # latest month_start of marts.mart_kpi_monthly
    duration_seconds: float
    storage_version: str = field(default=SERVING_STORAGE_VERSION)

    @property
    def total_rows(self) -> int:
        return sum(self.tables.values())


def publish(
    source_db: Path, serving_db: Path, *, storage_version: str = SERVING_STORAGE_VERSION,
    with_records: bool = False, with_facts: bool = False,
) -> PublishResult:
    """Copy the marts and reference tables of ``source_db`` into ``serving_db``, atomically; the
    per-record KPI tables (``kpi_<family>__records``) only ``with_records``, the facts (``fct_*``) only
    ``with_facts`` (copy.py says why).

    Raises PublishError when the source is missing, not built (no
    mart_kpi_before_after / mart_kpi_monthly / kpi_definitions), or held for
    writing by another process; the existing serving file then stays as it was.
    """
    started = time.perf_counter()
    source = Path(source_db).expanduser().resolve()
    serving = Path(serving_db).expanduser().resolve()
    if not source.is_file():
        raise PublishError(f"No warehouse at {source}: run `crm-impact load` and `crm-impact build` first")
    if source == serving:
        raise PublishError(f"The serving file must not be the build warehouse itself ({source})")

    published_at = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    with replaced_atomically(serving) as temporary:
        con = duckdb.connect(":memory:")
        try:
            _attach(con, source, temporary, storage_version)
            tables = source_tables(con, _SOURCE, with_records, with_facts)
            missing = [name for name in REQUIRED_TABLES if name not in {t.qualified_name for t in tables}]
            if missing:
                raise PublishError(
                    f"The warehouse {source} has no {', '.join(missing)}: run `crm-impact build` before publishing"
                )
            counts = copy_tables(con, _SOURCE, _TARGET, tables)
            names = employee_names(con, _SOURCE)  # empty unless the build had show_employee_names true
            con.execute(f"detach {_SOURCE}")

            con.execute(f"use {_TARGET}")
            views = create_views(con, names)
            latest_month = con.execute("select max(month_start) from marts.mart_kpi_monthly").fetchone()[0]
            info = create_publish_info(
                con,
                [
                    (published_at, str(source), *name.split(".", 1), rows, latest_month, duckdb.__version__)
                    for name, rows in counts.items()
                ],
            )
            con.execute("use memory")
            con.execute(f"checkpoint {_TARGET}")
            con.execute(f"detach {_TARGET}")
        finally:
            con.close()

    return PublishResult(
        serving_path=serving,
        source_path=source,
        tables=counts,
        views=(*views, info),
        published_at=published_at,
        latest_month=latest_month,
        duration_seconds=time.perf_counter() - started,
        storage_version=storage_version,
    )


def _attach(con: duckdb.DuckDBPyConnection, source: Path, target: Path, storage_version: str) -> None:
    try:
        con.execute(f"attach {literal(source)} as {_SOURCE} (read_only)")
    except duckdb.IOException as error:
        raise PublishError(
            f"Cannot open the warehouse {source} read-only (is a build writing to it?): {error}"
        ) from error
    con.execute(f"attach {literal(target)} as {_TARGET} (storage_version {literal(storage_version)})")
