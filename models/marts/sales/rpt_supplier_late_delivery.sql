-- How often each supplier's lines are received after the committed date, by month of receipt.
-- Grain: one supplier and receipt month (received lines only).
with received_lines as (
    select * from {{ ref('fct_order_lines') }}
    where receipt_date is not null
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
        cast({{ dbt.date_trunc('month', 'receipt_date') }} as date) as receipt_month,
        count(*) as lines_received,
        cast(sum(case when is_late_delivery then 1 else 0 end) as bigint) as lines_late,
        cast(sum(
            case
                when is_late_delivery
                    then {{ dbt.datediff("commit_date", "receipt_date", "day") }}
                else 0
            end
        ) as bigint) as days_late
    from received_lines
    group by supplier_key, cast({{ dbt.date_trunc('month', 'receipt_date') }} as date)
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
        ) as avg_days_late
    from monthly
    left join suppliers on monthly.supplier_key = suppliers.supplier_key
    left join geography on suppliers.geography_sk = geography.geography_sk
)

select * from final
