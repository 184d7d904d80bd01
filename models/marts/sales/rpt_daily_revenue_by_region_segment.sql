-- Daily revenue by customer region and market segment, as they were on the order date.
-- Grain: one order date, region and market segment. Inputs: fct_order_lines, dim_customers,
-- dim_geography. Incremental: every date of the orders changed since the last run (the
-- dates they moved from included) is recomputed whole, replacing the date's rows
-- (delete+insert by date); the pre-hook deletes them first, so that a date left empty
-- disappears too (macros/incremental/replaced_rows.sql).
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='order_date',
        on_schema_change='append_new_columns',
        pre_hook="{{ delete_replaced_rows('order_date in ('
            ~ order_dates_changed_since(batch_watermark()) ~ ')') }}"
    )
}}

with order_lines as (
    select * from {{ ref('fct_order_lines') }}
    where order_date is not null
    {% if is_incremental() %}
        and order_date in ({{ order_dates_changed_since(batch_watermark()) }})
    {% endif %}
),

customers as (
    select * from {{ ref('dim_customers') }}
),

geography as (
    select * from {{ ref('dim_geography') }}
),

final as (
    select
        -- grain
        order_lines.order_date,
        geography.region_name,
        customers.market_segment,
        -- measures
        count(distinct order_lines.order_key) as order_count,
        count(*) as line_count,
        cast(sum(order_lines.quantity) as decimal(18, 2)) as total_quantity,
        cast(sum(order_lines.extended_price) as decimal(18, 2)) as gross_sales,
        cast(sum(order_lines.net_amount) as decimal(18, 4)) as net_revenue,
        -- metadata: the newest batch of the date's lines (the incremental watermark)
        max(order_lines._batch_id) as _batch_id
    from order_lines
    inner join customers on order_lines.customer_sk = customers.customer_sk
    inner join geography on customers.geography_sk = geography.geography_sk
    group by order_lines.order_date, geography.region_name, customers.market_segment
)

select * from final
