"""Find the file of each contract table in an export folder.

An export is a folder with at most one source per table: a file named
``<table>.<format>`` (see ``FORMATS``; the name is matched without regard to
case), or a sheet named like the table in an Excel workbook of any name (one
workbook may hold every table, one sheet each). A workbook named like a table
with a single sheet is that table whatever the sheet is called. With a mapping
preset (hook.py), a mapped table is found under the preset's source names
instead of its own.

Everything that can be decided from names alone is decided here, before the
warehouse is opened, and nothing is passed over in silence. Fatal, with the
file named:

* a required table without a source;
* two sources for one table (loading either would silently pick or lose data);
* a near miss: a file or sheet whose name is almost a table's (``orders .csv``,
  ``Orders_2024.csv``, ``оrders.csv`` with a Cyrillic о, ``order.csv``): it
  was almost certainly meant to be that table, and loading without it would
  give a confident answer from the wrong data;
* a file named like a table in a format the loader does not read
  (``tickets.xlsb``, ``orders.txt``).

Other files (``ground_truth.json``, a README, ``export.yml``) and sheets
(``Summary``) are listed as ignored in the load summary.
"""

from __future__ import annotations

import difflib
import fnmatch
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from orchestration.contract import TABLES, TABLES_BY_NAME
from orchestration.load.declared import FILE_NAME as SETTINGS_FILE
from orchestration.load.errors import LoadError
from orchestration.load.hook import ExportMapping, TableMapping

# file name suffix -> reader format (longest suffix wins: orders.csv.gz is table "orders")
FORMATS: dict[str, str] = {
    ".csv": "csv", ".csv.gz": "csv", ".tsv": "csv", ".tsv.gz": "csv",
    ".parquet": "parquet",
    ".xlsx": "excel", ".xls": "excel",
    ".jsonl": "jsonl", ".ndjson": "jsonl", ".jsonl.gz": "jsonl", ".ndjson.gz": "jsonl",
}
SUPPORTED = ", ".join(sorted(FORMATS, key=lambda s: (FORMATS[s], len(s))))

# Latin look-alikes of Cyrillic and Greek letters, for near-miss names only.
_HOMOGLYPHS = str.maketrans("аеорсхуіјкмтнвАЕОРСХУІЈКМТНВοΟαΑεΕρΡτΤ", "aeopcxyijkmthbAEOPCXYIJKMTHBoOaAeEpPtT")
# What a person appends to a file name: a year or date, a version, a copy marker.
_DECORATION = re.compile(r"(_(\d{4}(_?\d{2}){0,2}|\d+|v\d+|copy|backup|old|new|final|export|latest))+$")
NEAR_MISS_RATIO = 0.85  # difflib similarity above which a name is taken as a misspelt table name


@dataclass(frozen=True)
class SourceFile:
    """One source of an export: a file (or one sheet of a workbook) and the table it holds."""

    table: str
    path: Path
    format: str  # 'csv' (plain or gzip), 'parquet', 'excel' or 'jsonl'
    sheet: str | None = None  # the workbook sheet, for format 'excel'

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def label(self) -> str:
        """How messages name it: the file, and the sheet of a workbook."""
        return f"{self.path} (sheet {self.sheet!r})" if self.sheet is not None else str(self.path)


@dataclass(frozen=True)
class Export:
    """The sources of an export folder, by table (None = the table is absent)."""

    directory: Path
    files: dict[str, SourceFile | None]
    ignored: tuple[str, ...]
    mappings: dict[str, TableMapping]  # tables read through a mapping preset


def split_name(file_name: str) -> tuple[str, str] | None:
    """(stem, format) of a supported file name, or None."""
    lower = file_name.lower()
    for suffix in sorted(FORMATS, key=len, reverse=True):
        if lower.endswith(suffix):
            return file_name[: -len(suffix)], FORMATS[suffix]
    return None


def _normal(name: str) -> str:
    """How names are compared for a near miss: look-alike letters, case, spaces and dashes folded."""
    text = unicodedata.normalize("NFKC", name).translate(_HOMOGLYPHS).casefold().strip()
    return re.sub(r"[\s\-.]+", "_", text).strip("_")


