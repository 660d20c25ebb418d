"""``export.yml``: what an export's files cannot tell about themselves.

Most of a file's format is detected (encoding, delimiter, decimal comma, the
order of day and month; see encoding.py, read.py and values.py). Some things
cannot be: whether ``1,234`` is one thousand or one point two, whether
``03/04/2024`` is March or April, which time zone naive times are in, and when
the export was made. An optional ``export.yml`` in the export folder declares
them; a declared value always wins over detection, and the load report says
which values were declared and which detected.

    # export.yml (every key optional)
    delimiter: ";"               # , ; | or tab
    decimal_separator: ","       # . or ,
    thousands_separator: " "     # space, nbsp, ' , . or "" (none)
    date_format: "%d/%m/%Y"      # strptime format of the date part
    encoding: windows-1251       # utf-8, utf-16, windows-1251, windows-1252, ...
    source_timezone: Europe/Kyiv # zone of naive timestamps
    exported_at: 2025-03-31T18:00:00   # when the export was made (events after it are future-dated)
    complete: true               # each file holds every record of its table: rows missing from it were
                                 # deleted in the CRM and are deleted from raw (default false: upsert only)

An unknown key is an error, not ignored: a misspelt ``decimal_seperator``
would otherwise load every amount wrong without a word.
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
from dataclasses import dataclass, fields
from pathlib import Path

import yaml

from orchestration.load.errors import LoadError

FILE_NAME = "export.yml"

DELIMITERS: dict[str, str] = {",": ",", ";": ";", "|": "|", "\t": "\t", "tab": "\t", "\\t": "\t",
                              "comma": ",", "semicolon": ";", "pipe": "|"}
DECIMAL_SEPARATORS = (".", ",")
THOUSANDS_SEPARATORS: dict[str, str] = {" ": " ", "space": " ", "\u00a0": "\u00a0", "nbsp": "\u00a0",
                                        "\u202f": "\u202f", "'": "'", ",": ",", ".": ".", "": "", "none": ""}


@dataclass(frozen=True)
class ExportSettings:
    """The declared format of an export; None = not declared (detect, or the default)."""

    delimiter: str | None = None
    decimal_separator: str | None = None
    thousands_separator: str | None = None
    date_format: str | None = None
    encoding: str | None = None  # a Python codec name, normalised (cp1251, utf-8, ...)
    source_timezone: str | None = None
    exported_at: dt.datetime | dt.date | None = None  # a date means the end of that day (local)
    complete: bool | None = None  # True: a record missing from a file was deleted (loader.delete_absent_rows)
    path: Path | None = None  # the export.yml it came from

    def declared(self) -> dict[str, str]:
        """The declared values as text, for the report and the fingerprint."""
        out: dict[str, str] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None and f.name != "path":
                out[f.name] = value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else str(value)
        return out


def _fail(path: Path, key: str, message: str) -> LoadError:
    return LoadError(f"{path}: {key}: {message}")


def _parse_exported_at(path: Path, value: object) -> dt.datetime | dt.date:
    if isinstance(value, (dt.datetime, dt.date)):
        return value
    text = str(value).strip()
    for parse in (dt.date.fromisoformat, dt.datetime.fromisoformat):
        try:
            return parse(text)
        except ValueError:
            continue
    raise _fail(path, "exported_at", f"{text!r} is not a date or timestamp such as 2025-03-31 or "
                                     "2025-03-31T18:00:00")


def _check_date_format(path: Path, value: str) -> str:
    if not ("%d" in value and "%m" in value and ("%Y" in value or "%y" in value)):
        raise _fail(path, "date_format", f"{value!r} needs %d, %m and %Y (for example %d.%m.%Y or %m/%d/%Y)")
    if re.search(r"%[HIMSpzZ]", value):
        raise _fail(path, "date_format", f"{value!r} is the date part only; times after it (HH:MM[:SS]) "
                                         "are read by themselves")
    return value


def read_export_settings(directory: Path) -> ExportSettings:
    """Read ``directory/export.yml`` if there is one (an absent file declares nothing)."""
    path = Path(directory) / FILE_NAME
    if not path.is_file():
        return ExportSettings()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise LoadError(f"{path}: not valid YAML: {str(error).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise LoadError(f"{path}: must be a mapping of settings (key: value), got {type(data).__name__}")
    known = {f.name for f in fields(ExportSettings)} - {"path"}
    unknown = sorted(str(k) for k in data if k not in known)
    if unknown:
        raise LoadError(f"{path}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")

    values: dict[str, object] = {"path": path}
    for key, raw in data.items():
        if raw is None:
            continue
        text = raw if isinstance(raw, str) else str(raw)
        if key == "delimiter":
            if text.lower() not in DELIMITERS and text not in DELIMITERS:
                raise _fail(path, key, f"{text!r} is not one of , ; | tab")
            values[key] = DELIMITERS.get(text, DELIMITERS.get(text.lower()))
        elif key == "decimal_separator":
            if text not in DECIMAL_SEPARATORS:
                raise _fail(path, key, f"{text!r} is not '.' or ','")
            values[key] = text
        elif key == "thousands_separator":
            if text.lower() not in THOUSANDS_SEPARATORS and text not in THOUSANDS_SEPARATORS:
                raise _fail(path, key, f"{text!r} is not one of: space, nbsp, ', comma, dot or '' (none)")
            values[key] = THOUSANDS_SEPARATORS.get(text, THOUSANDS_SEPARATORS.get(text.lower()))
        elif key == "date_format":
            values[key] = _check_date_format(path, text)
        elif key == "encoding":
            try:
                values[key] = codecs.lookup(text).name
            except LookupError:
                raise _fail(path, key, f"{text!r} is not an encoding Python knows "
                                       "(utf-8, utf-16, windows-1251, windows-1252, ...)") from None
        elif key == "source_timezone":
            values[key] = text
        elif key == "exported_at":
            values[key] = _parse_exported_at(path, raw)
        elif key == "complete":
            if not isinstance(raw, bool):
                raise _fail(path, key, f"{raw!r} is not true or false")
            values[key] = raw
    settings = ExportSettings(**values)
    if settings.decimal_separator and settings.decimal_separator == settings.thousands_separator:
        raise _fail(path, "thousands_separator", "must differ from decimal_separator")
    return settings
