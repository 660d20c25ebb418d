-- Monthly values of the adoption KPIs in every scope, with the month's CRM period.
-- Definitions: kpi_adoption__records; aggregation: int_kpi__monthly (the same for every family).
{{ kpi_family_monthly('adoption') }}
