-- The load behind the warehouse, one row per contract table: the file whose
-- rows the raw table holds, how many rows the loader read from it, loaded
-- and quarantined, and whether a quarantine above the load's limit was
-- accepted (--accept-quarantine). The scorecard and the report show it, so
-- that no number is read without the quarantine behind it. From raw.load_log
-- (macros/loader_log.sql); no rows where the loader recorded nothing (the
-- Spark raw layer).
with files as (
    {{ loaded_files() }}
),

reasons as (
    select
        table_name,
        column_name,
        rule,
        row_count,
        row_number() over (partition by table_name order by row_count desc, column_name, rule) as reason_rank
    from ({{ quarantine_counts() }}) as counts
),

-- the three most frequent reasons as one line for BI, e.g. "12 x amount (type)"
top_reasons as (
    select
        table_name,
        {{ sorted_listagg(
            "cast(reason_rank as " ~ dbt.type_string() ~ ") || '. ' || cast(row_count as " ~ dbt.type_string()
            ~ ") || ' x ' || column_name || ' (' || rule || ')'", "'; '") }} as top_reasons
    from reasons
    where reason_rank <= 3
    group by table_name
)

select
    files.table_name,
    files.load_status,
    files.source_file,
    files.load_id,
    files.loaded_at,
    files.rows_read,
    files.rows_loaded,
    files.rows_quarantined,
    {{ safe_divide('files.rows_quarantined', 'files.rows_read') }} as quarantined_share,
    files.max_quarantine_share,
    coalesce(
        files.max_quarantine_share is not null
        and files.rows_read > 0
        and files.rows_quarantined > files.max_quarantine_share * files.rows_read,
        false
    ) as is_quarantine_accepted_above_limit,
    top_reasons.top_reasons
from files
left join top_reasons
    on files.table_name = top_reasons.table_name
