-- One row per document, counted in the local month of its created_at, with
-- the error flag of document_error_rate and the time to correct an error.
-- Attribution: the department of the employee who created it.
select
    documents.document_id,
    documents.order_id,
    documents.document_type,
    documents.created_at_utc,
    documents.created_at_local,
    {{ month_of('documents.created_at_local') }} as document_month,
    documents.created_by_employee_id,
    employees.department as created_by_department,
    documents.has_error,
    documents.corrected_at_utc,
    documents.corrected_at_local,
    case
        when documents.has_error
            then {{ hours_between('documents.created_at_utc', 'documents.corrected_at_utc') }}
    end as hours_to_correction
from {{ ref('stg_crm__documents') }} as documents
left join {{ ref('stg_crm__employees') }} as employees
    on documents.created_by_employee_id = employees.employee_id
