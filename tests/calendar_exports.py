"""Test helpers for the calendar: an export moved to another era, and marts compared across eras.

An export is shifted by a whole number of years that is a multiple of 4, so
that every date keeps its month and day (29 February stays a leap day between
1901 and 2099) and every duration between two events stays the same: the KPIs
of the shifted export must equal the original's, month by month.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path

import duckdb

from orchestration.contract import TABLES

ISO_START = re.compile(r"^\d{4}-\d{2}-\d{2}")
DATE_IN_TEXT = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def shift_export(source: Path, target: Path, years: int, exported_at: dt.date | None = None) -> Path:
    """Copy the contract tables of ``source`` to ``target`` with every date and timestamp moved by ``years`` years.

    The year is rewritten in the text itself, so the file keeps its exact
    format (ISO dates, ``T`` separators, the same decimals in other columns).
    With ``exported_at``, an ``export.yml`` declaring it is written too.
    """
    if years % 4:
        raise ValueError(f"shift by a multiple of 4 years to keep leap days, got {years}")
    target.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    for table in TABLES:
        path = source / f"{table.name}.csv"
        if not path.exists():
            continue
        header = con.execute(
            "select * from read_csv(?, all_varchar = true, header = true) limit 0", [str(path)]
        ).description
        names = [column[0] for column in header]
        dated = {c.name for c in table.columns if c.type in ("date", "timestamp")}
        bad = []
        for name in sorted(dated & set(names)):
            bad += con.execute(
                f"select {_quote(name)} from read_csv(?, all_varchar = true, header = true) "
                f"where nullif(trim({_quote(name)}), '') is not null and not regexp_matches({_quote(name)}, '^\\d{{4}}-')",
                [str(path)],
            ).fetchall()
        if bad:
            raise ValueError(f"{path}: dates that do not start with a 4-digit year: {bad[:3]}")
        select = ", ".join(
            f"case when nullif(trim({_quote(n)}), '') is null then {_quote(n)} "
            f"else lpad(cast(cast(substr({_quote(n)}, 1, 4) as integer) + {years} as varchar), 4, '0') "
            f"|| substr({_quote(n)}, 5) end as {_quote(n)}"
            if n in dated else _quote(n)
            for n in names
        )
        out = target / path.name
        con.execute(
            f"copy (select {select} from read_csv('{path}', all_varchar = true, header = true)) "
            f"to '{out}' (header, delimiter ',')"
        )
    if exported_at is not None:
        (target / "export.yml").write_text(f"exported_at: {exported_at.isoformat()}\n")
    con.close()
    return target


def shift_date(value: dt.date, years: int) -> dt.date:
    return value.replace(year=value.year + years)


def _unshift(value: object, years: int) -> object:
    """A value of the shifted warehouse, moved back to the original's era."""
    if isinstance(value, dt.datetime):
        return value.replace(year=value.year - years)
    if isinstance(value, dt.date):
        return value.replace(year=value.year - years)
    if isinstance(value, str):
        return DATE_IN_TEXT.sub(lambda m: f"{int(m.group(1)) - years:04d}-{m.group(2)}-{m.group(3)}", value)
    return value


def _same(a: object, b: object, rel_tol: float) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) and math.isnan(b):
            return True
        return math.isclose(a, b, rel_tol=rel_tol, abs_tol=rel_tol)
    return a == b


def rows(db: Path, sql: str) -> list[dict]:
    with duckdb.connect(str(db), read_only=True) as con:
        cursor = con.execute(sql)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]


def differences(original: list[dict], shifted: list[dict], key: tuple[str, ...], years: int,
                rel_tol: float = 1e-9) -> list[str]:
    """Rows and values that differ once the shifted rows are moved back by ``years``; empty when equal.

    Numbers agree within ``rel_tol``: sums add in another order, and a model fitted on months counted
    from 1970 sees other time values for the same months."""
    by_key = {tuple(r[k] for k in key): r for r in original}
    moved = [{name: _unshift(value, years) for name, value in r.items()} for r in shifted]
    moved_by_key = {tuple(r[k] for k in key): r for r in moved}
    out = [f"only in the original: {k}" for k in by_key.keys() - moved_by_key.keys()]
    out += [f"only in the shifted: {k}" for k in moved_by_key.keys() - by_key.keys()]
    for k in sorted(by_key.keys() & moved_by_key.keys(), key=str):
        for name, value in by_key[k].items():
            if not _same(value, moved_by_key[k][name], rel_tol):
                out.append(f"{k} {name}: {value!r} != {moved_by_key[k][name]!r}")
    return out
