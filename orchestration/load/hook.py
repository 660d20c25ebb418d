"""The hook for CRM mapping presets: how a CRM's own export becomes contract tables.

``load_export(..., mapping=m)`` and ``inspect_export(..., mapping=m)`` accept any
object ``m`` with a ``tables`` attribute: a dict from contract table name to a
``TableMapping``. The presets (``orchestration/load/mapping.py``) build such
objects from YAML; the loader only needs this shape:

``TableMapping``
    ``table``: the contract table it fills (``"orders"``).
    ``files``: the source names to look for, without the format suffix, as
    names or glob patterns (``("deals", "*deal*")``), matched against file
    stems and workbook sheet names without regard to case (fnmatch), in any
    supported format. A table with two matching sources is an error, as
    without a mapping. One source file may feed several tables (a HubSpot
    deals export gives orders and leads).
    ``columns``: contract column -> a DuckDB SQL expression over the source
    file's columns, each a double-quoted header name as in the file
    (``'"Deal Stage"'``, ``"lower(\\"Pipeline\\")"``, ``"'UAH'"``). Every source
    column is VARCHAR (the file read as text); the expression's result is cast
    to VARCHAR and then goes through the same rules as a contract file's text:
    a value map is a ``CASE``, a constant a literal, a derived column any
    expression. Every contract column of the table needs an expression
    (``NULL`` for one the CRM does not export), so that nothing is silently
    absent.
    ``keep_extras`` (optional, default True): keep the source columns whose
    names are not contract column names as extra VARCHAR columns of the raw
    table.
    ``resolve(header, file_label)`` (optional): when present, the loader
    calls it with the file's header (names trimmed, as the expressions quote
    them) and the file's label, and uses the TableMapping it returns (static
    expressions for this header) instead; a preset whose rules have
    alternatives (``Amount`` or ``Deal amount``) settles them here. Its
    errors should be LoadErrors naming the file. Before that, ``columns``
    of the unresolved mapping only serve to sniff the delimiter: every
    double-quoted name in them is a header name the file may have.

Where it applies: ``read.read_text`` reads the source file as text
(``_row_number``, ``c0..cN``) exactly as for a contract file, then
``read.apply_mapping`` selects the expressions over it into a contract-shaped
text table (``_row_number``, the contract columns, the extras). Validation,
quarantine and upserts see only that table, so every rule, the quarantine's
row number (the data row of the user's file) and ``source_file`` (the user's
file) are the same with and without a mapping. ``file_columns`` checks every
expression against the file's header before the warehouse is opened: an
expression that names a column the file does not have is a LoadError naming
the file, the contract column and the expression. ``inspect`` shows each
contract column's expression as its source.

A mapping's contents are part of each table's load fingerprint, so a changed
preset reloads the files it applies to.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping as MappingABC
from typing import Protocol


class TableMapping(Protocol):
    """One contract table from a CRM's source file (see the module docstring; ``keep_extras`` and
    ``resolve`` are optional)."""

    table: str
    files: tuple[str, ...]
    columns: MappingABC[str, str]


def resolved(mapping: TableMapping, header: tuple[str, ...], file_label: str) -> TableMapping:
    """The mapping settled against one file's header, if the mapping has ``resolve``."""
    resolve = getattr(mapping, "resolve", None)
    return resolve(header, file_label) if callable(resolve) else mapping


class ExportMapping(Protocol):
    """A mapping preset: contract table -> TableMapping (tables it does not name are read as contract files)."""

    tables: MappingABC[str, TableMapping]


def keeps_extras(mapping: TableMapping) -> bool:
    return bool(getattr(mapping, "keep_extras", True))


def mapping_digest(mapping: TableMapping | None) -> str | None:
    """A stable digest of one table's mapping, for the load fingerprint."""
    if mapping is None:
        return None
    payload = {"table": mapping.table, "files": list(mapping.files), "columns": dict(sorted(mapping.columns.items())),
               "keep_extras": keeps_extras(mapping)}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
