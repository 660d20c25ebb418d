"""Find the file of each contract table in an export folder.

An export is a folder with at most one file per table, named ``<table>.csv``,
``<table>.csv.gz`` or ``<table>.parquet`` (the name is matched without regard
to case). Everything that can be decided from file names alone is decided here,
before the warehouse is opened: a missing required table and two files for the
same table are fatal, because loading either would silently pick or lose data.
Files that belong to no table (``ground_truth.json``, a README) are listed as
ignored so that a misspelt table name shows up in the load summary.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from orchestration.contract import TABLES
from orchestration.load.errors import LoadError

# file name suffix -> reader format
FORMATS: dict[str, str] = {".csv": "csv", ".csv.gz": "csv", ".parquet": "parquet"}


@dataclass(frozen=True)
class SourceFile:
    """One file of an export and the table it holds."""

    table: str
    path: Path
    format: str  # 'csv' (plain or gzip) or 'parquet'

    @property
    def name(self) -> str:
        return self.path.name


@dataclass(frozen=True)
class Export:
    """The files of an export folder, by table (None = the table is absent)."""

    directory: Path
    files: dict[str, SourceFile | None]
    ignored: tuple[str, ...]


def _table_and_format(file_name: str) -> tuple[str, str] | None:
    lower = file_name.lower()
    # longest suffix first so that orders.csv.gz is not read as table "orders.csv"
    for suffix in sorted(FORMATS, key=len, reverse=True):
        if lower.endswith(suffix):
            return lower[: -len(suffix)], FORMATS[suffix]
    return None


def discover_export(export_dir: str | Path) -> Export:
    """Map every contract table to its file in ``export_dir``.

    Raises LoadError when the folder does not exist, when a table has more than
    one file, or when a required table has none.
    """
    directory = Path(export_dir)
    if not directory.is_dir():
        raise LoadError(f"export folder {directory} does not exist or is not a folder")

    by_table = table_files(directory)
    found: dict[str, list[SourceFile]] = {
        table: [SourceFile(table, path, _table_and_format(path.name)[1]) for path in paths]
        for table, paths in by_table.items()
    }
    claimed = {path for paths in by_table.values() for path in paths}
    ignored = [path.name for path in sorted(directory.iterdir()) if path.is_file() and path not in claimed]

    for table, sources in found.items():
        if len(sources) > 1:
            names = ", ".join(s.name for s in sources)
            raise LoadError(
                f"{directory}: table {table} has {len(sources)} files ({names}); "
                "an export holds one file per table, remove all but one"
            )

    for t in TABLES:
        if t.required and t.name not in found:
            raise LoadError(
                f"required table {t.name} is missing: expected {t.name}.csv, {t.name}.csv.gz "
                f"or {t.name}.parquet in {directory}"
            )

    files = {t.name: (found[t.name][0] if t.name in found else None) for t in TABLES}
    return Export(directory, files, tuple(ignored))


def table_files(directory: Path) -> dict[str, list[Path]]:
    """The files of a folder that name a contract table, by table (names matched without regard to case)."""
    contract_tables = {t.name for t in TABLES}
    found: dict[str, list[Path]] = {}
    for path in sorted(directory.iterdir()) if directory.is_dir() else []:
        match = _table_and_format(path.name) if path.is_file() else None
        if match is not None and match[0] in contract_tables:
            found.setdefault(match[0], []).append(path)
    return found


def missing_required_tables(directory: Path) -> list[str]:
    """The required tables that have no file in ``directory``."""
    found = table_files(Path(directory))
    return [t.name for t in TABLES if t.required and t.name not in found]


def sha256_file(path: Path) -> str:
    """The sha256 of a file's bytes: what 'the same file' means for idempotency."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
