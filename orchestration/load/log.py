"""raw.load_log: what each load did to each table, and whether a file is new.

One row per contract table per load, also for tables that were absent or
unchanged, so the log alone tells which export state the warehouse reflects.

A file is 'unchanged' (and skipped) when its fingerprint equals that of the
last load of the same table that read a file. The fingerprint is more than the
file's sha256: it also covers the settings that change what the same bytes
load as (timezone, reporting currency, the version of the rules) and, for
orders, the first fx rate date per currency in raw.fx_rates, which decides
which foreign-currency orders are quarantined. Loading the same export again
with the same settings therefore changes nothing, while a fix elsewhere
(a new fx_rates file, another timezone) makes the orders load again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import duckdb

from orchestration.load.schema import qualified

# Bump when a rule changes what a file loads as: every file then reloads once.
# 2: formats (delimiters, encodings, decimal commas, day-first dates), future-dated events.
RULES_VERSION = "2"


def fx_digest(con: duckdb.DuckDBPyConnection) -> str:
    """A digest of the fx facts the orders' rule 6 depends on (first rate date per currency)."""
    return con.execute(
        f"""
        SELECT md5(coalesce(string_agg(currency || '@' || CAST(first_date AS VARCHAR), ';' ORDER BY currency), ''))
        FROM (SELECT upper(trim(currency)) AS currency, min(rate_date) AS first_date
              FROM {qualified('fx_rates')} GROUP BY 1)
        """
    ).fetchone()[0]


def fingerprint(checksum: str, *, timezone: str, reporting_currency: str, fx: str | None = None,
                details: dict | None = None) -> str:
    """What makes two loads of a file give identical rows.

    ``details`` are the rest: what export.yml declares, the workbook sheet,
    the mapping preset's digest.
    """
    payload = {"rules": RULES_VERSION, "sha256": checksum, "timezone": timezone,
               "reporting_currency": reporting_currency, "fx": fx, "details": details or {}}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def last_fingerprint(con: duckdb.DuckDBPyConnection, table: str) -> str | None:
    """Fingerprint of the latest load of ``table`` that read (or skipped) a file."""
    row = con.execute(
        f"""
        SELECT fingerprint FROM {qualified('load_log')}
        WHERE table_name = $table AND status IN ('loaded', 'unchanged')
        ORDER BY loaded_at DESC, load_id DESC
        LIMIT 1
        """,
        {"table": table},
    ).fetchone()
    return row[0] if row else None


def write_log(
    con: duckdb.DuckDBPyConnection,
    *,
    load_id: str,
    table: str,
    source_file: str | None,
    checksum: str | None,
    status: str,
    rows_read: int,
    rows_loaded: int,
    rows_quarantined: int,
    loaded_at: dt.datetime,
    timezone: str,
    reporting_currency: str,
    fingerprint: str | None,
    exported_at: dt.datetime | None = None,
    rows_deleted: int = 0,
    max_quarantine_share: float | None = None,
) -> None:
    con.execute(
        f"""
        INSERT INTO {qualified('load_log')}
            (load_id, table_name, source_file, file_checksum, status, rows_read, rows_loaded,
             rows_quarantined, loaded_at, timezone, reporting_currency, fingerprint, exported_at,
             rows_deleted, max_quarantine_share)
        VALUES ($load_id, $table, $source_file, $checksum, $status, $rows_read, $rows_loaded,
                $rows_quarantined, $loaded_at, $timezone, $reporting_currency, $fingerprint, $exported_at,
                $rows_deleted, $max_quarantine_share)
        """,
        {"load_id": load_id, "table": table, "source_file": source_file, "checksum": checksum,
         "status": status, "rows_read": rows_read, "rows_loaded": rows_loaded,
         "rows_quarantined": rows_quarantined, "loaded_at": loaded_at, "timezone": timezone,
         "reporting_currency": reporting_currency, "fingerprint": fingerprint, "exported_at": exported_at,
         "rows_deleted": rows_deleted, "max_quarantine_share": max_quarantine_share},
    )
