-- Daily revenue by customer region and market segment, as they were on the order date.
-- Grain: one order date, region and market segment.
with order_lines as (
    select * from {{ ref('fct_order_lines') }}
    where order_date is not null
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
        cast(sum(order_lines.net_amount) as decimal(18, 4)) as net_revenue
    from order_lines
    inner join customers on order_lines.customer_sk = customers.customer_sk
    inner join geography on customers.geography_sk = geography.geography_sk
    group by order_lines.order_date, geography.region_name, customers.market_segment
)

select * from final
