-- TPC-H Q18: large volume customer.
-- Which customers placed the largest orders (more than 300 units in total)? The top 100
-- such orders by total price.

with large_orders as (
    select l.order_key
    from {{ ref('fct_order_lines') }} as l
    group by l.order_key
    having sum(l.quantity) > 300
)

select
    pii.customer_name as c_name,
    c.customer_key as c_custkey,
    o.order_key as o_orderkey,
    o.order_date as o_orderdate,
    o.total_price as o_totalprice,
    sum(l.quantity) as sum
from large_orders as lo
inner join {{ ref('fct_orders') }} as o
    on lo.order_key = o.order_key
inner join {{ ref('fct_order_lines') }} as l
    on o.order_key = l.order_key
inner join {{ ref('dim_customers') }} as c
    on o.customer_key = c.customer_key
    and c.is_current
inner join {{ ref('dim_customers_pii') }} as pii
    on c.customer_key = pii.customer_key
    and pii.is_current
group by
    pii.customer_name,
    c.customer_key,
    o.order_key,
    o.order_date,
    o.total_price
order by
    o_totalprice desc,
    o_orderdate asc
limit 100