def _why(name: str, target: str) -> str:
    foreign = [c for c in name if not c.isascii() and c.translate(_HOMOGLYPHS) != c]
    if foreign:
        c = foreign[0]
        return (f"its {c!r} is the {unicodedata.name(c, 'non-Latin letter').title()} (U+{ord(c):04X}), "
                f"not the Latin {c.translate(_HOMOGLYPHS)!r}")
    if name != name.strip() or " " in name:
        return "its name has a space"
    if name.lower() == target:
        return "it differs only in case"
    return "its name is not exactly the table's"


# A target is (pattern, table): a contract table's own name, or a mapping's file-name pattern.
Targets = list[tuple[str, str]]
_WILDCARDS = set("*?[")


def tables_named(name: str, targets: Targets) -> list[str]:
    """The tables whose target matches ``name`` (a file stem or sheet name): case ignored, nothing else."""
    key = name.lower()
    return list(dict.fromkeys(t for pattern, t in targets if fnmatch.fnmatchcase(key, pattern)))


def probable_target(name: str, targets: Targets) -> str | None:
    """The target name that ``name`` (a file stem or sheet name) almost is, or None (wildcard patterns never)."""
    normal = _normal(name)
    plain = list(dict.fromkeys(p for p, _ in targets if not _WILDCARDS & set(p)))
    if not normal:
        return None
    for target in plain:
        if normal == _normal(target) or _DECORATION.sub("", normal) == _normal(target):
            return target
    close = difflib.get_close_matches(normal, [_normal(t) for t in plain], n=1, cutoff=NEAR_MISS_RATIO)
    if close:
        return next(t for t in plain if _normal(t) == close[0])
    return None


def _targets(mapping: ExportMapping | None) -> tuple[Targets, dict[str, TableMapping]]:
    """The (pattern, table) targets of the export's files and sheets, and the mapped tables."""
    mapped: dict[str, TableMapping] = {}
    if mapping is not None:
        for table, table_mapping in mapping.tables.items():
            if table not in TABLES_BY_NAME:
                raise LoadError(f"the mapping names table {table!r}, which is not a contract table "
                                f"({', '.join(TABLES_BY_NAME)})")
            mapped[table] = table_mapping
    targets: Targets = []
    for t in TABLES:
        names = mapped[t.name].files if t.name in mapped else (t.name,)
        targets.extend((name.lower(), t.name) for name in names)
    return targets, mapped


def sheet_names(path: Path) -> list[str]:
    """The sheets of an Excel workbook, in workbook order."""
    import fastexcel

    try:
        return list(fastexcel.read_excel(str(path)).sheet_names)
    except Exception as error:  # fastexcel raises its own error types for broken files
        raise LoadError(f"{path}: cannot be read as an Excel workbook: {str(error).splitlines()[0]}") from None


@dataclass
class _Scan:
    claims: dict[str, list[SourceFile]]
    problems: list[str]
    ignored: list[str]


