-- TPC-H Q13: customer distribution.
-- How many customers place how many orders? Distribution of customers by their number of
-- orders (ignoring orders commenting on "special requests"), including customers who
-- never ordered.

with orders_per_customer as (
    select
        c.customer_key,
        count(o.order_key) as c_count
    from {{ ref('dim_customers') }} as c
    left join {{ ref('fct_orders') }} as o
        on c.customer_key = o.customer_key
        and o.order_comment not like '%special%requests%'
    where
        c.is_current
        and c.customer_key <> -1
    group by c.customer_key
)

select
    c_count,
    count(*) as custdist
from orders_per_customer
group by c_count
order by
    custdist desc,
    c_count desc
