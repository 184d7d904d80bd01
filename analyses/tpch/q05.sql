-- TPC-H Q5: local supplier volume.
-- How much revenue did each Asian nation generate in 1994 from orders where customer and
-- supplier are in the same nation?

select
    g.nation_name as n_name,
    sum(l.extended_price * (1 - l.discount)) as revenue
from {{ ref('fct_order_lines') }} as l
inner join {{ ref('fct_orders') }} as o
    on l.order_key = o.order_key
inner join {{ ref('dim_customers') }} as c
    on o.customer_key = c.customer_key
    and c.is_current
inner join {{ ref('dim_suppliers') }} as s
    on l.supplier_key = s.supplier_key
    and s.is_current
inner join {{ ref('dim_geography') }} as g
    on s.nation_key = g.nation_key
where
    c.nation_key = s.nation_key
    and g.region_name = 'ASIA'
    and o.order_date >= date '1994-01-01'
    and o.order_date < date '1994-01-01' + interval '1' year
group by g.nation_name
order by revenue desc
