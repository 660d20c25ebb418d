"""HubSpot's CRM objects through dlt's ``rest_api`` source, incrementally.

Endpoints, from HubSpot's public API reference (developers.hubspot.com,
"CRM search", "Objects", "Owners", "Pipelines", "Associations v4"):

* ``POST /crm/v3/objects/{object}/search`` for every object: the only list
  endpoint that filters on the last-modified time, so a second run fetches
  only what changed. The body filters ``hs_lastmodifieddate`` (contacts:
  ``lastmodifieddate``) ``GTE`` the cursor, in epoch milliseconds, sorted
  ascending, up to 200 results a page; the next page is the body's ``after``,
  taken from the response's ``paging.next.after``. The cursor is the
  record's ``updatedAt``. A search query pages through at most 10,000 results;
  when a query reaches that cap the run stops it there and the next pass
  (``extract`` runs passes until none is capped) continues from the cursor,
  which has advanced because the results are sorted by modification time.
* ``GET /crm/v3/objects/{object}?archived=true`` for the archived (deleted)
  records, which search never returns; paged by ``after`` the same way.
* ``POST /crm/v4/associations/{from}/{to}/batch/read`` for the companies and
  contacts of a deal, the deal of a line item and the company of a ticket:
  search results carry no associations. The ids are stored ``;``-separated,
  primary association first, as in HubSpot's own export files.
* ``GET /crm/v3/owners`` (active and archived) for the people who own records,
  and ``GET /crm/v3/pipelines/{deals,tickets}`` for the stages, whose metadata
  says which deal stage is won or lost (``isClosed``, ``probability`` 1 or 0)
  and which ticket stage is closed (``ticketState``), whatever the account
  named them.

Property names are HubSpot's internal names of default properties. Where the
reference pages searched did not confirm a name, it says so beside it; the
search endpoint returns nothing (it does not fail) for a property an account
does not have, so such a name costs a column, not a run.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import dlt
from dlt.sources.helpers.rest_client import RESTClient
from dlt.sources.helpers.rest_client.auth import BearerTokenAuth
from dlt.sources.helpers.rest_client.paginators import JSONResponseCursorPaginator
from dlt.sources.rest_api import rest_api_resources

from orchestration.extract.common import RetryPolicy, epoch_ms, http_session
from orchestration.extract.views import Flat, not_deleted

DEFAULT_BASE_URL = "https://api.hubapi.com"
SEARCH_PAGE_SIZE = 200  # the search endpoints' largest page
LIST_PAGE_SIZE = 100  # the list (archived) and owners endpoints' largest page
SEARCH_CAP = 10_000  # a search query cannot page past this many results
ASSOCIATION_BATCH = 100  # ids per batch read (HubSpot documents a larger limit; 100 keeps requests small)
# The search filter starts this many seconds before the cursor: HubSpot's search index
# trails writes by a few seconds, so a record modified just before the last run's newest
# one may have been missing from it. The overlap is fetched again; the merge on id keeps one row.
LAG_SECONDS = 60.0
INITIAL_CURSOR = "1970-01-01T00:00:00Z"


@dataclass(frozen=True)
class HubObject:
    """One CRM object type: its search properties and the objects whose associations it needs."""

    name: str
    properties: tuple[str, ...]
    modified: str = "hs_lastmodifieddate"  # the property the search filters and sorts on
    associations: tuple[str, ...] = ()  # object types read from the associations API


OBJECTS: tuple[HubObject, ...] = (
    HubObject("companies", ("name", "industry", "country", "state", "city", "phone", "hs_analytics_source",
                            "createdate", "hs_lastmodifieddate")),
    # hs_lifecyclestage_customer_date ("Became a Customer Date") is the name HubSpot's
    # lifecycle-stage date properties follow; not confirmed on a reference page.
    HubObject("contacts", ("firstname", "lastname", "email", "phone", "associatedcompanyid", "hubspot_owner_id",
                           "lifecyclestage", "hs_lead_status", "hs_analytics_source",
                           "hs_lifecyclestage_customer_date", "createdate", "lastmodifieddate"),
              modified="lastmodifieddate"),
    HubObject("deals", ("dealname", "amount", "deal_currency_code", "pipeline", "dealstage", "closedate",
                        "closed_lost_reason", "hubspot_owner_id", "createdate", "hs_lastmodifieddate"),
              associations=("companies", "contacts")),
    HubObject("line_items", ("name", "hs_product_id", "quantity", "price", "amount", "hs_total_discount",
                             "createdate", "hs_lastmodifieddate"),
              associations=("deals",)),
    # hs_cost_of_goods_sold ("Unit cost"): not confirmed on a reference page
    HubObject("products", ("name", "price", "hs_cost_of_goods_sold", "hs_product_type", "createdate",
                           "hs_lastmodifieddate")),
    # closed_date and first_agent_reply_date ("Close date", "First agent email response
    # date"): the internal names HubSpot's ticket exports map to; not confirmed on a reference page
    HubObject("tickets", ("subject", "hs_pipeline", "hs_pipeline_stage", "hs_ticket_category", "source_type",
                          "hubspot_owner_id", "createdate", "first_agent_reply_date", "closed_date",
                          "hs_lastmodifieddate"),
              associations=("companies",)),
    # engagements: each is its own object with a search endpoint; hs_timestamp is when a
    # call, email or meeting happened and when a task is due
    HubObject("calls", ("hs_timestamp", "hubspot_owner_id", "hs_createdate", "hs_lastmodifieddate")),
    HubObject("emails", ("hs_timestamp", "hubspot_owner_id", "hs_createdate", "hs_lastmodifieddate")),
    HubObject("meetings", ("hs_timestamp", "hubspot_owner_id", "hs_createdate", "hs_lastmodifieddate")),
    # hs_task_completion_date: not confirmed on a reference page (hs_task_status is)
    HubObject("tasks", ("hs_timestamp", "hs_task_status", "hs_task_type", "hs_task_completion_date",
                        "hubspot_owner_id", "hs_createdate", "hs_lastmodifieddate")),
)

# Which search queries reached SEARCH_CAP in a run, by run key (the paginator is copied by
# dlt, so it reports here rather than on itself).
CAPPED: dict[str, set[str]] = {}


class SearchPaginator(JSONResponseCursorPaginator):
    """HubSpot's search paging (``after`` in the body from ``paging.next.after``), stopped at the 10,000 cap.

    Stopping is not an error: the results are sorted by modification time,
    so the incremental cursor has reached the last record fetched, and the
    next pass asks for the rest. The run's ``CAPPED`` set says a pass is due.
    """

    def __init__(self, resource: str, run_key: str, cap: int) -> None:
        super().__init__(cursor_path="paging.next.after", cursor_body_path="after")
        self.resource, self.run_key, self.cap, self.seen = resource, run_key, cap, 0

    def update_state(self, response, data=None) -> None:  # type: ignore[no-untyped-def]
        super().update_state(response, data)
        self.seen += len(data or [])
        if not self.has_next_page:
            return
        # ``after`` is the offset of the next result; HubSpot refuses an offset at the cap
        after = str(self._next_reference)
        if (int(after) if after.isdigit() else self.seen) >= self.cap:
            self._has_next_page = False
            CAPPED.setdefault(self.run_key, set()).add(self.resource)


def _text_columns(names: Iterable[str]) -> dict[str, dict[str, str]]:
    return {name: {"data_type": "text"} for name in names}


def _object_columns(obj: HubObject) -> dict[str, dict[str, str]]:
    """Every column the snapshot reads exists, typed text, even when no record has a value yet."""
    # (id, createdAt, updatedAt, archived are on every record; declaring them under their
    # normalised names would only make dlt warn that updatedAt and updated_at collide)
    return _text_columns([*(f"properties__{p}" for p in obj.properties), *(f"{to}_ids" for to in obj.associations)])


def _search_resource(obj: HubObject, run_key: str, cap: int) -> dict:
    name = f"{obj.name}_changed" if obj.associations else obj.name
    return {
        "name": name,
        "table_name": obj.name,
        "primary_key": "id",
        "write_disposition": "merge",
        "columns": _object_columns(obj),
        "selected": not obj.associations,  # with associations, the transformer below writes the table
        "endpoint": {
            "path": f"crm/v3/objects/{obj.name}/search",
            "method": "POST",
            "json": {
                "filterGroups": [{"filters": [
                    {"propertyName": obj.modified, "operator": "GTE", "value": "{incremental.start_value}"},
                ]}],
                "sorts": [{"propertyName": obj.modified, "direction": "ASCENDING"}],
                "properties": list(obj.properties),
                "limit": SEARCH_PAGE_SIZE,
            },
            "data_selector": "results",
            "paginator": SearchPaginator(name, run_key, cap),
            "incremental": {
                "cursor_path": "updatedAt",
                "initial_value": INITIAL_CURSOR,
                "lag": LAG_SECONDS,
                "convert": lambda value: str(epoch_ms(value)),  # the search filter takes epoch ms
            },
        },
    }


def _list_paginator() -> JSONResponseCursorPaginator:
    return JSONResponseCursorPaginator(cursor_path="paging.next.after", cursor_param="after")


def _archived_resource(obj: HubObject) -> dict:
    """The archived records of ``obj``: all of them each run (the list cannot filter by time), merged on id."""
    return {
        "name": f"{obj.name}_archived",
        "table_name": obj.name,
        "primary_key": "id",
        "write_disposition": "merge",
        "columns": _object_columns(obj),
        "endpoint": {
            "path": f"crm/v3/objects/{obj.name}",
            "params": {"archived": "true", "limit": LIST_PAGE_SIZE, "properties": ",".join(obj.properties)},
            "data_selector": "results",
            "paginator": _list_paginator(),
        },
    }


def _owner_resources() -> list[dict]:
    return [{
        "name": "owners" if not archived else "owners_archived",
        "table_name": "owners",
        "primary_key": "id",
        "write_disposition": "merge",
        "endpoint": {
            "path": "crm/v3/owners",
            "params": {"archived": "true" if archived else "false", "limit": LIST_PAGE_SIZE},
            "data_selector": "results",
            "paginator": _list_paginator(),
        },
    } for archived in (False, True)]


def _pipeline_resources() -> list[dict]:
    return [{
        "name": f"{kind[:-1]}_pipelines",
        "primary_key": "id",
        "write_disposition": "replace",  # a handful of rows; renamed stages must not linger
        "endpoint": {"path": f"crm/v3/pipelines/{kind}", "data_selector": "results", "paginator": "single_page"},
    } for kind in ("deals", "tickets")]


def _read_associations(client: RESTClient, from_type: str, to_type: str, ids: list[str]) -> dict[str, list[str]]:
    """from id -> associated ids, primary association first (v4 batch read, following per-id paging)."""
    found: dict[str, list[tuple[int, str]]] = {i: [] for i in ids}
    pending = [{"id": i} for i in ids]
    while pending:
        batch, pending = pending[:ASSOCIATION_BATCH], pending[ASSOCIATION_BATCH:]
        response = client.post(f"crm/v4/associations/{from_type}/{to_type}/batch/read", json={"inputs": batch})
        response.raise_for_status()
        for result in response.json().get("results", []):
            from_id = str(result["from"]["id"])
            for to in result.get("to", []):
                primary = any(str(t.get("label") or "").lower() == "primary" for t in to.get("associationTypes", []))
                found.setdefault(from_id, []).append((0 if primary else 1, str(to["toObjectId"])))
            after = (result.get("paging") or {}).get("next", {}).get("after")
            if after:
                pending.append({"id": from_id, "after": after})
    out = {}
    for from_id, targets in found.items():
        ordered = [t for _, t in sorted(targets, key=lambda pair: pair[0])]  # stable: API order within a rank
        out[from_id] = list(dict.fromkeys(ordered))
    return out


def _with_associations(obj: HubObject, client: RESTClient):
    """A transformer that adds ``<to>_ids`` to each page of changed ``obj`` records, then writes the table."""

    def enrich(page: list[dict]) -> Iterator[list[dict]]:
        records = list(page)
        ids = [str(r["id"]) for r in records]
        for to_type in obj.associations:
            associated = _read_associations(client, obj.name, to_type, ids) if ids else {}
            for record in records:
                record[f"{to_type}_ids"] = ";".join(associated.get(str(record["id"]), []))
        yield records

    return dlt.transformer(enrich, name=obj.name, table_name=obj.name, primary_key="id",
                           write_disposition="merge", columns=_object_columns(obj))


def hubspot_source(token: str, base_url: str = DEFAULT_BASE_URL, *, policy: RetryPolicy = RetryPolicy(),
                   run_key: str | None = None, search_cap: int = SEARCH_CAP):
    """The dlt source of every object above. ``run_key`` names this run in ``CAPPED``."""
    run_key = run_key or uuid.uuid4().hex
    session = http_session(policy)
    auth = BearerTokenAuth(token=token)
    resources = rest_api_resources({
        "client": {"base_url": base_url, "auth": auth, "session": session},
        "resources": [
            *(_search_resource(o, run_key, search_cap) for o in OBJECTS),
            *(_archived_resource(o) for o in OBJECTS),
            *_owner_resources(),
            *_pipeline_resources(),
        ],
    })
    by_name = {r.name: r for r in resources}
    client = RESTClient(base_url=base_url, auth=auth, session=session)
    transformers = [by_name[f"{o.name}_changed"] | _with_associations(o, client) for o in OBJECTS if o.associations]

    @dlt.source(name="hubspot", max_table_nesting=2)
    def source():
        return [*resources, *transformers]

    src = source()
    # keep the API's text as it is (the mapping and the loader parse it), no guessing of timestamps
    src.schema.remove_type_detection("iso_timestamp")
    return src


# --------------------------------------------------------------------------- the snapshot's views
# (views.py: flat relations per preset source; the rules are in presets/hubspot_api.yml)



def _flat(obj: HubObject) -> Flat:
    base = [("id", "id"), ("created_at", "createdAt"), ("updated_at", "updatedAt")]
    props = [(f"properties__{p}", p) for p in obj.properties]
    assoc = [(f"{to}_ids", f"{to}_ids") for to in obj.associations]
    return Flat(f"api_{obj.name}", obj.name, tuple(base + props + assoc), not_deleted("archived"))


FLATS: tuple[Flat, ...] = (
    *(_flat(o) for o in OBJECTS),
    # owners: archived ones stay (a former colleague still owns old deals)
    Flat("api_owners", "owners", (("id", "id"), ("email", "email"), ("first_name", "firstName"),
                                  ("last_name", "lastName"), ("archived", "archived"))),
    Flat("api_deal_pipelines", "deal_pipelines", (("id", "id"), ("_dlt_id", "_dlt_id"))),
    Flat("api_deal_stages", "deal_pipelines__stages",
         (("id", "id"), ("label", "label"), ("metadata__is_closed", "isClosed"),
          ("metadata__probability", "probability"), ("_dlt_parent_id", "_dlt_parent_id"))),
    Flat("api_ticket_pipelines", "ticket_pipelines", (("id", "id"), ("_dlt_id", "_dlt_id"))),
    Flat("api_ticket_stages", "ticket_pipelines__stages",
         (("id", "id"), ("label", "label"), ("metadata__ticket_state", "ticketState"),
          ("_dlt_parent_id", "_dlt_parent_id"))),
)

_DEALS = """
SELECT d.*, s.label AS stage_label, s."isClosed" AS stage_is_closed, s.probability AS stage_probability
FROM api_deals AS d
LEFT JOIN (SELECT p.id AS pipeline_id, s.* FROM api_deal_stages AS s
           JOIN api_deal_pipelines AS p ON s._dlt_parent_id = p._dlt_id) AS s
       ON s.id = d.dealstage AND s.pipeline_id = coalesce(d.pipeline, 'default')
