-- TPC-H Q3: shipping priority.
-- Which unshipped orders of the BUILDING market segment are worth the most? The ten
-- orders placed before 1995-03-15 with lines still to ship after that date, by the
-- revenue of those lines.

select
    l.order_key as l_orderkey,
    sum(l.extended_price * (1 - l.discount)) as revenue,
    o.order_date as o_orderdate,
    o.ship_priority as o_shippriority
from {{ ref('fct_order_lines') }} as l
inner join {{ ref('fct_orders') }} as o
    on l.order_key = o.order_key
inner join {{ ref('dim_customers') }} as c
    on o.customer_key = c.customer_key
    and c.is_current
where
    c.market_segment = 'BUILDING'
    and o.order_date < date '1995-03-15'
    and l.ship_date > date '1995-03-15'
group by
    l.order_key,
    o.order_date,
    o.ship_priority
order by
    revenue desc,
    o_orderdate asc
limit 10
