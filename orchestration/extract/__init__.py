"""Extraction straight from a CRM's REST API (HubSpot, Pipedrive) with dlt, into the loader's path.

    extraction = extract("hubspot", Path("warehouse/landing/hubspot-api"))
    print(extraction.summary())

One module per job: common (tokens, retries, errors without secrets), hubspot
and pipedrive (each CRM's dlt source and the flat views of what it landed),
views (making those views robust to missing columns), snapshot (the landed
dataset mapped by the CRM's API preset to contract files, swapped in whole),
run (the incremental, resumable pipeline run, then the snapshot). The mapping
to the contract is presets/hubspot_api.yml and presets/pipedrive_api.yml in
orchestration/load; the loader validates and quarantines the snapshot like any
file export. How to set up tokens and what each object feeds: docs/extract.md.
"""

import os

# dlt sends anonymous usage telemetry unless told not to; crm-impact talks to the CRM's API only
os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")

from orchestration.extract.common import ExtractError, RetryPolicy  # noqa: E402
from orchestration.extract.run import SOURCES, Extraction, extract, snapshot, source_named  # noqa: E402

__all__ = ["SOURCES", "ExtractError", "Extraction", "RetryPolicy", "extract", "snapshot", "source_named"]
