"""Personal data stops at staging.

The hand-made export tests/fixtures/core_small has names, e-mails and
Ukrainian phone numbers in customers and employees. After a build, no
relation outside the raw and staging schemas may have a column that is named
like personal data, nor a text value that looks like an e-mail or a phone.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import duckdb
import pytest
import yaml

from conftest import PROJECT_ROOT, query

PRIVATE_SCHEMAS = ("raw", "staging")

# column names that hold personal data, or hint at it
PERSONAL_NAME = re.compile(r"email|e_mail|phone|mobile|full_name|first_name|last_name|surname|^name$|_name$")
# names of things, not of people (the data-quality marts name tables, columns and settings)
NOT_PERSONAL = {"product_name", "table_name", "column_name", "setting_name"}

EMAIL = r"[^@\s]+@[^@\s]+"
PHONE = r"\+?\s*380[\s\d()-]{9,}"


# slow (make test-slow; CI runs it): core_small, whose hand-made customers c1 and c2 the checks name,
# has its own build
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def warehouse(core_small_warehouse) -> Path:
    return core_small_warehouse


def _public_columns(db: Path) -> list[tuple[str, str, str, str]]:
    placeholders = ", ".join(f"'{s}'" for s in PRIVATE_SCHEMAS)
    return query(
        db,
        f"""select table_schema, table_name, column_name, data_type
            from information_schema.columns
            where table_catalog = current_database()
              and table_schema not in ({placeholders})
            order by table_schema, table_name, ordinal_position""",
    )


def test_the_fixture_has_personal_data_in_raw(warehouse):
    """Otherwise the checks below would pass for the wrong reason."""
    emails = query(warehouse, f"select count(*) from raw.customers where regexp_matches(email, '{EMAIL}')")[0][0]
    phones = query(warehouse, f"select count(*) from raw.customers where regexp_matches(phone, '{PHONE}')")[0][0]
    names = query(warehouse, "select count(*) from raw.employees where full_name is not null")[0][0]
    assert emails >= 4 and phones >= 4 and names >= 4


def test_marts_and_intermediate_models_are_checked(warehouse):
    schemas = {schema for schema, *_ in _public_columns(warehouse)}
    assert {"intermediate", "marts"} <= schemas


def test_no_column_outside_staging_is_named_like_personal_data(warehouse):
    offending = [
        f"{schema}.{table}.{column}"
        for schema, table, column, _type in _public_columns(warehouse)
        if PERSONAL_NAME.search(column.lower()) and column.lower() not in NOT_PERSONAL
    ]
    assert offending == []


def test_no_text_value_outside_staging_looks_like_an_email_or_a_phone(warehouse):
    """Every text column of every public relation, one query per relation (a view is computed once)."""
    text_columns: dict[tuple[str, str], list[str]] = {}
    for schema, table, column, data_type in _public_columns(warehouse):
        if data_type.upper() in ("VARCHAR", "TEXT", "STRING"):
            text_columns.setdefault((schema, table), []).append(column)
    assert len(text_columns) > 20  # the facts, dimensions and marts were found
    offending = []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for (schema, table), columns in text_columns.items():
            counts = con.execute("select " + ", ".join(
                f"""count(*) filter (where "{c}" like '%@%' or regexp_matches("{c}", '{PHONE}'))""" for c in columns)
                + f' from "{schema}"."{table}"').fetchone()
            offending += [f"{schema}.{table}.{c} ({n} values)" for c, n in zip(columns, counts) if n]
    assert offending == []


def test_staging_keeps_only_hashes(warehouse):
    rows = query(warehouse, "select email_hash, phone_hash from staging.stg_crm__customers where customer_id = 'c1'")
    email_hash, phone_hash = rows[0]
    assert re.fullmatch(r"[0-9a-f]{64}", email_hash) and re.fullmatch(r"[0-9a-f]{64}", phone_hash)
    columns = {c for _s, t, c, _d in query(
        warehouse,
        "select table_schema, table_name, column_name, data_type from information_schema.columns "
        "where table_schema = 'staging' and table_name in ('stg_crm__customers', 'stg_crm__employees')",
    )}
    assert not columns & {"full_name", "email", "phone"}
    # e-mails are trimmed and lower-cased, phones reduced to digits, before salting and hashing
    salt = yaml.safe_load((PROJECT_ROOT / "dbt_project.yml").read_text())["vars"]["pii_salt"]
    rows = query(warehouse, "select email_hash, phone_hash from staging.stg_crm__customers where customer_id = 'c2'")
    assert rows == [(
        hashlib.sha256((salt + "petro@example.com").encode()).hexdigest(),  # raw: Petro@Example.com
        hashlib.sha256((salt + "380671112244").encode()).hexdigest(),  # raw: +380 67 111 22 44
    )]
