"""The raw data contract (v1) as data; ``docs/export_format.md`` is generated from it.

One source of truth for the tables, columns, types, keys and domains of a CRM
export. The generator writes exports that follow it, the loader validates them
against it, and the dbt sources describe the same tables. A change to the
contract is a change here, nowhere else (then ``make docs-md`` rewrites the docs).
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Logical column types of the contract, mapped to the DuckDB type the raw
# schema stores them as. "timestamp" values are normalised to UTC at load.
DUCKDB_TYPES: dict[str, str] = {
    "text": "VARCHAR",
    "timestamp": "TIMESTAMP",
    "date": "DATE",
    "decimal": "DOUBLE",
    "int": "BIGINT",
    "bool": "BOOLEAN",
}


@dataclass(frozen=True)
class Column:
    """One column of a raw table."""

    name: str
    type: str  # a key of DUCKDB_TYPES
    nullable: bool = True
    pii: bool = False
    domain: tuple[str, ...] | None = None  # allowed values for text columns
    min_value: float | None = None  # inclusive lower bound for numbers
    max_value: float | None = None  # inclusive upper bound for numbers
    description: str = ""


@dataclass(frozen=True)
class Table:
    """One table of a CRM export."""

    name: str
    required: bool
    primary_key: tuple[str, ...]
    columns: tuple[Column, ...]
    description: str
    # (column, referenced table, referenced column): orphans are kept, warned.
    references: tuple[tuple[str, str, str], ...] = ()
    # (start column, end column): a row whose end is before its start is a
    # data error and is quarantined ("responses before opening").
    ordered: tuple[tuple[str, str], ...] = ()
    # default values filled in for NULLs, e.g. discount_amount = 0
    defaults: dict[str, object] = field(default_factory=dict)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no column {name!r}")


ROLES = ("sales", "support", "manager", "operations", "other")
LEAD_STATUSES = ("open", "won", "lost")
LOST_REASONS = ("no_response", "price", "competitor", "not_qualified", "other")
ORDER_STATUSES = ("completed", "cancelled", "returned", "pending")
TICKET_STATUSES = ("open", "resolved", "closed_unresolved")
DOCUMENT_TYPES = ("invoice", "contract", "waybill", "act", "other")
APPROVAL_OBJECT_TYPES = ("order", "discount", "contract", "refund", "other")
APPROVAL_DECISIONS = ("approved", "rejected", "pending")
ACTIVITY_TYPES = ("call", "email", "meeting", "task")
EXPENSE_CATEGORIES = ("acquisition", "order_processing", "customer_service", "other")
CRM_COST_CATEGORIES = ("license", "implementation", "integration", "training", "support", "other")
ROLLOUT_SCOPE_TYPES = ("company", "department", "region")

C = Column

TABLES: tuple[Table, ...] = (
    Table(
        "customers", True, ("customer_id",),
        (
            C("customer_id", "text", nullable=False, description="Customer key."),
            C("created_at", "timestamp", description="When the customer record appeared in the CRM."),
            C("segment", "text", description="Customer segment, e.g. retail, smb, enterprise."),
            C("region", "text", description="Sales region of the customer."),
            C("acquisition_channel", "text", description="How the customer was acquired."),
            C("full_name", "text", pii=True, description="Customer name (PII, dropped in staging)."),
            C("email", "text", pii=True, description="E-mail (PII, hashed in staging)."),
            C("phone", "text", pii=True, description="Phone (PII, hashed in staging)."),
        ),
        "Customers of the company, one row per customer record.",
    ),
    Table(
        "employees", False, ("employee_id",),
        (
            C("employee_id", "text", nullable=False, description="Employee key."),
            C("full_name", "text", pii=True, description="Employee name (PII, dropped in staging)."),
            C("department", "text", description="Department the employee works in."),
            C("role", "text", domain=ROLES, description="Role: sales, support, manager, operations, other."),
            C("hired_at", "date", description="First day of employment."),
            C("terminated_at", "date", description="Last day of employment; null = still employed."),
            C("hourly_cost", "decimal", min_value=0, description="Fully loaded cost per hour, if known."),
        ),
        "Staff of the company, one row per employee.",
        ordered=(("hired_at", "terminated_at"),),
    ),
    Table(
        "products", False, ("product_id",),
        (
            C("product_id", "text", nullable=False, description="Product key."),
            C("product_name", "text", description="Product name."),
            C("category", "text", description="Product category."),
            C("list_price", "decimal", min_value=0, description="List price in the reporting currency."),
            C("unit_cost", "decimal", min_value=0, description="Cost of one unit in the reporting currency."),
        ),
        "Product catalogue.",
    ),
    Table(
        "leads", False, ("lead_id",),
        (
            C("lead_id", "text", nullable=False, description="Lead key."),
            C("customer_id", "text", description="Customer the lead belongs to; null = a prospect."),
            C("channel", "text", description="Channel the request came through."),
            C("created_at", "timestamp", nullable=False, description="When the request arrived."),
            C("assigned_to", "text", description="Employee the lead was assigned to."),
            C("first_response_at", "timestamp", description="First response to the request."),
            C("status", "text", nullable=False, domain=LEAD_STATUSES, description="open, won or lost."),
            C("closed_at", "timestamp", description="When the lead was won or lost."),
            C("lost_reason", "text", domain=LOST_REASONS, description="Why a lost lead was lost."),
        ),
        "Inbound requests (заявки).",
        references=(("customer_id", "customers", "customer_id"), ("assigned_to", "employees", "employee_id")),
        ordered=(("created_at", "first_response_at"), ("created_at", "closed_at")),
    ),
    Table(
        "orders", True, ("order_id",),
        (
            C("order_id", "text", nullable=False, description="Order key."),
            C("customer_id", "text", nullable=False, description="Customer who placed the order."),
            C("employee_id", "text", description="Employee responsible for the order."),
            C("lead_id", "text", description="Lead the order came from, if any."),
            C("created_at", "timestamp", nullable=False, description="When the order was placed."),
            C("status", "text", nullable=False, domain=ORDER_STATUSES,
              description="completed, cancelled, returned or pending."),
            C("currency", "text", description="ISO 4217 currency of the order's amounts."),
            C("discount_amount", "decimal", min_value=0, description="Order-level discount; default 0."),
        ),
        "Orders, one row per order.",
        references=(("customer_id", "customers", "customer_id"), ("employee_id", "employees", "employee_id"),
                    ("lead_id", "leads", "lead_id")),
        defaults={"discount_amount": 0.0},
    ),
    Table(
        "order_items", True, ("order_id", "line_number"),
        (
            C("order_id", "text", nullable=False, description="Order the line belongs to."),
            C("line_number", "int", nullable=False, min_value=1, description="Line number within the order."),
            C("product_id", "text", description="Product sold on the line."),
            C("quantity", "decimal", nullable=False, min_value=0, description="Units sold; never negative."),
            C("unit_price", "decimal", nullable=False, min_value=0, description="Price per unit, order currency."),
            C("unit_cost", "decimal", min_value=0, description="Cost per unit; null = take products.unit_cost."),
        ),
        "Order lines.",
        references=(("order_id", "orders", "order_id"), ("product_id", "products", "product_id")),
    ),
    Table(
        "tickets", False, ("ticket_id",),
        (
            C("ticket_id", "text", nullable=False, description="Ticket key."),
            C("customer_id", "text", description="Customer who contacted the company."),
            C("channel", "text", description="Channel of the request (phone, email, chat, ...)."),
            C("category", "text", description="Topic of the request."),
            C("opened_at", "timestamp", nullable=False, description="When the request was opened."),
            C("first_response_at", "timestamp", description="First response to the customer."),
            C("resolved_at", "timestamp", description="When the ticket was closed."),
            C("status", "text", nullable=False, domain=TICKET_STATUSES,
              description="open, resolved or closed_unresolved."),
            C("assigned_to", "text", description="Employee handling the ticket."),
        ),
        "Customer service requests (звернення).",
        references=(("customer_id", "customers", "customer_id"), ("assigned_to", "employees", "employee_id")),
        ordered=(("opened_at", "first_response_at"), ("opened_at", "resolved_at")),
    ),
    Table(
        "surveys", False, ("response_id",),
        (
            C("response_id", "text", nullable=False, description="Survey response key."),
            C("customer_id", "text", description="Customer who answered."),
            C("ticket_id", "text", description="Ticket the survey followed, if any."),
            C("order_id", "text", description="Order the survey followed, if any."),
            C("responded_at", "timestamp", nullable=False, description="When the customer answered."),
            C("csat_score", "int", min_value=1, max_value=5, description="Satisfaction 1-5."),
            C("nps_score", "int", min_value=0, max_value=10, description="Likelihood to recommend 0-10."),
        ),
        "Customer satisfaction and NPS survey answers.",
        references=(("customer_id", "customers", "customer_id"), ("ticket_id", "tickets", "ticket_id"),
                    ("order_id", "orders", "order_id")),
    ),
    Table(
        "documents", False, ("document_id",),
        (
            C("document_id", "text", nullable=False, description="Document key."),
            C("order_id", "text", description="Order the document belongs to, if any."),
            C("document_type", "text", domain=DOCUMENT_TYPES, description="invoice, contract, waybill, act, other."),
            C("created_at", "timestamp", nullable=False, description="When the document was created."),
            C("created_by", "text", description="Employee who created it."),
            C("has_error", "bool", nullable=False, description="Whether an error was found in it."),
            C("corrected_at", "timestamp", description="When the error was corrected."),
        ),
        "Documents issued (invoices, contracts, waybills, acts).",
        references=(("order_id", "orders", "order_id"), ("created_by", "employees", "employee_id")),
        ordered=(("created_at", "corrected_at"),),
    ),
    Table(
        "approvals", False, ("approval_id",),
        (
            C("approval_id", "text", nullable=False, description="Approval key."),
            C("object_type", "text", domain=APPROVAL_OBJECT_TYPES,
              description="What was approved: order, discount, contract, refund, other."),
            C("object_id", "text", description="Key of the approved object."),
            C("requested_at", "timestamp", nullable=False, description="When approval was requested."),
            C("decided_at", "timestamp", description="When it was decided; null = pending."),
            C("decision", "text", nullable=False, domain=APPROVAL_DECISIONS,
              description="approved, rejected or pending."),
            C("approver_id", "text", description="Employee who decided."),
        ),
        "Approval requests and decisions.",
        references=(("approver_id", "employees", "employee_id"),),
        ordered=(("requested_at", "decided_at"),),
    ),
    Table(
        "activities", False, ("activity_id",),
        (
            C("activity_id", "text", nullable=False, description="Activity key."),
            C("employee_id", "text", description="Employee who did the work."),
            C("activity_type", "text", domain=ACTIVITY_TYPES, description="call, email, meeting or task."),
            C("created_at", "timestamp", nullable=False, description="When the work item was created."),
            C("due_at", "timestamp", description="When it was due."),
            C("completed_at", "timestamp", description="When it was completed."),
        ),
        "Routine work items of employees.",
        references=(("employee_id", "employees", "employee_id"),),
        ordered=(("created_at", "completed_at"),),
    ),
    Table(
        "sales_targets", False, ("employee_id", "month"),
        (
            C("employee_id", "text", nullable=False, description="Employee the target is for."),
            C("month", "date", nullable=False, description="First day of the target month."),
            C("target_amount", "decimal", min_value=0, description="Sales plan in the reporting currency."),
        ),
        "Sales plan per person and month.",
        references=(("employee_id", "employees", "employee_id"),),
    ),
    Table(
        "operating_expenses", False, ("expense_id",),
        (
            C("expense_id", "text", nullable=False, description="Expense key."),
            C("month", "date", nullable=False, description="First day of the month the expense belongs to."),
            C("category", "text", nullable=False, domain=EXPENSE_CATEGORIES,
              description="acquisition, order_processing, customer_service or other."),
            C("amount", "decimal", nullable=False, description="Amount in the reporting currency."),
        ),
        "Costs of winning, serving and processing.",
    ),
    Table(
        "crm_costs", False, ("cost_id",),
        (
            C("cost_id", "text", nullable=False, description="Cost key."),
            C("incurred_on", "date", nullable=False, description="Day the cost was incurred."),
            C("category", "text", nullable=False, domain=CRM_COST_CATEGORIES,
              description="license, implementation, integration, training, support or other."),
            C("amount", "decimal", nullable=False, min_value=0, description="Amount in the reporting currency."),
        ),
        "The CRM investment, for payback and ROI.",
    ),
    Table(
        "crm_usage", False, ("employee_id", "activity_date"),
        (
            C("employee_id", "text", nullable=False, description="Employee who used the CRM."),
            C("activity_date", "date", nullable=False, description="Day of use."),
            C("sessions", "int", min_value=0, description="CRM sessions that day."),
            C("records_touched", "int", min_value=0, description="Records created or edited that day."),
        ),
        "Who actually works in the CRM, per employee and day.",
        references=(("employee_id", "employees", "employee_id"),),
    ),
    Table(
        "crm_rollout", False, ("scope_type", "scope_value"),
        (
            C("scope_type", "text", nullable=False, domain=ROLLOUT_SCOPE_TYPES,
              description="company, department or region."),
            C("scope_value", "text", nullable=False, description="Which department or region ('all' for company)."),
            C("go_live_date", "date", nullable=False, description="Day the CRM went live for the scope."),
        ),
        "Staged rollout; absent = one company-wide go-live date from settings.",
    ),
    Table(
        "fx_rates", False, ("currency", "rate_date"),
        (
            C("currency", "text", nullable=False, description="ISO 4217 currency."),
            C("rate_date", "date", nullable=False, description="Day the rate applies from."),
            C("rate_to_reporting", "decimal", nullable=False, min_value=0,
              description="Units of reporting currency per unit of the currency."),
        ),
        "Exchange rates to the reporting currency.",
    ),
)

TABLES_BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}
REQUIRED_TABLES: tuple[str, ...] = tuple(t.name for t in TABLES if t.required)
