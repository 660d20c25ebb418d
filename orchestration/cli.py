"""The ``crm-impact`` command: thin argument parsing over the library modules.

Each subcommand reads the warehouse path from ``CRM_IMPACT_DB`` (see
``orchestration.paths``), so several warehouses can be kept side by side.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from orchestration import paths
from orchestration.dbt_runner import TARGETS
from orchestration.settings import SettingError, add_cli_arguments, cli_flags, defaults, from_cli


def cmd_generate(args: argparse.Namespace) -> int:
    from orchestration.generate import NO_EFFECTS, generate_export

    truth = generate_export(
        Path(args.out), scale=args.scale, seed=args.seed, fmt=args.format,
        go_live=dt.date.fromisoformat(args.go_live), rollout=args.rollout, dirty=args.dirty,
        effects=NO_EFFECTS if args.no_effects else None,
        month_shock_ar=args.month_shock_ar, month_shock_sd=args.month_shock_sd,
    )
    rows = sum(truth.get("row_counts", {}).values())
    print(f"Wrote a CRM export to {args.out} ({rows:,} rows; ground truth in ground_truth.json)")
    return 0


def _add_mapping_arguments(parser: argparse.ArgumentParser) -> None:
    from orchestration.load.mapping import preset_names

    group = parser.add_mutually_exclusive_group()
    # the *_api presets map what `crm-impact extract` landed, not export files
    group.add_argument("--preset", choices=[name for name in preset_names() if not name.endswith("_api")],
                       help="read the CRM's own export through a shipped mapping preset (docs/presets.md)")
    group.add_argument("--mapping", metavar="FILE.yml",
                       help="read the export through your own mapping file (docs/presets.md)")


def _mapping(args: argparse.Namespace):
    """The --preset or --mapping of a command, for the loader (None without either); prints its coverage."""
    from orchestration.load.mapping import load_mapping, load_preset

    if getattr(args, "preset", None):
        mapping = load_preset(args.preset)
    elif getattr(args, "mapping", None):
        mapping = load_mapping(args.mapping)
    else:
        return None
    print(mapping.coverage().summary())
    return mapping.for_loader()


def _load(export_dir: Path, args: argparse.Namespace) -> int:
    from orchestration.load import LoadError, load_export
    from orchestration.load.errors import WarehouseError
    from orchestration.load.limits import DEFAULT_MAX_QUARANTINE_SHARE

    try:
        report = load_export(
            export_dir, paths.warehouse_path(),
            timezone=getattr(args, "source_timezone", None),
            reporting_currency=from_cli(args).value("reporting_currency"),
            max_quarantine_share=getattr(args, "max_quarantine_share", DEFAULT_MAX_QUARANTINE_SHARE),
            accept_quarantine=getattr(args, "accept_quarantine", False),
            mapping=_mapping(args),
        )
    except WarehouseError:
        raise  # main() prints its one line and exits 2
    except LoadError as error:
        print(f"load failed, nothing was written: {error}", file=sys.stderr)
        return 1
    print(report.summary())
    if getattr(args, "spark", False):
        from orchestration.spark import write_raw_parquet

        written = write_raw_parquet(paths.warehouse_path(), paths.spark_raw_path())
        print(f"Wrote the raw layer for Spark: {len(written)} tables, {sum(written.values()):,} rows "
              f"as Parquet under {paths.spark_raw_path()}")
    return 0


def cmd_load(args: argparse.Namespace) -> int:
    return _load(Path(args.export_dir), args)


def cmd_inspect(args: argparse.Namespace) -> int:
    from orchestration.load import LoadError
    from orchestration.load.inspect import inspect_export

    try:
        mapping = _mapping(args)
    except LoadError as error:  # a mapping file that is malformed
        print(f"inspect failed: {error}", file=sys.stderr)
        return 1
    inspection = inspect_export(
        Path(args.export_dir), timezone=args.source_timezone,
        reporting_currency=from_cli(args).value("reporting_currency"),
        mapping=mapping,
        max_quarantine_share=args.max_quarantine_share, accept_quarantine=args.accept_quarantine,
        examples=args.examples,
    )
    print(inspection.render())
    return 0 if inspection.would_load else 1


def _add_source_arguments(parser: argparse.ArgumentParser) -> None:
    """How to read one export: the zone of its naive timestamps, and the currency its amounts are checked
    against (the analysis setting --currency; its fx rates must reach it)."""
    parser.add_argument("--source-timezone", metavar="TZ",
                        help="IANA time zone of naive timestamps in the export (default: export.yml's "
                        "source_timezone, else UTC). Calendar months are the build's --timezone.")
    parser.add_argument("--timezone", dest="source_timezone_old", metavar="TZ", help=argparse.SUPPRESS)
    flag = cli_flags()["reporting_currency"]
    parser.add_argument(flag, dest="reporting_currency", metavar="ISO",
                        help=f"reporting currency (default {defaults()['reporting_currency']})")


def _share(text: str) -> float:
    """A share for --max-quarantine-share: 0.05 or 5%."""
    try:
        value = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a share such as 0.05 or 5%: {text!r}") from None
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1 (or 0% and 100%), got {text!r}")
    return value


def _add_quarantine_arguments(parser: argparse.ArgumentParser) -> None:
    from orchestration.load.limits import DEFAULT_MAX_QUARANTINE_SHARE

    parser.add_argument("--max-quarantine-share", type=_share, default=DEFAULT_MAX_QUARANTINE_SHARE, metavar="SHARE",
                        help="a table with a larger share of quarantined rows fails the load and nothing is written "
                        f"(default {DEFAULT_MAX_QUARANTINE_SHARE * 100:.0f}%%; give 0.1 or 10%%)")
    parser.add_argument("--accept-quarantine", action="store_true",
                        help="load even when a table's quarantined share is above the limit (the summary says so)")


def cmd_build(args: argparse.Namespace) -> int:
    from orchestration.dbt_runner import DbtFailure, build

    try:
        build(from_cli(args), select=args.select or (), target=args.target, force=args.force)
    except DbtFailure as error:
        print(str(error), file=sys.stderr)
        return 1
    return 0


def cmd_compare_engines(args: argparse.Namespace) -> int:
    from orchestration.spark import compare_marts

    differences = compare_marts(paths.warehouse_path(), paths.spark_home())
    if differences:
        print(f"{len(differences)} differences between the DuckDB and the Spark marts:", file=sys.stderr)
        for difference in differences[:20]:
            print(f"  {difference}", file=sys.stderr)
        return 1
    print(f"The marts of {paths.warehouse_path()} and of the Spark build in {paths.spark_home()} are equal.")
    return 0


def _publish(with_records: bool = False, with_facts: bool = False) -> int:
    from orchestration.publish import PublishError, publish

    try:
        result = publish(paths.warehouse_path(), paths.serving_path(), with_records=with_records,
                         with_facts=with_facts)
    except PublishError as error:
        print(f"publish failed, the previous serving file is kept: {error}", file=sys.stderr)
        return 1
    print(f"Published {len(result.tables)} tables ({result.total_rows:,} rows, latest month {result.latest_month}) "
          f"to {result.serving_path} in {result.duration_seconds:.1f} s; open it read-only.")
    return 0


def _report(out: Path | None = None, employee_names: bool = False) -> Path:
    from orchestration.report import write_report

    return write_report(paths.warehouse_path(), out or paths.reports_path() / "crm_impact.html",
                        employee_names=employee_names)


def cmd_publish(args: argparse.Namespace) -> int:
    return _publish(with_records=args.with_records, with_facts=args.with_facts)


def cmd_report(args: argparse.Namespace) -> int:
    print(f"Report written to {_report(Path(args.out) if args.out else None, args.employee_names)}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from orchestration.dbt_runner import DbtFailure, build
    from orchestration.scorecard import print_scorecard, read_load, read_scorecard

    print(f"Loading the demo export {paths.DEMO_EXPORT} into {paths.warehouse_path()}")
    status = _load(paths.DEMO_EXPORT, args)
    if status:
        return status
    try:
        build(from_cli(args))
    except DbtFailure as error:
        print(str(error), file=sys.stderr)
        return 1
    status = _publish()
    if status:
        return status
    report = _report()
    print_scorecard(read_scorecard(paths.warehouse_path()), read_load(paths.warehouse_path()))
    print(f"Warehouse (build):   {paths.warehouse_path()}")
    print(f"Serving file (BI):   {paths.serving_path()}")
    print(f"Report:              {report}")
    return 0


def cmd_extract(args: argparse.Namespace) -> int:
    from orchestration.extract import ExtractError, extract
    from orchestration.extract.common import MissingToken

    out = Path(args.out) if args.out else paths.landing_path() / f"{args.crm}-api"
    try:
        extraction = extract(args.crm, out, state_dir=Path(args.state) if args.state else None)
    except MissingToken as error:
        print(str(error), file=sys.stderr)
        return 2
    except ExtractError as error:
        print(str(error), file=sys.stderr)
        return 1
    print(extraction.summary())
    return _load(out, args) if args.load else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="crm-impact",
        description="Did the CRM pay off, and where? KPIs before and after the CRM go-live. "
        "The warehouse is the DuckDB file named by CRM_IMPACT_DB (default warehouse/crm.duckdb).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("generate", help="write a synthetic CRM export with effects of known size",
                       description="Write a synthetic CRM export that follows the raw contract, with CRM effects "
                       "of known size after the go-live and their ground truth in ground_truth.json.")
    p.add_argument("--scale", type=float, default=0.01, help="1 = about 1,000,000 order lines (default 0.01)")
    p.add_argument("--seed", type=int, default=42, help="random seed; same arguments give identical files")
    p.add_argument("--out", required=True, help="folder to write the export to")
    p.add_argument("--format", choices=("csv", "parquet"), default="csv", help="file format (default csv)")
    p.add_argument("--go-live", default="2024-09-01", help="go-live date YYYY-MM-DD (default 2024-09-01)")
    p.add_argument("--rollout", choices=("company", "staged"), default="company",
                   help="company-wide go-live, or staged by department (a control group)")
    p.add_argument("--dirty", type=float, default=0.0, help="share of rows given contract violations (default 0)")
    p.add_argument("--no-effects", action="store_true",
                   help="switch every CRM effect off (multipliers 1, deltas 0): a business the CRM did not change")
    p.add_argument("--month-shock-ar", type=float, default=0.5,
                   help="AR(1) coefficient of the month-to-month demand shocks (default 0.5)")
    p.add_argument("--month-shock-sd", type=float, default=0.05,
                   help="standard deviation of the monthly demand shocks, log scale; 0 switches them off "
                   "(default 0.05)")
    p.set_defaults(func=cmd_generate)

    p = sub.add_parser("load", help="validate a CRM export folder and load it into the raw schema",
                       description="Validate a CRM export folder against the raw contract and load it into the "
                       "raw schema of the warehouse. Bad rows go to raw.quarantine with their reason; a missing "
                       "required table or column stops the load before anything is written.")
    p.add_argument("export_dir", help="folder with <table>.csv, .xlsx, .jsonl or .parquet files (docs/loader.md)")
    _add_source_arguments(p)
    _add_quarantine_arguments(p)
    p.add_argument("--spark", action="store_true",
                   help="also write the loaded raw tables as Parquet for the Spark target (CRM_IMPACT_SPARK_HOME/raw)")
    _add_mapping_arguments(p)
    p.set_defaults(func=cmd_load)

    p = sub.add_parser("inspect", help="show what loading an export would do, without writing anything",
                       description="Show, per file of a CRM export folder, the table it maps to, the detected "
                       "format (encoding, delimiter, decimal separator, date format), each column's source, the rows "
                       "that would be quarantined and why (the first few per reason) and the verdict: would load, "
                       "or the error. Runs the loader's own checks in memory; the warehouse is not touched. "
                       "Exit 0 if the export would load, 1 if not.")
    p.add_argument("export_dir", help="the export folder")
    _add_source_arguments(p)
    _add_quarantine_arguments(p)
    p.add_argument("--examples", type=int, default=3, metavar="N", help="rows shown per quarantine reason (default 3)")
    _add_mapping_arguments(p)
    p.set_defaults(func=cmd_inspect)

    p = sub.add_parser("extract", help="pull a CRM's objects through its API into an export folder (incremental)",
                       description="Extract HubSpot or Pipedrive through the public REST API with dlt: only what "
                       "changed since the last run, archived and deleted records left out, rate limits and server "
                       "errors retried. The token comes from HUBSPOT_ACCESS_TOKEN or PIPEDRIVE_API_TOKEN. The result "
                       "is a complete export folder in the raw contract, swapped in only when every object was "
                       "extracted; `crm-impact load` (or --load) validates it. See docs/extract.md.")
    p.add_argument("crm", choices=("hubspot", "pipedrive"), help="the CRM to extract from")
    p.add_argument("--out", help="export folder to write (default: CRM_IMPACT_LANDING/<crm>-api, where the "
                   "Dagster sensor picks it up)")
    p.add_argument("--state", help="folder of the cursors and the extracted dataset (default CRM_IMPACT_EXTRACT_STATE "
                   "or warehouse/extract)")
    p.add_argument("--load", action="store_true", help="then load the folder into the warehouse (CRM_IMPACT_DB)")
    _add_quarantine_arguments(p)  # for --load
    _add_source_arguments(p)  # for --load
    p.set_defaults(func=cmd_extract, spark=False)

    p = sub.add_parser("build", help="build and test every dbt model (staging, facts, KPI marts)",
                       description="Build and test every dbt model - reference seeds, staging, facts, KPI marts "
                       "and the before/after comparison - in one dbt build.")
    add_cli_arguments(p)
    p.add_argument("--select", nargs="*", help="dbt selection (default: everything)")
    p.add_argument("--target", choices=TARGETS, default="duckdb",
                   help="engine: the DuckDB file (default) or Spark (pip install '.[spark]'; load with --spark first)")
    p.add_argument("--force", action="store_true",
                   help="build even when the raw data, the code and the settings are those of the last complete "
                        "build (which is otherwise skipped: nothing would change)")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("compare-engines", help="check that the Spark build's marts equal the DuckDB build's",
                       description="Compare every row of mart_kpi_monthly and mart_kpi_before_after of the DuckDB "
                       "warehouse with the Spark build in CRM_IMPACT_SPARK_HOME (numbers within 1e-9 relative; the estimates of mart_kpi_before_after within 1e-6).")
    p.set_defaults(func=cmd_compare_engines)

    p = sub.add_parser("publish", help="copy the marts into the read-only serving file for BI tools",
                       description="Copy the KPI marts, dimensions and friendly views into the serving DuckDB file "
                       "(CRM_IMPACT_SERVING_DB) that BI tools open read-only.")
    p.add_argument("--with-records", action="store_true",
                   help="also copy the per-record KPI tables (marts.kpi_<family>__records) for drill-downs; they "
                   "are most of the marts' rows, so a publish without them is several times faster (docs/bi.md)")
    p.add_argument("--with-facts", action="store_true",
                   help="also copy the facts (marts.fct_*: orders, order lines, tickets...), which the semantic "
                   "layer's metrics are computed from, for running MetricFlow's SQL in a BI tool (docs/bi.md)")
    p.set_defaults(func=cmd_publish)

    p = sub.add_parser("report", help="write the self-contained HTML before/after report",
                       description="Write reports/crm_impact.html (folder from CRM_IMPACT_REPORTS): a scorecard per "
                       "family, monthly charts with the go-live and ramp-up marked, and the payback curve. The file "
                       "needs no internet to open.")
    p.add_argument("--out", help="where to write the HTML file (default reports/crm_impact.html)")
    p.add_argument("--employee-names", action="store_true",
                   help="name employees in the per-employee table, where the build allowed names "
                        "(crm-impact build --show-employee-names true); default: counts only")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("demo", help="load the embedded demo export, build everything, print the scorecard",
                       description="Load the committed demo export (seeds/demo) through the loader, build every "
                       "model, publish the serving file, write the report and print the before/after scorecard.")
    add_cli_arguments(p)
    p.set_defaults(func=cmd_demo)
    return parser


# What each command needs of the warehouse (CRM_IMPACT_DB) before it starts:
# (must exist, must be built, will write). Commands not listed do not open it.
WAREHOUSE_NEEDS: dict[str, tuple[bool, bool, bool]] = {
    "load": (False, False, True),
    "demo": (False, False, True),
    "build": (True, False, True),
    "publish": (True, True, False),
    "report": (True, True, False),
}


def main(argv: list[str] | None = None) -> int:
    import duckdb

    from orchestration.load.errors import WarehouseError
    from orchestration.load.warehouse import check_warehouse, is_lock_error, lock_message

    args = build_parser().parse_args(argv)
    if getattr(args, "source_timezone_old", None):
        print(f"crm-impact {args.command}: --timezone is now --source-timezone here (the zone of the export's "
              "naive timestamps); calendar months are set by `crm-impact build --timezone`.", file=sys.stderr)
        return 2
    try:
        if hasattr(args, "crm_go_live_date"):
            from_cli(args)  # a wrong setting is named before the warehouse is looked at
        if args.command in WAREHOUSE_NEEDS and not (args.command == "build" and args.target != "duckdb"):
            must_exist, built, write = WAREHOUSE_NEEDS[args.command]
            check_warehouse(paths.warehouse_path(), must_exist=must_exist, built=built, write=write)
        return args.func(args)
    except SettingError as error:
        print(str(error), file=sys.stderr)
        return 2
    except WarehouseError as error:
        print(f"crm-impact {args.command}: {error}", file=sys.stderr)
        return 2
    except duckdb.Error as error:
        if not is_lock_error(error):
            raise
        print(f"crm-impact {args.command}: {lock_message(paths.warehouse_path(), error)}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