def _scan(directory: Path, targets: Targets, mapped: dict[str, TableMapping]) -> _Scan:
    scan = _Scan({}, [], [])

    def claim(tables: list[str], path: Path, fmt: str, sheet: str | None = None) -> None:
        for table in tables:
            scan.claims.setdefault(table, []).append(SourceFile(table, path, fmt, sheet))

    unclaimed: list[tuple[str, Path, str | None]] = []  # (name to check, file, sheet)
    for path in sorted(directory.iterdir()):
        if not path.is_file() or path.name == SETTINGS_FILE or path.name.startswith("."):
            continue
        split = split_name(path.name)
        if split is None:
            stem = path.name.split(".")[0]
            tables = tables_named(stem, targets)
            near = stem if tables else probable_target(stem, targets)
            if near is not None:
                tables = tables or tables_named(near, targets)
                suffix = path.name[len(stem):] or "(no extension)"
                scan.problems.append(
                    f"{path}: looks like table {'/'.join(tables)}, but {suffix} files are not read; "
                    f"save it as {near}.csv, .xlsx, .jsonl or .parquet (supported: {SUPPORTED})")
            else:
                scan.ignored.append(path.name)
            continue
        stem, fmt = split
        if fmt != "excel":
            if tables_named(stem, targets):
                claim(tables_named(stem, targets), path, fmt)
            else:
                unclaimed.append((stem, path, None))
            continue
        sheets = sheet_names(path)
        claimed_sheets: set[str] = set()
        claimed_tables: set[str] = set()
        for sheet in sheets:
            if tables_named(sheet, targets):
                claim(tables_named(sheet, targets), path, fmt, sheet)
                claimed_sheets.add(sheet)
                claimed_tables.update(tables_named(sheet, targets))
        by_stem = [t for t in tables_named(stem, targets) if t not in claimed_tables]
        if by_stem and len(sheets) == 1:
            claim(by_stem, path, fmt, sheets[0])
            claimed_sheets.add(sheets[0])
        elif by_stem:
            scan.problems.append(
                f"{path}: has {len(sheets)} sheets ({', '.join(sheets)}) and none is named {stem.strip()}; "
                f"name the sheet of table {'/'.join(by_stem)} {stem.strip()!r} or keep only that sheet")
        if not claimed_sheets and not by_stem:
            unclaimed.append((stem, path, None))
        unclaimed.extend((sheet, path, sheet) for sheet in sheets if sheet not in claimed_sheets and not by_stem)

    for name, path, sheet in unclaimed:
        where = f"{path} (sheet {sheet!r})" if sheet is not None else str(path)
        near = probable_target(name, targets)
        if near is None:
            scan.ignored.append(f"{path.name} (sheet {sheet})" if sheet is not None else path.name)
            continue
        tables = tables_named(near, targets)
        have = [s for t in tables for s in scan.claims.get(t, [])]
        fix = (f"name the sheet {near!r}" if sheet is not None
               else f"rename it to {near}{path.name[len(split_name(path.name)[0]):]}")
        also = (f"; table {tables[0]} already comes from {have[0].label}, so remove whichever is wrong"
                if have else "")
        scan.problems.append(f"{where}: looks like table {'/'.join(tables)}, but {_why(name, near)}; {fix}{also}")
    for table, sources in scan.claims.items():
        if len(sources) > 1:
            names = ", ".join(s.label if s.sheet is not None else s.name for s in sources)
            scan.problems.insert(0, f"{directory}: table {table} has {len(sources)} sources ({names}); "
                                    "an export holds one file per table, remove all but one")
    for t in TABLES:
        if t.required and t.name not in scan.claims:
            if t.name in mapped:
                looked = ", ".join(f"{n}.csv" for n in mapped[t.name].files)
                scan.problems.append(f"required table {t.name} is missing: the mapping reads it from "
                                     f"{looked} (or another supported format) in {directory}")
            else:
                scan.problems.append(f"required table {t.name} is missing: expected {t.name}.csv, "
                                     f"{t.name}.xlsx, {t.name}.jsonl, {t.name}.parquet (or a sheet "
                                     f"{t.name} in a workbook) in {directory}")
    return scan


def discover_export(export_dir: str | Path, mapping: ExportMapping | None = None) -> Export:
    """Map every contract table to its source in ``export_dir``.

    Raises one LoadError listing every problem (see the module docstring) when
    there is any: the folder does not exist, a table has two sources, a
    required table has none, a name is a near miss or an unsupported format.
    """
    directory = Path(export_dir)
    if not directory.is_dir():
        raise LoadError(f"export folder {directory} does not exist or is not a folder")
    targets, mapped = _targets(mapping)
    scan = _scan(directory, targets, mapped)
    if scan.problems:
        raise LoadError("; ".join(scan.problems) if len(scan.problems) == 1
                        else f"{len(scan.problems)} problems with the export's files:\n  " + "\n  ".join(scan.problems))
    files = {t.name: (scan.claims[t.name][0] if t.name in scan.claims else None) for t in TABLES}
    return Export(directory, files, tuple(scan.ignored), {t: m for t, m in mapped.items() if files.get(t)})


def table_files(directory: Path) -> dict[str, list[Path]]:
    """The files of a folder that hold a contract table, by table (names matched without regard to case)."""
    directory = Path(directory)
    if not directory.is_dir():
        return {}
    targets, mapped = _targets(None)
    try:
        scan = _scan(directory, targets, mapped)
    except LoadError:  # an unreadable workbook: the load itself names it
        return {}
    return {table: [s.path for s in sources] for table, sources in scan.claims.items()}


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
