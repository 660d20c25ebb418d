"""Quoting for the few statements that cannot take bound parameters.

ATTACH takes its path as a literal and CREATE TABLE takes names as
identifiers, so paths and table names found in the warehouse are quoted here,
in one place, rather than pasted into SQL as they come.
"""

from __future__ import annotations

from pathlib import Path


def literal(value: str | Path) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def qualified(*parts: str) -> str:
    return ".".join(ident(p) for p in parts)
