"""Quoting helpers for the SQL the loader generates.

Column names come from the files of an export (extra columns are kept), so
every identifier and literal that is spliced into SQL goes through here.
"""

from __future__ import annotations


def ident(name: str) -> str:
    """A double-quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def literal(value: str) -> str:
    """A single-quoted SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def number(value: float) -> str:
    """A number as SQL (and human) text: 5 rather than 5.0."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))
