"""The analysis settings are declared once (orchestration/settings.py) and every other part reads them:
the CLI flags, Dagster's resource, dbt's own check, the defaults in dbt_project.yml."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from orchestration.cli import build_parser, main
from orchestration.defs.dbt_models import AnalysisSettingsResource
from orchestration.settings import AnalysisSettings, SettingError, cli_flags, defaults, setting_fields

ROOT = Path(__file__).resolve().parents[1]


def _help(command: str) -> str:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command").choices[command]  # noqa: SLF001
    return " ".join(sub.format_help().split())


@pytest.mark.parametrize("command", ["build", "demo"])
def test_every_setting_is_a_flag_with_its_help_and_default(command):
    text = _help(command)
    for spec in setting_fields():
        assert spec.metadata["flag"] in text, spec.name
        assert " ".join(spec.metadata["help"].split()) in text, spec.name
        assert f"(default {defaults()[spec.name]})" in text, spec.name


def test_the_defaults_are_dbt_projects_vars():
    import yaml

    variables = yaml.safe_load((ROOT / "dbt_project.yml").read_text())["vars"]
    assert defaults() == {spec.name: variables[spec.name] for spec in setting_fields()}
    assert AnalysisSettings().value("crm_ramp_up_days") == variables["crm_ramp_up_days"]
    assert AnalysisSettings(crm_ramp_up_days=30).value("crm_ramp_up_days") == 30


def test_dbts_check_names_the_same_flags():
    """macros/settings.sql cannot import Python; its list of flags is compared here."""
    macro = (ROOT / "macros" / "settings.sql").read_text()
    block = macro[macro.index("{%- set flags = {"):macro.index("} -%}")]
    assert dict(re.findall(r"'(\w+)': '(--[\w-]+)'", block)) == cli_flags()


def test_dagsters_resource_is_generated_from_the_declarations():
    model_fields = AnalysisSettingsResource.model_fields
    assert list(model_fields) == [spec.name for spec in setting_fields()]
    for spec in setting_fields():
        assert model_fields[spec.name].description == spec.metadata["help"]
    settings = AnalysisSettingsResource(crm_go_live_date="2024-10-01", crm_ramp_up_days=30).to_settings()
    assert settings == AnalysisSettings(crm_go_live_date="2024-10-01", crm_ramp_up_days=30)
    with pytest.raises(SettingError, match=r"crm_ramp_up_days \(--ramp-up-days\)"):
        AnalysisSettingsResource(crm_ramp_up_days=-1).to_settings()


def test_a_setting_error_names_the_flag():
    with pytest.raises(SettingError, match=r"crm_timezone \(--timezone\) must be an IANA time zone"):
        AnalysisSettings(crm_timezone="Europe/Atlantis")
    assert AnalysisSettings(crm_timezone="Europe/Kyiv").crm_timezone == "Europe/Kyiv"


def test_load_timezone_is_the_source_timezone_now(tmp_path, monkeypatch, capsys):
    """`load --timezone` used to mean the zone of naive timestamps, `build --timezone` the zone of months:
    one flag, two meanings. The load's is --source-timezone; the old spelling stops with the new one."""
    monkeypatch.setenv("CRM_IMPACT_DB", str(tmp_path / "crm.duckdb"))
    assert main(["load", str(tmp_path), "--timezone", "Europe/Kyiv"]) == 2
    assert "--source-timezone" in capsys.readouterr().err
    assert not (tmp_path / "crm.duckdb").exists()
    assert "--source-timezone" in _help("load") and "--source-timezone" in _help("inspect")
