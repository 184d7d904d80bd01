-- TPC-H Q15: top supplier.
-- Which supplier(s) generated the most revenue from lines shipped in Q1 1996?

with supplier_revenue as (
    select
        l.supplier_key,
        sum(l.extended_price * (1 - l.discount)) as total_revenue
    from {{ ref('fct_order_lines') }} as l
    where
        l.ship_date >= date '1996-01-01'
        and l.ship_date < date '1996-01-01' + interval '3' month
    group by l.supplier_key
),

top_revenue as (
    select max(total_revenue) as max_revenue
    from supplier_revenue
)

select
    s.supplier_key as s_suppkey,
    s.supplier_name as s_name,
    s.supplier_address as s_address,
    s.supplier_phone as s_phone,
    r.total_revenue
from supplier_revenue as r
inner join top_revenue as t
    on r.total_revenue = t.max_revenue
inner join {{ ref('dim_suppliers') }} as s
    on r.supplier_key = s.supplier_key
    and s.is_current
order by s_suppkey
