"""The crm-impact command: every subcommand is described, settings are checked."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from orchestration.cli import build_parser, main
from orchestration.dbt_runner import DbtFailure, run_dbt
from orchestration.settings import AnalysisSettings, SettingError, cli_flags

CRM_IMPACT = str(Path(sys.executable).parent / "crm-impact")
SUBCOMMANDS = ("generate", "load", "build", "publish", "report", "demo")


def test_console_script_lists_every_subcommand():
    out = subprocess.run([CRM_IMPACT, "--help"], capture_output=True, text=True, check=True).stdout
    for name in SUBCOMMANDS:
        assert name in out


@pytest.mark.parametrize("name", SUBCOMMANDS)
def test_each_subcommand_has_a_description(name, capsys):
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args([name, "--help"])
    assert exit_info.value.code == 0
    help_text = capsys.readouterr().out
    assert f"crm-impact {name}" in help_text
    assert len(help_text.split("\n\n")[1]) > 40  # a sentence, not just usage


@pytest.mark.parametrize(
    ("argv", "setting"),
    [
        (["build", "--go-live", "2024-13-45"], "crm_go_live_date"),
        (["build", "--ramp-up-days", "-5"], "crm_ramp_up_days"),
        (["build", "--baseline-months", "0"], "crm_baseline_months"),
        (["build", "--timezone", "Mars/Olympus"], "crm_timezone"),
        (["build", "--currency", "hryvnia"], "reporting_currency"),
    ],
)
def test_invalid_setting_stops_with_its_name(argv, setting, capsys):
    assert main(argv) == 2
    assert setting in capsys.readouterr().err


def test_settings_become_dbt_vars():
    settings = AnalysisSettings(crm_go_live_date="2024-10-01", crm_ramp_up_days=60)
    assert settings.dbt_vars() == {"crm_go_live_date": "2024-10-01", "crm_ramp_up_days": 60}
    with pytest.raises(SettingError, match="crm_go_live_date"):
        AnalysisSettings(crm_go_live_date="yesterday")


# each case is a dbt compile that parses the whole project again (new vars): one runs in `make test`,
# the other kinds of check in `make test-slow`
@pytest.mark.parametrize(
    ("dbt_vars", "setting"),
    [('{"crm_go_live_date": "2024-02-30"}', "crm_go_live_date"),
     pytest.param('{"crm_ramp_up_days": -3}', "crm_ramp_up_days", marks=pytest.mark.slow),
     pytest.param('{"crm_timezone": "Europe/Atlantis"}', "crm_timezone", marks=pytest.mark.slow)],
)
@pytest.mark.slow
def test_dbt_itself_rejects_an_invalid_setting(aov_warehouse, dbt_vars, setting):
    """A wrong var given straight to dbt (not through the CLI) also stops the build, naming it."""
    flag = cli_flags()[setting]
    with pytest.raises(DbtFailure, match=f"Setting {setting} .*crm-impact build {flag}"):
        run_dbt(["compile", "--select", "dim_crm_rollout", "int_orders__totals", "--vars", dbt_vars],
                db_path=aov_warehouse)
