-- Customer cohorts by month of first order: how many stay active and what they spend.
-- Grain: one cohort month and month since the first order.
with orders as (
    select * from {{ ref('fct_orders') }}
    where order_date is not null
        and customer_key <> {{ unknown_member_key() }}
),

first_orders as (
    select
        customer_key,
        cast({{ dbt.date_trunc('month', 'min(order_date)') }} as date) as cohort_month
    from orders
    group by customer_key
),

cohort_sizes as (
    select
        cohort_month,
        count(*) as cohort_customers
    from first_orders
    group by cohort_month
),

activity as (
    select
        first_orders.cohort_month,
        {{ dbt.datediff('first_orders.cohort_month', 'orders.order_date', 'month') }}
            as months_since_first_order,
        orders.customer_key,
        orders.net_amount
    from orders
    inner join first_orders on orders.customer_key = first_orders.customer_key
),

monthly as (
    select
        cohort_month,
        months_since_first_order,
        count(distinct customer_key) as active_customers,
        cast(sum(net_amount) as decimal(18, 4)) as net_revenue
    from activity
    group by cohort_month, months_since_first_order
),

final as (
    select
        -- grain
        monthly.cohort_month,
        cast(monthly.months_since_first_order as integer) as months_since_first_order,
        -- measures
        cohort_sizes.cohort_customers,
        monthly.active_customers,
        cast(
            {{ exact_ratio('monthly.active_customers', 'cohort_sizes.cohort_customers', 6) }}
            as decimal(9, 6)
        ) as retention_rate,
        monthly.net_revenue,
        cast(sum(monthly.net_revenue) over (
            partition by monthly.cohort_month
            order by monthly.months_since_first_order
            rows between unbounded preceding and current row
        ) as decimal(18, 4)) as cumulative_net_revenue,
        cast(
            {{ exact_ratio(
            'sum(monthly.net_revenue) over (partition by monthly.cohort_month '
            ~ 'order by monthly.months_since_first_order '
            ~ 'rows between unbounded preceding and current row)',
            'cohort_sizes.cohort_customers', 4, numerator_scale=4) }}
            as decimal(18, 4)
        ) as lifetime_value_per_customer
    from monthly
    inner join cohort_sizes on monthly.cohort_month = cohort_sizes.cohort_month
)

select * from final
