-- Monthly values of the staff KPIs in every scope, with the month's CRM period.
-- Definitions: kpi_staff__records; aggregation: int_kpi__monthly (the same for every family).
{{ kpi_family_monthly('staff') }}
