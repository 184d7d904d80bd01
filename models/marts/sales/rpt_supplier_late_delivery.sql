-- How often each supplier's lines are received after the committed date, by month of receipt.
-- Grain: one supplier and receipt month (received lines only). Inputs: fct_order_lines,
-- dim_suppliers (current version), dim_geography. Incremental: the supplier months of the
-- orders changed since the last run (the months their lines moved from included), and every
-- month of a supplier with a new version, are recomputed whole; the pre-hook deletes their
-- rows first, so that a month left empty disappears (macros/incremental/replaced_rows.sql).
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['supplier_key', 'receipt_month'],
        on_schema_change='append_new_columns',
        pre_hook="{{ delete_replaced_rows('(supplier_key, receipt_month) in ('
            ~ supplier_months_changed_since(batch_watermark()) ~ ')') }}"
    )
}}

with received_lines as (
    select
        order_lines.*,
        cast({{ dbt.date_trunc('month', 'order_lines.receipt_date') }} as date) as receipt_month
    from {{ ref('fct_order_lines') }} as order_lines
    where order_lines.receipt_date is not null
    {% if is_incremental() %}
        and (
            order_lines.supplier_key,
            cast({{ dbt.date_trunc('month', 'order_lines.receipt_date') }} as date)
        ) in ({{ supplier_months_changed_since(batch_watermark()) }})
    {% endif %}
),

suppliers as (
    select * from {{ ref('dim_suppliers') }}
    where is_current
),

geography as (
    select * from {{ ref('dim_geography') }}
),

monthly as (
    select
        supplier_key,
        receipt_month,
        count(*) as lines_received,
        cast(sum(case when is_late_delivery then 1 else 0 end) as bigint) as lines_late,
        cast(sum(
            case
                when is_late_delivery
                    then {{ dbt.datediff("commit_date", "receipt_date", "day") }}
                else 0
            end
        ) as bigint) as days_late,
        max(_batch_id) as _batch_id
    from received_lines
    group by supplier_key, receipt_month
),

final as (
    select
        -- grain
        monthly.supplier_key,
        monthly.receipt_month,
        -- attributes (current)
        suppliers.supplier_name,
        geography.nation_name,
        geography.region_name,
        -- measures
        monthly.lines_received,
        monthly.lines_late,
        cast(
            {{ exact_ratio('monthly.lines_late', 'monthly.lines_received', 6) }}
            as decimal(9, 6)
        ) as late_rate,
        cast(
            case
                when monthly.lines_late > 0
                    then {{ exact_ratio('monthly.days_late', 'monthly.lines_late', 2) }}
            end as decimal(9, 2)
        ) as avg_days_late,
        -- metadata: the newest batch of the month's lines (the incremental watermark)
        monthly._batch_id
    from monthly
    left join suppliers on monthly.supplier_key = suppliers.supplier_key
    left join geography on suppliers.geography_sk = geography.geography_sk
)

select * from final
