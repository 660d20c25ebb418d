"""Declarative mappings from a CRM's own export to the raw contract.

A mapping is a YAML file (the shipped presets are in ``presets/``; a user's
own is passed with ``--mapping``). It says, per contract table, which source
(a file of the export, or later a table that dlt extracted from the CRM's API)
the table comes from and, per contract column, how to compute it from the
source's columns, read as text:

.. code-block:: yaml

    mapping: hubspot
    sources:
      deals:
        files: ["*deal*"]             # file-name patterns (without the suffix), case-insensitive
        derive:                       # helper columns, usable by name below
          outcome:
            column: Deal Stage
            map: {Closed Won: won, Closed Lost: lost}
            default: open
    tables:
      orders:
        source: deals
        columns:
          order_id: Record ID                       # a rename
          status: {sql: "CASE outcome WHEN 'won' THEN 'completed' ... END"}
          currency: {column: Currency, optional: true}
          created_at: {column: Create Date, format: "%Y-%m-%d %H:%M"}
          discount_amount: {value: "0"}

Everything a mapping produces is a *text* column named like the contract
column; the loader's normal validation (types, domains, ranges, order,
duplicates) and quarantine then run on it exactly as on a contract-shaped
file. So one set of rules applies whatever the source, and a value a mapping
cannot turn into the contract's form reaches the validator unchanged and is
quarantined with the original value in its reason (a date that matches none of
the formats, a status the value map does not know).

Why SQL expressions: the rules run inside DuckDB over the whole file at once
(vectorised, no Python per row), and a data engineer can read and extend them.
A rule is one of

* ``column`` - a source column (a list = the first of them that the file has;
  names are matched trimmed and without regard to case);
* ``sql`` - one DuckDB SQL expression over the source columns, written with
  double-quoted names (``concat_ws(' ', "First Name", "Last Name")``);
* ``value`` - a constant;

optionally followed, in this order, by ``number`` (decimal and thousands
separators), ``format`` (strptime formats of a date or timestamp), ``map`` (a
value map, compiled to CASE; keys compared trimmed and case-insensitively),
``default`` (the value of a non-empty value that the map does not list) and
``if_empty`` (the value when the result is empty). ``optional: true`` makes a
rule whose source column is not in the file give empty values instead of an
error. Contract columns a mapping does not list are empty.

``extends: <preset or file>`` starts from another mapping and replaces its
sources and tables by name. Errors name the YAML file and the key
(``tables.orders.columns.status.map``); a mapping's coverage (what it cannot
fill, and so which KPIs cannot be computed) comes from the contract,
``seeds/kpi_source_tables.csv`` (through orchestration.catalog) and
``KPI_COLUMNS``.

Two ways in: ``Mapping.for_loader()`` is what ``load_export(...,
mapping=...)`` takes (the loader reads each file as text, then asks the
mapping to resolve its rules against the header: hook.py); ``Mapping.compile``
is a SELECT over any relation, for a text table read by hand or a table that
dlt extracted. docs/presets.md is the user's guide.
"""

from __future__ import annotations

import difflib
import fnmatch
import json
import re
from collections.abc import Iterable, Mapping as MappingABC, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import yaml

from orchestration.catalog import kpi_source_tables
from orchestration.contract import REQUIRED_TABLES, TABLES, TABLES_BY_NAME, Column, Table
from orchestration.load.discover import FORMATS
from orchestration.load.errors import LoadError
from orchestration.load.sql import ident, literal

PRESETS_DIR = Path(__file__).parent / "presets"

# What a rule may say, and in which order the steps apply.
_BASES = ("column", "sql", "value")
_STEPS = ("number", "format", "map", "default", "if_empty")
_RULE_KEYS = frozenset(_BASES + _STEPS + ("optional", "note"))
_TOP_KEYS = frozenset(("mapping", "extends", "crm", "description", "version", "sources", "tables"))
# a table or source set to one of these in an extending mapping is removed
_REMOVED = ("", "null", "~", "none")
_SOURCE_KEYS = frozenset(("files", "sheet", "table", "derive", "note"))
_TABLE_KEYS = frozenset(("source", "columns", "note"))

# ISO text the formats step writes, per contract type: what validate.py reads.
_ISO = {"timestamp": "%Y-%m-%dT%H:%M:%S", "date": "%Y-%m-%d", None: "%Y-%m-%dT%H:%M:%S"}
_ISO_ZONED = "%Y-%m-%dT%H:%M:%S%z"
# A plain decimal number, as validate.py accepts it.
_NUMBER_RE = r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?"
_TRIM = literal(" \t\r\n\u00a0\ufeff")


# Nullable contract columns without which a KPI has nothing to measure, so that
# a mapping that leaves them empty says so (the catalog's definitions in
# seeds/kpi_definitions.csv name these columns; table-level needs are in
# seeds/kpi_source_tables.csv and read through orchestration.catalog).
KPI_COLUMNS: dict[tuple[str, str], tuple[str, ...]] = {
    ("leads", "first_response_at"): ("lead_first_response_hours",),
    ("leads", "closed_at"): ("lead_processing_hours", "lead_processing_hours_p90"),
    ("tickets", "first_response_at"): ("first_response_minutes", "first_response_minutes_p90"),
    ("activities", "completed_at"): ("task_completion_hours", "task_on_time_share"),
    ("activities", "due_at"): ("task_on_time_share",),
}


