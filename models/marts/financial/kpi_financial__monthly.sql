-- Monthly values of the financial KPIs in every scope, with the month's CRM period.
-- Definitions: kpi_financial__records; aggregation: int_kpi__monthly (the same for every family).
{{ kpi_family_monthly('financial') }}
