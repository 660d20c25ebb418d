-- Monthly values of the service KPIs in every scope, with the month's CRM period.
-- Definitions: kpi_service__records; aggregation: int_kpi__monthly (the same for every family).
{{ kpi_family_monthly('service') }}