class MappingError(LoadError):
    """A mapping that is malformed, or that does not fit an export; nothing was written."""


# --------------------------------------------------------------------------- YAML


class _TextLoader(yaml.SafeLoader):
    """YAML where every plain scalar is text.

    A mapping's keys and values are column names and CRM values: ``Yes``,
    ``No``, ``1`` or ``2024-01-01`` must stay what the export says, not become
    booleans, numbers or dates (YAML 1.1 would turn ``No`` into False).
    """


_TextLoader.yaml_implicit_resolvers = {}


def _read_yaml(path: Path) -> object:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise MappingError(f"mapping file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as error:
        raise MappingError(f"mapping file {path} cannot be read: {error}") from None
    try:
        return yaml.load(text, Loader=_TextLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as error:
        raise MappingError(f"mapping file {path} is not valid YAML: {error}") from None


# --------------------------------------------------------------------------- the model


@dataclass(frozen=True)
class Rule:
    """How one output column (a contract column or a derived helper) is computed."""

    key: str  # YAML key path, for messages
    column: tuple[str, ...] = ()  # source column alternatives, first present wins
    sql: str | None = None
    value: str | None = None
    optional: bool = False
    number: tuple[str, tuple[str, ...]] | None = None  # (decimal mark, thousands separators)
    formats: tuple[str, ...] = ()
    value_map: tuple[tuple[str, str], ...] = ()  # (lower-cased source value, target)
    default: str | None = None
    if_empty: str | None = None

    def describe(self, column: str | None = None) -> str:
        """A short human description, for inspect and the docs (``column``: the one the file has)."""
        if column is not None:
            base = f'"{column}"'
        elif self.column:
            base = " or ".join(f'"{c}"' for c in self.column)
        elif self.sql is not None:
            base = f"sql {self.sql}"
        else:
            base = f"constant {self.value!r}"
        steps = []
        if self.number:
            steps.append(f"number (decimal {self.number[0]!r})")
        if self.formats:
            steps.append("format " + " | ".join(self.formats))
        if self.value_map:
            steps.append(f"value map ({len(self.value_map)} values"
                         + (f", else {self.default!r})" if self.default is not None else ")"))
        if self.if_empty is not None:
            steps.append(f"if empty {self.if_empty!r}")
        return base + (" -> " + ", ".join(steps) if steps else "") + (" (optional)" if self.optional else "")


@dataclass(frozen=True)
class Source:
    """A file (or extracted table) of the CRM's export, and its derived helper columns."""

    name: str
    files: tuple[str, ...]  # glob patterns on the file name without its suffix, case-insensitive
    sheet: str | None = None  # a sheet of a workbook
    table: str | None = None  # a table of an extracted dataset (dlt)
    derive: tuple[tuple[str, Rule], ...] = ()

    def matches(self, file_name: str) -> bool:
        name = file_name.casefold()
        return any(fnmatch.fnmatchcase(name, pattern.casefold()) for pattern in self.files)


@dataclass(frozen=True)
class TableMapping:
    """One contract table: its source and the rule of each contract column it fills."""

    table: Table
    source: str
    rules: dict[str, Rule]  # contract column -> rule; unlisted columns are empty

    @property
    def unmapped(self) -> tuple[str, ...]:
        return tuple(c for c in self.table.column_names if c not in self.rules)


@dataclass(frozen=True)
class Compiled:
    """The SELECT that maps one source relation to one contract table, as text columns."""

    table: Table
    source: str
    sql: str
    columns: tuple[str, ...]  # output column names, in contract order
    origins: dict[str, str]  # contract column -> where its values come from, in words


@dataclass(frozen=True)
class Coverage:
    """What a mapping fills and what it cannot, with the KPIs that follow."""

    mapping: str
    tables: dict[str, str]  # covered contract table -> source
    uncovered: tuple[str, ...]  # contract tables the mapping has no source for
    empty_columns: dict[str, tuple[str, ...]]  # covered table -> contract columns always empty
    kpis_unavailable: dict[str, tuple[str, ...]]  # metric_id -> uncovered tables / empty table.columns it needs

    def summary(self) -> str:
        lines = [f"mapping {self.mapping}: fills {', '.join(self.tables) or 'no table'}"]
        for table, columns in self.empty_columns.items():
            if columns:
                lines.append(f"  {table}: no source for {', '.join(columns)} (left empty)")
        if self.uncovered:
            lines.append(f"  no source for tables: {', '.join(self.uncovered)} "
                         "(add them as contract files, e.g. crm_costs.csv, or they stay absent)")
        if self.kpis_unavailable:
            lines.append(f"  KPIs that cannot be computed from it alone: {', '.join(self.kpis_unavailable)}")
        return "\n".join(lines)


@dataclass(frozen=True)
class Mapping:
    """A validated mapping file."""

    name: str
    path: Path
    crm: str
    description: str
    sources: dict[str, Source]
    tables: dict[str, TableMapping]  # contract table name -> mapping, in contract order

    # ------------------------------------------------------------------ files

    def find_files(self, directory: Path, suffixes: Iterable[str] | None = None) -> dict[str, list[Path]]:
        """The files of ``directory`` that each source's patterns match.

        Patterns match the file name without its format suffix (``deals*``
        matches ``deals_2025.csv`` and ``Deals.xlsx``), as the loader matches
        contract file names; ``suffixes`` are the formats considered (default:
        every format the loader reads). A file that two sources claim is an
        error: loading it twice, as two different things, would be silently wrong.
        """
        known = sorted((s.lower() for s in (suffixes if suffixes is not None else FORMATS)), key=len, reverse=True)
        found: dict[str, list[Path]] = {name: [] for name in self.sources}
        for path in sorted(Path(directory).iterdir()) if Path(directory).is_dir() else []:
            suffix = next((s for s in known if path.name.lower().endswith(s)), None)
            if not path.is_file() or suffix is None:
                continue
            stem = path.name[: -len(suffix)]
            claims = [s.name for s in self.sources.values() if s.files and s.matches(stem)]
            if len(claims) > 1:
                raise MappingError(f"{self._where()}: file {path.name} matches the patterns of several sources "
                                   f"({', '.join(claims)}); rename it or narrow sources.<name>.files")
            if claims:
                found[claims[0]].append(path)
        return found

    def resolve(self, table: str, header: Sequence[str], file_label: str | None = None) -> dict[str, str]:
        """Contract column -> one standalone SQL expression over ``header``'s columns (quoted names).

        Column alternatives and optional columns are settled against the
        header, derived columns are inlined, names are spelt exactly as in the
        header; every expression is checked to bind. A column the file lacks
        is a MappingError naming the YAML key, the file (``file_label``) and
        the columns it has. Unmapped contract columns are ``NULL``.
        """
        return self._resolve(table, header, file_label)[0]

    def _resolve(self, table: str, header: Sequence[str],
                 file_label: str | None) -> tuple[dict[str, str], dict[str, str]]:
        """``resolve``'s expressions and, per contract column, where its values come from in words."""
        mapping = self.tables.get(table)
        if mapping is None:
            raise MappingError(f"{self._where()}: has no rules for table {table}")
        label = file_label or f"the {mapping.source} file"
        resolver = _Resolver([h.strip() for h in header], self, label)
        try:
            for name, rule in self.sources[mapping.source].derive:
                if resolver.has(name):
                    raise MappingError(f"{self._where()}: {rule.key}: {label} already has a column named "
                                       f"{name!r}; give the derived column another name")
                resolver.add_derived(name, resolver.expression(rule, None)[0])
            out: dict[str, str] = {}
            origins: dict[str, str] = {}
            for column in mapping.table.columns:
                rule = mapping.rules.get(column.name)
                if rule is None:
                    out[column.name] = "CAST(NULL AS VARCHAR)"
                    origins[column.name] = "not mapped (empty)"
                    continue
                out[column.name], origins[column.name] = resolver.expression(rule, column)
        finally:
            resolver.close()
        return out, origins

    def compile(
        self,
        table: str,
        header: Sequence[str],
        relation: str,
        *,
        refs: Sequence[str] | None = None,
        keep: Sequence[str] = ("_row_number",),
        output_names: Sequence[str] | None = None,
        file_label: str | None = None,
    ) -> Compiled:
        """The SELECT that turns ``relation`` (a source with columns ``header``) into ``table``'s text columns.

        ``refs[i]`` is the SQL that reads source column ``i`` in ``relation``
        (default: its quoted header name; a text table read by the loader has
        ``c0``, ``c1``, ...). ``keep`` are columns of ``relation`` passed
        through first (the row number). Output columns are named
        ``output_names`` (default the contract column names). Every value is
        read as text, so a relation with typed columns (a table dlt extracted)
        is mapped by the same rules as a file.
        """
        header = [h.strip() for h in header]
        refs = list(refs) if refs is not None else [ident(h) for h in header]
        if len(refs) != len(header):
            raise ValueError("refs must name one SQL reference per header column")
        expressions, origins = self._resolve(table, header, file_label)
        contract = self.tables[table].table
        names = list(output_names) if output_names is not None else contract.column_names
        source = ", ".join([*(ident(k) for k in keep),
                            *(f"CAST({r} AS VARCHAR) AS {ident(h)}" for r, h in zip(refs, header))])
        selects = [*(ident(k) for k in keep),
                   *(f"{expressions[c]} AS {ident(out)}" for c, out in zip(contract.column_names, names))]
        sql = f"SELECT {', '.join(selects)}\nFROM (SELECT {source} FROM {relation}) AS source"
        return Compiled(contract, self.tables[table].source, sql, tuple(names), origins)

    def for_loader(self) -> LoaderMapping:
        """This mapping in the shape of the loader's mapping hook (``load_export(..., mapping=...)``)."""
        tables = {}
        for table, table_mapping in self.tables.items():
            source = self.sources[table_mapping.source]
            names = sorted(_source_names(source, table_mapping.rules.values()))
            files = source.files + ((source.sheet,) if source.sheet else ())
            tables[table] = LoaderTable(table, files, {c: " ".join(ident(n) for n in names)
                                                       for c in table_mapping.table.column_names}, self)
        return LoaderMapping(self, tables)

    # ------------------------------------------------------------------ coverage

    def coverage(self) -> Coverage:
        """Which contract tables and columns this mapping cannot fill, and the KPIs that need them."""
        uncovered = tuple(t.name for t in TABLES if t.name not in self.tables)
        kpis = {metric: list(tables) for metric, tables in kpis_needing(uncovered).items()}
        for (table, column), metrics in KPI_COLUMNS.items():
            if table in self.tables and column in self.tables[table].unmapped:
                for metric in metrics:
                    kpis.setdefault(metric, []).append(f"{table}.{column}")
        order = list(kpi_source_tables())
        return Coverage(
            mapping=self.name,
            tables={t: m.source for t, m in self.tables.items()},
            uncovered=uncovered,
            empty_columns={t: m.unmapped for t, m in self.tables.items()},
            kpis_unavailable={m: tuple(kpis[m]) for m in sorted(kpis, key=order.index)},
        )

    def _where(self) -> str:
        return f"mapping {self.name} ({self.path})"


# --------------------------------------------------------------------------- the loader's hook


@dataclass(frozen=True)
class LoaderTable:
    """One contract table as the loader's mapping hook (orchestration/load/hook.py) reads it.

    ``files`` are the source's file-name patterns (and its sheet name);
    ``columns`` names, quoted, every source column the rules may read, so
    that the loader can sniff a file's delimiter before its header is known.
    The loader calls ``resolve`` with the header it read: the rules settle
    against it into one SQL expression per contract column.
    """

    table: str
    files: tuple[str, ...]
    columns: dict[str, str]
    mapping: Mapping
    keep_extras: bool = False  # raw gets the contract columns; the file keeps the rest

    def resolve(self, header: Sequence[str], file_label: str | None = None) -> ResolvedTable:
        return ResolvedTable(self.table, self.files, self.mapping.resolve(self.table, header, file_label),
                             self.mapping.name)


@dataclass(frozen=True)
class ResolvedTable:
    """A LoaderTable settled against one file's header: static expressions, part of the load fingerprint."""

    table: str
    files: tuple[str, ...]
    columns: dict[str, str]
    mapping_name: str
    keep_extras: bool = False


@dataclass(frozen=True)
class LoaderMapping:
    """What ``load_export(..., mapping=...)`` takes: contract table -> LoaderTable."""

    mapping: Mapping
    tables: dict[str, LoaderTable]

    @property
    def name(self) -> str:
        return self.mapping.name


def _source_names(source: Source, rules: Iterable[Rule]) -> set[str]:
    names: set[str] = set()
    for rule in (*(r for _, r in source.derive), *rules):
        names.update(rule.column)
        if rule.sql is not None:
            names.update(m.replace('""', '"') for m in re.findall(r'"((?:[^"]|"")+)"', rule.sql))
    return names - {n for n, _ in source.derive}


# --------------------------------------------------------------------------- compile helpers


_SELECT_PREFIX = "SELECT ("


def _column_refs(con: duckdb.DuckDBPyConnection, expression: str) -> list[tuple[str, int, int]]:
    """(name, byte offset, byte length) of every one-part column reference in ``expression``, once each.

    From DuckDB's own parser (json_serialize_sql), so quoting, strings and
    comments are never mistaken for names; offsets are into the UTF-8 bytes.
    A reference whose location does not hold its name (the parser copies the
    operand of ``CASE x WHEN ...`` into every branch) is taken once, at the
    place where the name is written.
    """
    parsed = json.loads(con.execute("SELECT json_serialize_sql($q)",
                                    {"q": f"{_SELECT_PREFIX}{expression}) AS x"}).fetchone()[0])
    data = expression.encode("utf-8")
    found: dict[int, tuple[str, int, int]] = {}

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("class") == "COLUMN_REF" and len(node.get("column_names", [])) == 1:
                name = node["column_names"][0]
                start = int(node["query_location"]) - len(_SELECT_PREFIX)
                length = int(node["query_location_length"])
                written = data[start:start + length].decode("utf-8", errors="replace")
                if len(written) >= 2 and written[0] == written[-1] == '"':
                    written = written[1:-1].replace('""', '"')
                if written.casefold() == name.casefold():
                    found[start] = (name, start, length)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(parsed)
    return list(found.values())


class _Resolver:
    """Turns rules into standalone SQL over one source's columns, checked against its header."""

    def __init__(self, header: Sequence[str], mapping: Mapping, label: str) -> None:
        self.header = list(header)
        self.by_fold: dict[str, str] = {}
        for h in header:
            if h.casefold() in self.by_fold:
                raise MappingError(f"{label}: column {h!r} appears twice in the header (names are compared "
                                   "without regard to case)")
            self.by_fold[h.casefold()] = h
        self.derived: dict[str, str] = {}  # casefolded name -> its (inlined) expression
        self.mapping = mapping
        self.label = label
        self.con = duckdb.connect()
        dummy = ", ".join(f"CAST(NULL AS VARCHAR) AS {ident(h)}" for h in self.header) or "1 AS _no_columns"
        self.con.execute(f"CREATE TEMP TABLE source AS SELECT {dummy} LIMIT 0")

    def close(self) -> None:
        self.con.close()

    def has(self, name: str) -> bool:
        return name.casefold() in self.by_fold or name.casefold() in self.derived

    def add_derived(self, name: str, expression: str) -> None:
        self.derived[name.casefold()] = expression

    def _missing(self, rule: Rule, what: str) -> MappingError:
        near = difflib.get_close_matches(what.strip("'\""), self.header, n=3, cutoff=0.6)
        hint = f" (did you mean {', '.join(repr(n) for n in near)}?)" if near else ""
        shown = ", ".join(repr(a) for a in self.header[:40]) + (" ..." if len(self.header) > 40 else "")
        return MappingError(f"{self.mapping._where()}: {rule.key}: {self.label} has no column {what}{hint}; "
                            f"its columns are {shown}")

    def _unbound(self, rule: Rule, expression: str) -> str | None:
        """None if ``expression`` binds against the header; else the name of the column it misses."""
        try:
            self.con.execute(f"DESCRIBE SELECT {expression} FROM source").fetchall()
        except duckdb.BinderException as error:
            match = re.search(r'Referenced column "(.*)" not found in', str(error))
            if match:
                return match.group(1)
            raise MappingError(f"{self.mapping._where()}: {rule.key}: {_first_line(error)}") from None
        except duckdb.Error as error:
            raise MappingError(f"{self.mapping._where()}: {rule.key}: {_first_line(error)}") from None
        return None

    def _rewrite(self, rule: Rule, sql: str) -> tuple[str, str | None]:
        """(``sql`` with derived names inlined and header names spelt as in the file, a missing name or None)."""
        data = sql.encode("utf-8")
        missing = None
        for name, start, length in sorted(_column_refs(self.con, sql), key=lambda r: -r[1]):
            fold = name.casefold()
            if fold in self.derived:
                replacement = f"({self.derived[fold]})"
            elif fold in self.by_fold:
                replacement = ident(self.by_fold[fold])
            else:
                missing = missing or name  # a lambda's parameter is fine: binding decides below
                continue
            data = data[:start] + replacement.encode("utf-8") + data[start + length:]
        return data.decode("utf-8"), missing

    def expression(self, rule: Rule, column: Column | None) -> tuple[str, str]:
        """(standalone SQL text expression, description) of ``rule`` for contract ``column`` (None = derived)."""
        if rule.column:
            present = [c for c in rule.column if c.casefold() in self.by_fold or c.casefold() in self.derived]
            if not present:
                if not rule.optional:
                    raise self._missing(rule, " or ".join(repr(c) for c in rule.column))
                return "CAST(NULL AS VARCHAR)", f"{rule.describe()}: not in {self.label}, empty"
            fold = present[0].casefold()
            base = f"({self.derived[fold]})" if fold in self.derived else ident(self.by_fold[fold])
            origin = rule.describe(self.by_fold.get(fold, present[0]))
        elif rule.sql is not None:
            rewritten, unknown = self._rewrite(rule, rule.sql)
            base = f"CAST(({rewritten}) AS VARCHAR)"
            missing = self._unbound(rule, base) if unknown else None
            if missing is not None:
                if not rule.optional:
                    raise self._missing(rule, repr(missing))
                return "CAST(NULL AS VARCHAR)", f"{rule.describe()}: {missing!r} not in {self.label}, empty"
            origin = rule.describe()
        else:
            base = literal(rule.value or "")
            origin = rule.describe()
        expression = _steps(rule, base, column)
        if self._unbound(rule, expression) is not None:  # pragma: no cover - every name was resolved above
            raise MappingError(f"{self.mapping._where()}: {rule.key}: does not bind to {self.label}")
        return expression, origin


def _steps(rule: Rule, expression: str, column: Column | None) -> str:
    """Apply number, format, map, default and if_empty to a text ``expression``, in that order."""
    e = expression
    if rule.number:
        decimal, thousands = rule.number
        cleaned = f"trim({e}, {_TRIM})"
        for separator in thousands:
            cleaned = f"replace({cleaned}, {literal(separator)}, '')"
        if decimal != ".":
            cleaned = f"replace({cleaned}, {literal(decimal)}, '.')"
        # a value that is not a number after cleaning reaches the validator as it was
        e = f"CASE WHEN regexp_full_match({cleaned}, {literal(_NUMBER_RE)}) THEN {cleaned} ELSE {e} END"
    if rule.formats:
        out = _ISO_ZONED if any("%z" in f or "%Z" in f for f in rule.formats) else _ISO[column.type if column else None]
        formats = "[" + ", ".join(literal(f) for f in rule.formats) + "]"
        e = f"coalesce(strftime(try_strptime(trim({e}, {_TRIM}), {formats}), {literal(out)}), {e})"
    if rule.value_map or rule.default is not None:
        whens = " ".join(f"WHEN {literal(k)} THEN {literal(v)}" for k, v in rule.value_map)
        otherwise = (f"CASE WHEN nullif(trim({e}, {_TRIM}), '') IS NULL THEN NULL ELSE {literal(rule.default)} END"
                     if rule.default is not None else e)
        e = f"CASE lower(trim({e}, {_TRIM})) {whens} ELSE {otherwise} END" if whens else otherwise
    if rule.if_empty is not None:
        e = f"coalesce(nullif(trim({e}, {_TRIM}), ''), {literal(rule.if_empty)})"
    return f"CAST({e} AS VARCHAR)"


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0]


# --------------------------------------------------------------------------- parsing


def _parse_sql(con: duckdb.DuckDBPyConnection, expression: str) -> str | None:
    """None if ``expression`` is one SQL expression without subqueries; else what is wrong."""
    parsed = json.loads(con.execute("SELECT json_serialize_sql($q)",
                                    {"q": f"SELECT ({expression}) AS x"}).fetchone()[0])
    if parsed.get("error"):
        if "Only SELECT statements" in str(parsed.get("error_message")):  # a ';' and another statement
            return "must be one SQL expression, not several statements"
        return f"is not a SQL expression: {parsed.get('error_message')}"
    if len(parsed.get("statements", [])) != 1:
        return "must be one SQL expression"
    if '"SUBQUERY"' in json.dumps(parsed):
        return "may not contain a subquery: a rule reads the columns of its own row only"
    return None


class _Parser:
    """Validates the YAML structure into the model, naming file and key in every error."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.con = duckdb.connect()  # parses expressions and probes formats; closed by mapping()

    def error(self, key: str, message: str) -> MappingError:
        return MappingError(f"mapping file {self.path}: {key}: {message}")

    def text(self, key: str, value: object) -> str:
        if not isinstance(value, str):
            raise self.error(key, f"must be text, got {type(value).__name__}")
        return value

    def flag(self, key: str, value: object) -> bool:
        text = self.text(key, value).strip().lower()
        if text not in ("true", "false"):
            raise self.error(key, f"must be true or false, got {value!r}")
        return text == "true"

    def texts(self, key: str, value: object) -> tuple[str, ...]:
        items = value if isinstance(value, list) else [value]
        out = tuple(self.text(key, v) for v in items)
        if not out or not all(v.strip() for v in out):
            raise self.error(key, "must be a non-empty name or a list of them")
        return out

    def table_of(self, key: str, value: object) -> dict:
        if not isinstance(value, dict):
            raise self.error(key, f"must be a mapping of keys to values, got {type(value).__name__}")
        return value

    def unknown(self, key: str, given: MappingABC, allowed: frozenset[str]) -> None:
        # keys that start with "_" hold YAML anchors (&dates) and are ignored
        extra = sorted(k for k in given if k not in allowed and not str(k).startswith("_"))
        if extra:
            raise self.error(key + "." + str(extra[0]) if key else str(extra[0]),
                             f"unknown key; allowed here: {', '.join(sorted(allowed))}")

    def rule(self, key: str, value: object, column: Column | None) -> Rule:
        if isinstance(value, (str, list)):  # shorthand: a rename
            value = {"column": value}
        spec = self.table_of(key, value)
        self.unknown(key, spec, _RULE_KEYS)
        bases = [b for b in _BASES if b in spec]
        if len(bases) != 1:
            raise self.error(key, "needs exactly one of column, sql or value"
                             + (f" (has {', '.join(bases)})" if bases else ""))
        kwargs: dict = {"key": key}
        if "column" in spec:
            kwargs["column"] = tuple(c.strip() for c in self.texts(key + ".column", spec["column"]))
        if "sql" in spec:
            sql = self.text(key + ".sql", spec["sql"]).strip()
            problem = _parse_sql(self.con, sql)
            if problem:
                raise self.error(key + ".sql", problem)
            kwargs["sql"] = sql
        if "value" in spec:
            kwargs["value"] = self.text(key + ".value", spec["value"])
            self.in_domain(key + ".value", kwargs["value"], column)
        if "optional" in spec:
            kwargs["optional"] = self.flag(key + ".optional", spec["optional"])
        if "number" in spec:
            if column is not None and column.type not in ("decimal", "int"):
                raise self.error(key + ".number", f"applies to number columns; {column.name} is {column.type}")
            number = self.table_of(key + ".number", spec["number"])
            self.unknown(key + ".number", number, frozenset(("decimal", "thousands")))
            decimal = self.text(key + ".number.decimal", number.get("decimal", "."))
            if decimal not in (".", ","):
                raise self.error(key + ".number.decimal", f"must be '.' or ',', got {decimal!r}")
            thousands = tuple(self.text(key + ".number.thousands", t) for t in
                              (number.get("thousands") if isinstance(number.get("thousands"), list)
                               else [number["thousands"]] if "thousands" in number else []))
            if decimal in thousands:
                raise self.error(key + ".number", "the decimal mark cannot also be a thousands separator")
            kwargs["number"] = (decimal, thousands)
        if "format" in spec:
            if column is not None and column.type not in ("timestamp", "date"):
                raise self.error(key + ".format", f"applies to date and timestamp columns; {column.name} is "
                                 f"{column.type}")
            formats = self.texts(key + ".format", spec["format"])
            for f in formats:
                try:
                    self.con.execute("SELECT try_strptime('2000-01-01', $f)", {"f": f}).fetchall()
                except duckdb.Error as error:
                    raise self.error(key + ".format", f"{f!r} is not a strptime format: "
                                     f"{_first_line(error)}") from None
            kwargs["formats"] = formats
        if "map" in spec:
            raw = self.table_of(key + ".map", spec["map"])
            seen: dict[str, str] = {}
            for source_value, target in raw.items():
                k = self.text(key + ".map", source_value).strip().lower()
                t = self.text(f"{key}.map.{source_value}", target)
                self.in_domain(f"{key}.map.{source_value}", t, column)
                if k in seen and seen[k] != t:
                    raise self.error(key + ".map", f"{source_value!r} is listed twice with different values "
                                     "(keys are compared without regard to case)")
                seen[k] = t
            kwargs["value_map"] = tuple(seen.items())
        if "default" in spec:
            kwargs["default"] = self.text(key + ".default", spec["default"])
            self.in_domain(key + ".default", kwargs["default"], column)
        if "if_empty" in spec:
            kwargs["if_empty"] = self.text(key + ".if_empty", spec["if_empty"])
            self.in_domain(key + ".if_empty", kwargs["if_empty"], column)
        return Rule(**kwargs)

    def in_domain(self, key: str, value: str, column: Column | None) -> None:
        if column is not None and column.domain and value.strip().lower() not in column.domain:
            raise self.error(key, f"{value!r} is not a value of {column.name}: {', '.join(column.domain)}")

    def source(self, name: str, value: object) -> Source:
        key = f"sources.{name}"
        spec = self.table_of(key, value if value is not None else {})
        self.unknown(key, spec, _SOURCE_KEYS)
        files = self.texts(key + ".files", spec["files"]) if "files" in spec else ()
        table = self.text(key + ".table", spec["table"]) if "table" in spec else None
        if not files and table is None:
            raise self.error(key, "needs files (file-name patterns) or table (an extracted table)")
        derive = []
        raw_derive = self.table_of(key + ".derive", spec.get("derive") or {})
        for derived, rule in raw_derive.items():
            derived = self.text(key + ".derive", derived)
            derive.append((derived, self.rule(f"{key}.derive.{derived}", rule, None)))
        sheet = self.text(key + ".sheet", spec["sheet"]) if "sheet" in spec else None
        return Source(name, files, sheet, table, tuple(derive))

    def table(self, name: str, value: object, sources: dict[str, Source]) -> TableMapping:
        key = f"tables.{name}"
        if name not in TABLES_BY_NAME:
            near = difflib.get_close_matches(name, TABLES_BY_NAME, n=1)
            raise self.error(key, "is not a contract table" + (f" (did you mean {near[0]}?)" if near else "")
                             + f"; the tables are {', '.join(TABLES_BY_NAME)}")
        contract = TABLES_BY_NAME[name]
        spec = self.table_of(key, value)
        self.unknown(key, spec, _TABLE_KEYS)
        source = self.text(key + ".source", spec.get("source"))
        if source not in sources:
            raise self.error(key + ".source", f"{source!r} is not one of the sources: {', '.join(sources)}")
        columns = self.table_of(key + ".columns", spec.get("columns") or {})
        rules: dict[str, Rule] = {}
        for column_name, rule in columns.items():
            column_name = self.text(key + ".columns", column_name)
            if column_name not in contract.column_names:
                raise self.error(f"{key}.columns.{column_name}", f"is not a column of {name}; its columns are "
                                 f"{', '.join(contract.column_names)}")
            rules[column_name] = self.rule(f"{key}.columns.{column_name}", rule, contract.column(column_name))
        needed = [c.name for c in contract.columns
                  if (not c.nullable or c.name in contract.primary_key) and c.name not in rules]
        if needed:
            raise self.error(key + ".columns", f"cannot produce the required column(s) {', '.join(needed)} of "
                             f"{name}; every row would be quarantined")
        for column_name, rule in rules.items():
            column = contract.column(column_name)
            if (not column.nullable or column_name in contract.primary_key) and rule.optional:
                raise self.error(f"{key}.columns.{column_name}.optional",
                                 f"{column_name} is required in {name}, so its rule cannot be optional")
        # contract order, so that inspect and coverage read like the contract
        ordered = {c: rules[c] for c in contract.column_names if c in rules}
        return TableMapping(contract, source, ordered)

    def mapping(self, document: object) -> Mapping:
        spec = self.table_of("(top level)", document)
        self.unknown("", spec, _TOP_KEYS)
        name = self.text("mapping", spec.get("mapping", self.path.stem))
        sources_spec = self.table_of("sources", spec.get("sources"))
        if not sources_spec:
            raise self.error("sources", "needs at least one source")
        sources = {self.text("sources", n): self.source(n, v) for n, v in sources_spec.items()}
        tables_spec = self.table_of("tables", spec.get("tables"))
        tables = {self.text("tables", n): self.table(n, v, sources) for n, v in tables_spec.items()}
        missing = [t for t in REQUIRED_TABLES if t not in tables]
        if missing:
            raise self.error("tables", f"has no rules for the required table(s) {', '.join(missing)}; the loader "
                             "needs customers, orders and order_items from every export")
        unused = [s for s in sources if not any(t.source == s for t in tables.values())]
        if unused:
            raise self.error(f"sources.{unused[0]}", "is not the source of any table")
        ordered = {t.name: tables[t.name] for t in TABLES if t.name in tables}
        return Mapping(name, self.path, str(spec.get("crm", name)), str(spec.get("description", "")).strip(),
                       sources, ordered)


# --------------------------------------------------------------------------- entry points


def _document(path: Path, seen: tuple[Path, ...] = ()) -> dict:
    """The YAML document of ``path``, with ``extends`` resolved (the base first, then this file on top).

    ``extends: hubspot`` (a preset) or ``extends: base.yml`` (relative to
    this file): this file's sources and tables replace the base's entries of
    the same name, whole; an entry set to null removes it; other top-level
    keys replace the base's. Sources the result no longer uses are dropped.
    """
    document = _read_yaml(path)
    if not isinstance(document, dict) or "extends" not in document:
        return document  # validated by the parser
    base_name = document["extends"]
    if not isinstance(base_name, str) or not base_name.strip():
        raise MappingError(f"mapping file {path}: extends: must name a preset or a mapping file")
    base_path = (PRESETS_DIR / f"{base_name}.yml") if "/" not in base_name and not base_name.endswith(
        (".yml", ".yaml")) else (path.parent / base_name)
    if not base_path.is_file():
        raise MappingError(f"mapping file {path}: extends: {base_name!r} is neither a preset "
                           f"({', '.join(preset_names())}) nor a file next to it")
    if base_path.resolve() in seen:
        raise MappingError(f"mapping file {path}: extends: {base_name!r} extends itself")
    base = _document(base_path, seen + (path.resolve(),))
    merged = {k: v for k, v in base.items() if k not in ("sources", "tables")}
    merged.update({k: v for k, v in document.items() if k not in ("sources", "tables", "extends")})
    own_sources = document.get("sources") or {}
    for section in ("sources", "tables"):
        entries = dict(base.get(section) or {})
        own = document.get(section) or {}
        if not isinstance(own, dict):
            raise MappingError(f"mapping file {path}: {section}: must be a mapping of names to entries")
        for name, entry in own.items():
            if isinstance(entry, str) and entry.strip().lower() in _REMOVED:
                entries.pop(name, None)
            else:
                entries[name] = entry
        merged[section] = entries
    used = {t.get("source") for t in merged["tables"].values() if isinstance(t, dict)}
    merged["sources"] = {n: s for n, s in merged["sources"].items() if n in used or n in own_sources}
    return merged


def load_mapping(path: str | Path) -> Mapping:
    """Read and validate a mapping YAML file; MappingError names the file and the key."""
    path = Path(path)
    document = _document(path)
    parser = _Parser(path)
    try:
        return parser.mapping(document)
    finally:
        parser.con.close()


def preset_names() -> tuple[str, ...]:
    """The shipped presets (``presets/<name>.yml``)."""
    return tuple(sorted(p.stem for p in PRESETS_DIR.glob("*.yml")))


def load_preset(name: str) -> Mapping:
    """A shipped preset by name (``hubspot``, ``pipedrive``, ``bitrix24``, ``salesforce``)."""
    path = PRESETS_DIR / f"{name}.yml"
    if not path.is_file():
        raise MappingError(f"there is no preset {name!r}; the presets are {', '.join(preset_names())} "
                           "(or pass your own file with --mapping)")
    return load_mapping(path)


def kpis_needing(tables: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """metric_id -> the given tables it needs (seeds/kpi_source_tables.csv), for the metrics that need any."""
    absent = set(tables)
    needs = {metric: tuple(t for t in needed if t in absent) for metric, needed in kpi_source_tables().items()}
    return {metric: t for metric, t in needs.items() if t}


__all__ = [
    "Compiled", "Coverage", "LoaderMapping", "LoaderTable", "Mapping", "MappingError", "ResolvedTable", "Rule",
    "Source", "TableMapping",
    "kpis_needing", "load_mapping", "load_preset", "preset_names",
]
