"""Pipedrive's deals, persons, organizations, activities, products and users through dlt's ``rest_api``.

Endpoints, from Pipedrive's public API reference (developers.pipedrive.com;
the same in its official client libraries' docs/versions/v2/Api/*.md):

* API v2 ``GET /api/v2/{deals,persons,organizations,activities,products}``:
  ``updated_since`` (RFC 3339, "update_time later than or equal to") is the
  incremental filter, ``sort_by=update_time&sort_direction=asc``,
  ``limit`` up to 500, cursor pagination: the next page is ``cursor=`` the
  response's ``additional_data.next_cursor`` (absent or null on the last
  page). Records are under ``data``. v2 is what Pipedrive recommends for
  large data sets; v1's ``start``/``more_items_in_collection`` paging is not
  used for these.
* Deals: ``status=open,won,lost,deleted``: without it the list leaves out
  deleted deals; with it, deals deleted up to 30 days ago come back with
  ``status`` ``deleted`` (so extract at least monthly, or a deletion is
  missed). Persons, organizations, activities and products carry
  ``is_deleted``; the reference does not say whether their v2 lists return
  deleted records at all, so a deleted one is dropped if it comes, and
  otherwise simply stops changing.
* API v1 ``GET /v1/users`` (no v2 yet): every user of the company, one page;
  ``active_flag`` false = a former user, still the owner of old deals.

The token goes in the ``x-api-token`` header (the official clients' api_key
scheme), never in the URL, so no request line, log or error carries it.
"""

from __future__ import annotations

from dlt.sources.helpers.rest_client.auth import APIKeyAuth
from dlt.sources.helpers.rest_client.paginators import JSONResponseCursorPaginator
from dlt.sources.rest_api import rest_api_source

from orchestration.extract.common import RetryPolicy, http_session
from orchestration.extract.views import Flat, not_deleted

DEFAULT_BASE_URL = "https://api.pipedrive.com"
PAGE_SIZE = 500  # v2's largest page
LAG_SECONDS = 60.0  # re-read the last minute before the cursor: a write and the list can race
INITIAL_CURSOR = "1970-01-01T00:00:00Z"

# entity -> (extra query parameters, columns the snapshot reads, declared so that they exist)
ENTITIES: dict[str, tuple[dict[str, str], tuple[str, ...]]] = {
    "deals": ({"status": "open,won,lost,deleted"},
              ("title", "owner_id", "person_id", "org_id", "pipeline_id", "stage_id", "value", "currency",
               "add_time", "update_time", "status", "lost_reason", "close_time", "won_time", "lost_time")),
    "persons": ({}, ("name", "owner_id", "org_id", "add_time", "update_time")),
    "organizations": ({}, ("name", "owner_id", "add_time", "update_time", "address__country",
                           "address__admin_area_level_1", "address__locality")),
    "activities": ({}, ("subject", "type", "owner_id", "deal_id", "org_id", "person_id", "add_time",
                        "update_time", "due_date", "due_time", "done", "marked_as_done_time")),
    "products": ({}, ("name", "code", "category", "add_time", "update_time")),
}


def _columns(names: tuple[str, ...]) -> dict[str, dict[str, str]]:
    columns: dict[str, dict[str, str]] = {name: {"data_type": "text"} for name in names}
    columns["id"] = {"data_type": "bigint"}
    columns["is_deleted"] = {"data_type": "bool"}
    for name in ("owner_id", "person_id", "org_id", "deal_id", "pipeline_id", "stage_id"):
        if name in columns:
            columns[name] = {"data_type": "bigint"}
    if "value" in columns:
        columns["value"] = {"data_type": "double"}
    if "done" in columns:
        columns["done"] = {"data_type": "bool"}
    return columns


def _entity_resource(name: str, params: dict[str, str], columns: tuple[str, ...]) -> dict:
    return {
        "name": name,
        "primary_key": "id",
        "write_disposition": "merge",
        "columns": _columns(columns),
        "endpoint": {
            "path": f"api/v2/{name}",
            "params": {
                **params,
                "sort_by": "update_time",
                "sort_direction": "asc",
                "limit": PAGE_SIZE,
                "updated_since": {"type": "incremental", "cursor_path": "update_time",
                                  "initial_value": INITIAL_CURSOR, "lag": LAG_SECONDS},
            },
            "data_selector": "data",
            "paginator": JSONResponseCursorPaginator(cursor_path="additional_data.next_cursor",
                                                     cursor_param="cursor"),
        },
    }


def pipedrive_source(token: str, base_url: str = DEFAULT_BASE_URL, *, policy: RetryPolicy = RetryPolicy(),
                     **_: object):
    """The dlt source of every entity above plus the users."""
    source = rest_api_source({
        "client": {
            "base_url": base_url,
            "auth": APIKeyAuth(name="x-api-token", api_key=token, location="header"),
            "session": http_session(policy),
        },
        "resources": [
            *(_entity_resource(name, params, columns) for name, (params, columns) in ENTITIES.items()),
            {
                "name": "users",
                "primary_key": "id",
                "write_disposition": "replace",
                "columns": {"id": {"data_type": "bigint"}, "name": {"data_type": "text"},
                            "email": {"data_type": "text"}, "created": {"data_type": "text"},
                            "modified": {"data_type": "text"}, "active_flag": {"data_type": "bool"},
                            "is_deleted": {"data_type": "bool"}},
                "endpoint": {"path": "v1/users", "data_selector": "data", "paginator": "single_page"},
            },
        ],
    }, name="pipedrive", max_table_nesting=1)
    source.schema.remove_type_detection("iso_timestamp")
    return source


# --------------------------------------------------------------------------- the snapshot's views
# (views.py: flat relations per preset source; the rules are in presets/pipedrive_api.yml)


FLATS: tuple[Flat, ...] = (
    *(Flat(f"api_{name}", name, (("id", "id"), ("is_deleted", "is_deleted"), *((c, c) for c in columns)),
           not_deleted("is_deleted") + (" AND coalesce(__status__, '') <> 'deleted'" if name == "deals" else ""))
      for name, (_, columns) in ENTITIES.items()),
    # users: inactive ones stay (a former colleague still owns old deals)
    Flat("api_users", "users", (("id", "id"), ("name", "name"), ("email", "email"), ("created", "created"),
                                ("active_flag", "active_flag"))),
)

COMBINED: tuple[tuple[str, str], ...] = (
    # organizations, and the persons that have no organization (keyed person-<id>, as deals name them)
    ("customers", """
        SELECT id, name, add_time, address__country, address__admin_area_level_1, address__locality,
               'organization' AS kind
        FROM api_organizations
        UNION ALL
        SELECT 'person-' || id, name, add_time, NULL, NULL, NULL, 'person'
        FROM api_persons WHERE org_id IS NULL
    """),
    ("deals", "SELECT * FROM api_deals"),
    ("activities", "SELECT * FROM api_activities"),
    ("products", "SELECT * FROM api_products"),
    # users, with the deals they own (the API's users have no sales/support role: the preset derives one)
    ("users", """
        SELECT u.*, (SELECT count(*) FROM api_deals AS d WHERE d.owner_id = u.id) AS deals_owned
        FROM api_users AS u
    """),
)

# landed table -> (flag column, SQL condition on it) of a record the API reports deleted (counted in the report)
DELETED: dict[str, tuple[tuple[str, str], ...]] = {
    name: (("is_deleted", "is_deleted"), *((("status", "status = 'deleted'"),) if name == "deals" else ()))
    for name in ENTITIES}
