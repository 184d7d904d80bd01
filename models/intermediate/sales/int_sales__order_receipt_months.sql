-- Every supplier and receipt month each order's lines have had: the current ones and any an
-- update moved a line from. Grain: one order, supplier and receipt month (order_key,
-- supplier_key, receipt_month). Inputs: stg_erp__order_lines.
-- rpt_supplier_late_delivery recomputes the supplier months of the orders changed since its
-- last run from it, the month a line left included (staging keeps only the newest version).
-- Incremental: the new batches' received line versions add their supplier months (a month
-- seen again is replaced by delete+insert with its newer batch).
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['order_key', 'supplier_key', 'receipt_month']
    )
}}

with order_lines as (
    select * from {{ ref('stg_erp__order_lines') }}
    where
        _batch_id > {{ batch_watermark() }}
        and receipt_date is not null
        and supplier_key is not null
),

final as (
    select
        order_key,
        supplier_key,
        cast({{ dbt.date_trunc('month', 'receipt_date') }} as date) as receipt_month,
        max(_batch_id) as _batch_id
    from order_lines
    group by
        order_key,
        supplier_key,
        cast({{ dbt.date_trunc('month', 'receipt_date') }} as date)
)

select * from final
