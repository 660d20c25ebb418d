"""The one exception a caller of the loader has to handle.

A LoadError means the export as a whole cannot be trusted (a required table or
column is missing, a file cannot be read or is not UTF-8, two files claim the
same table, a setting is invalid). It is raised before anything is committed,
so the warehouse is left exactly as it was, and its message names the file and,
where there is one, the column: the CLI prints it verbatim and exits non-zero.

Problems with single rows are never LoadErrors: those rows go to
raw.quarantine and the rest of the export loads.
"""

from __future__ import annotations


class LoadError(Exception):
    """A fatal problem with an export; nothing was written to the warehouse."""


class WarehouseError(LoadError):
    """The warehouse file is missing, held by another process, or not built: not the export's fault.

    The CLI prints its one-line message, which says what to do, and exits 2.
    """
