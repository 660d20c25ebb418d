"""orchestration/catalog.py: the catalog seeds read for the Python side, and the
errors a broken seed gets (file, line and column named). Fast: no warehouse."""

from __future__ import annotations

import shutil

import pytest

from orchestration import catalog
from orchestration.defs.freshness import FRESHNESS_GROUPS
from orchestration.defs.translator import group_for


def test_families_in_their_order_with_both_labels():
    assert catalog.family_ids() == ("financial", "process", "service", "staff", "customer_base", "adoption")
    assert [f.family_order for f in catalog.kpi_families()] == [1, 2, 3, 4, 5, 6]
    assert catalog.family_labels()["service"] == ("Customer service quality", "Якість обслуговування клієнтів")


def test_every_definition_and_source_table_is_read():
    definitions = catalog.kpi_definitions()
    assert len(definitions) == 43 and sum(d.is_catalog_metric for d in definitions) == 28
    assert {d.family for d in definitions} == set(catalog.family_ids())
    assert catalog.kpi_source_tables()["crm_adoption_rate"] == ("employees", "crm_usage")
    assert set(catalog.kpi_source_tables()) == {d.metric_id for d in definitions}


def test_dagster_groups_follow_the_family_seed():
    for family in catalog.family_ids():
        props = {"resource_type": "model", "fqn": ["crm_impact", "marts", family, f"kpi_{family}__records"]}
        assert group_for(props) == family
        assert family in FRESHNESS_GROUPS
    assert group_for({"resource_type": "model", "fqn": ["crm_impact", "marts", "elsewhere", "x"]}) == "kpi_marts"


@pytest.fixture
def seeds(tmp_path, monkeypatch):
    """Copies of the three seeds that a test may break; the reader's caches are cleared around it."""
    for name in ("FAMILIES_CSV", "DEFINITIONS_CSV", "SOURCE_TABLES_CSV"):
        copy = tmp_path / getattr(catalog, name).name
        shutil.copyfile(getattr(catalog, name), copy)
        monkeypatch.setattr(catalog, name, copy)
    for reader in (catalog.kpi_families, catalog.kpi_definitions, catalog.kpi_source_tables):
        reader.cache_clear()
    yield tmp_path
    for reader in (catalog.kpi_families, catalog.kpi_definitions, catalog.kpi_source_tables):
        reader.cache_clear()


@pytest.mark.parametrize(("file", "old", "new", "message"), [
    ("kpi_families.csv", "staff,4,", "staff,3,", r"kpi_families.csv, line 5: family_order '3' repeats line 4"),
    ("kpi_families.csv", "adoption,6,CRM adoption", "adoption,6,", r"kpi_families.csv, line 7: label_en is empty"),
    ("kpi_families.csv", "adoption,6,", "adoption,six,", r"line 7: family_order 'six' is not a whole number"),
    ("kpi_definitions.csv", "nps,service,", "nps,servise,", r"kpi_definitions.csv, line \d+: family 'servise'"),
    ("kpi_source_tables.csv", "nps,surveys", "nps,survey", r"kpi_source_tables.csv, line \d+: source_table 'survey'"),
])
def test_a_broken_seed_is_named_with_its_line(seeds, file, old, new, message):
    path = seeds / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(catalog.CatalogError, match=message):
        catalog.kpi_source_tables()  # reads all three


def test_the_dbt_test_finds_a_family_without_records_model(aov_warehouse, tmp_path):
    """tests/dbt/kpi_families_have_records.sql passes on a build and names a seeded family that
    int_kpi__records does not union."""
    import duckdb

    from conftest import copy_warehouse, dbt_target_path

    sql = (dbt_target_path() / "compiled" / "crm_impact" / "tests" / "dbt" / "kpi_families_have_records.sql").read_text()
    db = copy_warehouse(aov_warehouse, tmp_path)
    with duckdb.connect(str(db)) as con:
        assert con.execute(sql).fetchall() == []
        con.execute("insert into reference.kpi_families values ('loyalty', 7, 'Loyalty', 'Лояльність')")
        assert con.execute(sql).fetchall() == [
            ("loyalty", "kpi_families has loyalty, but int_kpi__records does not union kpi_loyalty__records")]