"""

COMBINED: tuple[tuple[str, str], ...] = (
    # companies, and the contacts that have no company (keyed contact-<id>, as deals name them)
    ("customers", """
        SELECT id, createdate, name, industry, state, country, phone, CAST(NULL AS VARCHAR) AS email,
               hs_analytics_source
        FROM api_companies
        UNION ALL
        SELECT 'contact-' || id, createdate, nullif(concat_ws(' ', firstname, lastname), ''), NULL, NULL, NULL,
               phone, email, hs_analytics_source
        FROM api_contacts WHERE nullif(trim(associatedcompanyid), '') IS NULL
    """),
    ("contacts", "SELECT * FROM api_contacts"),
    ("deals", _DEALS),
    # a deal's line items; a deal without any is one line of its amount
    ("order_lines", f"""
        WITH deals AS ({_DEALS}),
        items AS (
            SELECT nullif(split_part(i.deals_ids, ';', 1), '') AS deal_id, i.id AS line_item_id, i.hs_product_id,
                   i.quantity, i.price, i.createdate
            FROM api_line_items AS i
        )
        SELECT d.id AS deal_id, d.dealstage, d.stage_is_closed, d.stage_probability, d.amount,
               CAST(row_number() OVER (PARTITION BY d.id ORDER BY i.createdate, i.line_item_id) AS VARCHAR)
                   AS line_position,
               i.line_item_id, i.hs_product_id, coalesce(i.quantity, '1') AS quantity,
               CASE WHEN i.line_item_id IS NULL THEN d.amount ELSE i.price END AS price
        FROM deals AS d LEFT JOIN items AS i ON i.deal_id = d.id
    """),
    ("products", "SELECT * FROM api_products"),
    ("tickets", """
        SELECT t.*, s.label AS stage_label, s."ticketState" AS ticket_state
        FROM api_tickets AS t
        LEFT JOIN (SELECT p.id AS pipeline_id, s.* FROM api_ticket_stages AS s
                   JOIN api_ticket_pipelines AS p ON s._dlt_parent_id = p._dlt_id) AS s
               ON s.id = t.hs_pipeline_stage AND s.pipeline_id = coalesce(t.hs_pipeline, '0')
    """),
    ("activities", """
        SELECT 'call-' || id AS id, 'call' AS engagement, hubspot_owner_id, hs_createdate, hs_timestamp,
               NULL AS hs_task_status, NULL AS hs_task_completion_date FROM api_calls
        UNION ALL
        SELECT 'email-' || id, 'email', hubspot_owner_id, hs_createdate, hs_timestamp, NULL, NULL FROM api_emails
        UNION ALL
        SELECT 'meeting-' || id, 'meeting', hubspot_owner_id, hs_createdate, hs_timestamp, NULL, NULL
        FROM api_meetings
        UNION ALL
        SELECT 'task-' || id, 'task', hubspot_owner_id, hs_createdate, hs_timestamp, hs_task_status,
               hs_task_completion_date FROM api_tasks
    """),
    # owners, with what they own (the API has no role: the preset derives one from this)
    ("owners", """
        SELECT o.*,
               (SELECT count(*) FROM api_deals AS d WHERE d.hubspot_owner_id = o.id) AS deals_owned,
               (SELECT count(*) FROM api_tickets AS t WHERE t.hubspot_owner_id = o.id) AS tickets_owned
        FROM api_owners AS o
    """),
)

# landed table -> (flag column, SQL condition on it) of a record the API reports deleted (counted in the report)
DELETED: dict[str, tuple[tuple[str, str], ...]] = {o.name: (("archived", "archived"),) for o in OBJECTS}
