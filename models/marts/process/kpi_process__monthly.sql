-- Monthly values of the process KPIs in every scope, with the month's CRM period.
-- Definitions: kpi_process__records; aggregation: int_kpi__monthly (the same for every family).
{{ kpi_family_monthly('process') }}
