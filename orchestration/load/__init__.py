"""The loader: a CRM export folder into the ``raw`` schema of the DuckDB warehouse.

    report = load_export(export_dir, db_path, timezone="UTC", reporting_currency="UAH")
    print(report.summary())

Fatal problems raise LoadError and write nothing; bad rows go to
raw.quarantine with their reason and the rest loads; every load is logged in
raw.load_log. The rules and their order are in docs/loader.md.

One module per job: discover (files per table), read (DuckDB readers, text
only), validate (row rules as SQL), schema (raw DDL), upsert (raw tables and
quarantine), log (load_log, 'unchanged' detection), report (the summary),
loader (the transaction that ties them together).
"""

from orchestration.load.errors import LoadError
from orchestration.load.loader import load_export
from orchestration.load.report import LoadReport, LoadTotal, TableReport

__all__ = ["LoadError", "LoadReport", "LoadTotal", "TableReport", "load_export"]
