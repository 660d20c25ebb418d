-- Why rows of the load behind the warehouse were quarantined: one row per
-- table, column and rule (the first rule each row broke), most frequent
-- first, with one full reason as an example. The per-row detail stays in
-- raw.quarantine (with the row's original text); this is what the report
-- lists under each table. From macros/loader_log.sql; no rows where the
-- loader recorded nothing.
select
    table_name,
    column_name,
    rule,
    row_count,
    cast(row_number() over (partition by table_name order by row_count desc, column_name, rule)
        as {{ dbt.type_bigint() }}) as reason_rank,
    example_reason
from ({{ quarantine_counts() }}) as counts
