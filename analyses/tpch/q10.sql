-- TPC-H Q10: returned item reporting.
-- Which 20 customers lost us the most revenue through returned items on orders placed
-- in Q4 1993? Includes their contact details for follow-up.

select
    c.customer_key as c_custkey,
    pii.customer_name as c_name,
    sum(l.extended_price * (1 - l.discount)) as revenue,
    c.account_balance as c_acctbal,
    g.nation_name as n_name,
    pii.customer_address as c_address,
    pii.customer_phone as c_phone,
    pii.customer_comment as c_comment
from {{ ref('fct_order_lines') }} as l
inner join {{ ref('fct_orders') }} as o
    on l.order_key = o.order_key
inner join {{ ref('dim_customers') }} as c
    on o.customer_key = c.customer_key
    and c.is_current
inner join {{ ref('dim_customers_pii') }} as pii
    on c.customer_key = pii.customer_key
    and pii.is_current
inner join {{ ref('dim_geography') }} as g
    on c.nation_key = g.nation_key
where
    o.order_date >= date '1993-10-01'
    and o.order_date < date '1993-10-01' + interval '3' month
    and l.return_flag = 'R'
group by
    c.customer_key,
    pii.customer_name,
    c.account_balance,
    pii.customer_phone,
    g.nation_name,
    pii.customer_address,
    pii.customer_comment
order by revenue desc
limit 20
