-- Monthly values of the customer-base KPIs in every scope, with the month's CRM period.
-- Definitions: kpi_customer_base__records; aggregation: int_kpi__monthly (the same for every family).
{{ kpi_family_monthly('customer_base') }}
